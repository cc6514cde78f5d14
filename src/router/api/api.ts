import {timingSafeEqual} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {TLSSocket} from 'node:tls'

import {type Account, appPlatformFields, dynosSeen, localAccount} from './app-info.js'
import {compileDynoTest, compileSourceTest} from '../../query/selector.js'
import {QueryError} from '../../query/query-error.js'
import {drainUrlProblem, sameDrainUrl} from '../drains/drain-url.js'
import {redactUrl} from '../drains/redact.js'
import type {DrainDeliveries} from '../drains/deliveries.js'
import {drainLoopProblem} from '../drains/loop.js'
import {deliveryJson, drainSince} from '../drains/status-json.js'
import type {DropCounter, DropOrigin} from '../drops.js'
import {historyQuery} from '../sessions/history-query.js'
import type {Alerts} from '../alerts/alerts.js'
import {alertRoutes} from '../alerts/routes.js'
import {ApiError, readBody, readJsonObject, sendError, sendJson, sendNoContent} from './http.js'
import type {LogHub} from '../hub.js'
import {LogWriteError} from '../log/engine.js'
import {basicPassword, decodeLogplexBody, LOGPLEX_CONTENT_TYPES} from '../ingest/logplex-input.js'
import type {RouterMetrics} from '../observability/metrics.js'
import {appDrops, type RouterStatus} from '../observability/status.js'
import type {Traffic} from '../observability/traffic.js'
import type {ReceiverAuth} from '../ingest/receiver-auth.js'
import type {LogEntry} from '../message.js'
import {SessionStream, streamFormat} from '../sessions/session-stream.js'
import type {SessionRegistry, SessionRequest} from '../sessions/sessions.js'
import {apiTimestamp, type App, type AppStore, type Drain, newApp, newDrain} from '../store.js'
import {decodeTextBody} from '../ingest/text-input.js'
import {DEFAULT_OTLP_IN_FLIGHT, OtlpInput} from '../otlp/http-input.js'
import type {TelemetryStatus} from '../otlp/exporter.js'
import {createTelemetryDrain, findTelemetryDrain, telemetryDeliveryJson, telemetryDrainJson} from '../otlp/telemetry-api.js'
import {processTypeTest} from '../../query/process-type.js'

export interface ApiLimits {
  bufferSize: number
  maxBodyBytes: number
  maxDrainsPerApp: number
  maxFrameBytes: number
  sessionQueueBytes: number
  /** OTLP requests taken in at once before more are answered 429. Default 32. */
  otlpInFlight?: number
}

export interface ApiContext {
  apiKey: string
  drops: DropCounter
  hub: LogHub
  limits: ApiLimits
  sessions: SessionRegistry
  store: AppStore
  /** Open session streams, ended when the router closes. */
  streams: Set<SessionStream>
  /** Who may post to `/logs` beyond an input token (allowlists), and the frame ids already taken. */
  receiver?: ReceiverAuth
  /** Where a drain added starts, and its delivery state, shown by `GET /apps/{app}/log-drains/{id}`. */
  drains?: Pick<DrainDeliveries, 'place' | 'report'>
  /** logsift's own `GET /status` and `GET /metrics` (Prometheus), behind the API key. */
  observability?: {status: () => Promise<RouterStatus>; metrics: RouterMetrics}
  /** Where messages written to session clients are counted. */
  traffic?: Traffic
  /** logsift's alert rules (`/apps/{app}/alerts`); without them that path is not found. */
  alerts?: Alerts
  /** A telemetry drain's delivery, shown by `GET /telemetry-drains/{id}`. */
  telemetryStatus?: (drainId: string) => TelemetryStatus | undefined
}

/** Heroku's rule for app names. */
const APP_NAME = /^[a-z][\da-z-]{1,28}[\da-z]$/
const DEFAULT_SESSION_LINES = 100
/** JSON request bodies are tiny; this keeps a bad client from making the router buffer megabytes of them. */
const MAX_JSON_BYTES = 64 * 1024

