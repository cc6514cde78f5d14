/** The router's JSON for the page (src/router/web/web.ts), read with the session cookie. */

import type {DrainDelivery} from '../../src/api/types.js'

/** The page has no session (or it expired): it shows the login form. */
export class LoggedOut extends Error {}

/** The router refused a request on purpose; `message` says why, for the user. */
export class RouterError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) throw new LoggedOut()
  if (response.status === 204) return undefined as T
  const body = await response.json().catch(() => ({message: `HTTP ${response.status}`}))
  if (!response.ok) throw new RouterError(response.status, (body as {message?: string}).message ?? `HTTP ${response.status}`)
  return body as T
}

export async function getJson<T>(path: string, params: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value)
  const text = query.toString()
  return answer<T>(await fetch(text === '' ? path : `${path}?${text}`, {credentials: 'same-origin', signal}))
}

/** A POST the router accepts only from the page itself: same origin, JSON (see sameOriginWrite). */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, {
    body: JSON.stringify(body), credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, method: 'POST',
  }))
}

export interface PageMessage {
  id: number
  line: string
  pri?: number
}

export interface AppRow {
  id: string
  name: string
  messages_per_minute: number
  drops: Record<string, number>
  drains: Array<{id: string; url: string; delivery: null | DrainDelivery}>
}

export interface HistoryPage {
  messages: PageMessage[]
  before: null | number
  /** The range's first offset: sent back with `before` for the next page. */
  after: number
  command: string
  since: null | string
  until: null | string
}

export interface ChartData {
  intervalSeconds: number
  starts: number[]
  statusClasses: Record<string, number[]>
  serviceP50: Array<null | number>
  serviceP99: Array<null | number>
  errorCodes: Record<string, number[]>
  memoryMB: Record<string, Array<null | number>>
  stats: {
    records: number
    router: {requests: number; statusClasses: Record<string, number>; service: {p50: null | number; p99: null | number}}
    errors: Array<{code: string; count: number}>
    dynos: Array<{dyno: string; peakMemoryMB: null | number}>
  }
}
