import type {FieldValue} from '../parse/record.js'
import type {ValueSummary} from './types.js'

import {type Dimension, parseQuantity} from '../query/units.js'
import {Distribution, type DistributionState} from './distribution.js'
import {percentilesOf} from './percentiles.js'

const UNIT_OF: Record<Dimension, ValueSummary['unit']> = {bytes: 'bytes', count: '', time: 'ms'}

/** A ValueAggregator as plain data. */
export interface ValueState {
  dimension: Dimension
  skipped: number
  byDimension: Partial<Record<Dimension, DistributionState>>
}

/**
 * A numeric field's values (`--value service`), in one dimension: the first unit seen decides it (`23ms`
 * makes it time, in ms; `211MB` bytes), bare numbers count in that dimension's base unit (`duration_ms=250`
 * is 250 ms once a unit has said time), and values of another dimension, or not numbers at all, are skipped.
 *
 * Values are kept by dimension until the result, so that aggregators of consecutive parts of a stream merge
 * exactly: a later part cannot know which unit came first in the whole stream.
 */
export class ValueAggregator {
  dimension: Dimension = 'count'
  skipped = 0
  private readonly byDimension: Partial<Record<Dimension, Distribution>> = {}

  constructor(
    readonly key: string,
    private readonly exactLimit?: number,
  ) {}

  add(value: FieldValue | undefined): void {
    if (value === undefined) return
    if (typeof value === 'number') {
      if (Number.isFinite(value)) this.distribution('count').add(value)
      else this.skipped++
      return
    }

    const quantity = typeof value === 'string' ? parseQuantity(value) : undefined
    if (quantity === undefined) {
      this.skipped++
      return
    }

    if (this.dimension === 'count') this.dimension = quantity.dimension
    this.distribution(quantity.dimension).add(quantity.value)
  }

  /** This aggregator as plain data. */
  state(): ValueState {
    const byDimension: ValueState['byDimension'] = {}
    for (const [dimension, distribution] of Object.entries(this.byDimension) as Array<[Dimension, Distribution]>) byDimension[dimension] = distribution.state()
    return {byDimension, dimension: this.dimension, skipped: this.skipped}
  }

  /** Adds the values of the next part of the stream. */
  merge(other: ValueState): void {
    this.skipped += other.skipped
    if (this.dimension === 'count') this.dimension = other.dimension
    for (const [dimension, state] of Object.entries(other.byDimension) as Array<[Dimension, DistributionState]>) this.distribution(dimension).merge(state)
  }

  result(): ValueSummary {
    const {dimension} = this
    // Bare numbers, then the values in the dimension chosen; the other dimension's values were skipped.
    const values = new Distribution(this.exactLimit)
    let {skipped} = this
    for (const [kept, distribution] of Object.entries(this.byDimension) as Array<[Dimension, Distribution]>) {
      if (kept === 'count' || kept === dimension) values.merge(distribution.state())
      else skipped += distribution.count
    }

    return {
      ...percentilesOf(values),
      dimension,
      key: this.key,
      skipped,
      sum: values.sum,
      unit: UNIT_OF[dimension],
    }
  }

  private distribution(dimension: Dimension): Distribution {
    return (this.byDimension[dimension] ??= new Distribution(this.exactLimit))
  }
}
