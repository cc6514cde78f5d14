import type {Distribution} from './distribution.js'
import type {Percentiles} from './types.js'

/** The summary every report prints: count, min, p50, p90, p99, max. */
export function percentilesOf(distribution: Distribution): Percentiles {
  return {
    count: distribution.count,
    max: distribution.count === 0 ? null : distribution.max,
    min: distribution.count === 0 ? null : distribution.min,
    p50: distribution.quantile(0.5) ?? null,
    p90: distribution.quantile(0.9) ?? null,
    p99: distribution.quantile(0.99) ?? null,
  }
}
