/** Buckets a window is cut into at most: the window slides in steps of window / BUCKETS, at least a second. */
export const BUCKETS = 300

/** The width of a window's buckets: window / 300 in whole seconds, at least one second. */
export function bucketWidth(windowMs: number): number {
  return Math.max(1000, Math.ceil(windowMs / BUCKETS / 1000) * 1000)
}

/**
 * A matching message kept to be shown: the message (its line is only built when shown), and its own time or,
 * when it has no valid one, its arrival.
 */
export interface SeenLine {
  readonly entry: {readonly line: string}
  readonly time: number
}

/**
 * Counts over a sliding window, in fixed memory: one slot per bucket, each holding two counts (`hits`, and
 * for ratios `total`) and the first line seen in it, so the oldest matching line still in the window is known.
 * Times only grow; a time older than the window is ignored.
 */
export class SlidingCounts {
  hits = 0
  total = 0
  private readonly width: number
  private readonly slots: number
  private readonly bucketOf: Float64Array
  private readonly hitCounts: Float64Array
  private readonly totalCounts: Float64Array
  private readonly firstLines: Array<SeenLine | undefined>
  /** The oldest bucket that may still hold counts. */
  private oldest = Number.NEGATIVE_INFINITY

  constructor(readonly windowMs: number) {
    this.width = bucketWidth(windowMs)
    this.slots = Math.ceil(windowMs / this.width) + 1
    this.bucketOf = new Float64Array(this.slots).fill(-1)
    this.hitCounts = new Float64Array(this.slots)
    this.totalCounts = new Float64Array(this.slots)
    this.firstLines = Array.from({length: this.slots})
  }

  /** Counts one message at `time`: toward `total`, and toward `hits` with its line when it matched. */
  add(time: number, hit: SeenLine | undefined): void {
    this.advance(time)
    const bucket = Math.floor(time / this.width)
    if (bucket < this.oldest) return
    const slot = this.slot(bucket)
    this.totalCounts[slot]++
    this.total++
    if (hit === undefined) return
    this.hitCounts[slot]++
    this.hits++
    this.firstLines[slot] ??= hit
  }

  /** Drops what has left the window at `now`: buckets that end at or before `now - windowMs`. */
  advance(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / this.width) + 1
    if (oldest <= this.oldest) return
    if (oldest - this.oldest >= this.slots) {
      for (let slot = 0; slot < this.slots; slot++) this.clearSlot(slot)
    } else {
      for (let bucket = this.oldest; bucket < oldest; bucket++) this.clear(bucket)
    }

    this.oldest = oldest
  }

  /** The oldest matching line still in the window. */
  firstHit(): SeenLine | undefined {
    for (let bucket = this.oldest, end = this.oldest + this.slots; bucket < end; bucket++) {
      const slot = ((bucket % this.slots) + this.slots) % this.slots
      if (this.bucketOf[slot] === bucket && this.hitCounts[slot] > 0) return this.firstLines[slot]
    }

    return undefined
  }

  private slot(bucket: number): number {
    const slot = ((bucket % this.slots) + this.slots) % this.slots
    if (this.bucketOf[slot] !== bucket) {
      this.clearSlot(slot)
      this.bucketOf[slot] = bucket
    }

    return slot
  }

  private clear(bucket: number): void {
    const slot = ((bucket % this.slots) + this.slots) % this.slots
    if (this.bucketOf[slot] === bucket) this.clearSlot(slot)
  }

  private clearSlot(slot: number): void {
    this.hits -= this.hitCounts[slot]
    this.total -= this.totalCounts[slot]
    this.hitCounts[slot] = 0
    this.totalCounts[slot] = 0
    this.firstLines[slot] = undefined
    this.bucketOf[slot] = -1
  }
}

/** Values a percentile window keeps at most: beyond that, the most recent ones in the window count. */
export const VALUE_CAP = 10_000

/**
 * The values seen in a sliding window, kept exactly (a ring of times and values) up to `cap`; when more
 * arrive within one window the oldest give way, so a percentile is exact over the latest `cap` values.
 */
export class ValueWindow {
  private readonly times: Float64Array
  private readonly values: Float64Array
  private head = 0
  size = 0
  private scratch: Float64Array | undefined
  /** The last quantile asked for and its answer, until the values change: a quiet window is not sorted again. */
  private cached: {q: number; value: number | undefined} | undefined

  constructor(readonly windowMs: number, readonly cap = VALUE_CAP) {
    this.times = new Float64Array(cap)
    this.values = new Float64Array(cap)
  }

  add(time: number, value: number): void {
    this.advance(time)
    this.cached = undefined
    const at = (this.head + this.size) % this.cap
    this.times[at] = time
    this.values[at] = value
    if (this.size === this.cap) this.head = (this.head + 1) % this.cap
    else this.size++
  }

  advance(now: number): void {
    const cutoff = now - this.windowMs
    while (this.size > 0 && this.times[this.head] <= cutoff) {
      this.head = (this.head + 1) % this.cap
      this.size--
      this.cached = undefined
    }
  }

  /** The value at rank ⌊q·(n−1)⌋ of the sorted values (the rank `logs:stats` uses); undefined with none. */
  quantile(q: number): number | undefined {
    if (this.cached?.q === q) return this.cached.value
    let value: number | undefined
    if (this.size > 0) {
      const scratch = (this.scratch ??= new Float64Array(this.cap)).subarray(0, this.size)
      for (let i = 0; i < this.size; i++) scratch[i] = this.values[(this.head + i) % this.cap]
      scratch.sort()
      value = scratch[Math.floor(q * (this.size - 1))]
    }

    this.cached = {q, value}
    return value
  }
}
