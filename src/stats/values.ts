import type {FieldValue} from '../parse/record.js'
import type {ValueSummary} from './types.js'

import {type Dimension, parseQuantity} from '../query/units.js'
import {Distribution} from './distribution.js'
import {percentilesOf} from './percentiles.js'

const UNIT_OF: Record<Dimension, ValueSummary['unit']> = {bytes: 'bytes', count: '', time: 'ms'}

/**
 * A numeric field's values (`--value service`), in one dimension: the first unit seen decides it (`23ms`
 * makes it time, in ms; `211MB` bytes), bare numbers count in that dimension's base unit (`duration_ms=250`
 * is 250 ms once a unit has said time), and values of another dimension, or not numbers at all, are skipped.
 */
export class ValueAggregator {
  dimension: Dimension = 'count'
  skipped = 0
  private readonly distribution: Distribution

  constructor(
    readonly key: string,
    exactLimit?: number,
  ) {
    this.distribution = new Distribution(exactLimit)
  }

  add(value: FieldValue | undefined): void {
    if (value === undefined) return
    if (typeof value === 'number') {
      if (Number.isFinite(value)) this.distribution.add(value)
      else this.skipped++
      return
    }

    const quantity = typeof value === 'string' ? parseQuantity(value) : undefined
    if (quantity === undefined) {
      this.skipped++
      return
    }

    if (quantity.dimension !== 'count') {
      if (this.dimension === 'count') this.dimension = quantity.dimension
      else if (quantity.dimension !== this.dimension) {
        this.skipped++
        return
      }
    }

    this.distribution.add(quantity.value)
  }

  result(): ValueSummary {
    return {
      ...percentilesOf(this.distribution),
      dimension: this.dimension,
      key: this.key,
      skipped: this.skipped,
      sum: this.distribution.sum,
      unit: UNIT_OF[this.dimension],
    }
  }
}
