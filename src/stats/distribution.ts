import {LogCollapsingLowestDenseDDSketch} from '@datadog/sketches-js'

import {ExactSum, type ExactSumState} from './exact-sum.js'

/**
 * Percentiles of a stream of numbers in bounded memory, exact while the values fit in a small buffer.
 *
 * - Up to `exactLimit` values they are kept, and a percentile is the exact value at rank `⌊q·(n−1)⌋` of the
 *   sorted values (the lower nearest rank, the rank DDSketch uses too).
 * - With `histogram`, past that, as long as every value is an integer from 0 to 65,535 (router `connect` and
 *   `service` in ms, statuses, sizes in pages), values are counted per integer (512 KB): still exact.
 * - Otherwise every value goes into a DDSketch (@datadog/sketches-js, Datadog's own implementation) with
 *   1% relative accuracy: a percentile it returns is within ±1% of the exact value at the same rank. Its
 *   bins are capped at 2,048 (≈ 40 KB), collapsing the lowest ones first; with 1% accuracy 2,048 bins span
 *   values from 1 to 10¹⁷ of any unit, so the cap never bites on latencies or sizes.
 * - Count, min and max are always exact, and the sum is correctly rounded (see ExactSum).
 *
 * Distributions of consecutive parts of a stream merge (`state`, `merge`) into the one a single pass over the
 * whole stream makes: exact values are concatenated, and the switch to the histogram or the sketch is the
 * one a single pass makes, since it depends only on the count and on whether every value fits the histogram.
 * Merged sketches have the same bins as one sketch of every value, so the same percentiles (short of the
 * 2,048-bin cap, where each collapses its lowest bins and both stay within the stated error).
 */
export const RELATIVE_ACCURACY = 0.01
const BIN_LIMIT = 2048

/** A Distribution as plain data (structured-cloneable, to post from a worker thread). */
export interface DistributionState {
  count: number
  sum: ExactSumState
  min: number
  max: number
  /** The values, while exact. */
  values?: Float64Array
  /** Counts per integer, in the histogram. */
  counts?: Float64Array
  sketch?: SketchState
}

/** A sketch's non-empty bins: `counts[i]` values at key `minKey + i`. */
interface StoreState {
  minKey: number
  counts: number[]
}

interface SketchState {
  positive: StoreState
  negative: StoreState
  zeroCount: number
}

export class Distribution {
  count = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  private values: Float64Array | undefined
  private sketch: LogCollapsingLowestDenseDDSketch | undefined
  private counts: Float64Array | undefined
  private sorted = true
  private readonly total = new ExactSum()

  constructor(
    private readonly exactLimit = 65_536,
    private readonly histogram = false,
  ) {
    this.values = new Float64Array(Math.min(exactLimit, 64))
  }

  /** Whether every percentile is exact (no value has gone into the sketch). */
  get exact(): boolean {
    return this.sketch === undefined
  }

  /** The sum of the values. */
  get sum(): number {
    return this.total.value()
  }

  add(value: number): void {
    const index = this.count++
    this.total.add(value)
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
    if (this.counts !== undefined) {
      if (isHistogramValue(value)) this.counts[value]++
      else this.histogramToSketch(this.counts).accept(value)
      return
    }

    if (this.sketch !== undefined) {
      this.sketch.accept(value)
      return
    }

    let values = this.values as Float64Array
    if (index === this.exactLimit) {
      if (this.histogram && isHistogramValue(value) && values.every((kept) => isHistogramValue(kept))) {
        const counts = new Float64Array(HISTOGRAM_SIZE)
        for (const kept of values) counts[kept]++
        counts[value]++
        this.counts = counts
        this.values = undefined
      } else {
        this.toSketch(values, index).accept(value)
      }

      return
    }

    if (index === values.length) {
      const grown = new Float64Array(Math.min(values.length * 4, this.exactLimit))
      grown.set(values)
      this.values = values = grown
    }

    values[index] = value
    this.sorted = false
  }

  /** The value at quantile `q` (0..1), or undefined when there are no values. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined
    if (q >= 1) return this.max
    if (this.counts !== undefined) return histogramQuantile(this.counts, Math.floor(q * (this.count - 1)))
    if (this.sketch !== undefined) {
      // The sketch answers with its bin's representative value; min and max are known exactly.
      return Math.min(this.max, Math.max(this.min, this.sketch.getValueAtQuantile(q)))
    }

    const values = (this.values as Float64Array).subarray(0, this.count)
    if (!this.sorted) {
      values.sort()
      this.sorted = true
    }

    return values[Math.floor(q * (this.count - 1))]
  }

  /** This distribution as plain data. */
  state(): DistributionState {
    const state: DistributionState = {count: this.count, max: this.max, min: this.min, sum: this.total.state()}
    if (this.counts !== undefined) state.counts = this.counts.slice()
    else if (this.sketch !== undefined) state.sketch = sketchState(this.sketch)
    else state.values = (this.values as Float64Array).slice(0, this.count)
    return state
  }

