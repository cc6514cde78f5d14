import type {ChalkInstance} from 'chalk'
import type {Count, DynoStats, Percentiles, PathStats, Stats, ValueSummary} from './types.js'

import {bar, renderTimeChart} from './chart.js'
import {type Cell, renderTable} from './table.js'
import {formatCount, formatMs, formatNumber, formatQuantity, formatRate, formatSpan} from './units-format.js'

export interface ReportOptions {
  chalk: ChalkInstance
  /** Columns of the requests chart. */
  chartColumns: number
}

const CHART_ROWS = 12
const STATUS_BAR_WIDTH = 30

/** `Stats` as the text `logs:stats` prints: sections separated by blank lines, empty sections left out. */
export function renderReport(stats: Stats, options: ReportOptions): string[] {
  const {chalk} = options
  const heading = (text: string) => chalk.bold(text)
  const out: string[] = [...totals(stats, chalk, heading)]
  if (stats.router.requests > 0) out.push('', ...router(stats, options, heading))
  if (stats.errors.length > 0) out.push('', ...errors(stats, chalk, heading))
  if (stats.dynos.length > 0) out.push('', ...dynos(stats.dynos, heading))
  if (stats.groups) out.push('', ...groups(stats, heading))
  if (stats.value) out.push('', ...valueSection(stats.value, heading))
  return out
}

function totals(stats: Stats, chalk: ChalkInstance, heading: (text: string) => string): string[] {
  const {span} = stats
  const lines = [`${heading('Records')}  ${formatCount(stats.records)}`]
  if (span.first !== null && span.last !== null) {
    lines[0] += ` over ${formatSpan(span.seconds)}, ${formatRate(span.perSecond)}`
    lines.push(chalk.dim(`  ${span.first} → ${span.last}`))
  }

  if (stats.records === 0) return lines
  const levels = Object.entries(stats.levels).filter(([, count]) => count > 0).map(([key, count]) => ({count, key}))
  lines.push(...renderTable([
    ['sources', countList(stats.sources)],
    ['dyno types', countList(stats.dynoTypes)],
    ['levels', countList(levels)],
  ], 2, 'll'))
  return lines
}

function countList(counts: readonly Count[]): string {
  return counts.map(({count, key}) => `${key} ${formatCount(count)}`).join(' · ')
}

function router(stats: Stats, options: ReportOptions, heading: (text: string) => string): string[] {
  const {chalk} = options
  const {router} = stats
  const lines = [`${heading('Router')}  ${formatCount(router.requests)} requests`]
  const buckets = router.perInterval.map((bucket) => ({count: bucket.count, start: Date.parse(bucket.start)}))
  const chart = renderTimeChart(buckets, {columns: options.chartColumns, intervalMs: router.intervalSeconds * 1000, maxRows: CHART_ROWS}, chalk)
  if (chart.length > 0) lines.push('  requests per interval (UTC)', ...chart.map((line) => `  ${line}`))

  const classes = Object.entries(router.statusClasses).filter(([, count]) => count > 0)
  const most = Math.max(...classes.map(([, count]) => count))
  lines.push('  status classes', ...renderTable(classes.map(([name, count]) => [
    name,
    formatCount(count),
    percent(count, router.requests),
    {style: statusStyle(name, chalk), text: bar(count, most, STATUS_BAR_WIDTH)},
  ]), 4, 'lrrl'))
  lines.push(`  top statuses  ${router.statuses.map(({count, status}) => `${status} ${formatCount(count)}`).join(' · ')}`)

  lines.push('  timing', ...renderTable([
    ['', 'p50', 'p90', 'p99', 'max'],
    timingRow('connect', router.connect),
    timingRow('service', router.service),
  ], 4))

  if (router.topPathsByCount.length > 0) {
    lines.push(`  top paths by count (${formatCount(router.paths)} distinct; ids as :id, query strings dropped)`, ...pathTable(router.topPathsByCount))
    lines.push('  top paths by p99 service', ...pathTable(router.topPathsByP99))
  }

  return lines
}

