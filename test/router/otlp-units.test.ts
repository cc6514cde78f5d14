import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {anyValue, nanosTimestamp, recordEntry} from '../../src/router/otlp/logs-input.js'
import {anyValueOf, logRecord, timestampNanos} from '../../src/router/otlp/logs-output.js'
import {logsUrl} from '../../src/router/otlp/transports.js'
import {processTypeTest} from '../../src/query/process-type.js'
import {SessionHandover} from '../../src/sources/fir-sessions.js'
import {ROOT} from '../helpers/cli.js'

const run = promisify(execFile)

describe('OTLP mapping (pure)', () => {
  it('nanosTimestamp: Heroku\'s timestamp form, to the microsecond; none for 0', () => {
    const table: Array<[string | undefined, string | undefined]> = [
      ['1733059200123456789', '2024-12-01T13:20:00.123456+00:00'],
      ['1733059200000000000', '2024-12-01T13:20:00.000000+00:00'],
      ['999', '1970-01-01T00:00:00.000000+00:00'],
      ['0', undefined],
      [undefined, undefined],
    ]
    for (const [nanos, expected] of table) assert.equal(nanosTimestamp(nanos), expected, String(nanos))
  })

  it('timestampNanos: an RFC 3339 timestamp to the nanosecond it was written with; undefined for others', () => {
    const table: Array<[string | undefined, string | undefined]> = [
      ['2024-12-01T13:20:00.123456+00:00', '1733059200123456000'],
      ['2024-12-01T14:20:00.5+01:00', '1733059200500000000'],
      ['2024-12-01T13:20:00Z', '1733059200000000000'],
      ['2024-12-01T13:20:00.123456789Z', '1733059200123456789'],
      ['May  1 12:00:00', undefined],
      [undefined, undefined],
    ]
    for (const [timestamp, expected] of table) assert.equal(timestampNanos(timestamp), expected, String(timestamp))
  })

  it('anyValue and anyValueOf: AnyValue as JSON and back', () => {
    const table: Array<[object, unknown]> = [
      [{stringValue: 'a'}, 'a'],
      [{boolValue: false}, false],
      [{intValue: '42'}, 42],
      [{intValue: '9007199254740993'}, '9007199254740993'],
      [{doubleValue: 1.5}, 1.5],
      [{arrayValue: {values: [{intValue: 1}, {stringValue: 'b'}]}}, [1, 'b']],
      [{kvlistValue: {values: [{key: 'k', value: {boolValue: true}}]}}, {k: true}],
      [{bytesValue: Buffer.from('hi')}, 'aGk='],
      [{}, null],
    ]
    for (const [value, expected] of table) assert.deepEqual(anyValue(value), expected, JSON.stringify(value))
    assert.deepEqual(anyValueOf({a: [1, 2.5, 'x', null, true]}), {kvlistValue: {values: [{key: 'a', value: {arrayValue: {values: [
      {intValue: 1}, {doubleValue: 2.5}, {stringValue: 'x'}, {}, {boolValue: true},
    ]}}}]}})
  })

  it('recordEntry: source and dyno from Heroku\'s and logsift\'s attributes, the level as a user-facility PRI', () => {
    const table: Array<[Record<string, string>, object, {dyno: string; pri: number | undefined; source: string}]> = [
      [{'service.instance.id': 'web-58f4b7c6d-x2k9p', 'service.name': 'demo'}, {severityNumber: 9}, {dyno: 'web-58f4b7c6d-x2k9p', pri: 14, source: 'app'}],
      [{'service.name': 'heroku-router'}, {severityNumber: 17}, {dyno: 'router', pri: 11, source: 'heroku'}],
      [{'heroku.dyno': 'worker.2', 'heroku.source': 'app'}, {severityText: 'Warning'}, {dyno: 'worker.2', pri: 12, source: 'app'}],
      [{}, {severityText: 'ERROR2'}, {dyno: 'otlp', pri: 11, source: 'app'}],
      [{'service.instance.id': 'a b[c]'}, {}, {dyno: 'a_b_c_', pri: undefined, source: 'app'}],
    ]
    for (const [resource, record, expected] of table) {
      const {dyno, pri, source} = recordEntry({body: {stringValue: 'x'}, ...record}, resource, 0)
      assert.deepEqual({dyno, pri, source}, expected, JSON.stringify([resource, record]))
    }
  })

  it('recordEntry: the body, then the fields the body does not already say (a parsed line, a router\'s telemetry drain) as JSON', () => {
    const attrs = (fields: Record<string, string>) => Object.entries(fields).map(([key, value]) => ({key, value: {stringValue: value}}))
    const router = 'at=info method=GET path="/" status=503 service=35ms'
    const trace = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')
    const table: Array<[object, string]> = [
      [{attributes: attrs({method: 'GET', path: '/', service: '35ms', status: '503'}), body: {stringValue: router}}, router],
      [{attributes: attrs({status: '503'}), body: {stringValue: router}}, router],
      [{attributes: attrs({status: '500'}), body: {stringValue: router}}, `${router} {"status":"500"}`],
      [{attributes: attrs({status: '503', user: 'ann'}), body: {stringValue: router}}, `${router} {"status":"503","user":"ann"}`],
      [{attributes: attrs({status: '503'}), body: {stringValue: router}, traceId: trace}, `${router} {"status":"503","trace_id":"5b8efff798038103d269b633813fc60c"}`],
      [{attributes: [{key: 'amount', value: {intValue: 12}}], body: {stringValue: 'paid {"amount":12,"trace_id":"5b8efff798038103d269b633813fc60c"}'}, traceId: trace}, 'paid {"amount":12,"trace_id":"5b8efff798038103d269b633813fc60c"}'],
      [{attributes: attrs({user: 'ann'}), body: {stringValue: 'hello'}}, 'hello {"user":"ann"}'],
    ]
    for (const [record, text] of table) assert.equal(recordEntry(record, {}, 0).text, text, JSON.stringify(record))
  })

  it('an event\'s name (the Events API\'s eventName) is kept as the field event_name, and sent back out as the event name', () => {
    const entry = recordEntry({attributes: [{key: 'order', value: {intValue: 7}}], eventName: 'checkout.completed', spanId: Buffer.from('eee19b7ec3c1b174', 'hex')}, {}, 0)
    assert.equal(entry.text, '{"order":7,"event_name":"checkout.completed","span_id":"eee19b7ec3c1b174"}')
    const out = logRecord({dyno: 'web.1', offset: 1, receivedAt: 0, source: 'app', text: entry.text})
    assert.equal(out.eventName, 'checkout.completed')
    assert.deepEqual(out.attributes, [{key: 'order', value: {intValue: 7}}])
    assert.equal(recordEntry({body: {stringValue: 'plain'}, eventName: ''}, {}, 0).text, 'plain')
  })

  it('logRecord: a stored message as a record, its fields as attributes and its trace ids as ids', () => {
    const record = logRecord({
      dyno: 'web.1', offset: 1, priority: 11, receivedAt: 1733059200999, source: 'app',
      text: 'paid {"amount":12,"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"nothex"}', timestamp: '2024-12-01T13:20:00.123456+00:00',
    })
    assert.deepEqual(record, {
      attributes: [{key: 'amount', value: {intValue: 12}}, {key: 'span_id', value: {stringValue: 'nothex'}}],
      body: {stringValue: 'paid {"amount":12,"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"nothex"}'},
      observedTimeUnixNano: '1733059200999000000', severityNumber: 17, severityText: 'ERROR',
      timeUnixNano: '1733059200123456000', traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
    })
  })

  it('logsUrl: an otlphttp endpoint\'s /v1/logs, as the OpenTelemetry Collector builds it', () => {
    const table = [
      ['https://otel.example.com', 'https://otel.example.com/v1/logs'],
      ['https://otel.example.com/', 'https://otel.example.com/v1/logs'],
      ['https://otel.example.com/otlp', 'https://otel.example.com/otlp/v1/logs'],
      ['http://127.0.0.1:5580/v1/logs', 'http://127.0.0.1:5580/v1/logs'],
    ]
    for (const [endpoint, expected] of table) assert.equal(logsUrl(endpoint).href, expected)
  })

  it('the descriptor the router loads matches the vendored .proto files', async () => {
    await run(process.execPath, ['scripts/otlp-descriptor.mjs', '--check'], {cwd: ROOT})
  })
})

