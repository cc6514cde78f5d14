import type {LogRecord} from '../parse/record.js'
import type {Count, ErrorCodeCount, Stats} from './types.js'

import {ERROR_CODES, errorCodeOf} from '../parse/error-codes.js'
import {LEVEL_NAMES} from '../parse/record.js'
import {CappedMap, type CappedMapState, OVERFLOW_KEY} from './capped-map.js'
import {TimestampClock} from './clock.js'
import {DynoAggregator} from './dynos.js'
import {dynoType, type FieldKey, parseFieldKey} from './fields.js'
import {GroupAggregator, type GroupsState} from './groups.js'
import {RouterAggregator, type RouterState} from './router.js'
import {ValueAggregator, type ValueState} from './values.js'

export interface StatsOptions {
  /** Chart bucket width, ms; by default one that fits the span (`defaultIntervalMs`). */
  intervalMs?: number
  /** How many rows the top lists keep. */
  top: number
  /** `--by KEY`. */
  by?: string
  /** `--value KEY`: a payload field. */
  value?: string
}

/** Records without a header (plain text lines) are counted under this source and dyno. */
export const NO_HEADER = '(none)'
const MAX_HEADER_KEYS = 1000
/**
 * Where Heroku error codes are looked for: every Heroku line but the router's `at=info` ones (a router line
 * with a code says `at=error` or `at=warning`: H15 is a warning), and other lines at error level or above,
 * since a code makes a line an error (level.ts, rule 3) unless the line names its own level.
 */
const ERROR_SEVERITY = 3

interface CodeEntry {
  count: number
  first: number
  last: number
}

/**
 * A StatsCollector as plain data (structured-cloneable): what a worker thread reading one byte range posts.
 */
export interface CollectorState {
  records: number
  first: number
  last: number
  sources: CappedMapState<{count: number}>
  dynoCounts: CappedMapState<{count: number}>
  levels: number[]
  codes: Array<[string, CodeEntry]>
  router: RouterState
  dynos: ReturnType<DynoAggregator['state']>
  groups?: GroupsState
  value?: ValueState
}

/**
 * Aggregates records into `Stats` in one pass and bounded memory. The hot path reads only what each kind of
 * record needs: the header and level of every record, `status`/`connect`/`service`/`path` of router lines
 * (scanned in place, without parsing the rest), and Heroku's own dyno lines by their fixed prefixes.
 */
export class StatsCollector {
  private records = 0
  private first = Number.POSITIVE_INFINITY
  private last = Number.NEGATIVE_INFINITY
  private readonly sources = new CappedMap<{count: number}>(MAX_HEADER_KEYS, () => ({count: 0}))
  private readonly dynoCounts = new CappedMap<{count: number}>(MAX_HEADER_KEYS * 10, () => ({count: 0}))
  private readonly levels = new Float64Array(LEVEL_NAMES.length)
  private readonly codes = new Map<string, CodeEntry>()
  private readonly router: RouterAggregator
  private readonly dynos = new DynoAggregator()
  private readonly groups: GroupAggregator | undefined
  private readonly value: ValueAggregator | undefined
  private readonly valueField: string | undefined
  private readonly clock = new TimestampClock()

  constructor(private readonly options: StatsOptions) {
    this.router = new RouterAggregator(options.intervalMs)
    const valueKey = options.value === undefined ? undefined : valueFieldOf(options.value)
    this.valueField = valueKey
    if (options.by !== undefined) {
      this.groups = new GroupAggregator(options.by, parseFieldKey(options.by), valueKey === undefined ? undefined : {key: options.value as string, name: valueKey})
    } else if (valueKey !== undefined) {
      this.value = new ValueAggregator(options.value as string)
    }
  }

  add(record: LogRecord): void {
    this.records++
    const time = this.clock.time(record)
    if (time < this.first) this.first = time
    if (time > this.last) this.last = time

    const source = record.source ?? NO_HEADER
    const dyno = record.dyno ?? NO_HEADER
    this.sources.get(source).count++
    this.dynoCounts.get(dyno).count++
    const severity = record.severity
    this.levels[severity]++

    if (source === 'heroku') {
      if (dyno === 'router') this.router.add(record, time)
      else this.dynos.addPlatformLine(record.message, dyno)
    }

    // Every Heroku line: its router logs some codes at=info (H27 Client Request Interrupted, H80 Maintenance mode).
    if (source === 'heroku' || severity <= ERROR_SEVERITY) {
      const code = errorCodeOf(record.message)
      if (code !== undefined) this.addCode(code, time, dyno)
    }

    if (this.groups) this.groups.add(record)
    else if (this.value) this.value.add(record.field(this.valueField as string))
  }

