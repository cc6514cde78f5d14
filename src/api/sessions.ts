import type {AppSessions} from '../sources/session.js'
import type {PlatformApi} from './client.js'
import type {App, HistoryRequest, LogSessionRequest} from './types.js'

import {withAppCreatedOnFirstUse} from './first-use.js'
import {MAX_SESSION_LINES} from './types.js'

/** What `heroku logs` prints without `-n`, and the API's default. */
export const DEFAULT_SESSION_LINES = 100

/** The filter flags of `logs -a` that decide what the server can filter and how many lines to ask for. */
export interface SessionFilters {
  num?: number
  dyno?: string[]
  source?: string[]
  /** Any other filter is set (level, grep, exclude, where, since, until): it is applied locally. */
  otherFilters: boolean
}

export interface SessionPlan {
  /** The session body, without `tail`. */
  request: LogSessionRequest
  /** How many matching records to print: `-n` counts after filtering, wherever the filtering happens. */
  last: number
}

/**
 * Splits the filters between the server and the local query. The server filters one plain dyno and one plain
 * source (the local query checks them again, to the same effect); anything else is filtered here, and then
 * the server is asked for all it keeps (1,500 lines) so that `-n` counts lines after filtering. The Heroku
 * CLI sends `-n` as is, so its `-n 10 --source app` can print fewer than ten lines.
 */
export function planLogSession(filters: SessionFilters): SessionPlan {
  const last = filters.num ?? DEFAULT_SESSION_LINES
  const dyno = plainValue(filters.dyno)
  const source = plainValue(filters.source)
  const local = filters.otherFilters || dyno === null || source === null
  // One line at least: a session asked for none may send the default instead, and the last line is what
  // a tail resumes after.
  const lines = local ? MAX_SESSION_LINES : Math.min(Math.max(last, 1), MAX_SESSION_LINES)
  const request: LogSessionRequest = {lines}
  if (dyno) request.dyno = dyno
  if (source) request.source = source
  return {last, request}
}

/** The one value of a filter flag when the server can apply it, undefined when unset, null when it cannot. */
function plainValue(values: string[] | undefined): null | string | undefined {
  if (values === undefined || values.length === 0) return undefined
  if (values.length > 1 || /[,!]/.test(values[0]) || values[0] === '') return null
  return values[0]
}

/**
 * Creates the session of the app's recent lines now (so the API's errors are the command's to report) and
 * returns how to make the tailing ones. On logsift's router an unknown app is created first, and `history`
 * reads its log from a time.
 */
export async function openAppSessions(
  api: PlatformApi,
  app: string,
  request: LogSessionRequest,
  created: (app: App) => void,
  history?: HistoryRequest,
): Promise<AppSessions> {
  // The history is read once, by the first session; tailing ones start from the end, with the same filters.
  const {since, until, ...filters} = history ?? {}
  const recent = await withAppCreatedOnFirstUse(api, app, () => api.createLogSession(app, {...request, ...history, tail: false}), created)
  return {
    app,
    recentUrl: recent.logplex_url,
    tail: async (lines) => (await api.createLogSession(app, {...request, ...filters, lines, tail: true})).logplex_url,
  }
}

/** What `heroku logs` sends for a Fir app: no `lines` or `tail` (it always tails), a process type as `type`. */
export interface FirSessionRequest {
  dyno?: string
  source?: string
  type?: string
}

/**
 * A Fir app's log as Heroku serves it: a session that follows from now, made again every `renewMs` (the
 * pipeline hands each over to the next without losing or repeating a line).
 */
export async function openFirSessions(api: PlatformApi, app: string, request: FirSessionRequest, renewMs: number): Promise<AppSessions> {
  const create = async () => (await api.createLogSession(app, request)).logplex_url
  return {app, fir: {renewMs}, recentUrl: await create(), tail: create}
}
