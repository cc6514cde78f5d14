import {compileQuery, type Predicate} from '../../query/compile.js'
import {magnitude, measureIn} from '../../query/units.js'
import {compileWhere, parseWhere} from '../../query/where.js'
import type {FieldValue, LogRecord} from '../../parse/record.js'
import {formatMs, formatNumber, formatQuantity} from '../../stats/units-format.js'
import {compare, type Condition, formatPercent, parseCondition} from './condition.js'
import {type AlertDefinition, queryOptions} from './definition.js'
import {type EpisodeState, okState} from './episode.js'
import {type SeenLine, SlidingCounts, ValueWindow} from './window.js'

/** What a condition measures now: whether it holds, and the value it compared (undefined with nothing to measure). */
export interface Measurement {
  holds: boolean
  value: number | undefined
}

/**
 * One alert rule, evaluated incrementally: each message is looked at once as it arrives (`observe`), into
 * fixed-size sliding windows; `measure` reads the windows, never the messages again.
 */
export class AlertRule {
  readonly condition: Condition
  readonly episode: EpisodeState = okState()
  /** The latest matching line (for `absent`: the last one before the silence). */
  lastHit: SeenLine | undefined
  /** While firing: the first line of the episode, the oldest in the window that fired it (for `absent`: the last one before the silence). */
  episodeFirst: SeenLine | undefined
  /** When the last matching message arrived; for `absent`, starts at the rule's birth. */
  lastHitAt: number
  private readonly filter: Predicate
  /** rate(WHERE): the numerator's test, on the router lines that passed the filters. */
  private readonly share: Predicate | undefined
  private readonly counts: SlidingCounts | undefined
  private readonly values: ValueWindow | undefined
  private readonly readValue: ((value: FieldValue | undefined) => number) | undefined

  constructor(readonly definition: AlertDefinition, bornAt: number) {
    const condition = parseCondition(definition.when)
    this.condition = condition
    this.filter = compileQuery(queryOptions(definition.filters))
    this.lastHitAt = bornAt
    if (condition.kind !== 'absent') this.counts = new SlidingCounts(condition.windowMs)
    if (condition.kind === 'rate') this.share = compileWhere(parseWhere(condition.where))
    if (condition.kind === 'percentile') {
      this.values = new ValueWindow(condition.windowMs)
      const {dimension, unit} = condition.threshold
      this.readValue = unit === '' ? readMagnitude : (value) => readIn(value, dimension)
    }
  }

  /** Whether the condition is measured only on the periodic tick (a percentile sorts its window: at most once a tick). */
  get tickOnly(): boolean {
    return this.condition.kind === 'percentile'
  }

  /** Looks at one message that arrived at `time`: `record` is how `logs` reads `entry`. */
  observe(record: LogRecord, entry: SeenLine['entry'], time: number): void {
    const {condition} = this
    if (condition.kind === 'rate') {
      if (record.source !== 'heroku' || record.dyno !== 'router' || !this.filter(record)) return
      const hit = this.share!(record)
      this.counts!.add(time, hit ? this.hit(record, entry, time) : undefined)
      return
    }

    if (!this.filter(record)) return
    const seen = this.hit(record, entry, time)
    if (condition.kind === 'percentile') {
      const value = this.readValue!(record.field(condition.field))
      if (Number.isNaN(value)) return
      this.values!.add(time, value)
    }

    this.counts?.add(time, seen)
  }

  measure(now: number): Measurement {
    const {condition} = this
    switch (condition.kind) {
      case 'absent': {
        const quiet = now - this.lastHitAt
        return {holds: quiet >= condition.windowMs, value: quiet}
      }

      case 'count': {
        this.counts!.advance(now)
        const {hits} = this.counts!
        return {holds: compare(hits, condition.op, condition.threshold), value: hits}
      }

      case 'percentile': {
        this.values!.advance(now)
        this.counts!.advance(now)
        const value = this.values!.quantile(condition.quantile)
        return {holds: value !== undefined && compare(value, condition.op, condition.threshold.value), value}
      }

      case 'rate': {
        this.counts!.advance(now)
        const {hits, total} = this.counts!
        const value = total === 0 ? undefined : hits / total
        return {holds: value !== undefined && compare(value, condition.op, condition.threshold), value}
      }
    }
  }

  /** The oldest matching line still in the window, undefined when it holds none (for `absent`, the last one seen). */
  firstHit(): SeenLine | undefined {
    return this.counts === undefined ? this.lastHit : this.counts.firstHit()
  }

  /** Matching messages in the window (for rate: the matching requests; for absent: none). */
  matching(): number {
    return this.counts?.hits ?? 0
  }

  /** The value as people read it, in the condition's terms: `12`, `5.2%`, `2.35s`, `quiet for 10.5m`. */
  valueText(value: number | undefined): string {
    if (value === undefined) return 'no data'
    const {condition} = this
    switch (condition.kind) {
      case 'absent': {
        return `quiet for ${formatMs(value)}`
      }

      case 'count': {
        return String(value)
      }

      case 'percentile': {
        return condition.threshold.unit === '' ? formatNumber(value) : formatQuantity(value, condition.threshold.dimension)
      }

      case 'rate': {
        return `${formatPercent(Number(value.toFixed(6)))} of ${this.counts!.total} requests`
      }
    }
  }

  private hit(record: LogRecord, entry: SeenLine['entry'], time: number): SeenLine {
    const seen = {entry, time: Number.isNaN(record.time) ? time : record.time}
    this.lastHit = seen
    this.lastHitAt = time
    return seen
  }
}

function readMagnitude(value: FieldValue | undefined): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return magnitude(value)
  return Number.NaN
}

function readIn(value: FieldValue | undefined, dimension: Parameters<typeof measureIn>[1]): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return measureIn(value, dimension)
  return Number.NaN
}
