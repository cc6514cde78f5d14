import assert from 'node:assert/strict'

import type {LogRecord} from '../../src/parse/record.js'
import type {Stats} from '../../src/stats/types.js'

import {parseLine} from '../../src/parse/line.js'
import {type CollectorState, StatsCollector, type StatsOptions} from '../../src/stats/collector.js'
import {Distribution} from '../../src/stats/distribution.js'
import {ExactSum} from '../../src/stats/exact-sum.js'

/** Router lines, error codes, dyno memory and state changes, payload fields in several units, a plain line. */
const LINES = [
  '2024-05-01T12:00:00.000000+00:00 heroku[router]: at=info method=GET path="/users/42" host=a.herokuapp.com request_id=1 fwd="1.2.3.4" dyno=web.1 connect=1ms service=20ms status=200 bytes=10 protocol=https',
  '2024-05-01T12:00:01.000000+00:00 heroku[web.1]: source=web.1 dyno=heroku.1.abc sample#load_avg_1m=0.01 sample#memory_total=211.32MB sample#memory_rss=200.00MB',
  '2024-05-01T12:00:02.000000+00:00 app[web.1]: level=info msg="big" user_id=3 duration_ms=3MB',
  '2024-05-01T12:00:10.000000+00:00 heroku[router]: at=info method=GET path="/users/43?x=1" host=a.herokuapp.com request_id=2 fwd="1.2.3.4" dyno=web.2 connect=2ms service=40ms status=200 bytes=10 protocol=https',
  '2024-05-01T12:00:03.000000+00:00 heroku[web.1]: Process running mem=600M(117.2%)',
  '2024-05-01T12:00:04.000000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)',
  '2024-05-01T12:00:20.000000+00:00 heroku[router]: at=info method=POST path="/login" host=a.herokuapp.com request_id=3 fwd="1.2.3.4" dyno=web.1 connect=0ms service=300ms status=404 bytes=10 protocol=https',
  '2024-05-01T12:00:05.000000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)',
  '2024-05-01T12:00:11.000000+00:00 app[web.1]: level=info msg="done" user_id=7 duration_ms=250',
  '2024-05-01T12:01:30.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/users/44" host=a.herokuapp.com request_id=4 fwd="1.2.3.4" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https',
  '2024-05-01T12:00:06.000000+00:00 heroku[worker.1]: Error R15 (Memory quota vastly exceeded)',
  '2024-05-01T12:00:07.000000+00:00 heroku[web.1]: State changed from up to crashed',
  '2024-05-01T12:00:12.000000+00:00 app[web.2]: level=warn msg="slow" user_id=7 duration_ms=1.5s',
  '2024-05-01T12:00:08.000000+00:00 heroku[web.1]: State changed from crashed to starting',
  '2024-05-01T12:03:00.000000+00:00 heroku[router]: at=error code=H10 desc="App crashed" method=GET path="/" host=a.herokuapp.com request_id=5 fwd="1.2.3.4" dyno= connect= service= status=503 bytes= protocol=https',
  '2024-05-01T12:00:09.000000+00:00 heroku[web.1]: State changed from starting to up',
  '2024-05-01T12:00:02.000000+00:00 heroku[web.1]: source=web.1 dyno=heroku.1.abc sample#load_avg_1m=0.01 sample#memory_total=480.50MB sample#memory_rss=470.00MB',
  '2024-05-01T12:03:05+00:00 heroku[router]: Error H12 (Request timeout) -> GET a.herokuapp.com/users/45 dyno=web.2 queue= wait= service=30001ms status=503 bytes=0',
  '2024-05-01T12:00:10.000000+00:00 heroku[web.2]: State changed from up to starting',
  '2024-05-01T12:00:13.000000+00:00 app[worker.1]: {"level":"error","msg":"boom","user_id":9,"duration_ms":12.5}',
  '2024-05-01T12:00:14.000000+00:00 app[worker.1]: level=error msg="failed" user_id=9 duration_ms=0.1 code=H99 err="Error L10 (Drain buffer overflow)"',
  '2024-05-01T12:00:15.000000+00:00 app[web.3]: level=info msg="odd" user_id=abc duration_ms=abc',
  '2024-05-01T13:20:00.000000+00:00 heroku[router]: at=info method=GET path="/assets/app-ccc8ee8f.js" host=a.herokuapp.com request_id=6 fwd="1.2.3.4" dyno=web.3 connect=1ms service=5ms status=304 bytes=10 protocol=https',
  '2024-05-01T12:00:16.000000+00:00 app[web.1]: level=info msg="tiny" user_id=3 duration_ms=0.2',
  'a line without a header',
  '2024-05-01T13:25:00.000000+00:00 heroku[web.3]: State changed from starting to crashed',
]

