/**
 * A sum of floating-point numbers, correctly rounded whatever order they come in (Shewchuk's algorithm, as
 * Python's `math.fsum`): it is kept as non-overlapping partial sums, so two sums merge exactly, and the sum
 * over several byte ranges read on worker threads is the one a single pass gives.
 */
export class ExactSum {
  private readonly partials: number[] = []
  /** Infinities (and NaN) are summed apart: their sum does not depend on the order either. */
  private special = 0

  add(value: number): void {
    if (!Number.isFinite(value)) {
      this.special += value
      return
    }

    const {partials} = this
    // The common case, whole numbers adding up exactly into one partial, changes nothing but that partial.
    if (partials.length === 1) {
      const partial = partials[0]
      const high = partial + value
      // Knuth's two-sum: the rounding error of `high`, exactly.
      const part = high - partial
      if (partial - (high - part) + (value - part) === 0) {
        partials[0] = high
        return
      }
    }

    let x = value
    let kept = 0
    for (const partial of partials) {
      let y = partial
      if (Math.abs(x) < Math.abs(y)) {
        y = x
        x = partial
      }

      const high = x + y
      const low = y - (high - x)
      if (low !== 0) partials[kept++] = low
      x = high
    }

    partials.length = kept
    partials.push(x)
  }

  /** Adds another sum's state. */
  merge(other: ExactSumState): void {
    for (const partial of other.partials) this.add(partial)
    this.special += other.special
  }

  state(): ExactSumState {
    return {partials: [...this.partials], special: this.special}
  }

  /** The sum, correctly rounded (the half-even correction of `math.fsum`). */
  value(): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special
    const {partials} = this
    let n = partials.length
    if (n === 0) return 0
    let high = partials[--n]
    let low = 0
    while (n > 0) {
      const x = high
      const y = partials[--n]
      high = x + y
      low = y - (high - x)
      if (low !== 0) break
    }

    if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
      const y = low * 2
      const x = high + y
      if (y === x - high) high = x
    }

    return high
  }
}

/** An ExactSum as plain data. */
export interface ExactSumState {
  partials: number[]
  special: number
}
