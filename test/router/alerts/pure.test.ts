import assert from 'node:assert/strict'

import {parseLineWithPri} from '../../../src/parse/line.js'
import type {LogRecord} from '../../../src/parse/record.js'
import {type Condition, ConditionError, formatCondition, parseCondition} from '../../../src/router/alerts/condition.js'
import {filterArguments} from '../../../src/router/alerts/definition.js'
import {type EpisodeState, okState, step, type Transition} from '../../../src/router/alerts/episode.js'
import {recordOf} from '../../../src/router/alerts/message-record.js'
import {maskWebhookUrl, parseNotifierText} from '../../../src/router/alerts/webhook-url.js'
import {bucketWidth, SlidingCounts, ValueWindow} from '../../../src/router/alerts/window.js'
import {storedMessage} from '../../../src/router/message.js'
import type {AppStatus, RouterStatus} from '../../../src/router/observability/status.js'
import {statusLines} from '../../../src/router/observability/status-text.js'

const MIN = 60_000

describe('alert conditions', () => {
  const parsed: Array<[string, Condition, string]> = [
    ['count > 10 in 5m', {kind: 'count', op: '>', threshold: 10, windowMs: 5 * MIN}, 'count > 10 in 5m'],
    ['count>=1 in 30s', {kind: 'count', op: '>=', threshold: 1, windowMs: 30_000}, 'count >= 1 in 30s'],
    ['  count  <  3  in  1h ', {kind: 'count', op: '<', threshold: 3, windowMs: 60 * MIN}, 'count < 3 in 1h'],
    ['rate(status>=500) > 2%', {kind: 'rate', op: '>', threshold: 0.02, where: 'status>=500', windowMs: 5 * MIN}, 'rate(status>=500) > 2% in 5m'],
    ['rate(status>=500)>2.5% in 10m', {kind: 'rate', op: '>', threshold: 0.025, where: 'status>=500', windowMs: 10 * MIN}, 'rate(status>=500) > 2.5% in 10m'],
    ['rate(code=H12) >= 0.1%', {kind: 'rate', op: '>=', threshold: 0.001, where: 'code=H12', windowMs: 5 * MIN}, 'rate(code=H12) >= 0.1% in 5m'],
    ['p99(service) > 2s in 5m', {field: 'service', kind: 'percentile', op: '>', quantile: 0.99, threshold: {dimension: 'time', unit: 's', value: 2000}, windowMs: 5 * MIN}, 'p99(service) > 2s in 5m'],
    ['p50( connect ) >= 150ms', {field: 'connect', kind: 'percentile', op: '>=', quantile: 0.5, threshold: {dimension: 'time', unit: 'ms', value: 150}, windowMs: 5 * MIN}, 'p50(connect) >= 150ms in 5m'],
    ['p99.9(bytes) > 1MB in 1m', {field: 'bytes', kind: 'percentile', op: '>', quantile: 0.999, threshold: {dimension: 'bytes', unit: 'MB', value: 1024 ** 2}, windowMs: MIN}, 'p99.9(bytes) > 1MB in 1m'],
    ['p90(duration_ms) > 250', {field: 'duration_ms', kind: 'percentile', op: '>', quantile: 0.9, threshold: {dimension: 'count', unit: '', value: 250}, windowMs: 5 * MIN}, 'p90(duration_ms) > 250 in 5m'],
    ['absent 10m', {kind: 'absent', windowMs: 10 * MIN}, 'absent 10m'],
    ['absent 90s', {kind: 'absent', windowMs: 90_000}, 'absent 90s'],
  ]
  for (const [text, condition, canonical] of parsed) {
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseCondition(text), condition)
      assert.equal(formatCondition(parseCondition(text)), canonical)
      assert.deepEqual(parseCondition(canonical), condition)
    })
  }

  const refused: Array<[string, RegExp]> = [
    ['count > 10', /a count needs a window: count > 10 in 5m/],
    ['count > ten in 5m', /whole number of messages/],
    ['count > 1.5 in 5m', /whole number of messages/],
    ['count > 10 in 5 minutes', /expected 'count > 10 in 5m'/],
    ['count > 10 in 5x', /expected a window such as 30s, 5m or 1h, not 5x/],
    ['count > 10 in 0s', /from 1s to 24h/],
    ['count > 10 in 2d', /from 1s to 24h/],
    ['rate(status>=500) > 200%', /percentage from 0% to 100%/],
    ['rate(status>=) > 2%', /rate\(\.\.\.\) takes a --where expression/],
    ['rate(status>=500) > 2', /expected 'count > 10 in 5m'/],
    ['p99(service) > fast', /expected a number after >, optionally with a unit/],
    ['p100(service) > 2s', /from p1 to p99.9/],
    ['p0(service) > 2s', /from p1 to p99.9/],
    ['absent', /expected 'count > 10 in 5m'/],
    ['absent soon', /expected a window/],
    ['errors > 3', /expected 'count > 10 in 5m', 'rate\(status>=500\) > 2%', 'p99\(service\) > 2s in 5m' or 'absent 10m'/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseCondition(text), (error: Error) => error instanceof ConditionError && message.test(error.message) && error.message.startsWith(text))
    })
  }
})

