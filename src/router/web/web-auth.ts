import {randomBytes, timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'

/** The session cookie's name. */
export const WEB_COOKIE = 'logsift_web'
/** How long a token from `logsift open` can be swapped for a session: long enough for a browser to start. */
export const OPEN_TOKEN_TTL_MS = 60_000
/** How long a page session lasts after it was made. */
export const WEB_SESSION_TTL_MS = 12 * 60 * 60 * 1000

/**
 * Who may use the page. The API key never reaches the browser: it is typed into the login form once, or
 * `logsift open` (which has it) asks for a one-time token that the page swaps for a session. The session is
 * an HttpOnly, SameSite=Strict cookie holding a random id, kept only in memory: a restart logs pages out.
 */
export class WebAuth {
  private readonly key: Buffer
  private readonly openTokens = new Map<string, number>()
  private readonly sessions = new Map<string, number>()

  constructor(apiKey: string, private readonly now: () => number = Date.now) {
    this.key = Buffer.from(apiKey)
  }

  /** True when `given` is the API key (compared in constant time). */
  isApiKey(given: string): boolean {
    const buffer = Buffer.from(given)
    return buffer.length === this.key.length && timingSafeEqual(buffer, this.key)
  }

  /** A token `swap` accepts once, within OPEN_TOKEN_TTL_MS. */
  openToken(): {token: string; expiresAt: number} {
    this.sweep()
    const token = randomBytes(24).toString('base64url')
    const expiresAt = this.now() + OPEN_TOKEN_TTL_MS
    this.openTokens.set(token, expiresAt)
    return {expiresAt, token}
  }

  /** A new session id for an open token, which is used up; undefined for a token unknown, used or expired. */
  swap(token: string): string | undefined {
    const expiresAt = this.openTokens.get(token)
    if (expiresAt === undefined) return undefined
    this.openTokens.delete(token)
    return expiresAt < this.now() ? undefined : this.newSession()
  }

  /** A new session id for the API key typed into the login form; undefined for anything else. */
  login(apiKey: string): string | undefined {
    return this.isApiKey(apiKey) ? this.newSession() : undefined
  }

  logout(req: IncomingMessage): void {
    const id = sessionId(req)
    if (id !== undefined) this.sessions.delete(id)
  }

  /** True when the request carries the cookie of a live session. */
  authorized(req: IncomingMessage): boolean {
    const id = sessionId(req)
    if (id === undefined) return false
    const expiresAt = this.sessions.get(id)
    if (expiresAt === undefined) return false
    if (expiresAt < this.now()) {
      this.sessions.delete(id)
      return false
    }

    return true
  }

  private newSession(): string {
    this.sweep()
    const id = randomBytes(32).toString('base64url')
    this.sessions.set(id, this.now() + WEB_SESSION_TTL_MS)
    return id
  }

  /** Forgets what has expired, so a client asking for tokens over and over cannot grow the maps for long. */
  private sweep(): void {
    const now = this.now()
    for (const [token, expiresAt] of this.openTokens) if (expiresAt < now) this.openTokens.delete(token)
    for (const [id, expiresAt] of this.sessions) if (expiresAt < now) this.sessions.delete(id)
  }
}

/** The Set-Cookie value for a session: unreadable by scripts, never sent by another site's requests. */
export function sessionCookie(id: string, secure: boolean): string {
  return `${WEB_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${WEB_SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`
}

export function clearedCookie(secure: boolean): string {
  return `${WEB_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`
}

function sessionId(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === WEB_COOKIE) return value.join('=')
  }

  return undefined
}

/**
 * A request that changes state came from the page itself: browsers send `Origin` on every POST, and
 * `Sec-Fetch-Site` when they know it; another site's form or script gives itself away by either. A JSON
 * content type is required too, which a cross-site form cannot send without a CORS preflight the router
 * never answers. Non-browser clients (no Origin) use the API key instead and never reach here with a cookie.
 */
export function sameOriginWrite(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json') return false
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return false
  const {origin, host} = req.headers
  if (origin === undefined) return site === 'same-origin'
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}
