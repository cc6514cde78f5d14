import type {DrainDelivery} from './types.js'

/** A drain's delivery as `Label: value` rows, for `drains:info`. */
export function deliveryRows(delivery: DrainDelivery | null | undefined): Array<[string, string]> {
  if (delivery === undefined || delivery === null) return [['State', 'not reported by this API']]
  const position: Array<[string, string]> = [
    ['Position', delivery.position === null ? 'not read yet' : String(delivery.position)],
    ['Lag', delivery.lag === null ? 'unknown' : `${delivery.lag} messages behind`],
  ]
  if (delivery.delivered_here === false) return [['State', elsewhereText(delivery)], ...position]
  return [
    ['State', stateText(delivery)],
    ['Delivered', String(delivery.delivered)],
    ['Dropped', `${delivery.dropped} (${delivery.dropped_overflow} removed by retention first, ${delivery.dropped_rejected} refused by the receiver)`],
    ...position,
    ['Last success', delivery.last_success_at ?? 'never'],
    ...(delivery.node === undefined || delivery.node === null ? [] : [['Node', `${delivery.node} (this one)`] as [string, string]]),
  ]
}

/** The same in one line, for a drain listed among others (`apps:info`); empty where the API reports none. */
export function deliverySummary(delivery: DrainDelivery | null | undefined): string {
  if (delivery === undefined || delivery === null) return ''
  if (delivery.delivered_here === false) return `${elsewhereText(delivery)}; ${delivery.lag ?? 'unknown'} behind`
  const success = delivery.last_success_at === null ? 'no success yet' : `last success ${delivery.last_success_at}`
  return `${stateText(delivery)}; ${delivery.delivered} delivered, ${delivery.dropped} dropped, ${delivery.lag ?? 'unknown'} behind; ${success}`
}

/**
 * A drain's state in a table cell (`logsift status`, the page). On a cluster a node has no state of a drain
 * another node delivers (it would read `idle`): the cell names the node delivering it, or says none does.
 */
export function deliveryStateCell(delivery: Pick<DrainDelivery, 'delivered_here' | 'node'> & {state: string}): string {
  if (delivery.delivered_here !== false) return delivery.state
  return delivery.node === null || delivery.node === undefined ? 'no node' : `on ${delivery.node}`
}

function stateText(delivery: DrainDelivery): string {
  return delivery.last_error === null ? delivery.state : `${delivery.state} (last error: ${delivery.last_error})`
}

/**
 * A drain another node of a cluster delivers: the node that answered has no counts of it (only the shared
 * position), so it names the node that has them.
 */
function elsewhereText(delivery: DrainDelivery): string {
  return delivery.node === null || delivery.node === undefined
    ? 'no node delivers it now (one takes it over within seconds)'
    : `delivered by node ${delivery.node} (its state and counts: drains:info through that node; logsift status lists the nodes)`
}
