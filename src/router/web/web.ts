import type {IncomingMessage, ServerResponse} from 'node:http'
import type {TLSSocket} from 'node:tls'

import {compileQuery, type QueryOptions, QueryError} from '../../query/compile.js'
import {parseTimestamp} from '../../parse/timestamp.js'
import {formatTimeBound, parseExactTimeBound, untilMs} from '../../query/time-bound.js'
import type {ApiContext} from '../api/api.js'
import {ApiError, readJsonObject, sendError, sendJson} from '../api/http.js'
import {deliveryJson} from '../drains/status-json.js'
import {appDrops} from '../observability/status.js'
import type {LogMessage} from '../message.js'
import {apiTimestamp, type App} from '../store.js'
import {ChartBuilder} from './charts.js'
import {filterFlags, FilterLineError, parseFilterLine} from './filter-line.js'
import {messageRecord, newestPage, offsetRange, readForward} from './log-range.js'
import {StaticFiles} from './static-files.js'
import {clearedCookie, sameOriginWrite, sessionCookie, WebAuth} from './web-auth.js'

/**
 * The page's policy: its own bundled script and style only, requests to its own origin only, no frames, no
 * plugins, no inline script or style element. Log lines are attacker-controlled text; this is the second line
 * of defence after rendering them as text.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  "font-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ')

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
}

/** History answers at most this many messages a page, and reads at most MAX_SCANNED to find them. */
const HISTORY_PAGE = 200
const MAX_SCANNED = 200_000
const MAX_JSON_BYTES = 64 * 1024

/** Where the page lives on the router's HTTP(S) listener. */
export const WEB_PREFIX = '/web'

/**
 * `/web/...`: the page and the JSON it reads, behind WebAuth's cookie; everything else goes to `api`.
 * The page reads its tail from `/sessions/{id}` as any session client does.
 */
export function createWebHandler(
  context: ApiContext,
  api: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const web = new WebRoutes(context, new WebAuth(context.apiKey), new StaticFiles())
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD') && acceptsHtml(req)) {
      // The router's address typed into a browser: the page, rather than the API's 401 in JSON.
      res.writeHead(302, {Location: `${WEB_PREFIX}/`}).end()
      return
    }

    if (path !== WEB_PREFIX && !path.startsWith(WEB_PREFIX + '/')) {
      api(req, res)
      return
    }

    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    web.handle(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) return sendError(res, error)
      if (error instanceof FilterLineError || error instanceof QueryError) return sendError(res, new ApiError(422, 'invalid_params', error.message))
      if (req.destroyed) return
      sendError(res, new ApiError(500, 'internal_server_error', `Internal error: ${(error as Error).message}`))
    })
  }
}

/** A browser navigating asks for HTML first; API clients (the Heroku CLI, logsift) ask for JSON. */
function acceptsHtml(req: IncomingMessage): boolean {
  return /(^|,)\s*text\/html\b/.test(req.headers.accept ?? '')
}

class WebRoutes {
  constructor(
    private readonly context: ApiContext,
    private readonly auth: WebAuth,
    private readonly files: StaticFiles,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://router')
    const segments = url.pathname.slice(WEB_PREFIX.length).split('/').filter(Boolean).map((segment) => safeDecode(segment))
    const method = req.method ?? 'GET'
    if (segments[0] !== 'api') return this.page(res, method, url.pathname, segments)

    const [, first, app, what] = segments
    if (first === 'open-tokens' && app === undefined) {
      allow(method, 'POST')
      return this.openToken(req, res)
    }

    if (first === 'login' && app === undefined) {
      allow(method, 'POST')
      return this.login(req, res)
    }

    if (!this.auth.authorized(req)) throw new ApiError(401, 'unauthorized', 'Log in first: `logsift open`, or the API key in the login form.')
    if (first === 'logout' && app === undefined) {
      allow(method, 'POST')
      this.checkWrite(req)
      this.auth.logout(req)
      res.writeHead(204, {'Set-Cookie': clearedCookie(isTls(req))}).end()
      return
    }

    if (first !== 'apps' || segments.length > 4) throw notFound()
    if (app === undefined) {
      allow(method, 'GET')
      return sendJson(res, 200, await this.apps())
    }

    const found = this.app(app)
    switch (what) {
      case 'history': {
        allow(method, 'GET')
        return sendJson(res, 200, await this.history(found, url.searchParams))
      }

      case 'charts': {
        allow(method, 'GET')
        return sendJson(res, 200, await this.charts(found, url.searchParams))
      }

      case 'log-sessions': {
        allow(method, 'POST')
        this.checkWrite(req)
        return this.createSession(req, res, found)
      }

      default: {
        throw notFound()
      }
    }
  }