const OPTION_VARIANTS: Array<Partial<StatsOptions>> = [
  {},
  {intervalMs: 60_000},
  {by: 'dyno'},
  {by: 'level', top: 2},
  {by: 'fields.user_id', value: 'duration_ms'},
  {value: 'duration_ms'},
  {by: 'type', value: 'fields.duration_ms', top: 1},
]

function records(lines: readonly string[]): LogRecord[] {
  return lines.map((line) => parseLine(Buffer.from(line + '\n')))
}

function collectorOver(options: Partial<StatsOptions>, part: readonly LogRecord[]): StatsCollector {
  const collector = new StatsCollector({top: 10, ...options})
  for (const record of part) collector.add(record)
  return collector
}

function onePass(options: Partial<StatsOptions>, all: readonly LogRecord[]): Stats {
  return collectorOver(options, all).result()
}

/** Each part on its own collector, its state cloned as a worker's message would be, merged in order. */
function merged(options: Partial<StatsOptions>, all: readonly LogRecord[], cuts: readonly number[]): Stats {
  const bounds = [0, ...cuts, all.length]
  const states: CollectorState[] = []
  for (let k = 0; k + 1 < bounds.length; k++) states.push(structuredClone(collectorOver(options, all.slice(bounds[k], bounds[k + 1])).state()))
  const collector = new StatsCollector({top: 10, ...options})
  for (const state of states) collector.merge(state)
  return collector.result()
}

function assertSameAsOnePass(options: Partial<StatsOptions>, all: readonly LogRecord[], cuts: readonly number[]): void {
  assert.deepEqual(merged(options, all, cuts), onePass(options, all), `${JSON.stringify(options)} cut at ${cuts.join(', ')}`)
}

describe('StatsCollector merge: the states of consecutive parts give the Stats of one pass', () => {
  const all = records(LINES)

  for (const options of OPTION_VARIANTS) {
    it(`${JSON.stringify(options)}: cut in two at every position, in three at every pair`, () => {
      for (let i = 0; i <= all.length; i++) assertSameAsOnePass(options, all, [i])
      for (let i = 0; i <= all.length; i++) for (let j = i; j <= all.length; j++) assertSameAsOnePass(options, all, [i, j])
    })
  }

  it('every record in its own part', () => {
    for (const options of OPTION_VARIANTS) assertSameAsOnePass(options, all, all.map((_, i) => i))
  })

  it('a collector adds records after a merge as one pass does (a big file on threads, then a small one)', () => {
    for (const options of OPTION_VARIANTS) {
      const collector = collectorOver(options, all.slice(0, 5))
      collector.merge(structuredClone(collectorOver(options, all.slice(5, 15)).state()))
      for (const record of all.slice(15)) collector.add(record)
      assert.deepEqual(collector.result(), onePass(options, all))
    }
  })

  it('fails when a part is left out (the check can tell)', () => {
    const bounds = [0, 10, all.length]
    const collector = new StatsCollector({top: 10})
    collector.merge(collectorOver({}, all.slice(bounds[0], bounds[1])).state())
    assert.notDeepEqual(collector.result(), onePass({}, all))
  })

  describe('past the exact buffer: per-integer histogram and DDSketch, switched as one pass switches', function () {
    this.timeout(60_000)
    const COUNT = 70_000
    /** Service times cycle over whole ms; `odd` replaces one line's with a value past the histogram. */
    function routerLines(odd?: {at: number; service: string}): LogRecord[] {
      const lines: string[] = []
      for (let i = 0; i < COUNT; i++) {
        const second = String(i % 60).padStart(2, '0')
        const minute = String(Math.floor(i / 60) % 60).padStart(2, '0')
        const service = odd?.at === i ? odd.service : `${(i * 7919) % 5000}ms`
        lines.push(`2024-05-01T12:${minute}:${second}.000000+00:00 heroku[router]: at=info method=GET path="/p/${i % 300}" host=a dyno=web.${i % 3} connect=${i % 7}ms service=${service} status=${200 + (i % 5)} bytes=1`)
      }

      return records(lines)
    }

    const CUTS = [[1], [30_000], [65_535], [65_536], [65_537], [69_999], [20_000, 40_000, 60_000], [65_536, 65_537]]

    it('whole ms under 65.5 s: the histogram, exact', () => {
      const lines = routerLines()
      for (const cuts of CUTS) assertSameAsOnePass({}, lines, cuts)
    })

    for (const at of [0, 40_000, 65_536, COUNT - 1]) {
      it(`one service of 70000ms at line ${at}: the sketch`, () => {
        const lines = routerLines({at, service: '70000ms'})
        for (const cuts of CUTS) assertSameAsOnePass({}, lines, cuts)
      })
    }

    it('--value of fractions past 65,536 values: the sketch, and the sum correctly rounded', () => {
      const lines: string[] = []
      for (let i = 0; i < COUNT; i++) lines.push(`2024-05-01T12:00:00.000000+00:00 app[web.1]: level=info took=${(i % 997) / 10 + 0.01}ms`)
      const all = records(lines)
      for (const cuts of CUTS) assertSameAsOnePass({value: 'took'}, all, cuts)
      for (const cuts of [[100], [65_536]]) assertSameAsOnePass({by: 'dyno', value: 'took'}, all, cuts)
    })
  })

  describe('caps: 5,000 paths, 10,000 groups, 1,000 sources', function () {
    this.timeout(60_000)
    const DISTINCT = 15_000
    const lines: string[] = []
    for (let i = 0; i < DISTINCT; i++) {
      const path = `/${letters(i % 7000)}`
      lines.push(`2024-05-01T12:00:00.000000+00:00 heroku[router]: at=info method=GET path="${path}" host=a dyno=web.1 connect=1ms service=${i % 100}ms status=200 bytes=1`)
      lines.push(`2024-05-01T12:00:00.000000+00:00 src${Math.floor(i / 10)}[web.1]: level=info k=v${i} n=${i % 10}`)
    }

    const all = records(lines)
    const options = {by: 'fields.k', top: 20_000, value: 'n'}

    it('keys joining in order up to the cap, when no part passes a cap on its own', () => {
      // Four parts of 3,750 keys each: paths (7,000), groups (15,000) and sources (1,500) pass their caps only together.
      for (const cuts of [[7500, 15_000, 22_500], [7501, 14_999, 22_501]]) assertSameAsOnePass(options, all, cuts)
    })

    it('a part past a cap on its own: totals exact, the split between keys and (other) may differ', () => {
      const one = onePass(options, all)
      const parts = merged(options, all, [2 * 10_500])
      const total = (stats: Stats) => (stats.groups?.top ?? []).reduce((sum, group) => sum + group.count, 0)
      assert.equal(total(parts), total(one))
      assert.equal(parts.groups?.distinct, one.groups?.distinct)
      assert.deepEqual({...parts, groups: undefined}, {...one, groups: undefined})
    })
  })
})