describe('alert hysteresis', () => {
  /** [condition holds, now] steps and the transitions expected, with resolve after 60 s. */
  const cases: Array<[string, Array<[boolean, number]>, Array<Transition | undefined>]> = [
    ['fires once while the condition holds', [[true, 0], [true, 1000], [true, 2000]], ['firing', undefined, undefined]],
    ['resolves once the condition has not held for the whole time', [[true, 0], [false, 1000], [false, 60_000], [false, 61_000], [false, 62_000]], ['firing', undefined, undefined, 'resolved', undefined]],
    ['a flap within the time is one episode', [[true, 0], [false, 1000], [true, 30_000], [false, 40_000], [false, 99_000], [false, 100_000]], ['firing', undefined, undefined, undefined, undefined, 'resolved']],
    ['fires again after a resolve', [[true, 0], [false, 1000], [false, 61_000], [true, 62_000]], ['firing', undefined, 'resolved', 'firing']],
    ['nothing while it never holds', [[false, 0], [false, 100_000]], [undefined, undefined]],
  ]
  for (const [what, steps, expected] of cases) {
    it(what, () => {
      const episode: EpisodeState = okState()
      assert.deepEqual(steps.map(([holds, now]) => step(episode, holds, now, 60_000)), expected)
    })
  }
})

describe('alert windows', () => {
  it('cut a window in at most 300 buckets of whole seconds', () => {
    assert.deepEqual([bucketWidth(1000), bucketWidth(5 * MIN), bucketWidth(10 * MIN), bucketWidth(24 * 60 * MIN)], [1000, 1000, 2000, 288_000])
  })

  it('count what is in the window and forget what left it, in fixed memory', () => {
    const window = new SlidingCounts(5 * MIN)
    const t0 = 1_700_000_000_000
    for (let i = 0; i < 10; i++) window.add(t0 + i * 1000, {entry: {line: `line ${i}`}, time: t0 + i * 1000})
    window.add(t0 + 10_000, undefined)
    assert.deepEqual([window.hits, window.total, window.firstHit()?.entry.line], [10, 11, 'line 0'])
    window.advance(t0 + 5 * MIN + 500)
    assert.deepEqual([window.hits, window.total, window.firstHit()?.entry.line], [9, 10, 'line 1'])
    window.advance(t0 + 5 * MIN + 9500)
    assert.deepEqual([window.hits, window.total, window.firstHit()?.entry.line], [0, 1, undefined])
    window.advance(t0 + 60 * MIN)
    assert.deepEqual([window.hits, window.total], [0, 0])
    window.add(t0 + 60 * MIN, {entry: {line: 'later'}, time: 0})
    assert.deepEqual([window.hits, window.total, window.firstHit()?.entry.line], [1, 1, 'later'])
  })

  it('give exact percentiles at the rank logs:stats uses, over the latest values up to the cap', () => {
    const window = new ValueWindow(MIN, 100)
    for (let i = 1; i <= 100; i++) window.add(i * 10, i)
    assert.deepEqual([window.quantile(0.5), window.quantile(0.99), window.quantile(0.9)], [50, 99, 90])
    window.add(1001, 1000)
    assert.equal(window.size, 100)
    assert.equal(window.quantile(0.99), 100)
    window.advance(MIN + 500)
    assert.equal(window.size, 51)
    assert.equal(window.quantile(0), 51)
    window.advance(10 * MIN)
    assert.equal(window.quantile(0.5), undefined)
  })
})

