import type {DrainReport} from './deliveries.js'

/**
 * A drain's delivery as the API shows it (`delivery` in `GET /apps/{app}/log-drains/{id}`), timestamps ISO
 * 8601: `position` is the offset in the app's log it delivers next, `lag` how many messages it is behind the
 * end of that log (null until the drain has read its saved position). On a cluster, `node` is the node
 * delivering it (null while none does) and `delivered_here` whether that is the node answering: the counts and
 * state are the answering node's own, so only the delivering node's say how delivery is going.
 */
export function deliveryJson(report: DrainReport | undefined) {
  if (report === undefined) return null
  return {
    delivered: report.delivered,
    dropped: report.dropped,
    dropped_overflow: report.droppedOverflow,
    dropped_rejected: report.droppedRejected,
    in_flight: report.inFlight,
    lag: report.lag ?? null,
    last_error: report.lastError ?? null,
    last_success_at: report.lastSuccessAt === undefined ? null : new Date(report.lastSuccessAt).toISOString(),
    position: report.position ?? null,
    state: report.state,
    // On a cluster: the node delivering the drain, and whether it is the node answering.
    ...(report.deliveredHere === undefined ? {} : {delivered_here: report.deliveredHere, node: report.node ?? null}),
  }
}

/**
 * logsift's `since` of `POST /apps/{app}/log-drains` (absent from Heroku's API): the drain starts with the
 * first message the router received at or after it (RFC 3339, or epoch ms) instead of at the end of the log.
 */
export function drainSince(value: unknown, invalid: (message: string) => never): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const time = Date.parse(value)
    if (!Number.isNaN(time)) return time
  }

  return invalid('since must be an RFC 3339 time or epoch milliseconds.')
}
