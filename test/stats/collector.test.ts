import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {StatsCollector, type StatsOptions} from '../../src/stats/collector.js'
import type {Stats} from '../../src/stats/types.js'

const LINES = [
  '2024-05-01T12:00:00.000000+00:00 heroku[router]: at=info method=GET path="/users/42" host=a.herokuapp.com request_id=1 fwd="1.2.3.4" dyno=web.1 connect=1ms service=20ms status=200 bytes=10 protocol=https',
  '2024-05-01T12:00:10.000000+00:00 heroku[router]: at=info method=GET path="/users/43?x=1" host=a.herokuapp.com request_id=2 fwd="1.2.3.4" dyno=web.2 connect=2ms service=40ms status=200 bytes=10 protocol=https',
  '2024-05-01T12:00:20.000000+00:00 heroku[router]: at=info method=POST path="/login" host=a.herokuapp.com request_id=3 fwd="1.2.3.4" dyno=web.1 connect=0ms service=300ms status=404 bytes=10 protocol=https',
  '2024-05-01T12:01:30.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/users/44" host=a.herokuapp.com request_id=4 fwd="1.2.3.4" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https',
  '2024-05-01T12:03:00.000000+00:00 heroku[router]: at=error code=H10 desc="App crashed" method=GET path="/" host=a.herokuapp.com request_id=5 fwd="1.2.3.4" dyno= connect= service= status=503 bytes= protocol=https',
  '2024-05-01T12:03:05+00:00 heroku[router]: Error H12 (Request timeout) -> GET a.herokuapp.com/users/45 dyno=web.2 queue= wait= service=30001ms status=503 bytes=0',
  '2024-05-01T12:00:01.000000+00:00 heroku[web.1]: source=web.1 dyno=heroku.1.abc sample#load_avg_1m=0.01 sample#memory_total=211.32MB sample#memory_rss=200.00MB',
  '2024-05-01T12:00:02.000000+00:00 heroku[web.1]: source=web.1 dyno=heroku.1.abc sample#load_avg_1m=0.01 sample#memory_total=480.50MB sample#memory_rss=470.00MB',
  '2024-05-01T12:00:03.000000+00:00 heroku[web.1]: Process running mem=600M(117.2%)',
  '2024-05-01T12:00:04.000000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)',
  '2024-05-01T12:00:05.000000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)',
  '2024-05-01T12:00:06.000000+00:00 heroku[worker.1]: Error R15 (Memory quota vastly exceeded)',
  '2024-05-01T12:00:07.000000+00:00 heroku[web.1]: State changed from up to crashed',
  '2024-05-01T12:00:08.000000+00:00 heroku[web.1]: State changed from crashed to starting',
  '2024-05-01T12:00:09.000000+00:00 heroku[web.1]: State changed from starting to up',
  '2024-05-01T12:00:10.000000+00:00 heroku[web.2]: State changed from up to starting',
  '2024-05-01T12:00:11.000000+00:00 app[web.1]: level=info msg="done" user_id=7 duration_ms=250',
  '2024-05-01T12:00:12.000000+00:00 app[web.2]: level=warn msg="slow" user_id=7 duration_ms=1.5s',
  '2024-05-01T12:00:13.000000+00:00 app[worker.1]: {"level":"error","msg":"boom","user_id":9,"duration_ms":12.5}',
  'a line without a header',
]

function collect(options: Partial<StatsOptions> = {}, lines = LINES): Stats {
  const collector = new StatsCollector({intervalMs: 60_000, top: 10, ...options})
  for (const line of lines) collector.add(parseLine(Buffer.from(line + '\n')))
  return collector.result()
}