describe('processTypeTest (-p, -d TYPE)', () => {
  it('matches a type\'s Cedar and Fir dynos, and nothing else', () => {
    const web = processTypeTest('web')
    const table: Array<[string | undefined, boolean]> = [
      ['web', true], ['web.1', true], ['web-58f4b7c6d-x2k9p', true],
      ['web-api.1', false], ['web-api-58f4b7c6d-x2k9p', false], ['webby.1', false], ['worker-58f4b7c6d-x2k9p', false], [undefined, false],
    ]
    for (const [name, expected] of table) assert.equal(web(name), expected, String(name))
    assert.equal(processTypeTest('web-api')('web-api-58f4b7c6d-x2k9p'), true)
  })
})

describe('SessionHandover (Fir sessions handed over)', () => {
  const messages = (...names: string[]) => names.map((name) => ({pri: undefined, raw: Buffer.from(name + '\n')}))
  const text = (out: Array<{raw: Buffer}>) => out.map((message) => message.raw.toString().trim())

  it('passes the old stream on until the new one\'s first message is found in it, then the new one from past it', () => {
    const handover = new SessionHandover()
    assert.deepEqual(text(handover.fromOld(messages('a', 'b'))), ['a', 'b'])
    assert.deepEqual(text(handover.fromNew(messages('c', 'd'))), [])
    assert.deepEqual(text(handover.fromOld(messages('c'))), ['c', 'd'])
    assert.equal(handover.switched, true)
    assert.deepEqual(text(handover.fromOld(messages('d', 'e'))), [])
    assert.deepEqual(text(handover.fromNew(messages('e'))), ['e'])
  })

  it('waits while the new stream is behind the old one', () => {
    const handover = new SessionHandover()
    handover.fromOld(messages('a', 'b', 'c'))
    assert.deepEqual(text(handover.fromNew(messages('b'))), [])
    assert.equal(handover.switched, false)
    assert.deepEqual(text(handover.fromNew(messages('c', 'd'))), ['d'])
    assert.equal(handover.switched, true)
  })

  it('hands over at once when the old stream ends first, without what it sent', () => {
    const handover = new SessionHandover()
    handover.fromOld(messages('a'))
    handover.fromNew(messages('x', 'a', 'y'))
    assert.deepEqual(text(handover.oldEnded()), ['x', 'y'])
    assert.equal(handover.switched, true)
  })
})