/**
 * The router's HTTP surface: the Platform API subset (Bearer API key), `POST /logs` (logplex-1, Basic
 * auth with an app's input token) and `GET /sessions/{id}` (no auth: the URL is the secret).
 */
export function createRequestHandler(context: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = new Routes(context)
  return (req, res) => {
    routes.handle(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) {
        sendError(res, error)
        return
      }

      // A client that hung up mid-body needs no answer; anything else is a bug worth showing its caller.
      if (req.destroyed) return
      sendError(res, new ApiError(500, 'internal_server_error', `Internal error: ${(error as Error).message}`))
    })
  }
}

class Routes {
  private readonly account: Account = localAccount()
  private readonly apiKey: Buffer
  private readonly otlp: OtlpInput

  constructor(private readonly context: ApiContext) {
    this.apiKey = Buffer.from(context.apiKey)
    const {drops, limits, receiver, store} = context
    this.otlp = new OtlpInput({
      append: (app, entries) => this.store(app, entries),
      drops,
      hasApiKey: (req) => this.hasApiKey(req),
      maxBodyBytes: limits.maxBodyBytes,
      maxInFlight: limits.otlpInFlight ?? DEFAULT_OTLP_IN_FLIGHT,
      maxTextBytes: limits.maxFrameBytes,
      receiver,
      store,
    })
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://router')
    let segments: string[]
    try {
      segments = url.pathname.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment))
    } catch {
      throw new ApiError(400, 'bad_request', 'The path is not valid percent-encoding.')
    }

    const method = req.method ?? 'GET'
    const [first, app, collection, item, ...rest] = segments
    if (first === 'logs' && app === undefined) {
      allow(method, 'POST')
      return this.logplexInput(req, res)
    }

    if (first === 'v1' && app === 'logs' && collection === undefined) {
      allow(method, 'POST')
      return this.otlp.handle(req, res)
    }

    if (first === 'sessions' && app !== undefined && collection === undefined) {
      allow(method, 'GET')
      return this.readSession(req, res, app)
    }

    this.authorize(req)
    if ((first === 'status' || first === 'metrics') && app === undefined) {
      allow(method, 'GET')
      return this.observe(res, first)
    }

    const info = this.platformInfo(segments)
    if (info !== undefined) {
      allow(method, 'GET')
      return sendJson(res, 200, info)
    }

    if (first === 'telemetry-drains' && collection === undefined) return this.telemetryDrains(req, res, app)
    if (first !== 'apps' || rest.length > 0) throw endpointNotFound()
    if (app === undefined) {
      if (allow(method, 'GET', 'POST') === 'GET') return sendJson(res, 200, this.context.store.list().map((each) => this.appJson(each)))
      return this.createApp(req, res)
    }

    switch (collection) {
      case undefined: {
        allow(method, 'GET')
        return sendJson(res, 200, this.appJson(this.app(app)))
      }

      case 'log-sessions': {
        if (item !== undefined) throw endpointNotFound()
        allow(method, 'POST')
        return this.createSession(req, res, this.app(app))
      }

      case 'log-drains': {
        if (item === undefined) {
          if (allow(method, 'GET', 'POST') === 'GET') return sendJson(res, 200, this.app(app).drains.map(drainJson))
          return this.createDrain(req, res, this.app(app))
        }

        if (allow(method, 'GET', 'DELETE') === 'GET') {
          const drain = findDrain(this.app(app), item)
          return sendJson(res, 200, {...drainJson(drain), delivery: deliveryJson(await this.context.drains?.report(drain.id))})
        }

        return this.deleteDrain(res, this.app(app), item)
      }

      case 'alerts': {
        const {alerts, store} = this.context
        if (alerts === undefined) throw endpointNotFound()
        return alertRoutes({alerts, store}, req, res, this.app(app), item)
      }

      case 'telemetry-drains': {
        if (item !== undefined) throw endpointNotFound()
        allow(method, 'GET')
        const found = this.app(app)
        return sendJson(res, 200, found.telemetryDrains.map((drain) => telemetryDrainJson(found, drain)))
      }

      case 'logs': {
        if (item !== undefined) throw endpointNotFound()
        allow(method, 'POST')
        return this.textInput(req, res, this.app(app), url.searchParams)
      }

      default: {
        throw endpointNotFound()
      }
    }
  }

  /** What the Heroku CLI's `apps` and `apps:info` read besides the app (see app-info.ts); undefined for other paths. */
  private platformInfo([first, app, collection, ...rest]: string[]): unknown {
    if (first === 'account' && app === undefined) return this.account
    if (first === 'users' && app === '~' && collection === 'apps' && rest.length === 0) {
      return this.context.store.list().map((each) => this.appJson(each))
    }

    if (first !== 'apps' || app === undefined || rest.length > 0) return undefined
    switch (collection) {
      case 'addons':
      case 'collaborators': {
        this.app(app)
        return []
      }

      case 'dynos': {
        const found = this.app(app)
        return dynosSeen(found, this.context.hub.recent(found.id))
      }

      case 'pipeline-couplings': {
        throw new ApiError(404, 'not_found', `${this.app(app).name} is in no pipeline; the router has none.`)
      }

      default: {
        return undefined
      }
    }
  }

  private hasApiKey(req: IncomingMessage): boolean {
    const match = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    const given = match === null ? undefined : Buffer.from(match[1])
    return given !== undefined && given.length === this.apiKey.length && timingSafeEqual(given, this.apiKey)
  }

  private authorize(req: IncomingMessage): void {
    if (!this.hasApiKey(req)) {
      throw new ApiError(401, 'unauthorized', 'Invalid credentials provided.', {'WWW-Authenticate': 'Bearer realm="logsift"'})
    }
  }

  private app(idOrName: string): App {
    const app = this.context.store.find(idOrName)
    if (app === undefined) throw new ApiError(404, 'not_found', "Couldn't find that app.")
    return app
  }

  private appJson(app: App) {
    const recent = this.context.hub.recent(app.id)
    return {
      ...appPlatformFields(this.account),
      created_at: app.createdAt,
      generation: {name: app.generation ?? 'cedar'},
      id: app.id,
      log_buffer: {capacity: recent.capacity, messages: recent.size},
      log_drops: appDrops(this.context.drops, app.id),
      log_input_token: app.inputToken,
      name: app.name,
      updated_at: app.updatedAt,
    }
  }

  private async observe(res: ServerResponse, what: 'metrics' | 'status'): Promise<void> {
    const {observability} = this.context
    if (observability === undefined) throw endpointNotFound()
    if (what === 'status') return sendJson(res, 200, await observability.status())
    const {contentType, text} = await observability.metrics.scrape()
    res.writeHead(200, {'Content-Type': contentType}).end(text)
  }

  private async createApp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const {generation, name} = await readJsonObject(req, MAX_JSON_BYTES)
    const generationName = isObject(generation) ? generation.name : generation
    if (generationName !== undefined && generationName !== null && generationName !== 'cedar' && generationName !== 'fir') {
      throw new ApiError(422, 'invalid_params', 'Generation must be cedar or fir.')
    }

    if (typeof name !== 'string' || !APP_NAME.test(name)) {
      throw new ApiError(422, 'invalid_params', 'Name must be 3 to 30 characters, start with a letter, end with a letter or digit and contain only lowercase letters, digits and dashes.')
    }

    if (this.context.store.find(name) !== undefined) throw new ApiError(422, 'invalid_params', `Name ${name} is already taken.`)
    const app = newApp(name, generationName === 'fir' ? 'fir' : undefined)
    await this.context.store.addApp(app)
    sendJson(res, 201, this.appJson(app))
  }

  private async createSession(req: IncomingMessage, res: ServerResponse, app: App): Promise<void> {
    const body = await readJsonObject(req, MAX_JSON_BYTES)
    const request = appSessionRequest(app, body, this.context.limits.bufferSize)
    const now = apiTimestamp()
    const session = this.context.sessions.create(app.id, request, now, body)
    const tls = (req.socket as TLSSocket).encrypted === true
    const base = `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`
    sendJson(res, 201, {created_at: now, id: session.id, logplex_url: `${base}/sessions/${session.id}`, updated_at: now})
  }

  private readSession(req: IncomingMessage, res: ServerResponse, id: string): void {
    const {sessions, streams} = this.context
    const session = sessions.open(id)
    if (session === undefined) throw new ApiError(404, 'not_found', "Couldn't find that log session; it may have expired. Create a new one.")

    const lastEventId = req.headers['last-event-id']
    const stream = new SessionStream(res, session, this.context.hub, {
      drops: this.context.drops,
      format: streamFormat(req.headers),
      lastEventId: typeof lastEventId === 'string' && /^\d+$/.test(lastEventId.trim()) ? Number(lastEventId) : undefined,
      maxQueueBytes: this.context.limits.sessionQueueBytes,
      traffic: this.context.traffic,
    })
    streams.add(stream)
    // The response's close, not the request's: on Node 20 that is what says the client has gone.
    res.on('close', () => {
      streams.delete(stream)
      sessions.release(session)
    })
    stream.start()
  }

  private async createDrain(req: IncomingMessage, res: ServerResponse, app: App): Promise<void> {
    if (app.generation === 'fir') throw new ApiError(422, 'invalid_params', `${app.name} is a Fir app: it has telemetry drains, not log drains (heroku telemetry:add).`)
    const {since, url} = await readJsonObject(req, MAX_JSON_BYTES)
    if (typeof url !== 'string') throw new ApiError(422, 'invalid_params', 'Url is required.')
    const start = drainSince(since, (message) => {
      throw new ApiError(422, 'invalid_params', message)
    })
    const problem = drainUrlProblem(url)
    if (problem !== undefined) throw new ApiError(422, 'invalid_params', problem)
    const loop = drainLoopProblem(this.context.store, app, url)
    if (loop !== undefined) throw new ApiError(422, 'invalid_params', loop)
    if (app.drains.some((drain) => sameDrainUrl(drain.url, url))) throw new ApiError(422, 'invalid_params', 'Url has already been taken.')
    const {maxDrainsPerApp} = this.context.limits
    if (app.drains.length >= maxDrainsPerApp) {
      throw new ApiError(422, 'invalid_params', `${app.name} already has ${maxDrainsPerApp} drains, the most allowed; remove one first.`)
    }

    const drain = newDrain(url)
    await this.context.drains?.place(app, drain.id, start)
    await this.context.store.addDrain(app, drain)
    sendJson(res, 201, drainJson(drain))
  }

  /** `POST /telemetry-drains`, `GET` and `DELETE /telemetry-drains/{id}`: what `heroku telemetry:*` calls. */
  private async telemetryDrains(req: IncomingMessage, res: ServerResponse, id: string | undefined): Promise<void> {
    const {limits, store} = this.context
    if (id === undefined) {
      allow(req.method ?? 'GET', 'POST')
      const {app, drain} = await createTelemetryDrain(store, await readJsonObject(req, MAX_JSON_BYTES), limits.maxDrainsPerApp)
      return sendJson(res, 201, telemetryDrainJson(app, drain))
    }

    const {app, drain} = findTelemetryDrain(store, id)
    if (allow(req.method ?? 'GET', 'GET', 'DELETE') === 'DELETE') {
      await store.removeTelemetryDrain(app, drain)
      return sendJson(res, 200, telemetryDrainJson(app, drain))
    }

    sendJson(res, 200, {...telemetryDrainJson(app, drain), delivery: telemetryDeliveryJson(this.context.telemetryStatus?.(drain.id))})
  }

  private async deleteDrain(res: ServerResponse, app: App, key: string): Promise<void> {
    const drain = findDrain(app, key)
    await this.context.store.removeDrain(app, drain)
    sendJson(res, 200, drainJson(drain))
  }

  private async logplexInput(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const {drops, limits, store} = this.context
    let app: App | undefined
    try {
      const token = basicPassword(req)
      const {receiver} = this.context
      app = receiver === undefined ? (token === undefined ? undefined : store.findByInputToken(token)) : receiver.authorize(req)
      if (app === undefined) {
        throw new ApiError(401, 'unauthorized', 'Send an app input token as the Basic-auth password (token:t.UUID).', {
          'WWW-Authenticate': 'Basic realm="logsift"',
        })
      }

      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
      if (!LOGPLEX_CONTENT_TYPES.has(type)) {
        throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/logplex-1.')
      }

      const body = await readBody(req, limits.maxBodyBytes)
      const msgCount = req.headers['logplex-msg-count']
      // A sender retrying a batch whose answer it lost sends the same frame id: the batch is taken once.
      if (receiver?.isRepeat(app, req) !== true) {
        await this.store(app, decodeLogplexBody(body, Array.isArray(msgCount) ? msgCount[0] : msgCount, limits.maxFrameBytes, Date.now()))
        receiver?.taken(app, req)
      }

      sendNoContent(res)
    } catch (error) {
      // A refused sender is logged by ReceiverAuth already, with why.
      if (error instanceof ApiError) drops.count(error.status === 401 ? 'unauthorized' : error.status === 413 ? 'body_too_large' : 'bad_request', 1, app?.id, error.status === 401 ? undefined : inputOrigin(req))
      throw error
    }
  }

  private async textInput(req: IncomingMessage, res: ServerResponse, app: App, query: URLSearchParams): Promise<void> {
    const {limits} = this.context
    let entries: LogEntry[]
    try {
      entries = decodeTextBody(await readBody(req, limits.maxBodyBytes), query, limits.maxFrameBytes, Date.now())
    } catch (error) {
      if (error instanceof ApiError) this.context.drops.count(error.status === 413 ? 'body_too_large' : 'bad_request', 1, app.id, inputOrigin(req))
      throw error
    }

    await this.store(app, entries)
    sendNoContent(res)
  }

  /** Answered 2xx only once stored as durably as `--fsync` promises; a log that cannot store them answers 503. */
  private async store(app: App, entries: readonly LogEntry[]): Promise<void> {
    try {
      await this.context.hub.append(app.id, entries)
    } catch (error) {
      if (!(error instanceof LogWriteError)) throw error
      throw new ApiError(503, 'unavailable', `The log of ${app.name} cannot store messages now (${error.message}); retry later.`, {'Retry-After': '5'})
    }
  }
}