describe('StatsCollector', () => {
  const stats = collect()

  it('counts records by source, dyno type and level, with the time span and rate', () => {
    assert.equal(stats.records, 20)
    assert.deepEqual(stats.sources, [{count: 16, key: 'heroku'}, {count: 3, key: 'app'}, {count: 1, key: '(none)'}])
    assert.deepEqual(stats.dynoTypes, [
      {count: 11, key: 'web'}, {count: 6, key: 'router'}, {count: 2, key: 'worker'}, {count: 1, key: '(none)'},
    ])
    assert.deepEqual(stats.levels, {alert: 0, crit: 0, debug: 0, emerg: 0, error: 8, info: 10, notice: 0, warn: 2})
    assert.deepEqual(stats.span, {first: '2024-05-01T12:00:00.000Z', last: '2024-05-01T12:03:05.000Z', perSecond: 0.108, seconds: 185})
  })

  it('reads requests, statuses and timings from router lines of both shapes', () => {
    const {router} = stats
    assert.equal(router.requests, 6)
    assert.deepEqual(router.statusClasses, {'1xx': 0, '2xx': 2, '3xx': 0, '4xx': 1, '5xx': 3, other: 0})
    assert.deepEqual(router.statuses, [{count: 3, status: 503}, {count: 2, status: 200}, {count: 1, status: 404}])
    assert.deepEqual(router.connect, {count: 4, max: 2, min: 0, p50: 0, p90: 1, p99: 1})
    assert.deepEqual(router.service, {count: 5, max: 30_001, min: 20, p50: 300, p90: 30_000, p99: 30_000})
  })

  it('counts requests per interval, empty buckets included', () => {
    assert.equal(stats.router.intervalSeconds, 60)
    assert.deepEqual(stats.router.perInterval, [
      {count: 3, start: '2024-05-01T12:00:00.000Z'},
      {count: 1, start: '2024-05-01T12:01:00.000Z'},
      {count: 0, start: '2024-05-01T12:02:00.000Z'},
      {count: 2, start: '2024-05-01T12:03:00.000Z'},
    ])
  })

  it('groups paths with ids together, by count and by p99', () => {
    assert.equal(stats.router.paths, 3)
    assert.deepEqual(stats.router.topPathsByCount, [
      {count: 4, max: 30_001, p50: 40, p99: 30_000, path: '/users/:id'},
      {count: 1, max: null, p50: null, p99: null, path: '/'},
      {count: 1, max: 300, p50: 300, p99: 300, path: '/login'},
    ])
    assert.deepEqual(stats.router.topPathsByP99.map((path) => path.path), ['/users/:id', '/login'])
  })

  it('breaks ties in p99 by count, then by path', () => {
    const lines = [['/b', 100], ['/a', 100], ['/c', 100], ['/c', 100], ['/d', 50], ['/a/x', 100]].map(([path, service], i) =>
      `2024-05-01T12:00:0${i}Z heroku[router]: at=info method=GET path="${path}" dyno=web.1 connect=1ms service=${service}ms status=200`)
    const byP99 = collect({}, lines).router.topPathsByP99
    assert.deepEqual(byP99.map(({count, p99, path}) => [path, p99, count]), [['/c', 100, 2], ['/a', 100, 1], ['/a/x', 100, 1], ['/b', 100, 1], ['/d', 50, 1]])
    assert.deepEqual(collect({}, [...lines].reverse()).router.topPathsByP99, byP99)
  })

  it('lists every error code with its title, count and first and last time', () => {
    assert.deepEqual(stats.errors.map(({code, count, first, last, title}) => ({code, count, first, last, title})), [
      {code: 'H12', count: 2, first: '2024-05-01T12:01:30.000Z', last: '2024-05-01T12:03:05.000Z', title: 'Request timeout'},
      {code: 'R14', count: 2, first: '2024-05-01T12:00:04.000Z', last: '2024-05-01T12:00:05.000Z', title: 'Memory quota exceeded'},
      {code: 'H10', count: 1, first: '2024-05-01T12:03:00.000Z', last: '2024-05-01T12:03:00.000Z', title: 'App crashed'},
      {code: 'R15', count: 1, first: '2024-05-01T12:00:06.000Z', last: '2024-05-01T12:00:06.000Z', title: 'Memory quota vastly exceeded'},
    ])
    assert.equal(stats.errors[0].cause, 'the app took longer than 30 s to answer a request')
  })

  it('counts the codes Heroku\'s router logs at=info (H27, H80) as it counts the others', () => {
    const lines = [
      '2024-05-01T12:00:00Z heroku[router]: at=info code=H27 desc="Client Request Interrupted" method=POST path="/upload" host=a request_id=1 fwd="1" dyno=web.1 connect=1ms service=1490ms status=499 bytes= protocol=https',
      '2024-05-01T12:00:01Z heroku[router]: at=info code=H80 desc="Maintenance mode" method=GET path="/" host=a request_id=2 fwd="1" dyno= connect= service= status=503 bytes= protocol=https',
      '2024-05-01T12:00:02Z heroku[router]: at=info method=GET path="/?code=H12" host=a request_id=3 fwd="1" dyno=web.1 connect=1ms service=5ms status=200 bytes=5 protocol=https',
    ]
    assert.deepEqual(collect({}, lines).errors.map(({code, count}) => [code, count]), [['H27', 1], ['H80', 1]])
  })

  it('tracks memory, R14/R15, restarts and crashes per dyno', () => {
    assert.deepEqual(stats.dynos, [
      {crashes: 1, dyno: 'web.1', peakMemoryMB: 480.5, peakProcessMemoryMB: 600, r14: 2, r15: 0, restarts: 1},
      {crashes: 0, dyno: 'web.2', peakMemoryMB: null, peakProcessMemoryMB: null, r14: 0, r15: 0, restarts: 1},
      {crashes: 0, dyno: 'worker.1', peakMemoryMB: null, peakProcessMemoryMB: null, r14: 0, r15: 1, restarts: 0},
    ])
  })

  it('leaves groups and values out unless asked', () => {
    assert.equal(stats.groups, undefined)
    assert.equal(stats.value, undefined)
  })
})