describe('alert webhooks and filters as shown', () => {
  const masked: Array<[string, string]> = [
    ['https://user:secret@example.com/hook', 'https://user:****@example.com/hook'],
    ['https://token123@example.com/hook', 'https://****@example.com/hook'],
    ['https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'https://hooks.slack.com/services/T000/B000/****'],
    ['https://discord.com/api/webhooks/123/SECRET?wait=true', 'https://discord.com/api/webhooks/123/****?wait=true'],
    ['https://example.com/hook?api_key=abc&team=x', 'https://example.com/hook?api_key=****&team=x'],
    ['http://127.0.0.1:9000/alerts', 'http://127.0.0.1:9000/alerts'],
  ]
  for (const [url, shown] of masked) {
    it(`masks ${shown}`, () => assert.equal(maskWebhookUrl(url), shown))
  }

  it('reads a notifier as URL, json=URL or slack=URL', () => {
    assert.deepEqual(parseNotifierText('https://a/b'), {format: 'json', url: 'https://a/b'})
    assert.deepEqual(parseNotifierText('json=https://a/b'), {format: 'json', url: 'https://a/b'})
    assert.deepEqual(parseNotifierText('slack=https://hooks.slack.com/services/T/B/C'), {format: 'slack', url: 'https://hooks.slack.com/services/T/B/C'})
  })

  it('writes the filters back as logs flags, quoted for the shell', () => {
    assert.deepEqual(
      filterArguments({dyno: ['router'], exclude: ['health check'], grep: ['timeout'], ignoreCase: true, level: 'warn', source: ['heroku'], where: ['status>=500', "path~^/it's"]}),
      ['-d', 'router', '-s', 'heroku', '-l', 'warn', '-w', "'status>=500'", '-w', String.raw`'path~^/it'\''s'`, '-g', 'timeout', '--exclude', "'health check'", '-i'],
    )
  })
})

describe('alert records', () => {
  const messages: Array<Parameters<typeof storedMessage>[0]> = [
    {dyno: 'router', offset: 1, receivedAt: 1_714_564_800_000, source: 'heroku', text: 'at=info method=GET path="/" status=503 service=23ms', timestamp: '2024-05-01T12:00:00.123456+00:00'},
    {dyno: 'web.1', offset: 2, priority: 187, receivedAt: 1_714_564_800_000, source: 'app', text: 'boom: failed', timestamp: '2024-05-01T12:00:00Z'},
    {dyno: 'web.1', offset: 3, priority: 14, receivedAt: 1_714_564_800_000, source: 'app', text: ' leading space', timestamp: undefined},
    {dyno: 'worker 2', offset: 4, receivedAt: 1_714_564_800_000, source: 'app', text: 'odd dyno', timestamp: '2024-05-01T12:00:00Z'},
    {dyno: 'web.1', offset: 5, receivedAt: 1_714_564_800_000, source: 'app', text: 'ends in a break\r\n', timestamp: 'May  1 12:00:00'},
    {dyno: 'web.1', offset: 6, receivedAt: 1_714_564_800_000, source: 'app', text: '{"level":"error","msg":"x","status":500}', timestamp: '2024-05-01T12:00:00Z'},
    {dyno: 'web.1', offset: 7, receivedAt: 1_714_564_800_000, source: 'app', text: '', timestamp: '2024-05-01T12:00:00Z'},
    {dyno: 'web.1', offset: 8, receivedAt: 1_714_564_800_000, source: 'app', text: 'two\nlines', timestamp: '2024-05-01 12:00:00'},
  ]
  for (const stored of messages) {
    it(`reads ${JSON.stringify(stored.text)} from ${stored.source}[${stored.dyno}] as logs -a reads its line`, () => {
      const message = storedMessage(stored)
      const expected = parseLineWithPri(Buffer.from(message.line), message.priIsLevel ? message.pri : undefined)
      const record = recordOf(message)
      const view = (each: LogRecord) => [each.format, each.timestamp, each.source, each.dyno, each.message, each.pri, each.severity, each.time, each.field('status'), each.field('level')]
      assert.deepEqual(view(record), view(expected))
    })
  }
})

describe('alerts in logsift status', () => {
  it('lists the apps that have alerts, with what their notifications did', () => {
    const app = (name: string, rules: number, firing = 0) => ({
      alerts: {firing, notifications_dropped: 1, notifications_sent: 3, notify_failures: 2, rules},
      drains: [], drops: {} as AppStatus['drops'], id: name, messages_in: 0, messages_out: {drains: 0, sessions: 0}, name,
    })
    const lines = statusLines({
      apps: [app('demo', 2, 1), app('plain', 0)], drops: {} as RouterStatus['drops'], listeners: [], sessions: 0, started_at: '2026-12-01T12:00:00.000Z',
      udp_receive_buffer: {capped: false, granted_bytes: 0, requested_bytes: 0, rmem_max_bytes: null}, uptime_seconds: 5,
    })
    assert.deepEqual(lines.slice(lines.indexOf('=== Alerts')), ['=== Alerts', 'demo: 2 rules, 1 firing; notifications: 3 sent, 2 failed attempts, 1 given up'])
  })
})