  /** The page's shell and bundle: public, as they hold no data; the page asks for a login before showing any. */
  private async page(res: ServerResponse, method: string, pathname: string, segments: string[]): Promise<void> {
    allow(method, 'GET')
    if (pathname === WEB_PREFIX) {
      res.writeHead(301, {Location: WEB_PREFIX + '/'}).end()
      return
    }

    const name = segments.length === 0 ? 'index.html' : segments.length === 2 && segments[0] === 'assets' ? segments[1] : undefined
    const file = name === undefined ? undefined : await this.files.get(name)
    if (file === undefined) throw notFound()
    res.writeHead(200, {'Cache-Control': 'no-cache', 'Content-Length': file.body.length, 'Content-Type': file.type}).end(file.body)
  }

  /** `logsift open`: with the API key as a Bearer token, a one-time token for the page's URL. */
  private openToken(req: IncomingMessage, res: ServerResponse): void {
    const match = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (match === null || !this.auth.isApiKey(match[1])) {
      throw new ApiError(401, 'unauthorized', 'Invalid credentials provided.', {'WWW-Authenticate': 'Bearer realm="logsift"'})
    }

    const {expiresAt, token} = this.auth.openToken()
    res.setHeader('Cache-Control', 'no-store')
    sendJson(res, 201, {expires_at: new Date(expiresAt).toISOString(), token})
  }

  /** The login form (`{key}`) or the page swapping the token of its URL (`{token}`) for the session cookie. */
  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkWrite(req)
    const {key, token} = await readJsonObject(req, MAX_JSON_BYTES)
    const session = typeof token === 'string' ? this.auth.swap(token) : typeof key === 'string' ? this.auth.login(key.trim()) : undefined
    if (session === undefined) {
      const message = typeof token === 'string' ? 'That link was used already or has expired; run `logsift open` again.' : 'That is not the router\'s API key.'
      throw new ApiError(401, 'unauthorized', message)
    }

