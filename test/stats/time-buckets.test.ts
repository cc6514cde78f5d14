import assert from 'node:assert/strict'

import {defaultIntervalMs, TimeBuckets} from '../../src/stats/time-buckets.js'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H
const START = Date.UTC(2024, 4, 1, 12, 0)

function label(ms: number): string {
  return ms >= D ? `${ms / D}d` : ms >= H ? `${ms / H}h` : ms >= M ? `${ms / M}m` : `${ms / S}s`
}

describe('defaultIntervalMs: the narrowest width with at most 60 buckets over the span', () => {
  const table: Array<[span: number, width: number]> = [
    [0, S], [200, S], [59 * S, S], [60 * S, 5 * S], [100 * S, 5 * S], [299 * S, 5 * S], [300 * S, 10 * S],
    [12 * M, 30 * S], [29 * M, 30 * S], [30 * M, M], [59 * M, M], [H, 5 * M], [4 * H, 5 * M], [5 * H, 10 * M],
    [9 * H, 10 * M], [10 * H, 30 * M], [24 * H, 30 * M], [30 * H, H], [59 * H, H], [60 * H, 6 * H], [7 * D, 6 * H],
    [15 * D, D], [365 * D, D],
  ]
  for (const [span, width] of table) {
    it(`a span of ${span / S}s from the hour -> ${label(width)} (${Math.floor(span / width) + 1} buckets)`, () => {
      assert.equal(defaultIntervalMs(START, START + span), width)
    })
  }

  it('counts buckets as they fall on the clock: 59 s across a minute boundary is 60 one-second buckets', () => {
    assert.equal(defaultIntervalMs(START + 30_500, START + 89_500), S)
    assert.equal(defaultIntervalMs(START + 30_500, START + 90_500), 5 * S)
  })
})

describe('TimeBuckets', () => {
  it('with no width, ends at the default width for its span, whatever the order of events', () => {
    for (const span of [0, 100 * S, 12 * M, 4 * H, 7 * D, 400 * D]) {
      const times = [START, START + span, START + span / 3, START + span / 2]
      for (const order of [times, [...times].reverse()]) {
        const buckets = new TimeBuckets()
        for (const time of order) buckets.add(time)
        const all = buckets.buckets()
        assert.equal(buckets.widthMs, defaultIntervalMs(START, START + span), `span ${span}`)
        assert.equal(all.reduce((sum, bucket) => sum + bucket.count, 0), 4)
        assert.ok(all.length <= 60 || span > 59 * D)
      }
    }
  })

  it('with no width, puts each event in its own bucket after widening', () => {
    const buckets = new TimeBuckets()
    for (const second of [0, 100, 52, 53, 99]) buckets.add(START + second * S)
    assert.equal(buckets.widthMs, 5 * S)
    const counts = buckets.buckets().map((bucket) => bucket.count)
    assert.equal(counts.length, 21)
    assert.deepEqual(counts.map((count, i) => [i, count]).filter(([, count]) => count > 0), [[0, 1], [10, 2], [19, 1], [20, 1]])
  })

  it('says the width its buckets have when asked before them, the last event widening the span', () => {
    const buckets = new TimeBuckets()
    for (const time of [START, START + 10 * S, START + 80 * M]) buckets.add(time)
    assert.equal(buckets.widthMs, defaultIntervalMs(START, START + 80 * M))
    assert.equal(buckets.buckets()[1].start - buckets.buckets()[0].start, buckets.widthMs)
  })

  it('keeps a given width, and counts the event that made it widen where it belongs', () => {
    const buckets = new TimeBuckets(M)
    // 100,000 minutes apart: the width doubles to 2m before the third event is placed.
    for (const time of [0, 100_000 * M, 2 * H]) buckets.add(time)
    const all = buckets.buckets()
    assert.equal(buckets.widthMs, 2 * M)
    assert.deepEqual(all.filter((bucket) => bucket.count > 0).map((bucket) => bucket.start), [0, 2 * H, 100_000 * M])
  })
})