/** Who posted a refused input request, for the router's log. */
function inputOrigin(req: IncomingMessage): DropOrigin {
  // A request cut off mid-body may have lost its socket already.
  const {remoteAddress = 'unknown', remotePort = undefined} = (req.socket as IncomingMessage['socket'] | null) ?? {}
  return {key: remoteAddress, sender: `${req.method} ${req.url?.split('?')[0]} from ${remoteAddress}:${remotePort}`}
}

/** The method when it is one of `allowed`; otherwise a 405 naming them. */
function allow<M extends string>(method: string, ...allowed: M[]): M {
  if ((allowed as string[]).includes(method)) return method as M
  throw new ApiError(405, 'method_not_allowed', `Use ${allowed.join(' or ')} here.`, {Allow: allowed.join(', ')})
}

function endpointNotFound(): ApiError {
  return new ApiError(404, 'not_found', 'The requested API endpoint was not found. Are you using the right HTTP verb and path?')
}

/** A drain by id, token or URL: any spelling of it `drains:add` takes as the same, or as `drains` prints it (password masked). */
function findDrain(app: App, key: string): Drain {
  const drain = app.drains.find((each) => each.id === key || each.token === key || each.url === key)
    ?? app.drains.find((each) => sameUrl(each.url, key) || sameUrl(redactUrl(each.url), key))
  if (drain === undefined) throw new ApiError(404, 'not_found', "Couldn't find that drain.")
  return drain
}

