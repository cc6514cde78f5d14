import type {IncomingMessage, ServerResponse} from 'node:http'

import {ApiError, readJsonObject, sendJson} from '../api/http.js'
import {apiTimestamp, type App, type AppStore} from '../store.js'
import type {Alerts, AlertStatus} from './alerts.js'
import {type AlertDefinition, alertFromRequest, alertJson, AlertRequestError} from './definition.js'

/** Alerts per app at most: each costs a look at every message. */
export const MAX_ALERTS_PER_APP = 200
const MAX_JSON_BYTES = 64 * 1024

export interface AlertRoutesContext {
  readonly store: AppStore
  readonly alerts: Alerts
}

/**
 * logsift's extension of the Platform API, beside `log-drains`: `GET|POST /apps/{app}/alerts` and
 * `GET|DELETE /apps/{app}/alerts/{name or id}`. Answers as the rest of the API does (Heroku's error body).
 */
export async function alertRoutes(context: AlertRoutesContext, req: IncomingMessage, res: ServerResponse, app: App, item: string | undefined): Promise<void> {
  const method = req.method ?? 'GET'
  const node = await context.alerts.evaluatedBy(app.id)
  if (item === undefined) {
    if (method === 'GET') return sendJson(res, 200, (app.alerts ?? []).map((alert) => withStatus(alert, context.alerts.status(alert.id), node)))
    if (method === 'POST') return createAlert(context, req, res, app)
    throw notAllowed('GET', 'POST')
  }

  const alert = findAlert(app, item)
  if (method === 'GET') return sendJson(res, 200, withStatus(alert, context.alerts.status(alert.id), node))
  if (method !== 'DELETE') throw notAllowed('GET', 'DELETE')
  await context.store.removeAlert(app, alert)
  sendJson(res, 200, alertJson(alert))
}

async function createAlert(context: AlertRoutesContext, req: IncomingMessage, res: ServerResponse, app: App): Promise<void> {
  const body = await readJsonObject(req, MAX_JSON_BYTES)
  let alert: AlertDefinition
  try {
    alert = alertFromRequest(body, apiTimestamp())
  } catch (error) {
    if (error instanceof AlertRequestError) throw new ApiError(422, 'invalid_params', error.message)
    throw error
  }

  const existing = app.alerts ?? []
  if (existing.some((each) => each.name === alert.name)) throw new ApiError(422, 'invalid_params', `Name ${alert.name} has already been taken.`)
  if (existing.length >= MAX_ALERTS_PER_APP) {
    throw new ApiError(422, 'invalid_params', `${app.name} already has ${MAX_ALERTS_PER_APP} alerts, the most allowed; remove one first.`)
  }

  await context.store.addAlert(app, alert)
  sendJson(res, 201, withStatus(alert, context.alerts.status(alert.id), await context.alerts.evaluatedBy(app.id)))
}

function findAlert(app: App, key: string): AlertDefinition {
  const alert = (app.alerts ?? []).find((each) => each.name === key || each.id === key)
  if (alert === undefined) throw new ApiError(404, 'not_found', "Couldn't find that alert.")
  return alert
}

/**
 * The alert and, under `status`, how it is doing: its episode, value, and notifications sent and failed. On a
 * cluster `node` names the node running the app's rules: the others answer `status` null.
 */
function withStatus(alert: AlertDefinition, status: AlertStatus | undefined, node: string | null | undefined): Record<string, unknown> {
  return {...alertJson(alert), status: status === undefined ? null : statusJson(status), ...(node === undefined ? {} : {node})}
}

function statusJson(status: AlertStatus): Record<string, unknown> {
  const {counters} = status
  const time = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())
  return {
    firing_since: time(status.firingSince),
    last_error: counters.lastError ?? null,
    last_event: counters.lastEvent === undefined ? null : {at: time(counters.lastEvent.at), status: counters.lastEvent.status, value_text: counters.lastEvent.valueText},
    matching: status.matching,
    notifications_dropped: counters.dropped,
    notifications_sent: counters.sent,
    notify_failures: counters.failed,
    state: status.state,
    value: status.value ?? null,
    value_text: status.valueText,
  }
}

function notAllowed(...allowed: string[]): ApiError {
  return new ApiError(405, 'method_not_allowed', `Use ${allowed.join(' or ')} here.`, {Allow: allowed.join(', ')})
}
