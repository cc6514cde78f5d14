import {LogCollapsingLowestDenseDDSketch} from '@datadog/sketches-js'

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
 * - Count, sum, min and max are always exact.
 */
export const RELATIVE_ACCURACY = 0.01
const BIN_LIMIT = 2048

export class Distribution {
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  private values: Float64Array | undefined
  private sketch: LogCollapsingLowestDenseDDSketch | undefined
  private counts: Float64Array | undefined
  private sorted = true

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

  add(value: number): void {
    const index = this.count++
    this.sum += value
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

  private toSketch(values: Float64Array, count: number): LogCollapsingLowestDenseDDSketch {
    const sketch = newSketch()
    for (let i = 0; i < count; i++) sketch.accept(values[i])
    this.sketch = sketch
    this.values = undefined
    return sketch
  }

  private histogramToSketch(counts: Float64Array): LogCollapsingLowestDenseDDSketch {
    const sketch = newSketch()
    for (const [value, count] of counts.entries()) if (count > 0) sketch.accept(value, count)
    this.sketch = sketch
    this.counts = undefined
    return sketch
  }
}

const HISTOGRAM_SIZE = 65_536

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
