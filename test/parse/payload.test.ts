import assert from 'node:assert/strict'

import {lookupField, MAX_JSON_DEPTH, parsePayload, scanField, UNSCANNABLE} from '../../src/parse/payload.js'
import type {FieldValue, Fields} from '../../src/parse/record.js'
import {generate, messageOf} from '../helpers/corpus.js'

// https://devcenter.heroku.com/articles/log-runtime-metrics
const RUNTIME_METRICS =
  'source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#load_avg_1m=2.46 sample#load_avg_5m=1.06 sample#load_avg_15m=0.99'
// https://devcenter.heroku.com/articles/heroku-postgres-metrics-logs
const POSTGRES_METRICS =
  'source=HEROKU_POSTGRESQL_SILVER addon=postgresql-devcenter-123456 sample#current_transaction=54017686 sample#db_size=16012956319bytes sample#tables=97 sample#active-connections=7 sample#waiting-connections=0 sample#index-cache-hit-rate=0.9239 sample#table-cache-hit-rate=0.93609'
// https://devcenter.heroku.com/articles/heroku-redis-metrics-logs
const REDIS_METRICS =
  'source=REDIS addon=redis-metric-98068 sample#active-connections=404 sample#load-avg-1m=0.115 sample#memory-redis=343477584bytes sample#hit-rate=0.7 sample#evicted-keys=0'
// Router line, current shape: https://devcenter.heroku.com/articles/http-routing
const ROUTER =
  'at=info method=GET path="/" host=myapp.herokuapp.com request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd="204.204.204.204" dyno=web.1 connect=1ms service=18ms status=200 bytes=13 protocol=https'

describe('parsePayload', () => {
  const table: Array<[string, string, Fields]> = [
    ['a JSON object', '{"level":"info","n":1,"ok":true,"none":null,"list":[1,"a"]}', {level: 'info', list: [1, 'a'], n: 1, none: null, ok: true}],
    ['JSON with surrounding whitespace', '  {"a":1}  ', {a: 1}],
    ['an empty JSON object', '{}', {}],
    ['a prefix then JSON', 'DEBUG: event {"foo":123}', {foo: 123}],
    ['a prefix then spaced JSON', 'INFO: metric {"foo": 1, "bar": 2, "ok": true}', {bar: 2, foo: 1, ok: true}],
    ['a prefix with braces then JSON', 'user {id} saved {"id":7}', {id: 7}],
    ['nested JSON', '{"err":{"type":"TimeoutError","message":"timeout exceeded"}}', {err: {message: 'timeout exceeded', type: 'TimeoutError'}}],
    ['a JSON array is not an object', '[1,2,3]', {}],
    ['bad JSON falls back to logfmt', '{"level":"info" broken=yes}', {'{"level":"info"': true, 'broken': 'yes}'}],
    ['bad JSON without pairs is nothing', '{"a":1', {}],
    ['JSON not at the end is logfmt', '{"a":1} trailing x=1', {'trailing': true, 'x': '1', '{"a":1}': true}],
    ['logfmt', 'level=warn msg="cache miss" user_id=42', {level: 'warn', msg: 'cache miss', user_id: '42'}],
    ['prose', 'Rendering post/list', {}],
    ['prose with one pair', 'Process running mem=1028M(200.9%)', {'Process': true, 'mem': '1028M(200.9%)', 'running': true}],
    ['an empty message', '', {}],
    ['runtime metrics', RUNTIME_METRICS, {
      dyno: 'heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456', 'sample#load_avg_15m': '0.99', 'sample#load_avg_1m': '2.46',
      'sample#load_avg_5m': '1.06', source: 'web.1',
    }],
    ['a Postgres log line (no pairs: `=` stands alone)', '[DATABASE] [9-1]  sql_error_code = 00000 LOG:  checkpoint starting: time', {}],
    ['a logfmt value holding braces', 'path="/api/{id}" status=200', {path: '/api/{id}', status: '200'}],
  ]
  for (const [name, message, fields] of table) {
    it(`reads ${name}`, () => {
      assert.deepEqual(parsePayload(message), fields)
    })
  }

  it('reads Postgres and Redis metrics', () => {
    const postgres = parsePayload(POSTGRES_METRICS)
    assert.equal(postgres.source, 'HEROKU_POSTGRESQL_SILVER')
    assert.equal(postgres['sample#db_size'], '16012956319bytes')
    assert.equal(postgres['sample#active-connections'], '7')
    const redis = parsePayload(REDIS_METRICS)
    assert.equal(redis.addon, 'redis-metric-98068')
    assert.equal(redis['sample#memory-redis'], '343477584bytes')
  })

  it('keeps a JSON "__proto__" key as an own field', () => {
    const fields = parsePayload('{"__proto__":{"polluted":1},"a":2}')
    assert.equal(Object.getPrototypeOf(fields), Object.prototype)
    assert.deepEqual(lookupField(fields, '__proto__.polluted'), 1)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })
})

