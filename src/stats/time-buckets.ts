/** Chart bucket widths `--interval` accepts. */
export const INTERVALS = {'1h': 3_600_000, '1m': 60_000, '5m': 300_000} as const
export type IntervalName = keyof typeof INTERVALS

/**
 * When the buckets from first to last would pass this many (about 70 days of minutes), the width doubles, so
 * memory stays bounded even when a stray timestamp lies years away from the rest.
 */
const MAX_BUCKETS = 100_000

export interface Bucket {
  /** Start of the bucket, ms since the epoch. */
  start: number
  count: number
}

/** Counts of events per fixed-width time bucket, aligned to the epoch (so 1h buckets start on the hour). */
export class TimeBuckets {
  private counts = new Map<number, number>()
  private width: number
  private first = Number.POSITIVE_INFINITY
  private last = Number.NEGATIVE_INFINITY
  private recentIndex = Number.NaN
  private recentCount = 0

  constructor(widthMs: number) {
    this.width = widthMs
  }

  /** The bucket width in use: the one asked for, or a multiple of it after very long inputs. */
  get widthMs(): number {
    return this.width
  }

  add(time: number): void {
    const index = Math.floor(time / this.width)
    if (index === this.recentIndex) {
      this.recentCount++
      return
    }

    this.settle()
    this.recentIndex = index
    this.recentCount = 1
  }

  /** Every bucket from the first to the last, empty ones included, in time order. */
  buckets(): Bucket[] {
    this.settle()
    const out: Bucket[] = []
    for (let index = this.first; index <= this.last; index++) out.push({count: this.counts.get(index) ?? 0, start: index * this.width})
    return out
  }

  /** Moves the count of the bucket being filled into the map: a run of events in one bucket costs no lookups. */
  private settle(): void {
    if (this.recentCount === 0) return
    const index = this.recentIndex
    this.counts.set(index, (this.counts.get(index) ?? 0) + this.recentCount)
    this.recentCount = 0
    this.recentIndex = Number.NaN
    if (index < this.first) this.first = index
    if (index > this.last) this.last = index
    while (this.last - this.first >= MAX_BUCKETS) this.coarsen()
  }

  private coarsen(): void {
    const counts = new Map<number, number>()
    for (const [index, count] of this.counts) {
      const merged = Math.floor(index / 2)
      counts.set(merged, (counts.get(merged) ?? 0) + count)
    }

    this.counts = counts
    this.width *= 2
    this.first = Math.floor(this.first / 2)
    this.last = Math.floor(this.last / 2)
  }
}
