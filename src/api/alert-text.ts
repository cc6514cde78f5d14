import type {Alert, AlertStatus} from './types.js'

import {filterArguments} from '../router/alerts/definition.js'

/** The alert's filters as `logs` flags: `-d router -w 'status>=500'`; empty without filters. */
export function alertFilters(alert: Alert): string {
  const {dyno, exclude, grep, level, source, where} = alert
  return filterArguments({dyno, exclude, grep, ignoreCase: alert.ignore_case, level: level ?? undefined, source, where}).join(' ')
}

/**
 * `firing since 2026-...`, `ok`; on a cluster node that does not run the app's alerts, the node that does;
 * else `not reported` by an API that keeps no state.
 */
export function alertState(status: AlertStatus | null, node?: string | null): string {
  if (status === null) {
    if (node === undefined) return 'not reported'
    return node === null ? 'not reported: no node runs the app\'s alerts now (one takes them over within seconds)' : `on node ${node} (ask that node; logsift status lists the nodes)`
  }

  return status.state === 'firing' ? `firing since ${status.firing_since}` : 'ok'
}

/** One webhook as shown: its masked URL, and `(slack)` for Slack's form. */
export function notifierText(notifier: Alert['notify'][number]): string {
  return notifier.format === 'slack' ? `${notifier.url} (slack)` : notifier.url
}

/** `alerts`: one row per alert, `NAME  CONDITION  FILTERS  STATE`, in aligned columns. */
export function alertTable(alerts: readonly Alert[]): string[] {
  const rows = alerts.map((alert) => [alert.name, alert.when, alertFilters(alert), alertState(alert.status, alert.node)])
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => (column < 3 && widths[column] > 0 ? cell.padEnd(widths[column] + 2) : cell)).join('').trimEnd())
}

/** `alerts:info`: the alert as `Label: value` rows. */
export function alertRows(alert: Alert): Array<[string, string]> {
  const {status} = alert
  const rows: Array<[string, string]> = [
    ['When', alert.when],
    ['Filters', alertFilters(alert) || 'none (every message)'],
    ['Resolve after', alert.resolve_after],
    ['Notify', alert.notify.length === 0 ? 'no webhook (events go to the app\'s log)' : alert.notify.map((notifier) => notifierText(notifier)).join(', ')],
    ['State', alertState(status, alert.node)],
  ]
  if (status === null) return rows
  rows.push(
    ['Value', `${status.value_text} (${status.matching} matching in the window)`],
    ['Last event', status.last_event === null ? 'none' : `${status.last_event.status} at ${status.last_event.at} (value ${status.last_event.value_text})`],
    ['Notifications', `${status.notifications_sent} sent, ${status.notify_failures} failed attempts, ${status.notifications_dropped} given up`],
  )
  if (status.last_error !== null) rows.push(['Last error', status.last_error])
  return rows
}
