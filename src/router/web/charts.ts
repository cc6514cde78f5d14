import type {LogRecord} from '../../parse/record.js'
import {StatsCollector} from '../../stats/collector.js'
import {defaultIntervalMs} from '../../stats/time-buckets.js'
import type {Stats} from '../../stats/types.js'

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const
type StatusClass = (typeof STATUS_CLASSES)[number]

/** What the Charts page draws: one value per bucket of `intervalSeconds`, each series as long as `starts`. */
export interface ChartData {
  /** `logs:stats --json --interval` over the whole range, with the same filters. */
  stats: Stats
  intervalSeconds: number
  /** Each bucket's start, epoch ms, from the first record's bucket to the last's, none skipped. */
  starts: number[]
  /** Router requests by status class. */
  statusClasses: Record<StatusClass, number[]>
  /** Router `service`, ms; null where a bucket had no request. */
  serviceP50: Array<null | number>
  serviceP99: Array<null | number>
  /** Per Heroku error code, its count per bucket. */
  errorCodes: Record<string, number[]>
  /** Per dyno, its peak `sample#memory_total` (MB) per bucket; null where it reported none. */
  memoryMB: Record<string, Array<null | number>>
}

/**
 * Charts of a range, computed by the `logs:stats` code itself: one collector over everything (what
 * `logs:stats --json` prints for the range) and one per bucket, whose results become the series. Buckets
 * are epoch-aligned as `logs:stats` aligns its chart, on the records' own times.
 */
export class ChartBuilder {
  private readonly whole: StatsCollector
  private readonly buckets = new Map<number, StatsCollector>()

  constructor(readonly intervalMs: number) {
    this.whole = new StatsCollector({intervalMs, top: 10})
  }

  /** The width logs:stats would choose for a range (at most 60 buckets). */
  static intervalFor(since: number, until: number): number {
    return defaultIntervalMs(since, until)
  }

  add(record: LogRecord): void {
    this.whole.add(record)
    const {time} = record
    if (Number.isNaN(time)) return
    const start = Math.floor(time / this.intervalMs) * this.intervalMs
    let bucket = this.buckets.get(start)
    if (bucket === undefined) {
      bucket = new StatsCollector({intervalMs: this.intervalMs, top: 10})
      this.buckets.set(start, bucket)
    }

    bucket.add(record)
  }

  result(): ChartData {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b)
    const starts: number[] = []
    if (keys.length > 0) for (let start = keys[0]; start <= keys.at(-1)!; start += this.intervalMs) starts.push(start)
    const results = starts.map((start) => this.buckets.get(start)?.result())
    const statusClasses = Object.fromEntries(STATUS_CLASSES.map((key) => [key, results.map((stats) => stats?.router.statusClasses[key] ?? 0)])) as Record<StatusClass, number[]>
    const errorCodes: Record<string, number[]> = {}
    const memoryMB: Record<string, Array<null | number>> = {}
    for (const [i, stats] of results.entries()) {
      for (const {code, count} of stats?.errors ?? []) (errorCodes[code] ??= new Array(starts.length).fill(0))[i] = count
      for (const {dyno, peakMemoryMB} of stats?.dynos ?? []) {
        if (peakMemoryMB !== null) (memoryMB[dyno] ??= new Array(starts.length).fill(null))[i] = peakMemoryMB
      }
    }

    return {
      errorCodes,
      intervalSeconds: this.intervalMs / 1000,
      memoryMB,
      serviceP50: results.map((stats) => stats?.router.service.p50 ?? null),
      serviceP99: results.map((stats) => stats?.router.service.p99 ?? null),
      starts,
      stats: this.whole.result(),
      statusClasses,
    }
  }
}
