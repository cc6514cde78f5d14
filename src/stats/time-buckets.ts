const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/**
 * The bucket widths chosen when `--interval` is not given, narrowest first. Each divides the next, so buckets
 * of one merge exactly into the next as the span grows.
 */
export const DEFAULT_WIDTHS_MS: readonly number[] = [
  SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 6 * HOUR, 24 * HOUR,
]
/** The default width is the narrowest that gives at most this many buckets over the span. */
export const DEFAULT_MAX_BUCKETS = 60

/**
 * When the buckets from first to last would pass this many (about 70 days of minutes), the width doubles, so
 * memory stays bounded even when a stray timestamp lies years away from the rest.
 */
const MAX_BUCKETS = 100_000

/** Epoch-aligned buckets of `width` from the one holding `first` to the one holding `last`. */
function bucketCount(first: number, last: number, width: number): number {
  return Math.floor(last / width) - Math.floor(first / width) + 1
}

/**
 * The default bucket width for events from `first` to `last` (ms since the epoch): the narrowest of
 * DEFAULT_WIDTHS_MS that gives at most DEFAULT_MAX_BUCKETS buckets, or the widest.
 */
export function defaultIntervalMs(first: number, last: number): number {
  for (const width of DEFAULT_WIDTHS_MS) {
    if (bucketCount(first, last, width) <= DEFAULT_MAX_BUCKETS) return width
  }

  return DEFAULT_WIDTHS_MS.at(-1) as number
}

export interface Bucket {
  /** Start of the bucket, ms since the epoch. */
  start: number
  count: number
}

/** TimeBuckets as plain data. */
export interface TimeBucketsState {
  width: number
  ladder: number
  /** [bucket index, count] at `width`. */
  counts: Array<[number, number]>
}

/**
 * Counts of events per fixed-width time bucket, aligned to the epoch (so 1h buckets start on the hour). With
 * no width given, it starts at the narrowest default width and moves up DEFAULT_WIDTHS_MS as the span grows,
 * ending at `defaultIntervalMs(first, last)`.
 */
export class TimeBuckets {
  private counts = new Map<number, number>()
  private width: number
  /** Index in DEFAULT_WIDTHS_MS of the width in use, or -1 when the width was given. */
  private ladder: number
  private first = Number.POSITIVE_INFINITY
  private last = Number.NEGATIVE_INFINITY
  private recentIndex = Number.NaN
  private recentCount = 0

  constructor(widthMs?: number) {
    this.ladder = widthMs === undefined ? 0 : -1
    this.width = widthMs ?? DEFAULT_WIDTHS_MS[0]
  }

  /** The bucket width in use: the one asked for (a multiple of it after very long inputs), or the default. */
  get widthMs(): number {
    // The run of events being counted may widen the span when it settles.
    this.settle()
    return this.width
  }

  add(time: number): void {
    const index = Math.floor(time / this.width)
    if (index === this.recentIndex) {
      this.recentCount++
      return
    }

    this.settle()
    // Settling may have widened the buckets: the index is taken again at the width now in use.
    this.recentIndex = Math.floor(time / this.width)
    this.recentCount = 1
  }

  /** The counts as plain data. */
  state(): TimeBucketsState {
    this.settle()
    return {counts: [...this.counts], ladder: this.ladder, width: this.width}
  }

  /**
   * Adds the counts of another part of the stream. Both are brought to the wider width (each width divides
   * the wider ones), then the width is chosen again for the merged span, as one pass would have.
   */
  merge(other: TimeBucketsState): void {
    this.settle()
    if (other.counts.length === 0) return
    if (other.width > this.width) {
      this.widen(other.width / this.width)
      this.ladder = other.ladder
    }

    const factor = this.width / other.width
    for (const [index, count] of other.counts) {
      const merged = Math.floor(index / factor)
      this.counts.set(merged, (this.counts.get(merged) ?? 0) + count)
      if (merged < this.first) this.first = merged
      if (merged > this.last) this.last = merged
    }

    this.fit()
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
    this.fit()
  }

  /** Widens the buckets until the span fits: up the default widths, then doubling past MAX_BUCKETS. */
  private fit(): void {
    while (this.ladder !== -1 && this.ladder < DEFAULT_WIDTHS_MS.length - 1 && this.last - this.first >= DEFAULT_MAX_BUCKETS) {
      this.ladder++
      this.widen(DEFAULT_WIDTHS_MS[this.ladder] / this.width)
    }

    while (this.last - this.first >= MAX_BUCKETS) this.widen(2)
  }

  /** Merges every `factor` buckets into one. */
  private widen(factor: number): void {
    const counts = new Map<number, number>()
    for (const [index, count] of this.counts) {
      const merged = Math.floor(index / factor)
      counts.set(merged, (counts.get(merged) ?? 0) + count)
    }

    this.counts = counts
    this.width *= factor
    this.first = Math.floor(this.first / factor)
    this.last = Math.floor(this.last / factor)
  }
}