/** sameDrainUrl, false for a key that is not a URL (an id or a token that matched nothing). */
function sameUrl(url: string, key: string): boolean {
  try {
    return sameDrainUrl(url, key)
  } catch {
    return false
  }
}

function drainJson(drain: Drain) {
  return {addon: null, created_at: drain.createdAt, id: drain.id, token: drain.token, updated_at: drain.updatedAt, url: drain.url}
}

/** `{dyno, lines, source, tail}` and logsift's history fields, each optional (null is absent, as the Heroku CLI may send it). */
export function sessionRequest(body: Record<string, unknown>, bufferSize: number): SessionRequest {
  const {dyno, lines, source, tail} = body
  const invalid = (message: string): never => {
    throw new ApiError(422, 'invalid_params', message)
  }

  let count = DEFAULT_SESSION_LINES
  if (lines !== undefined && lines !== null) {
    const number = typeof lines === 'string' && /^\d+$/.test(lines) ? Number(lines) : lines
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) invalid('lines must be a whole number, 0 or more.')
    count = number as number
  }

  if (tail !== undefined && tail !== null && typeof tail !== 'boolean') invalid('tail must be true or false.')
  return {
    dynoTest: nameTest('dyno', dyno, compileDynoTest, invalid),
    lines: Math.min(count, bufferSize),
    sourceTest: nameTest('source', source, compileSourceTest, invalid),
    tail: tail === true,
    // logsift's history query: since, until and the CLI's filters (absent from the Heroku CLI's requests).
    ...historyQuery(body, invalid, Date.now()),
  }
}