describe('lookupField', () => {
  const fields = parsePayload(
    '{"err":{"type":"TimeoutError","code":null},"a.b":"dotted","a":{"b":"nested"},"items":[{"id":1},{"id":2}],"sample#memory_total":"21.00MB","x":{"y.z":{"w":5}}}',
  )
  const table: Array<[string, FieldValue | undefined]> = [
    ['err.type', 'TimeoutError'],
    ['err.code', null],
    ['err.missing', undefined],
    ['err', {code: null, type: 'TimeoutError'}],
    ['a.b', 'dotted'],
    ['sample#memory_total', '21.00MB'],
    ['items.1.id', 2],
    ['items.2.id', undefined],
    ['items.01', undefined],
    ['items.length', undefined],
    ['x.y.z.w', 5],
    ['constructor', undefined],
    ['toString', undefined],
    ['err.type.length', undefined],
    ['', undefined],
    ['missing', undefined],
  ]
  for (const [key, expected] of table) {
    it(`${key || '(empty)'} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(lookupField(fields, key), expected)
    })
  }
})

function assertScanAgrees(message: string, key: string): void {
  const scanned = scanField(message, key)
  if (scanned === UNSCANNABLE) return
  assert.deepEqual(scanned, lookupField(parsePayload(message), key), `${key} in ${message}`)
}

const SCAN_KEYS = ['status', 'service', 'at', 'code', 'level', 'sample#memory_total', 'path', 'msg', 'dyno', 'missing', 'err.type', 'a']

describe('scanField', () => {
  const table: Array<[string, string, FieldValue | undefined | typeof UNSCANNABLE]> = [
    [ROUTER, 'status', '200'],
    [ROUTER, 'path', '/'],
    [ROUTER, 'missing', undefined],
    [RUNTIME_METRICS, 'sample#load_avg_1m', '2.46'],
    ['path="/x?status=5"', 'status', undefined],
    ['path="/x?status=5" status=404', 'status', '404'],
    ['status=200 status=500', 'status', '500'],
    ['dyno= connect=', 'dyno', ''],
    ['a b c', 'a', undefined],
    ['a b=1', 'a', true],
    ['Rendering post/list', 'Rendering', undefined],
    ['{"status":500}', 'status', UNSCANNABLE],
    ['DEBUG: event {"foo":123}', 'foo', UNSCANNABLE],
    ['status=500 {broken}', 'status', UNSCANNABLE],
    ['{"status":500', 'status', undefined],
    ['err.type=x', 'err.type', 'x'],
    ['', 'status', undefined],
  ]
  for (const [message, key, expected] of table) {
    it(`${key} in ${JSON.stringify(message).slice(0, 50)} -> ${String(expected)}`, () => {
      assert.equal(scanField(message, key), expected)
      assertScanAgrees(message, key)
    })
  }

  it('agrees with lookupField(parsePayload) on tricky messages', () => {
    const messages = [
      'status', 'status status=1', 'x status', String.raw`msg="a \" status=9" status=3`, 'msg="unterminated status=7',
      '=status=1', 'status==1', 'level=info level=error', 'a=b=status=5 status', 'code="H12"', 'k = v status',
    ]
    for (const message of messages) for (const key of SCAN_KEYS) assertScanAgrees(message, key)
  })

  it('agrees with lookupField(parsePayload) on every message of a generated corpus', function () {
    let scanned = 0
    for (const line of generate(20_000, 11)) {
      const message = messageOf(line)
      for (const key of SCAN_KEYS) {
        if (scanField(message, key) !== UNSCANNABLE) scanned++
        assertScanAgrees(message, key)
      }
    }

    // JSON-bearing app lines are about an eighth of the corpus; everything else must be answered by scanning.
    assert.ok(scanned > 20_000 * SCAN_KEYS.length * 0.75, `only ${scanned} answered by scanning`)
  })
})

describe('deeply nested JSON payloads', () => {
  /** `{"a":{"a":…1…}}`, `depth` objects deep. */
  const deepObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
  /** How many objects deep `value` goes along `a`, and what it ends in. */
  function followA(value: FieldValue): [number, FieldValue] {
    let depth = 0
    let current = value
    while (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      depth++
      current = current.a
    }

    return [depth, current]
  }

  it(`keeps ${MAX_JSON_DEPTH} levels parsed, and the deeper part as its text exactly as written`, () => {
    const [depth, rest] = followA(parsePayload(deepObject(10_000)))
    assert.equal(depth, MAX_JSON_DEPTH)
    assert.equal(rest, deepObject(10_000 - MAX_JSON_DEPTH))
  })

  it(`parses JSON exactly ${MAX_JSON_DEPTH} levels deep as before`, () => {
    assert.deepEqual(followA(parsePayload(deepObject(MAX_JSON_DEPTH))), [MAX_JSON_DEPTH, 1])
  })

  it('keeps deep arrays as text too, with strings holding brackets and quotes left alone', () => {
    const deep = '['.repeat(10_000) + String.raw`"]\"[{"` + ']'.repeat(10_000)
    const fields = parsePayload(`event {"s":"}{[","b":{"c":${deep}},"n":2}`)
    assert.equal(fields.s, '}{[')
    assert.equal(fields.n, 2)
    let value = (fields.b as Fields).c
    let depth = 2
    while (Array.isArray(value)) {
      depth++
      value = value[0]
    }

    assert.equal(depth, MAX_JSON_DEPTH)
    assert.equal(value, '['.repeat(10_002 - MAX_JSON_DEPTH) + String.raw`"]\"[{"` + ']'.repeat(10_002 - MAX_JSON_DEPTH))
  })

  it('handles 100,000 levels (200 KB) the same way', () => {
    const [depth, rest] = followA(parsePayload(deepObject(100_000)))
    assert.equal(depth, MAX_JSON_DEPTH)
    assert.equal((rest as string).length, deepObject(100_000 - MAX_JSON_DEPTH).length)
  })

  it('looks up a long dotted path without recursion, and every way of cutting it', () => {
    const fields = parsePayload(deepObject(10_000))
    const path = Array.from({length: MAX_JSON_DEPTH}, () => 'a').join('.')
    assert.equal(lookupField(fields, path), deepObject(10_000 - MAX_JSON_DEPTH))
    assert.equal(lookupField(fields, path + '.a'), undefined)
    assert.equal(lookupField({a: {'b.c': {d: 1}, b: {c: {e: 2}}}}, 'a.b.c.e'), 2)
    assert.equal(lookupField({a: {'b.c': {d: 1}, b: {c: {e: 2}}}}, 'a.b.c.d'), 1)
    assert.equal(lookupField({'': {a: 1}}, '.a'), 1)
    const longPath = Array.from({length: 100_000}, () => 'a').join('.')
    assert.equal(lookupField(fields, longPath), undefined)
  })
})