function statusStyle(name: string, chalk: ChalkInstance): (text: string) => string {
  if (name === '2xx') return chalk.green
  if (name === '3xx') return chalk.cyan
  if (name === '4xx') return chalk.yellow
  if (name === '5xx') return chalk.red
  return chalk.dim
}

function percent(count: number, total: number): string {
  return total === 0 ? '' : `${((count / total) * 100).toFixed(1)}%`
}

function timingRow(name: string, p: Percentiles): string[] {
  return [name, ms(p.p50), ms(p.p90), ms(p.p99), ms(p.max)]
}

function ms(value: null | number): string {
  return value === null ? '-' : formatMs(value)
}

function pathTable(paths: readonly PathStats[]): string[] {
  return renderTable([
    ['', 'count', 'p50', 'p99', 'max'],
    ...paths.map((path) => [path.path, formatCount(path.count), ms(path.p50), ms(path.p99), ms(path.max)]),
  ], 4)
}

function errors(stats: Stats, chalk: ChalkInstance, heading: (text: string) => string): string[] {
  const rows: Cell[][] = [['', '', 'count', 'first', 'last']]
  for (const error of stats.errors) {
    rows.push([{style: chalk.red, text: error.code}, error.title, formatCount(error.count), error.first ?? '-', error.last ?? '-'])
  }

  const lines = renderTable(rows, 2, 'll')
  // Each code's usual cause goes on the line under it, indented to the title.
  const out = [heading('Heroku error codes'), lines[0]]
  for (const [i, error] of stats.errors.entries()) {
    out.push(lines[i + 1])
    if (error.cause) out.push(chalk.dim(`       ${error.cause}`))
  }

  return out
}

function dynos(list: readonly DynoStats[], heading: (text: string) => string): string[] {
  const mb = (value: null | number) => (value === null ? '-' : `${formatNumber(value)}MB`)
  return [heading('Dynos'), ...renderTable([
    ['', 'R14', 'R15', 'peak memory', 'peak over quota', 'restarts', 'crashes'],
    ...list.map((dyno) => [dyno.dyno, String(dyno.r14), String(dyno.r15), mb(dyno.peakMemoryMB), mb(dyno.peakProcessMemoryMB), String(dyno.restarts), String(dyno.crashes)]),
  ], 2)]
}

function groups(stats: Stats, heading: (text: string) => string): string[] {
  const groups = stats.groups as NonNullable<Stats['groups']>
  const value = groups.top.find((group) => group.value)?.value
  const title = `${heading(`By ${groups.by}`)}  ${formatCount(groups.distinct)} distinct${groups.capped ? ' (more count as (other))' : ''}`
    + (groups.missing > 0 ? `, ${formatCount(groups.missing)} records without it` : '')
    + (value ? `; values of ${value.key}` : '')
  const header = value ? ['', 'records', 'values', 'sum', 'p50', 'p90', 'p99', 'max'] : ['', 'records']
  const rows = groups.top.map((group) => {
    const row = [group.key, formatCount(group.count)]
    if (group.value) row.push(...valueCells(group.value))
    return row
  })
  return [title, ...renderTable([header, ...rows], 2)]
}

function valueCells(value: ValueSummary): string[] {
  const q = (n: null | number) => (n === null ? '-' : formatQuantity(n, value.dimension))
  return [formatCount(value.count), value.count === 0 ? '-' : formatQuantity(value.sum, value.dimension), q(value.p50), q(value.p90), q(value.p99), q(value.max)]
}

function valueSection(value: ValueSummary, heading: (text: string) => string): string[] {
  const kind = value.dimension === 'count' ? 'bare numbers' : value.dimension === 'time' ? 'durations' : 'sizes'
  const skipped = value.skipped > 0 ? `, ${formatCount(value.skipped)} values of another kind skipped` : ''
  const [count, sum, ...percentiles] = valueCells(value)
  return [
    `${heading(`Value ${value.key}`)}  ${kind}${skipped}`,
    ...renderTable([
      ['count', 'sum', 'min', 'p50', 'p90', 'p99', 'max'],
      [count, sum, value.min === null ? '-' : formatQuantity(value.min, value.dimension), ...percentiles],
    ], 2, ''),
  ]
}