  /** Adds the values of `other`, which come after this distribution's in the stream. */
  merge(other: DistributionState): void {
    if (other.count === 0) return
    const kept = this.count
    this.count += other.count
    this.total.merge(other.sum)
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    if (this.sketch === undefined && other.sketch === undefined) {
      if (this.count <= this.exactLimit) return this.appendValues(other.values as Float64Array, kept)
      if (this.histogram && this.fitsHistogram(kept) && fitsHistogram(other)) return this.addToHistogram(other, kept)
    }

    const sketch = this.sketch ?? (this.counts === undefined ? this.toSketch(this.values as Float64Array, kept) : this.histogramToSketch(this.counts))
    if (other.sketch !== undefined) sketch.merge(sketchFrom(other.sketch))
    else if (other.counts !== undefined) addCounts(sketch, other.counts)
    else for (const value of other.values as Float64Array) sketch.accept(value)
  }

  private appendValues(added: Float64Array, kept: number): void {
    let values = this.values as Float64Array
    if (values.length < this.count) {
      const grown = new Float64Array(Math.min(Math.max(values.length * 4, this.count), this.exactLimit))
      grown.set(values.subarray(0, kept))
      this.values = values = grown
    }

    values.set(added, kept)
    this.sorted = false
  }

  /** Whether the first `kept` values are all histogram values (or already counted in it). */
  private fitsHistogram(kept: number): boolean {
    return this.counts !== undefined || (this.values as Float64Array).subarray(0, kept).every((value) => isHistogramValue(value))
  }

  private addToHistogram(other: DistributionState, kept: number): void {
    let {counts} = this
    if (counts === undefined) {
      counts = new Float64Array(HISTOGRAM_SIZE)
      for (const value of (this.values as Float64Array).subarray(0, kept)) counts[value]++
      this.counts = counts
      this.values = undefined
    }

    if (other.counts === undefined) for (const value of other.values as Float64Array) counts[value]++
    else for (const [value, count] of other.counts.entries()) counts[value] += count
  }

  private toSketch(values: Float64Array, count: number): LogCollapsingLowestDenseDDSketch {
    const sketch = newSketch()
    for (let i = 0; i < count; i++) sketch.accept(values[i])
    this.sketch = sketch
    this.values = undefined
    return sketch
  }

  private histogramToSketch(counts: Float64Array): LogCollapsingLowestDenseDDSketch {
    const sketch = newSketch()
    addCounts(sketch, counts)
    this.sketch = sketch
    this.counts = undefined
    return sketch
  }
}

const HISTOGRAM_SIZE = 65_536

function fitsHistogram(state: DistributionState): boolean {
  return state.counts !== undefined || (state.values as Float64Array).every((value) => isHistogramValue(value))
}

function addCounts(sketch: LogCollapsingLowestDenseDDSketch, counts: Float64Array): void {
  for (const [value, count] of counts.entries()) if (count > 0) sketch.accept(value, count)
}

type Store = LogCollapsingLowestDenseDDSketch['store']

function storeState(store: Store): StoreState {
  if (store.count === 0) return {counts: [], minKey: 0}
  return {counts: store.bins.slice(store.minKey - store.offset, store.maxKey - store.offset + 1), minKey: store.minKey}
}

function sketchState(sketch: LogCollapsingLowestDenseDDSketch): SketchState {
  return {negative: storeState(sketch.negativeStore), positive: storeState(sketch.store), zeroCount: sketch.zeroCount}
}

/** A sketch with the bins of `state`, to merge into another (only the bins and counts matter to quantiles). */
function sketchFrom(state: SketchState): LogCollapsingLowestDenseDDSketch {
  const sketch = newSketch()
  for (const [store, {counts, minKey}] of [[sketch.store, state.positive], [sketch.negativeStore, state.negative]] as const) {
    for (const [i, count] of counts.entries()) {
      if (count > 0) {
        store.add(minKey + i, count)
        sketch.count += count
      }
    }
  }

  sketch.zeroCount = state.zeroCount
  sketch.count += state.zeroCount
  return sketch
}

function isHistogramValue(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < HISTOGRAM_SIZE
}

/** The integer at 0-based `rank` of the counted values. */
function histogramQuantile(counts: Float64Array, rank: number): number {
  let seen = 0
  for (const [value, count] of counts.entries()) {
    seen += count
    if (seen > rank) return value
  }

  return counts.length - 1
}

function newSketch(): LogCollapsingLowestDenseDDSketch {
  return new LogCollapsingLowestDenseDDSketch({binLimit: BIN_LIMIT, relativeAccuracy: RELATIVE_ACCURACY})
}
