import type {ApiTarget} from './target.js'
import type {Addon, Alert, AlertRequest, App, Drain, HistoryRequest, LogSession, LogSessionRequest, RouterStatus, TelemetryDrain, TelemetryDrainRequest} from './types.js'

import {ApiError, ApiUnreachableError, networkReason} from './errors.js'
import {httpAgent} from './http.js'

const ACCEPT = 'application/vnd.heroku+json; version=3'
const USER_AGENT = `logsift node/${process.versions.node}`
/** An API call that has not answered in this time will not. */
const API_TIMEOUT_MS = 30_000

type Method = 'DELETE' | 'GET' | 'POST'

/** The Platform API subset logsift speaks: the same paths on logsift's router and on Heroku. */
export class PlatformApi {
  constructor(readonly target: ApiTarget) {}

  apps(): Promise<App[]> {
    return this.call('GET', '/apps')
  }

  app(app: string): Promise<App> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}`)
  }

  /** `generation` is logsift's router only (`fir`); Heroku takes a space for that. */
  createApp(name: string, generation?: 'cedar' | 'fir'): Promise<App> {
    return this.call('POST', '/apps', generation === undefined ? {name} : {generation, name})
  }

  telemetryDrains(app: string): Promise<TelemetryDrain[]> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/telemetry-drains`)
  }

  addTelemetryDrain(request: TelemetryDrainRequest): Promise<TelemetryDrain> {
    return this.call('POST', '/telemetry-drains', request)
  }

  removeTelemetryDrain(id: string): Promise<TelemetryDrain> {
    return this.call('DELETE', `/telemetry-drains/${encodeURIComponent(id)}`)
  }

  addon(app: string, addon: string): Promise<Addon> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/addons/${encodeURIComponent(addon)}`)
  }

  drains(app: string): Promise<Drain[]> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/log-drains`)
  }

  /** With `since` (logsift's router only, RFC 3339) the drain replays the app's log from then instead of starting at its end. */
  addDrain(app: string, url: string, since?: string): Promise<Drain> {
    return this.call('POST', `/apps/${encodeURIComponent(app)}/log-drains`, since === undefined ? {url} : {since, url})
  }

  /** One drain, named by its id, token or URL; logsift's router adds how its delivery is going. */
  drain(app: string, drain: string): Promise<Drain> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/log-drains/${encodeURIComponent(drain)}`)
  }

  /** Removes the drain named by its id, token or URL. */
  removeDrain(app: string, drain: string): Promise<Drain> {
    return this.call('DELETE', `/apps/${encodeURIComponent(app)}/log-drains/${encodeURIComponent(drain)}`)
  }

  /** logsift's router only: the app's alert rules. */
  alerts(app: string): Promise<Alert[]> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/alerts`)
  }

  addAlert(app: string, request: AlertRequest): Promise<Alert> {
    return this.call('POST', `/apps/${encodeURIComponent(app)}/alerts`, request)
  }

  /** One alert, by name or id, with how it is doing. */
  alert(app: string, alert: string): Promise<Alert> {
    return this.call('GET', `/apps/${encodeURIComponent(app)}/alerts/${encodeURIComponent(alert)}`)
  }

  removeAlert(app: string, alert: string): Promise<Alert> {
    return this.call('DELETE', `/apps/${encodeURIComponent(app)}/alerts/${encodeURIComponent(alert)}`)
  }

  createLogSession(app: string, request: HistoryRequest & LogSessionRequest & {type?: string}): Promise<LogSession> {
    return this.call('POST', `/apps/${encodeURIComponent(app)}/log-sessions`, request)
  }

  /** logsift's router only: a one-time token the page (`/web/`) swaps for its session cookie (`logsift open`). */
  webOpenToken(): Promise<{expires_at: string; token: string}> {
    return this.call('POST', '/web/api/open-tokens')
  }

  /** logsift's router only: its listeners, traffic and drops (`GET /status`). */
  status(): Promise<RouterStatus> {
    return this.call('GET', '/status')
  }

  private async call<T>(method: Method, path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = {accept: ACCEPT, 'request-id': crypto.randomUUID(), 'user-agent': USER_AGENT}
    if (this.target.key) headers.authorization = `Bearer ${this.target.key.key}`
    if (body) headers['content-type'] = 'application/json'
    const {request} = await import('./undici.js')
    let response
    try {
      response = await request(this.target.url + path, {
        body: body ? JSON.stringify(body) : undefined,
        bodyTimeout: API_TIMEOUT_MS,
        dispatcher: await httpAgent(),
        headers,
        headersTimeout: API_TIMEOUT_MS,
        method,
      })
    } catch (error) {
      const reason = networkReason(error)
      if (reason) throw new ApiUnreachableError(this.target.url, reason)
      throw error
    }

    const text = await response.body.text()
    if (response.statusCode >= 200 && response.statusCode < 300) return parseJson(text, this.target.url + path) as T
    throw apiErrorFrom(response.statusCode, text)
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError(502, 'invalid_response', `${url} did not answer with JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
}

/** Heroku's error body `{id, message}`; anything else (a proxy's HTML page) is named by its status. */
function apiErrorFrom(status: number, text: string): ApiError {
  try {
    const {id, message} = JSON.parse(text) as {id?: unknown; message?: unknown}
    if (typeof id === 'string' && typeof message === 'string') return new ApiError(status, id, message)
  } catch {}

  return new ApiError(status, `http_${status}`, `the API answered HTTP ${status}`)
}
