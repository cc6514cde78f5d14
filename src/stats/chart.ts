import type {ChalkInstance} from 'chalk'

/** Eight heights, lowest first; a bucket with no events is a space, so gaps read as gaps. */
export const SPARK_BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const
/** Eighths of a cell, for bars that grow by less than a whole character. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const
const FULL = '█'

/**
 * One character per value, scaled so that `max` is a full block: a value above zero is at least `▁`.
 * Plain when `chalk` has no colour level; otherwise cyan.
 */
export function sparkline(values: readonly number[], max: number, chalk: ChalkInstance): string {
  let line = ''
  for (const value of values) line += sparkChar(value, max)
  return chalk.cyan(line)
}

function sparkChar(value: number, max: number): string {
  if (value <= 0 || max <= 0) return ' '
  const level = Math.ceil((Math.min(value, max) / max) * SPARK_BLOCKS.length) - 1
  return SPARK_BLOCKS[Math.max(0, level)]
}

/** A horizontal bar `width` cells long at `max`, in eighths of a cell; empty for zero. */
export function bar(value: number, max: number, width: number): string {
  if (value <= 0 || max <= 0) return ''
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8))
  return FULL.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]
}

export interface ChartBucket {
  /** ms since the epoch. */
  start: number
  count: number
}

export interface ChartOptions {
  /** Width of one bucket, ms. */
  intervalMs: number
  /** Columns per row. */
  columns: number
  /** Rows at most; more buckets than fit are merged, a whole number of them per column. */
  maxRows: number
}

/**
 * A sparkline of counts per bucket in rows of `columns`, each row labelled with its start time (UTC), and a
 * closing line giving the scale. Buckets are merged `k` to a column when they would not fit in `maxRows`.
 */
export function renderTimeChart(buckets: readonly ChartBucket[], options: ChartOptions, chalk: ChalkInstance): string[] {
  if (buckets.length === 0) return []
  const perColumn = Math.max(1, Math.ceil(buckets.length / (options.columns * options.maxRows)))
  const columns: ChartBucket[] = []
  for (let i = 0; i < buckets.length; i += perColumn) {
    let count = 0
    for (let j = i; j < Math.min(i + perColumn, buckets.length); j++) count += buckets[j].count
    columns.push({count, start: buckets[i].start})
  }

  const columnMs = options.intervalMs * perColumn
  let max = 0
  for (const column of columns) if (column.count > max) max = column.count
  const lines: string[] = []
  for (let row = 0; row < columns.length; row += options.columns) {
    const slice = columns.slice(row, row + options.columns)
    lines.push(`${chalk.dim(chartTime(slice[0].start, columnMs < MINUTE))} ${sparkline(slice.map((column) => column.count), max, chalk)}`)
  }

  lines.push(chalk.dim(`one column = ${durationLabel(columnMs)}; █ = ${max.toLocaleString('en-US')}`))
  return lines
}

const MINUTE = 60_000

/** `2024-05-01 12:00` (UTC), with `:05` seconds when columns are narrower than a minute. */
function chartTime(ms: number, seconds: boolean): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}`
}

/** `1m`, `5m`, `1h`, `2h 30m`, `45s`, `1d`. */
export function durationLabel(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const days = Math.floor(seconds / 86_400)
  const hours = Math.floor((seconds % 86_400) / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  const parts: string[] = []
  if (days > 0) parts.push(`${days}d`)
  if (hours > 0) parts.push(`${hours}h`)
  if (minutes > 0) parts.push(`${minutes}m`)
  if (rest > 0) parts.push(`${rest}s`)
  return parts.join(' ')
}
