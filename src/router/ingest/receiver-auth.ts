import {timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'

import {ApiError} from '../api/http.js'
import type {App, AppStore} from '../store.js'

/**
 * One entry of an app's receiver allowlist: a POST to `/logs` for the app must carry this
 * `Logplex-Drain-Token`, or these Basic credentials.
 */
export type AllowEntry =
  | {readonly app: string; readonly drainToken: string}
  | {readonly app: string; readonly password: string; readonly user: string}

/** `APP=d.TOKEN` or `APP=USER:PASSWORD`, as `serve --allow` takes it. */
export function parseAllowEntry(text: string): AllowEntry {
  const equals = text.indexOf('=')
  const app = text.slice(0, equals)
  const value = text.slice(equals + 1)
  if (equals < 1 || value === '') throw new Error(`--allow ${redactAllow(text)} must be APP=d.TOKEN or APP=USER:PASSWORD`)
  if (/^d\.[\da-f-]{36}$/i.test(value)) return {app, drainToken: value.toLowerCase()}
  const colon = value.indexOf(':')
  if (colon === -1) throw new Error(`--allow ${redactAllow(text)} must be APP=d.TOKEN or APP=USER:PASSWORD`)
  return {app, password: value.slice(colon + 1), user: value.slice(0, colon)}
}

function redactAllow(text: string): string {
  return text.replace(/:.*$/, ':****')
}

/** Refusals are logged at most once per source address in this time. */
const LOG_EVERY_MS = 60_000
/** Frame ids remembered per app, to take a retried POST once. */
const FRAME_IDS_KEPT = 4096

/**
 * Who may post into an app through `POST /logs`. The app is named by its input token as the Basic-auth
 * password (`token:t.UUID`, as before) or by Basic credentials on its allowlist. An app with an allowlist
 * further needs the request to match one entry: its `Logplex-Drain-Token` (the Heroku drain that feeds it)
 * or its Basic credentials. Anything else is refused (401), counted by the caller, and logged at most once
 * a minute per source address with the number refused since.
 *
 * It also remembers the `Logplex-Frame-Id`s each app took: a sender that retries a batch whose answer it
 * never got sends the same id, and the batch is then answered 204 again without being published twice.
 */
export class ReceiverAuth {
  private readonly logged = new Map<string, {at: number; refused: number}>()
  private readonly frames = new Map<string, Set<string>>()

  constructor(
    private readonly store: AppStore,
    private readonly allow: readonly AllowEntry[],
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The app the request may post into; throws a 401 ApiError otherwise. */
  authorize(req: IncomingMessage): App {
    const credentials = basicCredentials(req)
    const header = req.headers['logplex-drain-token']
    const drainToken = typeof header === 'string' ? header.trim().toLowerCase() : undefined
    const app = (credentials === undefined ? undefined : this.store.findByInputToken(credentials.password)) ?? this.appByCredentials(credentials)
    if (app === undefined) return this.refuse(req, credentials === undefined ? 'no Basic credentials' : 'unknown credentials')
    const entries = this.allow.filter((entry) => entry.app === app.name || entry.app === app.id)
    if (entries.length === 0) return app
    const allowed = entries.some((entry) => 'drainToken' in entry
      ? entry.drainToken === drainToken
      : credentials !== undefined && same(entry.user, credentials.user) && same(entry.password, credentials.password))
    if (!allowed) return this.refuse(req, `app ${app.name} does not allow drain token ${drainToken ?? '(none)'} with these credentials`)
    return app
  }

  /** True when the app already took a POST with this request's frame id. */
  isRepeat(app: App, req: IncomingMessage): boolean {
    const id = frameId(req)
    return id !== undefined && this.frames.get(app.id)?.has(id) === true
  }

  /** Records the request's frame id as taken by the app. */
  taken(app: App, req: IncomingMessage): void {
    const id = frameId(req)
    if (id === undefined) return
    let ids = this.frames.get(app.id)
    if (ids === undefined) this.frames.set(app.id, (ids = new Set()))
    ids.add(id)
    if (ids.size > FRAME_IDS_KEPT) ids.delete(ids.values().next().value!)
  }

  private appByCredentials(credentials: {password: string; user: string} | undefined): App | undefined {
    if (credentials === undefined) return undefined
    for (const entry of this.allow) {
      if ('drainToken' in entry || !same(entry.user, credentials.user) || !same(entry.password, credentials.password)) continue
      const app = this.store.find(entry.app)
      if (app !== undefined) return app
    }

    return undefined
  }

  private refuse(req: IncomingMessage, reason: string): never {
    const address = req.socket.remoteAddress ?? 'unknown'
    const now = this.now()
    const seen = this.logged.get(address)
    if (seen === undefined || now - seen.at >= LOG_EVERY_MS) {
      const since = seen === undefined || seen.refused === 0 ? '' : ` (${seen.refused} more refused from there since the last notice)`
      this.log(`refused POST /logs from ${address}: ${reason}${since}`)
      this.logged.set(address, {at: now, refused: 0})
      if (this.logged.size > 10_000) this.forgetOld(now)
    } else {
      seen.refused++
    }

    throw new ApiError(401, 'unauthorized', 'Send an app input token as the Basic-auth password (token:t.UUID), or credentials or a drain token the app allows.', {
      'WWW-Authenticate': 'Basic realm="logsift"',
    })
  }

  private forgetOld(now: number): void {
    for (const [address, seen] of this.logged) if (now - seen.at >= LOG_EVERY_MS) this.logged.delete(address)
  }
}

function frameId(req: IncomingMessage): string | undefined {
  const header = req.headers['logplex-frame-id']
  return typeof header === 'string' && header !== '' ? header : undefined
}

function basicCredentials(req: IncomingMessage): {password: string; user: string} | undefined {
  const header = req.headers.authorization
  if (header === undefined || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon === -1 ? {password: '', user: decoded} : {password: decoded.slice(colon + 1), user: decoded.slice(0, colon)}
}

/** Compares secrets in time that does not depend on where they differ. */
function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
