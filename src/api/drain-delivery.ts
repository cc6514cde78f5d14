import type {DrainDelivery} from './types.js'

/** A drain's delivery as `Label: value` rows, for `drains:info`. */
export function deliveryRows(delivery: DrainDelivery | null | undefined): Array<[string, string]> {
  if (delivery === undefined || delivery === null) return [['State', 'not reported by this API']]
  return [
    ['State', stateText(delivery)],
    ['Delivered', String(delivery.delivered)],
    ['Dropped', `${delivery.dropped} (${delivery.dropped_overflow} removed by retention first, ${delivery.dropped_rejected} refused by the receiver)`],
    ['Position', delivery.position === null ? 'not read yet' : String(delivery.position)],
    ['Lag', delivery.lag === null ? 'unknown' : `${delivery.lag} messages behind`],
    ['Last success', delivery.last_success_at ?? 'never'],
  ]
}

/** The same in one line, for a drain listed among others (`apps:info`); empty where the API reports none. */
export function deliverySummary(delivery: DrainDelivery | null | undefined): string {
  if (delivery === undefined || delivery === null) return ''
  const success = delivery.last_success_at === null ? 'no success yet' : `last success ${delivery.last_success_at}`
  return `${stateText(delivery)}; ${delivery.delivered} delivered, ${delivery.dropped} dropped, ${delivery.lag ?? 'unknown'} behind; ${success}`
}

function stateText(delivery: DrainDelivery): string {
  return delivery.last_error === null ? delivery.state : `${delivery.state} (last error: ${delivery.last_error})`
}
