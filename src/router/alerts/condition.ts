import {QueryError} from '../../query/query-error.js'
import {parseDuration} from '../../query/time-bound.js'
import {parseQuantity, type Quantity, UNIT_SYMBOLS} from '../../query/units.js'
import {parseWhere} from '../../query/where.js'

export type Comparison = '<' | '<=' | '>' | '>='

/**
 * An alert's `--when`, parsed: what is measured over which sliding window, and the threshold.
 *
 * - `count OP N in DURATION`: matching messages in the window.
 * - `rate(WHERE) OP N% [in DURATION]`: of the router requests (`heroku[router]` lines) that pass the alert's
 *   filters, the share that also satisfies the `--where` expression WHERE (default window 5m).
 * - `pNN(FIELD) OP QUANTITY [in DURATION]`: the NNth percentile of a numeric field of the matching messages,
 *   units as in `--where` (`2s`, `500ms`, `1MB`; default window 5m).
 * - `absent DURATION`: no matching message for that long.
 */
export type Condition =
  | {kind: 'absent'; windowMs: number}
  | {kind: 'count'; op: Comparison; threshold: number; windowMs: number}
  | {kind: 'percentile'; field: string; op: Comparison; quantile: number; threshold: Quantity; windowMs: number}
  | {kind: 'rate'; op: Comparison; threshold: number; where: string; windowMs: number}

/** A `--when` that cannot be used; the message says what was expected. */
export class ConditionError extends Error {}

export const DEFAULT_WINDOW_MS = 5 * 60_000
/** Windows are kept in memory as buckets: a day at most. */
export const MAX_WINDOW_MS = 24 * 3_600_000
const MIN_WINDOW_MS = 1000

const OP = String.raw`(>=|<=|>|<)`
const WINDOW = String.raw`(?:\s+in\s+(\S+))?`
const COUNT = new RegExp(String.raw`^count\s*${OP}\s*(\S+)${WINDOW}$`)
const RATE = new RegExp(String.raw`^rate\((.+)\)\s*${OP}\s*([\d.]+)\s*%${WINDOW}$`)
const PERCENTILE = new RegExp(String.raw`^p(\d+(?:\.\d+)?)\(\s*([\w#.@-]+)\s*\)\s*${OP}\s*(\S+)${WINDOW}$`)
const ABSENT = /^absent\s+(\S+)$/

const GRAMMAR = "expected 'count > 10 in 5m', 'rate(status>=500) > 2%', 'p99(service) > 2s in 5m' or 'absent 10m'"

/** Parses a `--when` condition, or throws a ConditionError naming what is wrong. Pure. */
export function parseCondition(text: string): Condition {
  const trimmed = text.trim().replaceAll(/\s+/g, ' ')
  const count = COUNT.exec(trimmed)
  if (count !== null) {
    const [, op, number, window] = count
    const threshold = Number(number)
    if (!/^\d+$/.test(number)) throw new ConditionError(`${text}: expected a whole number of messages after ${op}, not ${number}`)
    if (window === undefined) throw new ConditionError(`${text}: a count needs a window: ${trimmed} in 5m`)
    return {kind: 'count', op: op as Comparison, threshold, windowMs: windowOf(text, window)}
  }

  const rate = RATE.exec(trimmed)
  if (rate !== null) {
    const [, where, op, percent, window] = rate
    const threshold = Number(percent)
    if (!(threshold >= 0 && threshold <= 100)) throw new ConditionError(`${text}: expected a percentage from 0% to 100%, not ${percent}%`)
    try {
      parseWhere(where)
    } catch (error) {
      if (error instanceof QueryError) throw new ConditionError(`${text}: rate(...) takes a --where expression: ${error.message}`)
      throw error
    }

    return {kind: 'rate', op: op as Comparison, threshold: threshold / 100, where: where.trim(), windowMs: windowOf(text, window)}
  }

  const percentile = PERCENTILE.exec(trimmed)
  if (percentile !== null) {
    const [, rank, field, op, value, window] = percentile
    const quantile = Number((Number(rank) / 100).toFixed(6))
    if (!(quantile > 0 && quantile < 1)) throw new ConditionError(`${text}: expected a percentile from p1 to p99.9, not p${rank}`)
    const threshold = parseQuantity(value)
    if (threshold === undefined) {
      throw new ConditionError(`${text}: expected a number after ${op}, optionally with a unit (${UNIT_SYMBOLS.join(' ')}), not ${value}`)
    }

    return {field, kind: 'percentile', op: op as Comparison, quantile, threshold, windowMs: windowOf(text, window)}
  }

  const absent = ABSENT.exec(trimmed)
  if (absent !== null) return {kind: 'absent', windowMs: windowOf(text, absent[1])}
  throw new ConditionError(`${text}: ${GRAMMAR}`)
}

function windowOf(text: string, window: string | undefined): number {
  if (window === undefined) return DEFAULT_WINDOW_MS
  const ms = parseDuration(window)
  if (Number.isNaN(ms)) throw new ConditionError(`${text}: expected a window such as 30s, 5m or 1h, not ${window}`)
  if (ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS) throw new ConditionError(`${text}: the window must be from 1s to 24h, not ${window}`)
  return ms
}

/** The condition written out canonically, as `alerts` shows it: `rate(status>=500) > 2% in 5m`. */
export function formatCondition(condition: Condition): string {
  const window = formatDuration(condition.windowMs)
  switch (condition.kind) {
    case 'absent': {
      return `absent ${window}`
    }

    case 'count': {
      return `count ${condition.op} ${condition.threshold} in ${window}`
    }

    case 'percentile': {
      return `${percentileName(condition.quantile)}(${condition.field}) ${condition.op} ${quantityText(condition.threshold)} in ${window}`
    }

    case 'rate': {
      return `rate(${condition.where}) ${condition.op} ${formatPercent(condition.threshold)} in ${window}`
    }
  }
}

/** `p99`, `p99.9`. */
export function percentileName(quantile: number): string {
  return `p${Number((quantile * 100).toFixed(4))}`
}

/** `2%`, `2.5%`, `0.01%`. */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(4))}%`
}

/** The threshold in the unit it was written in. */
function quantityText(quantity: Quantity): string {
  if (quantity.unit === '') return String(quantity.value)
  return `${Number((quantity.value / parseQuantity(`1${quantity.unit}`)!.value).toFixed(6))}${quantity.unit}`
}

const DURATION_UNITS: ReadonlyArray<[string, number]> = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** A window in the largest unit that writes it whole: `5m`, `90s`, `1h`; milliseconds otherwise. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

/** Whether `value OP threshold` holds. */
export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '<': {
      return value < threshold
    }

    case '<=': {
      return value <= threshold
    }

    case '>': {
      return value > threshold
    }

    case '>=': {
      return value >= threshold
    }
  }
}