/** `i` as lowercase letters (a path segment that stays as it is). */
function letters(i: number): string {
  let out = ''
  do {
    out = String.fromCharCode(97 + (i % 26)) + out
    i = Math.floor(i / 26)
  } while (i > 0)
  return out
}

describe('Distribution merge', () => {
  it('an empty part changes nothing; exact values concatenate', () => {
    const a = new Distribution(4)
    for (const value of [3, 1]) a.add(value)
    a.merge(new Distribution(4).state())
    const b = new Distribution(4)
    for (const value of [2, 5]) b.add(value)
    a.merge(b.state())
    assert.ok(a.exact)
    assert.deepEqual([a.count, a.sum, a.min, a.max, a.quantile(0.5)], [4, 11, 1, 5, 2])
  })

  it('past the limit it sketches, as one pass does', () => {
    const a = new Distribution(4)
    for (const value of [3, 1, 4]) a.add(value)
    const b = new Distribution(4)
    for (const value of [1, 5]) b.add(value)
    a.merge(b.state())
    assert.equal(a.exact, false)
    const one = new Distribution(4)
    for (const value of [3, 1, 4, 1, 5]) one.add(value)
    assert.deepEqual([0.1, 0.5, 0.9].map((q) => a.quantile(q)), [0.1, 0.5, 0.9].map((q) => one.quantile(q)))
  })
})

describe('ExactSum', () => {
  const table: Array<{values: number[]; sum: number}> = [
    {sum: 0, values: []},
    {sum: 1, values: Array.from({length: 10}, () => 0.1)},
    {sum: 1e-30, values: [1e30, 1e-30, -1e30]},
    {sum: 2 ** 53 + 2, values: [2 ** 53, 1, 1]},
    {sum: Number.POSITIVE_INFINITY, values: [1, Number.POSITIVE_INFINITY, 2]},
  ]
  for (const {sum, values} of table) {
    it(`${values.slice(0, 4).join(' + ')}${values.length > 4 ? ' ...' : ''} = ${sum}, in any order and split`, () => {
      const forward = new ExactSum()
      for (const value of values) forward.add(value)
      const backward = new ExactSum()
      for (const value of [...values].reverse()) backward.add(value)
      const half = new ExactSum()
      for (const value of values.slice(0, 1)) half.add(value)
      const rest = new ExactSum()
      for (const value of values.slice(1)) rest.add(value)
      half.merge(rest.state())
      assert.deepEqual([forward.value(), backward.value(), half.value()], [sum, sum, sum])
    })
  }
})
