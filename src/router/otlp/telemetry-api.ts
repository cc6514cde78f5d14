import {ApiError} from '../api/http.js'
import type {TelemetryStatus} from './exporter.js'
import {apiTimestamp, type App, type AppStore, newTelemetryDrain, type TelemetryDrain} from '../store.js'

const SIGNALS = new Set(['logs', 'metrics', 'traces'])

/** A telemetry drain as Heroku's Platform API answers it (what `heroku telemetry` and `telemetry:info` read). */
export function telemetryDrainJson(app: App, drain: TelemetryDrain) {
  return {
    created_at: drain.createdAt,
    exporter: {endpoint: drain.exporter.endpoint, headers: drain.exporter.headers, type: drain.exporter.type},
    id: drain.id,
    owner: {id: app.id, name: app.name, type: 'app'},
    signals: drain.signals,
    updated_at: drain.updatedAt,
  }
}

/** logsift's own addition to one telemetry drain: how its delivery is going; null when it has none (no `logs` signal). */
export function telemetryDeliveryJson(status: TelemetryStatus | undefined) {
  if (status === undefined) return null
  return {
    cursor: status.cursor ?? null,
    delivered: status.delivered,
    last_error: status.lastError ?? null,
    last_success_at: status.lastSuccessAt === undefined ? null : apiTimestamp(status.lastSuccessAt),
    rejected: status.rejected,
    state: status.state,
  }
}

/**
 * `POST /telemetry-drains` as `heroku telemetry:add` sends it: `{owner: {id, type}, signals, exporter: {type,
 * endpoint, headers}}`. The owner is an app (by id or name; the router has no spaces); the exporter is
 * `otlphttp` (the endpoint is a base URL, logs go to its `/v1/logs`, as the OpenTelemetry Collector's
 * exporter does) or `otlp` (gRPC). Unlike Heroku, a Cedar app may have one too: its log is sent all the same.
 */
export async function createTelemetryDrain(store: AppStore, body: Record<string, unknown>, maxPerApp: number): Promise<{app: App; drain: TelemetryDrain}> {
  const {exporter, owner, signals} = body
  if (!isObject(owner) || typeof owner.id !== 'string') throw invalid('owner must be {"id": APP, "type": "app"}.')
  if (owner.type !== 'app') throw invalid('The router has no spaces: a telemetry drain belongs to an app (owner.type "app").')
  const app = store.find(owner.id)
  if (app === undefined) throw new ApiError(404, 'not_found', "Couldn't find that app.")
  if (!Array.isArray(signals) || signals.length === 0 || !signals.every((signal) => SIGNALS.has(signal))) {
    throw invalid('signals must list one or more of logs, metrics and traces.')
  }

  if (!isObject(exporter) || (exporter.type !== 'otlphttp' && exporter.type !== 'otlp')) throw invalid('exporter.type must be otlphttp or otlp.')
  const endpoint = exporter.endpoint
  if (typeof endpoint !== 'string' || !isHttpUrl(endpoint)) throw invalid('exporter.endpoint must be an http:// or https:// URL.')
  const headers = exporter.headers ?? {}
  if (!isObject(headers) || !Object.values(headers).every((value) => typeof value === 'string')) {
    throw invalid('exporter.headers must be an object of header names to string values.')
  }

  if (app.telemetryDrains.some((drain) => drain.exporter.endpoint === endpoint)) throw invalid('Endpoint has already been taken.')
  if (app.telemetryDrains.length >= maxPerApp) throw invalid(`${app.name} already has ${maxPerApp} telemetry drains, the most allowed; remove one first.`)
  const loop = ownTokenProblem(app, headers as Record<string, string>)
  if (loop !== undefined) throw invalid(loop)
  const drain = newTelemetryDrain(signals as string[], {endpoint, headers: headers as Record<string, string>, type: exporter.type})
  await store.addTelemetryDrain(app, drain)
  return {app, drain}
}

/** A drain that sends the app's log back into the app (its own input token) would feed itself forever. */
function ownTokenProblem(app: App, headers: Record<string, string>): string | undefined {
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1]
  if (authorization === undefined || !/^basic /i.test(authorization)) return undefined
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
  return decoded.slice(decoded.indexOf(':') + 1) === app.inputToken
    ? `This drain would send ${app.name}'s log back into ${app.name} (its own input token), forever; point it at another app or endpoint.`
    : undefined
}

export function findTelemetryDrain(store: AppStore, id: string): {app: App; drain: TelemetryDrain} {
  const found = store.findTelemetryDrain(id)
  if (found === undefined) throw new ApiError(404, 'not_found', "Couldn't find that telemetry drain.")
  return found
}

function invalid(message: string): ApiError {
  return new ApiError(422, 'invalid_params', message)
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
