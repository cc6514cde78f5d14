import type {IncomingMessage, ServerResponse} from 'node:http'

import {ApiError, readBody} from '../api/http.js'
import type {DropCounter, DropOrigin} from '../drops.js'
import {basicPassword} from '../ingest/logplex-input.js'
import type {ReceiverAuth} from '../ingest/receiver-auth.js'
import type {LogEntry} from '../message.js'
import type {App, AppStore} from '../store.js'
import {decodeExportRequest, mapLogs, OTLP_JSON, OTLP_PROTOBUF, type ResourceRouting} from './logs-input.js'
import {ExportLogsServiceResponse, RpcStatus} from './schema.js'

/** Requests read and stored at once; past it a sender is told 429 to come back (each may hold a whole body). */
export const DEFAULT_OTLP_IN_FLIGHT = 32
/** What a sender pushed back with 429 waits, in seconds. */
const BUSY_RETRY_AFTER = '1'

export interface OtlpInputContext {
  readonly store: AppStore
  readonly drops: DropCounter
  readonly receiver?: ReceiverAuth
  /** True when the request carries the router's API key (`Authorization: Bearer KEY`). */
  readonly hasApiKey: (req: IncomingMessage) => boolean
  /** Stores an app's messages; rejects with a 503 ApiError when its log cannot. */
  readonly append: (app: App, entries: readonly LogEntry[]) => Promise<void>
  readonly maxBodyBytes: number
  readonly maxTextBytes: number
  readonly maxInFlight: number
}

/**
 * `POST /v1/logs`, OTLP/HTTP's logs endpoint. Who may post is decided as for `POST /logs`: an app's input
 * token as the Basic-auth password, or credentials its allowlist holds (telemetry drains send them with
 * `--headers '{"Authorization": "Basic ..."}'`); every record then goes to that app. With the router's API key
 * as a Bearer token instead, each resource goes to the app its `heroku.app.id` or `service.name` names.
 *
 * Answers as OTLP/HTTP says, in the request's own encoding: 200 with an ExportLogsServiceResponse
 * (`partialSuccess` counting the records refused, and why); 400 for a body that is not a request (not to be
 * retried); 413 past the body limit; 429 (too many requests at once) and 503 (the log cannot store) with
 * `Retry-After`. Errors are a `google.rpc.Status`.
 */
export class OtlpInput {
  private inFlight = 0

  constructor(private readonly context: OtlpInputContext) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    const json = type === OTLP_JSON
    if (this.inFlight >= this.context.maxInFlight) {
      req.resume()
      return sendStatus(res, json, new ApiError(429, 'too_many_requests', 'The router is taking in as many OTLP requests as it can; retry later.', {'Retry-After': BUSY_RETRY_AFTER}))
    }

    this.inFlight++
    try {
      const routing = this.routing(req)
      if (!json && type !== OTLP_PROTOBUF) {
        throw new ApiError(415, 'unsupported_media_type', `Content-Type must be ${OTLP_PROTOBUF} or ${OTLP_JSON}.`)
      }

      const request = decodeExportRequest(await readBody(req, this.context.maxBodyBytes), json ? OTLP_JSON : OTLP_PROTOBUF)
      const mapped = mapLogs(request, routing, this.context.maxTextBytes, Date.now())
      for (const [appId, entries] of mapped.byApp) {
        const app = this.context.store.find(appId)
        if (app !== undefined && entries.length > 0) await this.context.append(app, entries)
      }

      if (mapped.rejected > 0) this.context.drops.count('bad_request', mapped.rejected, undefined, origin(req))
      const partialSuccess = mapped.rejected === 0 ? undefined : {errorMessage: mapped.message, rejectedLogRecords: mapped.rejected}
      sendResponse(res, json, partialSuccess)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      if (error.status !== 503) this.context.drops.count(error.status === 401 ? 'unauthorized' : error.status === 413 ? 'body_too_large' : 'bad_request', 1, undefined, error.status === 401 ? undefined : origin(req))
      sendStatus(res, json, error)
    } finally {
      this.inFlight--
    }
  }

  /** Where the request's records go, by its credentials; throws a 401 ApiError without any that name an app. */
  private routing(req: IncomingMessage): ResourceRouting {
    const {receiver, store} = this.context
    if (this.context.hasApiKey(req)) return (resource) => routeByService(store, resource)
    const token = basicPassword(req)
    const app = receiver === undefined ? (token === undefined ? undefined : store.findByInputToken(token)) : receiver.authorize(req)
    if (app === undefined) {
      throw new ApiError(401, 'unauthorized', "Send an app's input token as the Basic-auth password (token:t.UUID), or the router's API key as a Bearer token.", {
        'WWW-Authenticate': 'Basic realm="logsift"',
      })
    }

    return () => ({appId: app.id})
  }
}

function routeByService(store: AppStore, resource: Readonly<Record<string, unknown>>): ReturnType<ResourceRouting> {
  const service = resource['service.name']
  const named = resource['heroku.app.id'] ?? (typeof service === 'string' && !service.startsWith('heroku-') ? service : undefined)
  if (typeof named !== 'string' || named === '') return {refused: 'a resource names no app (service.name, or heroku.app.id for a Heroku service)'}
  const app = store.find(named)
  return app === undefined ? {refused: `the router has no app ${named}`} : {appId: app.id}
}

function sendResponse(res: ServerResponse, json: boolean, partialSuccess: {errorMessage: string; rejectedLogRecords: number} | undefined): void {
  const response = partialSuccess === undefined ? {} : {partialSuccess}
  const body = json
    ? Buffer.from(JSON.stringify(response))
    : Buffer.from(ExportLogsServiceResponse.encode(ExportLogsServiceResponse.fromObject(response)).finish())
  res.writeHead(200, {'Content-Length': body.length, 'Content-Type': json ? OTLP_JSON : OTLP_PROTOBUF}).end(body)
}

/** gRPC status codes for the HTTP statuses the input answers with. */
const RPC_CODES: Record<number, number> = {400: 3, 401: 16, 413: 3, 415: 3, 429: 8, 503: 14}

function sendStatus(res: ServerResponse, json: boolean, error: ApiError): void {
  if (res.headersSent) {
    res.destroy()
    return
  }

  const status = {code: RPC_CODES[error.status] ?? 2, message: error.message}
  const body = json ? Buffer.from(JSON.stringify(status)) : Buffer.from(RpcStatus.encode(RpcStatus.fromObject(status)).finish())
  // An unread body cannot be resynchronised: close rather than keep the connection.
  const close = error.status === 413 || error.status === 415 || error.status === 429 || error.status >= 500
  res.writeHead(error.status, {
    ...error.headers,
    ...(close ? {Connection: 'close'} : {}),
    'Content-Length': body.length,
    'Content-Type': json ? OTLP_JSON : OTLP_PROTOBUF,
  }).end(body)
}

function origin(req: IncomingMessage): DropOrigin {
  const {remoteAddress = 'unknown', remotePort = undefined} = (req.socket as IncomingMessage['socket'] | null) ?? {}
  return {key: remoteAddress, sender: `POST /v1/logs from ${remoteAddress}:${remotePort}`}
}