describe('StatsCollector --by and --value', () => {
  const rows: Array<[string, Array<{count: number; key: string}>, number]> = [
    // A router line counts for the dyno that served it (`dyno=`); the H10 line reached none.
    ['dyno', [{count: 12, key: 'web.1'}, {count: 4, key: 'web.2'}, {count: 2, key: 'worker.1'}], 2],
    ['type', [{count: 11, key: 'web'}, {count: 6, key: 'router'}, {count: 2, key: 'worker'}], 1],
    ['source', [{count: 16, key: 'heroku'}, {count: 3, key: 'app'}], 1],
    ['level', [{count: 10, key: 'info'}, {count: 8, key: 'error'}, {count: 2, key: 'warn'}], 0],
    ['fields.dyno', [{count: 3, key: 'web.1'}, {count: 2, key: 'heroku.1.abc'}, {count: 2, key: 'web.2'}, {count: 1, key: ''}], 12],
    ['user_id', [{count: 2, key: '7'}, {count: 1, key: '9'}], 17],
    ['fields.user_id', [{count: 2, key: '7'}, {count: 1, key: '9'}], 17],
  ]
  for (const [by, top, missing] of rows) {
    it(`--by ${by}`, () => {
      const groups = collect({by}).groups
      assert.deepEqual(groups?.top, top)
      assert.equal(groups?.missing, missing)
      assert.equal(groups?.by, by)
    })
  }

  it('keeps at most 10,000 groups; later values count under (other)', () => {
    const lines = Array.from({length: 10_003}, (_, i) => `2024-05-01T12:00:00Z app[web.1]: id=${i}`)
    const groups = collect({by: 'id', top: 1}, [...lines, lines[10_002]]).groups
    assert.equal(groups?.distinct, 10_000)
    assert.equal(groups?.capped, true)
    assert.deepEqual(groups?.top, [{count: 4, key: '(other)'}])
    assert.equal(collect({by: 'dyno'}).groups?.capped, false)
  })

  it('--top keeps the most frequent groups', () => {
    assert.deepEqual(collect({by: 'dyno', top: 2}).groups?.top.map((group) => group.key), ['web.1', 'web.2'])
  })

  it('--value reads units: a duration makes bare numbers milliseconds', () => {
    assert.deepEqual(collect({value: 'duration_ms'}).value, {
      count: 3, dimension: 'time', key: 'duration_ms', max: 1500, min: 12.5, p50: 250, p90: 250, p99: 250, skipped: 0, sum: 1762.5, unit: 'ms',
    })
  })

  it('--value service over router lines, skipping empty values', () => {
    const value = collect({value: 'service'}).value
    assert.equal(value?.count, 5)
    assert.equal(value?.sum, 20 + 40 + 300 + 30_000 + 30_001)
    assert.equal(value?.skipped, 1)
  })

  it('--value with sizes, and values of another kind skipped', () => {
    const lines = ['x=1MB', 'x=512kB', 'x=3s', 'x=oops', 'x=1024'].map((payload) => `2024-05-01T12:00:00Z app[web.1]: ${payload}`)
    assert.deepEqual(collect({value: 'x'}, lines).value, {
      count: 3, dimension: 'bytes', key: 'x', max: 1_048_576, min: 1024, p50: 524_288, p90: 524_288, p99: 524_288, skipped: 2, sum: 1_573_888, unit: 'bytes',
    })
  })

  it('--by dyno --value service gives service time per serving dyno', () => {
    const top = collect({by: 'dyno', value: 'service'}).groups?.top
    assert.deepEqual(top?.map((group) => [group.key, group.count, group.value?.count, group.value?.sum]), [
      ['web.1', 12, 3, 20 + 300 + 30_000], ['web.2', 4, 2, 40 + 30_001], ['worker.1', 2, 0, 0],
    ])
  })

  it('--by with --value summarises each group', () => {
    const top = collect({by: 'user_id', value: 'duration_ms'}).groups?.top
    assert.deepEqual(top?.map((group) => [group.key, group.count, group.value?.sum, group.value?.dimension]), [['7', 2, 1750, 'time'], ['9', 1, 12.5, 'count']])
  })

  it('gives a sparse log a small rate, not 0: three significant digits below one a second', () => {
    const lines = ['2024-05-01T12:00:00Z app[worker.1]: first', '2024-05-01T12:00:00Z app[worker.1]: second', '2024-05-01T19:00:00Z app[worker.1]: third']
    assert.deepEqual(collect({}, lines).span, {first: '2024-05-01T12:00:00.000Z', last: '2024-05-01T19:00:00.000Z', perSecond: 0.000119, seconds: 25_200})
  })

  it('counts nothing for no records', () => {
    const empty = collect({}, [])
    assert.equal(empty.records, 0)
    assert.deepEqual(empty.span, {first: null, last: null, perSecond: 0, seconds: 0})
    assert.deepEqual(empty.router.perInterval, [])
    assert.deepEqual(empty.router.service, {count: 0, max: null, min: null, p50: null, p90: null, p99: null})
  })
})
