/** The Platform API resources logsift reads, with the fields it uses (Heroku sends more). */

export interface App {
  id: string
  name: string
  created_at?: string
  updated_at?: string
  generation?: {name: string}
  /** logsift's router only: the token (`t.<uuid>`) that names this app on log input. */
  log_input_token?: string
  /** logsift's router only: how full the app's recent-log buffer is. */
  log_buffer?: {capacity: number; messages: number}
  /** logsift's router only: what was dropped of this app's messages, by reason (reasons with none left out). */
  log_drops?: Record<string, number>
}

/** logsift's router only: `GET /status`, what `logsift status` shows. */
export type {RouterStatus} from '../router/observability/status.js'

export interface Drain {
  id: string
  /** `d.<uuid>` */
  token: string
  url: string
  addon: {id: string; name: string} | null
  created_at?: string
  updated_at?: string
  /** logsift's router only, on one drain: how its delivery is going. */
  delivery?: DrainDelivery | null
}

/** A drain's delivery on logsift's router (`GET /apps/{app}/log-drains/{id}`). */
export interface DrainDelivery {
  state: 'connected' | 'failing' | 'idle' | 'retrying'
  last_error: string | null
  delivered: number
  dropped: number
  dropped_overflow: number
  dropped_rejected: number
  /** The offset in the app's log the drain delivers next; null until known. */
  position: number | null
  /** Messages between the position and the end of the app's log: how far behind the drain is. */
  lag: number | null
  /** Messages of the batch being sent (and retried). */
  in_flight: number
  last_success_at: string | null
  /** On a cluster: the node delivering the drain (null while none does). */
  node?: string | null
  /** On a cluster: whether the node that answered delivers it (when not, its counts say nothing of the delivery). */
  delivered_here?: boolean
}

/** logsift's router only (`/apps/{app}/alerts`): an alert rule on the app's messages, and how it is doing. */
export interface Alert {
  id: string
  name: string
  /** The condition, written canonically: `rate(status>=500) > 2% in 5m`. */
  when: string
  dyno: string[]
  source: string[]
  level: string | null
  where: string[]
  grep: string[]
  exclude: string[]
  ignore_case: boolean
  /** Webhook URLs with their secrets masked: the API never returns them. */
  notify: Array<{url: string; format: 'json' | 'slack'}>
  /** How long the condition must have stopped holding before the alert resolves (`5m`). */
  resolve_after: string
  created_at: string
  updated_at: string
  status: AlertStatus | null
  /** On a cluster: the node running the app's alerts (null while none does); only it reports their status. */
  node?: string | null
}

export interface AlertStatus {
  state: 'firing' | 'ok'
  firing_since: string | null
  value: number | null
  value_text: string
  matching: number
  notifications_sent: number
  notify_failures: number
  notifications_dropped: number
  last_error: string | null
  last_event: {status: 'firing' | 'resolved'; at: string; value_text: string} | null
}

/** `POST /apps/{app}/alerts`. */
export interface AlertRequest {
  name: string
  when: string
  notify?: Array<{url: string; format: 'json' | 'slack'}>
  resolve_after?: string
  dyno?: string[]
  source?: string[]
  level?: string
  where?: string[]
  grep?: string[]
  exclude?: string[]
  ignore_case?: boolean
}

/** A telemetry drain (Fir): where an app's telemetry goes as OTLP. */
export interface TelemetryDrain {
  id: string
  owner: {id: string; type: 'app' | 'space'; name?: string}
  signals: string[]
  /** `otlphttp` (OTLP/HTTP) or `otlp` (OTLP/gRPC). */
  exporter: {type: string; endpoint: string; headers?: Record<string, string>}
  created_at?: string
  updated_at?: string
}

/** `POST /telemetry-drains`, as `heroku telemetry:add` sends it. */
export interface TelemetryDrainRequest {
  owner: {id: string; type: 'app'}
  signals: string[]
  exporter: {type: 'otlp' | 'otlphttp'; endpoint: string; headers: Record<string, string>}
}

/** A Heroku add-on, as far as `drains` names one: an add-on's drain is shown by its plan and name. */
export interface Addon {
  name: string
  plan: {name: string}
}

/** `POST /apps/{app}/log-sessions` body; every field is optional. */
export interface LogSessionRequest {
  /** A dyno (`web.1`) or a dyno type (`web`). */
  dyno?: string
  /** Recent lines to send first: the API's default is 100, its maximum 1,500. */
  lines?: number
  source?: string
  tail?: boolean
}

/**
 * logsift's router only: read the app's durable log from `since` to `until` (RFC 3339, to the fraction the
 * user gave, or epoch ms), filtered there as `logsift logs` filters (the Heroku API keeps no history and
 * takes none of these).
 */
export interface HistoryRequest {
  since?: number | string
  until?: number | string
  level?: string
  where?: string[]
  grep?: string[]
  exclude?: string[]
  ignore_case?: boolean
}

export interface LogSession {
  id: string
  /** The stream itself; it needs no key, it is its own secret. */
  logplex_url: string
  created_at?: string
  updated_at?: string
}

/** Where `logsift serve` listens unless told otherwise. */
export const DEFAULT_API_URL = 'http://127.0.0.1:5580'

/** The most recent lines a log session will send (Logplex kept 1,500 per app). */
export const MAX_SESSION_LINES = 1500
