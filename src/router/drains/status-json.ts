import type {DrainStatus} from './delivery.js'

/** A drain's delivery as the API shows it (`delivery` in `GET /apps/{app}/log-drains/{id}`), timestamps ISO 8601. */
export function deliveryJson(status: DrainStatus | undefined) {
  if (status === undefined) return null
  return {
    delivered: status.delivered,
    dropped: status.dropped,
    dropped_overflow: status.droppedOverflow,
    dropped_rejected: status.droppedRejected,
    last_error: status.lastError ?? null,
    last_success_at: status.lastSuccessAt === undefined ? null : new Date(status.lastSuccessAt).toISOString(),
    queued: status.queued,
    state: status.state,
  }
}
