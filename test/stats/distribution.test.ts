import assert from 'node:assert/strict'

import {Distribution, RELATIVE_ACCURACY} from '../../src/stats/distribution.js'
import {generate, messageOf} from '../helpers/corpus.js'

/** The value at rank ⌊q·(n−1)⌋ of the sorted values: the definition Distribution and DDSketch share. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]
}

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]

describe('Distribution', () => {
  it('is empty before any value', () => {
    const distribution = new Distribution()
    assert.equal(distribution.quantile(0.5), undefined)
    assert.equal(distribution.count, 0)
  })

  it('is exact up to its limit', () => {
    const distribution = new Distribution(100)
    for (const value of [5, 1, 4, 2, 3]) distribution.add(value)
    assert.ok(distribution.exact)
    assert.deepEqual([0, 0.25, 0.5, 0.9, 0.99, 1].map((q) => distribution.quantile(q)), [1, 2, 3, 4, 4, 5])
    assert.deepEqual([distribution.count, distribution.sum, distribution.min, distribution.max], [5, 15, 1, 5])
  })

  it('keeps answering exactly as values keep arriving after a query', () => {
    const distribution = new Distribution(100)
    distribution.add(10)
    assert.equal(distribution.quantile(0.5), 10)
    distribution.add(0)
    distribution.add(20)
    assert.equal(distribution.quantile(0.5), 10)
    assert.equal(distribution.quantile(0), 0)
  })

  it(`past the limit, stays within ±${RELATIVE_ACCURACY * 100}% of the exact value (router service times of a generated corpus)`, function () {
    this.timeout(60_000)
    const values: number[] = []
    for (const line of generate(200_000, 7)) {
      const match = / service=(\d+)ms/.exec(messageOf(line))
      if (match) values.push(Number(match[1]))
    }

    assert.ok(values.length > 70_000, `${values.length} service times`)
    const distribution = new Distribution(1024)
    for (const value of values) distribution.add(value)
    assert.ok(!distribution.exact)
    const sorted = [...values].sort((a, b) => a - b)
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q)
      const estimate = distribution.quantile(q) as number
      assert.ok(Math.abs(estimate - exact) <= exact * RELATIVE_ACCURACY, `p${q * 100}: ${estimate} against ${exact}`)
    }

    assert.equal(distribution.max, sorted.at(-1))
    assert.equal(distribution.min, sorted[0])
    assert.equal(distribution.sum, values.reduce((a, b) => a + b, 0))
  })

  it('with histogram, stays exact for whole numbers up to 65,535, and falls back to the sketch after', () => {
    const distribution = new Distribution(4, true)
    const values = [3, 1, 2, 2, 30_000, 0, 7, 7, 7, 65_535]
    for (const value of values) distribution.add(value)
    assert.ok(distribution.exact)
    const sorted = [...values].sort((a, b) => a - b)
    for (const q of QUANTILES) assert.equal(distribution.quantile(q), exactQuantile(sorted, q), `p${q * 100}`)

    distribution.add(1.5)
    values.push(1.5)
    assert.ok(!distribution.exact)
    const resorted = [...values].sort((a, b) => a - b)
    for (const q of QUANTILES) {
      const exact = exactQuantile(resorted, q)
      assert.ok(Math.abs((distribution.quantile(q) as number) - exact) <= exact * RELATIVE_ACCURACY, `p${q * 100}`)
    }
  })

  it('with histogram, goes straight to the sketch when the kept values are not whole numbers', () => {
    const distribution = new Distribution(2, true)
    for (const value of [0.5, 1, 2]) distribution.add(value)
    assert.ok(!distribution.exact)
  })

  it('stays within the bound on values spanning many magnitudes, zeros and fractions included', () => {
    const values: number[] = [0, 0, 0]
    let seed = 42
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      values.push(Math.exp((seed / 2_147_483_648) * 20) / 1000)
    }

    const distribution = new Distribution(256)
    for (const value of values) distribution.add(value)
    const sorted = [...values].sort((a, b) => a - b)
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q)
      const estimate = distribution.quantile(q) as number
      assert.ok(Math.abs(estimate - exact) <= exact * RELATIVE_ACCURACY, `p${q * 100}: ${estimate} against ${exact}`)
    }
  })
})