    res.writeHead(204, {'Cache-Control': 'no-store', 'Set-Cookie': sessionCookie(session, isTls(req))}).end()
  }

  private checkWrite(req: IncomingMessage): void {
    if (!sameOriginWrite(req)) throw new ApiError(403, 'forbidden', 'Only the page itself may do this (same origin, JSON).')
  }

  private app(idOrName: string): App {
    const app = this.context.store.find(idOrName)
    if (app === undefined) throw new ApiError(404, 'not_found', "Couldn't find that app.")
    return app
  }

  /** Each app with its rate over the last minute, drops by cause and drains with their delivery state. */
  private async apps() {
    const {drains, drops, hub, store} = this.context
    const now = Date.now()
    return Promise.all(store.list().map(async (app) => {
      const log = hub.engine.app(app.id)
      const [{nextOffset}, lastMinute] = await Promise.all([log.stats(), log.read({time: now - 60_000}, 1)])
      const since = lastMinute.messages[0]?.offset ?? lastMinute.next
      return {
        drains: await Promise.all(app.drains.map(async (drain) => ({delivery: deliveryJson(await drains?.report(drain.id)), id: drain.id, url: withoutPassword(drain.url)}))),
        drops: appDrops(drops, app.id),
        id: app.id,
        messages_per_minute: Math.max(0, nextOffset - since),
        name: app.name,
      }
    }))
  }

  /** The query of the filter box with the range's bounds, compiled as `logs` compiles its flags. */
  private async query(params: URLSearchParams, now: number, app: string): Promise<{options: QueryOptions; matches: (message: LogMessage) => boolean; since?: number; until?: number}> {
    const options = await parseFilterLine(params.get('filter') ?? '', now, app)
    const since = params.get('since') || options.since
    const until = params.get('until') || options.until
    const exact = {
      since: since === undefined ? undefined : parseExactTimeBound('--since', since, now),
      until: until === undefined ? undefined : parseExactTimeBound('--until', until, now),
    }
    // In milliseconds, the bounds' whole milliseconds: the query tests what lies in them to the fraction given.
    const bounds = {since: exact.since?.ms, until: exact.until === undefined ? undefined : untilMs(exact.until)}
    // Absolute from here on: the page's next pages and the command line mean the same instants.
    const query = {
      ...options,
      since: exact.since === undefined ? undefined : formatTimeBound(exact.since),
      until: exact.until === undefined ? undefined : formatTimeBound(exact.until),
    }
    const predicate = compileQuery(query)
    const outside = timeWindowTest(bounds.since, bounds.until)
    return {matches: (message) => !outside(message.line) && predicate(messageRecord(message)), options: query, ...bounds}
  }

  /** A page of the range, newest first, and the `logs` command line that prints the same lines. */
  private async history(app: App, params: URLSearchParams) {
    const now = Number(params.get('now')) || Date.now()
    const {matches, options, since} = await this.query(params, now, app.name)
    const log = this.context.hub.engine.app(app.id)
    // The next pages bring back the range's offsets from the first: no time lookup again.
    const cursor = {after: offsetParam(params, 'after'), before: offsetParam(params, 'before')}
    const {end, first} = cursor.after !== undefined && cursor.before !== undefined ? {end: cursor.before, first: cursor.after} : await offsetRange(log, since)
    const page = await newestPage(log, {before: Math.min(cursor.before ?? end, end), first}, matches, HISTORY_PAGE, MAX_SCANNED)
    return {...page, after: first, command: logsCommand(app.name, options), since: options.since ?? null, until: options.until ?? null}
  }

  private async charts(app: App, params: URLSearchParams) {
    const now = Date.now()
    const {matches, since, until} = await this.query(params, now, app.name)
    const intervalSeconds = Number(params.get('interval'))
    const builder = new ChartBuilder(intervalSeconds >= 1 ? Math.round(intervalSeconds) * 1000 : ChartBuilder.intervalFor(since ?? now - 3_600_000, until ?? now))
    const log = this.context.hub.engine.app(app.id)
    const {end, first} = await offsetRange(log, since)
    for await (const message of readForward(log, first, end)) if (matches(message)) builder.add(messageRecord(message))
    return builder.result()
  }

  /**
   * A tailing session filtered in the router by the filter box's query; the page reads it at the returned
   * path. Its saved body is one `sessionRequest` refuses, so a restart does not revive it unfiltered: the
   * page makes a new one and resumes from its last event id.
   */
  private async createSession(req: IncomingMessage, res: ServerResponse, app: App): Promise<void> {
    const {filter, lines} = await readJsonObject(req, MAX_JSON_BYTES)
    if (filter !== undefined && typeof filter !== 'string') throw new ApiError(422, 'invalid_params', 'filter must be a string.')
    const params = new URLSearchParams(typeof filter === 'string' ? {filter} : {})
    const {matches, since, until} = await this.query(params, Date.now(), app.name)
    const count = typeof lines === 'number' && Number.isInteger(lines) && lines >= 0 ? Math.min(lines, this.context.limits.bufferSize) : 100
    const now = apiTimestamp()
    const session = this.context.sessions.create(app.id, {
      dynoTest: undefined, filter: matches, lines: count, since, sourceTest: undefined, tail: true, until,
    }, now, {lines: -1, web_filter: filter ?? ''})
    sendJson(res, 201, {created_at: now, id: session.id, path: `/sessions/${session.id}`})
  }
}

/**
 * A cheap first look at a line's time, for reading far past a range: true when the line opens with a
 * timestamp outside [since, until). Exact, not a guess: such a line is either a `heroku logs` line with that
 * timestamp, which the query's window refuses, or not one at all (then it has no time, and the window
 * refuses it too). A line whose opening is not a timestamp is left to the query.
 */
export function timeWindowTest(since: number | undefined, until: number | undefined): (line: string) => boolean {
  if (since === undefined && until === undefined) return () => false
  return (line) => {
    const space = line.indexOf(' ')
    if (space < 10 || space > 40) return false
    const time = parseTimestamp(line.slice(0, space))
    return !Number.isNaN(time) && ((since !== undefined && time < since) || (until !== undefined && time >= until))
  }
}

/** `logsift logs -a APP --since … --until … FLAGS`, quoted for a POSIX shell. */
export function logsCommand(app: string, query: QueryOptions): string {
  const words = ['logsift', 'logs', '-a', app]
  if (query.since !== undefined) words.push('--since', query.since)
  if (query.until !== undefined) words.push('--until', query.until)
  return [...words, ...filterFlags(query)].join(' ')
}

function offsetParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name)
  if (value === null) return undefined
  if (!/^\d+$/.test(value)) throw new ApiError(422, 'invalid_params', `${name} must be an offset.`)
  return Number(value)
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '****'
    return parsed.toString()
  } catch {
    return url
  }
}

function isTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new ApiError(400, 'bad_request', 'The path is not valid percent-encoding.')
  }
}

function allow(method: string, ...allowed: string[]): void {
  if (!allowed.includes(method)) throw new ApiError(405, 'method_not_allowed', `Use ${allowed.join(' or ')} here.`, {Allow: allowed.join(', ')})
}

function notFound(): ApiError {
  return new ApiError(404, 'not_found', 'Not found.')
}