  /** Everything counted so far, as plain data. */
  state(): CollectorState {
    const state: CollectorState = {
      codes: [...this.codes].map(([code, entry]) => [code, {...entry}]),
      dynoCounts: this.dynoCounts.state((entry) => ({...entry})),
      dynos: this.dynos.state(),
      first: this.first,
      last: this.last,
      levels: [...this.levels],
      records: this.records,
      router: this.router.state(),
      sources: this.sources.state((entry) => ({...entry})),
    }
    if (this.groups) state.groups = this.groups.state()
    if (this.value) state.value = this.value.state()
    return state
  }

  /**
   * Adds what a collector with the same options counted over the next part of the input: merging the states
   * of consecutive parts in order gives the `Stats` of one pass over them all (see CappedMap for the one
   * exception, past a cap).
   */
  merge(other: CollectorState): void {
    this.records += other.records
    if (other.first < this.first) this.first = other.first
    if (other.last > this.last) this.last = other.last
    const addCount = (entry: {count: number}, state: {count: number}) => {
      entry.count += state.count
    }

    this.sources.merge(other.sources, addCount)
    this.dynoCounts.merge(other.dynoCounts, addCount)
    for (const [severity, count] of other.levels.entries()) this.levels[severity] += count
    for (const [code, state] of other.codes) {
      const entry = this.codes.get(code)
      if (entry === undefined) {
        this.codes.set(code, {...state})
        continue
      }

      entry.count += state.count
      if (state.first < entry.first) entry.first = state.first
      if (state.last > entry.last) entry.last = state.last
    }

    this.router.merge(other.router)
    this.dynos.merge(other.dynos)
    if (other.groups) this.groups?.merge(other.groups)
    if (other.value) this.value?.merge(other.value)
  }

  result(): Stats {
    const {top} = this.options
    const seconds = this.records > 0 && Number.isFinite(this.first) ? (this.last - this.first) / 1000 : 0
    const stats: Stats = {
      dynoTypes: this.dynoTypeCounts(),
      dynos: this.dynos.result(),
      errors: this.errorCounts(),
      levels: Object.fromEntries(LEVEL_NAMES.map((name, severity) => [name, this.levels[severity]])) as Stats['levels'],
      records: this.records,
      router: this.router.result(top),
      sources: sortedCounts(this.sources),
      span: {
        first: Number.isFinite(this.first) ? new Date(this.first).toISOString() : null,
        last: Number.isFinite(this.last) ? new Date(this.last).toISOString() : null,
        // Significant digits below one a second: a sparse log's rate is small, not 0.
        perSecond: seconds > 0 ? roundRate(this.records / seconds) : 0,
        seconds: round3(seconds),
      },
    }
    if (this.groups) stats.groups = this.groups.result(top)
    if (this.value) stats.value = this.value.result()
    return stats
  }

  private addCode(code: string, time: number, dyno: string): void {
    let entry = this.codes.get(code)
    if (entry === undefined) {
      entry = {count: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY}
      this.codes.set(code, entry)
    }

    entry.count++
    if (time < entry.first) entry.first = time
    if (time > entry.last) entry.last = time
    this.dynos.addErrorCode(code, dyno)
  }

  private dynoTypeCounts(): Count[] {
    const types = new Map<string, number>()
    for (const [dyno, {count}] of this.dynoCounts.entries) {
      const type = dyno === NO_HEADER ? NO_HEADER : dynoType(dyno)
      types.set(type, (types.get(type) ?? 0) + count)
    }

    const overflow = this.dynoCounts.overflow
    if (overflow) types.set(OVERFLOW_KEY, overflow.count)
    return [...types].map(([key, count]) => ({count, key})).sort(byCount)
  }

  private errorCounts(): ErrorCodeCount[] {
    const out: ErrorCodeCount[] = []
    for (const [code, entry] of this.codes) {
      const known = ERROR_CODES.get(code)
      out.push({
        cause: known?.cause ?? '',
        code,
        count: entry.count,
        first: Number.isFinite(entry.first) ? new Date(entry.first).toISOString() : null,
        last: Number.isFinite(entry.last) ? new Date(entry.last).toISOString() : null,
        title: known?.title ?? 'Unknown error code',
      })
    }

    return out.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
  }
}

/** The payload field `--value` reads (`fields.` prefix dropped). */
export function valueFieldOf(key: string): string | undefined {
  const parsed: FieldKey = parseFieldKey(key)
  return parsed.kind === 'field' ? parsed.name : undefined
}

function sortedCounts(map: CappedMap<{count: number}>): Count[] {
  const counts = [...map.entries].map(([key, {count}]) => ({count, key}))
  if (map.overflow) counts.push({count: map.overflow.count, key: OVERFLOW_KEY})
  return counts.sort(byCount)
}

function byCount(a: Count, b: Count): number {
  return b.count - a.count || a.key.localeCompare(b.key)
}

function roundRate(perSecond: number): number {
  return perSecond >= 1 ? round3(perSecond) : Number(perSecond.toPrecision(3))
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}
