import {deliveryStateCell} from '../../api/drain-delivery.js'
import {clusterLines} from '../cluster/status-text.js'
import type {AppStatus, RouterStatus} from './status.js'
import {describeUdpBuffer} from './udp-buffer.js'

/** `logsift status` as text: the router, one row per app, then one per drain. Pure: a status in, lines out. */
export function statusLines(status: RouterStatus): string[] {
  const rows: Array<[string, string]> = [['Up', `${duration(status.uptime_seconds)} (since ${status.started_at})`]]
  for (const [i, listener] of status.listeners.entries()) {
    const detail = listener.name === 'syslog_udp'
      ? describeUdpBuffer({
        capped: status.udp_receive_buffer.capped,
        grantedBytes: status.udp_receive_buffer.granted_bytes,
        requestedBytes: status.udp_receive_buffer.requested_bytes,
        rmemMaxBytes: status.udp_receive_buffer.rmem_max_bytes ?? undefined,
      })
      : `${listener.connections} open connection${listener.connections === 1 ? '' : 's'}`
    rows.push([i === 0 ? 'Listeners' : '', `${listener.url} (${detail})`])
  }

  rows.push(['Sessions', `${status.sessions} open`], ['Dropped', dropList(status.drops)])
  const lines = ['=== logsift router', ...rows.map(([label, value]) => `${(label ? `${label}:` : '').padEnd(11)}${value}`)]
  if (status.apps.length > 0) lines.push('', '=== Apps', ...appTable(status.apps))
  if (status.apps.some((app) => app.drains.length > 0)) lines.push('', '=== Drains', ...drainTable(status.apps))
  const alerting = status.apps.filter((app) => app.alerts !== undefined && app.alerts.rules > 0)
  if (alerting.length > 0) lines.push('', '=== Alerts', ...alerting.map((app) => `${app.name}: ${alertSummary(app.alerts)}`))
  if (status.cluster !== undefined) lines.push('', ...clusterLines(status.cluster))
  return lines
}

/** `2 rules, 1 firing; notifications: 3 sent, 2 failed attempts, 0 given up`. */
export function alertSummary(alerts: AppStatus['alerts']): string {
  const rules = `${alerts.rules} rule${alerts.rules === 1 ? '' : 's'}, ${alerts.firing} firing`
  return `${rules}; notifications: ${alerts.notifications_sent} sent, ${alerts.notify_failures} failed attempts, ${alerts.notifications_dropped} given up`
}

/** `12 syslog_unknown_app, 3 udp_kernel_drops`, largest first; `none` when nothing was dropped. */
export function dropList(drops: Readonly<Record<string, number | null>>): string {
  const entries = Object.entries(drops).filter((entry): entry is [string, number] => entry[1] !== null && entry[1] > 0)
  if (entries.length === 0) return 'none'
  return entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => `${count} ${reason}`).join(', ')
}

function appTable(apps: readonly AppStatus[]): string[] {
  const table = [
    ['App', 'In', 'Out', 'Dropped'],
    ...apps.map((app) => [app.name, String(app.messages_in), String(app.messages_out.sessions + app.messages_out.drains), dropList(app.drops)]),
  ]
  return columns(table)
}

/**
 * Each drain's state, messages delivered and dropped (since it was added, not since the router started),
 * position in its app's log and lag (messages behind its end); on a cluster also the node delivering it (the
 * state is that node's when it is this one, else `on NODE`, or `no node` while none delivers it).
 */
function drainTable(apps: readonly AppStatus[]): string[] {
  const drains = apps.flatMap((app) => app.drains.map((drain) => ({app, drain})))
  const cluster = drains.some(({drain}) => drain.node !== undefined)
  const rows = drains.map(({app, drain}) => [
    app.name, drain.url, ...(cluster ? [drain.node ?? '-'] : []), deliveryStateCell(drain), String(drain.delivered), String(drain.dropped), String(drain.position ?? '-'),
    String(drain.lag ?? '-'),
  ])
  return columns([['App', 'Drain', ...(cluster ? ['Node'] : []), 'State', 'Delivered', 'Dropped', 'Position', 'Lag'], ...rows])
}

/** Cells padded to their column's width, the last one as it is. */
function columns(table: readonly string[][]): string[] {
  const last = table[0].length - 1
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)))
  return table.map((row) => row.map((cell, column) => (column < last ? cell.padEnd(widths[column] + 2) : cell)).join(''))
}

/** `3d 4h`, `2h 5m`, `4m 10s`, `9s`: the two largest units. */
export function duration(seconds: number): string {
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]]
  const parts: string[] = []
  let rest = seconds
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size)
    rest -= count * size
    if (count > 0 || parts.length > 0 || unit === 's') parts.push(`${count}${unit}`)
    if (parts.length === 2) break
  }

  return parts.join(' ')
}