/** The session a body asks for, on the app's generation. */
export function appSessionRequest(app: App, body: Record<string, unknown>, bufferSize: number): SessionRequest {
  return app.generation === 'fir' ? firSessionRequest(body, bufferSize) : sessionRequest(body, bufferSize)
}

/**
 * A session of a Fir app, as Heroku opens one: it always tails (unless it is a history query) and sends no
 * recent lines unless asked (`heroku logs` sends no `lines` there, it ignores `-n`), and `type` selects a process type, whose dynos
 * are `web-58f4b7c6d-x2k9p` as well as `web.1`.
 */
export function firSessionRequest(body: Record<string, unknown>, bufferSize: number): SessionRequest {
  const {lines, type} = body
  if (type !== undefined && type !== null && type !== '' && typeof type !== 'string') throw new ApiError(422, 'invalid_params', 'type must be a string.')
  const request = sessionRequest({...body, lines: lines ?? 0}, bufferSize)
  const typeTest = typeof type === 'string' && type !== '' ? processTypeTest(type) : undefined
  const {dynoTest} = request
  return {
    ...request,
    dynoTest: typeTest === undefined ? dynoTest : dynoTest === undefined ? typeTest : (name) => dynoTest(name) && typeTest(name),
    // A history query (logsift's since/until, which Heroku's clients never send) reads the log kept and tails
    // only when asked, as a Cedar app's does.
    tail: request.since !== undefined || request.until !== undefined ? request.tail : true,
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nameTest<T>(
  key: string,
  value: unknown,
  compile: (values: string[]) => T,
  invalid: (message: string) => never,
): T | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') return invalid(`${key} must be a string.`)
  try {
    return compile([value])
  } catch (error) {
    if (error instanceof QueryError) return invalid(error.message)
    throw error
  }
}
