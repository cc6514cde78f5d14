import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {readFileSync} from 'node:fs'

import type {Stats} from '../../src/stats/types.js'

import {fakePlatform, runAgainst} from '../api/helpers.js'
import {herokuLine} from '../api/fake-platform.js'
import {type CliResult, EXAMPLE_LOG, runCli, tempDir} from '../helpers/cli.js'

const ANSI = /\u001B\[[\d;]*m/

/** runCli keeps stdout as latin1 (byte for byte); the summary is UTF-8 text. */
async function runStats(args: string[], options?: Parameters<typeof runCli>[1]): Promise<CliResult> {
  const result = await runCli(['logs:stats', ...args], options)
  return {...result, stdout: Buffer.from(result.stdout, 'latin1').toString('utf8')}
}

async function statsJson(args: string[]): Promise<Stats> {
  const result = await runStats([...args, '--json'])
  assert.equal(result.code, 0, result.stderr)
  assert.equal(result.stderr, '')
  return JSON.parse(result.stdout) as Stats
}

describe('logsift logs:stats (CLI)', function () {
  // Each test runs the CLI as a process: more than mocha's default 2 s on a busy machine.
  this.timeout(30_000)
  const dir = tempDir()

  it('summarises examples/heroku.log as plain text when piped', async () => {
    const result = await runStats([EXAMPLE_LOG])
    assert.equal(result.code, 0)
    assert.equal(result.stderr, '')
    assert.doesNotMatch(result.stdout, ANSI)
    const lines = result.stdout.split('\n')
    assert.deepEqual(lines.slice(0, 6), [
      'Records  212 over 0.218s, 972.5/s',
      '  2024-05-01T12:00:00.000Z → 2024-05-01T12:00:00.218Z',
      '  sources     heroku 116 · app 96',
      '  dyno types  router 81 · web 78 · worker 31 · api 9 · heroku-postgres 9 · postgres 2 · scheduler 2',
      '  levels      error 21 · warn 13 · info 173 · debug 5',
      '',
    ])
    for (const expected of [
      'Router  81 requests',
      '  2024-05-01 12:00:00 █',
      '  one column = 1s; █ = 81',
      '    2xx  55  67.9%  ██████████████████████████████',
      '    5xx   4   4.9%  ██▏',
      '  top statuses  200 46 · 404 7 · 201 5 · 304 5 · 204 4 · 301 4 · 503 4 · 422 3 · 401 2 · 499 1',
      '    connect   1ms    2ms  2ms     2ms',
      '    service  87ms  199ms  30s  55.45s',
      '    /assets/app-:id.js            14  134ms  27.6s     30s',
      '    /api/orders/:id                8   77ms  135ms   171ms',
      '  H12  Request timeout                 2  2024-05-01T12:00:00.037Z  2024-05-01T12:00:00.183Z',
      '       the app took longer than 30 s to answer a request',
      '  R14  Memory quota exceeded           3  2024-05-01T12:00:00.070Z  2024-05-01T12:00:00.185Z',
      '  web.1       0    0      265.8MB            701MB         1        1',
      '  worker.1    2    0        474MB            696MB         0        0',
    ]) assert.ok(lines.includes(expected), `missing line ${JSON.stringify(expected)} in\n${result.stdout}`)
  })

  it('colours with --color always: headings, chart, status bars and codes', async () => {
    const result = await runStats([EXAMPLE_LOG, '--color', 'always'])
    assert.equal(result.code, 0)
    const lines = result.stdout.split('\n')
    assert.equal(lines[0], '\u001B[1mRecords\u001B[22m  212 over 0.218s, 972.5/s')
    assert.ok(lines.includes('  \u001B[2m2024-05-01 12:00:00\u001B[22m \u001B[36m█\u001B[39m'), result.stdout)
    assert.ok(lines.includes('    5xx   4   4.9%  \u001B[31m██▏\u001B[39m'), result.stdout)
    assert.ok(lines.some((line) => line.startsWith('  \u001B[31mH12\u001B[39m  Request timeout')), result.stdout)
    const plain = await runStats([EXAMPLE_LOG])
    assert.equal(result.stdout.replaceAll(/\u001B\[[\d;]*m/g, ''), plain.stdout)
  })

  it('--json returns the stats object', async () => {
    const stats = await statsJson([EXAMPLE_LOG])
    assert.equal(stats.records, 212)
    assert.deepEqual(stats.span, {first: '2024-05-01T12:00:00.000Z', last: '2024-05-01T12:00:00.218Z', perSecond: 972.477, seconds: 0.218})
    assert.deepEqual(stats.sources, [{count: 116, key: 'heroku'}, {count: 96, key: 'app'}])
    assert.deepEqual(stats.levels, {alert: 0, crit: 0, debug: 5, emerg: 0, error: 21, info: 173, notice: 0, warn: 13})
    assert.equal(stats.router.requests, 81)
    assert.deepEqual(stats.router.statusClasses, {'1xx': 0, '2xx': 55, '3xx': 9, '4xx': 13, '5xx': 4, other: 0})
    assert.deepEqual(stats.router.perInterval, [{count: 81, start: '2024-05-01T12:00:00.000Z'}])
    assert.deepEqual(stats.router.service, {count: 81, max: 55_449, min: 1, p50: 87, p90: 199, p99: 30_000})
    assert.equal(stats.router.topPathsByCount.length, 10)
    assert.deepEqual(stats.errors.map((error) => [error.code, error.title, error.count]), [
      ['R14', 'Memory quota exceeded', 3], ['H12', 'Request timeout', 2], ['H10', 'App crashed', 1], ['H15', 'Idle connection', 1],
      ['H27', 'Client Request Interrupted', 1],
    ])
    assert.deepEqual(stats.dynos.map((dyno) => dyno.dyno), ['web.1', 'web.2', 'worker.1'])
    assert.equal(stats.groups, undefined)
  })

  it('applies the shared filters before counting', async () => {
    const router = await statsJson([EXAMPLE_LOG, '-d', 'router', '-w', 'status>=500'])
    assert.equal(router.records, 4)
    assert.equal(router.router.requests, 4)
    assert.deepEqual(router.router.statusClasses['5xx'], 4)
    const errors = await statsJson([EXAMPLE_LOG, '--level', 'error', '-s', 'heroku'])
    assert.equal(errors.records, errors.levels.error)
    assert.deepEqual(errors.sources.map((source) => source.key), ['heroku'])
    const grep = await statsJson([EXAMPLE_LOG, '--grep', 'R14'])
    assert.deepEqual(grep.errors.map((error) => [error.code, error.count]), [['R14', 3]])
  })

  it('--by and --value, with --top', async () => {
    const stats = await statsJson([EXAMPLE_LOG, '-d', 'router', '--by', 'fields.dyno', '--value', 'service', '--top', '2'])
    assert.equal(stats.groups?.by, 'fields.dyno')
    assert.deepEqual(stats.groups?.top.map((group) => group.key), ['web.2', 'web.1'])
    assert.equal(stats.router.statuses.length, 2)
    assert.equal(stats.router.topPathsByCount.length, 2)
    const web2 = stats.groups?.top[0]
    assert.equal(web2?.value?.key, 'service')
    assert.equal(web2?.value?.unit, 'ms')
    assert.equal(web2?.value?.count, web2?.count)

    const text = await runStats([EXAMPLE_LOG, '--by', 'level', '--value', 'duration_ms'])
    assert.equal(text.code, 0)
    assert.ok(text.stdout.endsWith([
      'By level  4 distinct; values of duration_ms',
      '         records  values      sum     p50     p90     p99     max',
      '  info       173      36  85794.7  2297.8  4194.5    4864  4905.6',
      '  error       21       5  13629.5  2680.6  3705.9  3705.9  3807.5',
      '  warn        13       3   6889.5  2298.3  2298.3  2298.3  3334.6',
      '  debug        5       4   4818.5   412.6  1346.1  1346.1  2833.7',
      '',
    ].join('\n')), text.stdout)
  })

  it('--by dyno --value service: one row per dyno that served requests, none for the router', async () => {
    const lines = [
      ...[12, 30, 18, 40].map((service, i) => herokuLine(i, 'router', `at=info method=GET path="/" dyno=web.${(i % 2) + 1} connect=1ms service=${service}ms status=200 bytes=10`)),
      herokuLine(4, 'router', 'at=error code=H10 desc="App crashed" method=GET path="/" dyno= connect= service= status=503 bytes='),
      herokuLine(5, 'web.1', 'Listening on port 3000'),
    ]
    const file = join(dir, 'dynos.log')
    writeFileSync(file, lines.join('\n') + '\n')
    const text = await runStats([file, '--by', 'dyno', '--value', 'service'])
    assert.equal(text.code, 0, text.stderr)
    assert.ok(text.stdout.endsWith([
      'By dyno  2 distinct, 1 records without it; values of service',
      '         records  values   sum   p50   p90   p99   max',
      '  web.1        3       2  30ms  12ms  12ms  12ms  18ms',
      '  web.2        2       2  70ms  30ms  30ms  30ms  40ms',
      '',
    ].join('\n')), text.stdout)
  })

  it('--value alone summarises a field over every record', async () => {
    const stats = await statsJson([EXAMPLE_LOG, '--value', 'fields.duration_ms'])
    assert.equal(stats.value?.key, 'fields.duration_ms')
    assert.equal(stats.value?.dimension, 'count')
    assert.ok((stats.value?.count ?? 0) > 30)
    const text = await runStats([EXAMPLE_LOG, '--value', 'service', '-d', 'router'])
    assert.ok(text.stdout.includes('\nValue service  durations\n  count  sum  min   p50    p90  p99     max\n     81  2.8m  1ms  87ms  199ms  30s  55.45s\n'.replace('count  sum', 'count   sum')), text.stdout)
  })

  it('reads stdin and .gz files like logs', async () => {
    const input = readFileSync(EXAMPLE_LOG)
    const piped = await runStats(['--json'], {input})
    assert.equal((JSON.parse(piped.stdout) as Stats).records, 212)
    const gz = join(dir, 'heroku.log.gz')
    writeFileSync(gz, gzipSync(input))
    assert.equal((await statsJson([gz])).records, 212)
  })

  it('--interval buckets the chart', async () => {
    const lines = Array.from({length: 7}, (_, i) => herokuLine(i, 'router', `at=info method=GET path="/" status=200 service=${i}ms`)
      .replace('12:00:', `12:${String(i * 2).padStart(2, '0')}:`))
    const file = join(dir, 'spread.log')
    writeFileSync(file, lines.join('\n') + '\n')
    const perMinute = await statsJson([file, '--interval', '1m'])
    assert.equal(perMinute.router.perInterval.length, 13)
    const perFive = await statsJson([file, '--interval', '5m'])
    assert.equal(perFive.router.intervalSeconds, 300)
    assert.deepEqual(perFive.router.perInterval.map((bucket) => bucket.count), [3, 2, 2])
    for (const [interval, seconds, buckets] of [['90s', 90, 9], ['2m', 120, 7], ['1h', 3600, 1], ['1d', 86_400, 1]] as const) {
      const stats = await statsJson([file, '--interval', interval])
      assert.equal(stats.router.intervalSeconds, seconds, interval)
      assert.equal(stats.router.perInterval.length, buckets, interval)
    }

    // By default, 12 minutes of requests are 25 buckets of 30 s.
    const fitted = await statsJson([file])
    assert.equal(fitted.router.intervalSeconds, 30)
    assert.equal(fitted.router.perInterval.length, 25)
  })

  it('by default charts 100 seconds of requests in 5-second columns, not one or two bars', async () => {
    const lines = Array.from({length: 100}, (_, i) => herokuLine(i, 'router', `at=info method=GET path="/" dyno=web.1 service=${i}ms status=200`)
      .replace(/^2024-05-01T12:00:\d\d/, new Date(Date.UTC(2024, 4, 1, 12, 0, i)).toISOString().slice(0, 19)))
    const file = join(dir, 'hundred-seconds.log')
    writeFileSync(file, lines.join('\n') + '\n')
    const result = await runStats([file])
    assert.equal(result.code, 0, result.stderr)
    const chart = result.stdout.split('\n').filter((line) => line.startsWith('  2024-05-01 12:'))
    assert.equal(chart.length, 1, result.stdout)
    const bars = chart[0].slice('  2024-05-01 12:00:00 '.length)
    assert.equal(bars, '█'.repeat(20), result.stdout)
    assert.ok(result.stdout.includes('\n  one column = 5s; █ = 5\n'), result.stdout)
  })

  it('--redact masks secrets before they are counted', async () => {
    const file = join(dir, 'secrets.log')
    writeFileSync(file, [
      '2024-05-01T12:00:00Z app[web.1]: login password=hunter2 user=ann',
      '2024-05-01T12:00:01Z app[web.1]: login password=swordfish user=bob',
    ].join('\n') + '\n')
    const plain = await statsJson([file, '--by', 'password'])
    assert.deepEqual(plain.groups?.top.map((group) => group.key), ['hunter2', 'swordfish'])
    const redacted = await statsJson([file, '--by', 'password', '--redact'])
    assert.deepEqual(redacted.groups?.top, [{count: 2, key: '[REDACTED]'}])
  })

  describe('exit codes', () => {
    it('is 1 when nothing matched, with the empty summary', async () => {
      const result = await runStats([EXAMPLE_LOG, '--grep', 'no such text anywhere'])
      assert.equal(result.code, 1)
      assert.equal(result.stdout, 'Records  0\n')
    })

    it('is 1 with --json too, after printing the empty stats', async () => {
      const result = await runStats([EXAMPLE_LOG, '--grep', 'no such text anywhere', '--json'])
      assert.equal(result.code, 1, result.stderr)
      assert.equal(JSON.parse(result.stdout).records, 0)
    })

    it('is 2 for a missing file, after summarising the others', async () => {
      const result = await runStats([join(dir, 'missing.log'), EXAMPLE_LOG])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /missing\.log/)
      assert.match(result.stdout, /^Records {2}212 /)
    })

    it('is 2 with --json too, after printing the stats of the files it could read', async () => {
      const result = await runStats([join(dir, 'missing.log'), EXAMPLE_LOG, '--json'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /missing\.log: no such file or directory/)
      assert.equal(JSON.parse(result.stdout).records, 212)
    })

    it('is 2 for bad flags, naming the flag', async () => {
      for (const bad of ['2x', 'soon', '0s', '0.5s', '1.25s', '-1m']) {
        const interval = await runStats([EXAMPLE_LOG, '--interval', bad])
        assert.equal(interval.code, 2, bad)
        assert.equal(interval.stdout, '')
        assert.match(interval.stderr.replaceAll(/\s*\n ›\s+/g, ' '), new RegExp(`--interval ${bad}: expected a duration of whole seconds, at least 1s \\(10s, 30s, 15m, 2h, 1d\\)`))
        assert.doesNotMatch(interval.stderr, /\n\s+at /, 'no stack trace')
      }

      const top = await runStats([EXAMPLE_LOG, '--top', '0'])
      assert.equal(top.code, 2)
      assert.match(top.stderr, /--top/)
      const where = await runStats([EXAMPLE_LOG, '--where', 'status>>5'])
      assert.equal(where.code, 2)
      assert.match(where.stderr, /--where/)
      const value = await runStats([EXAMPLE_LOG, '--value', 'level'])
      assert.equal(value.code, 2)
      assert.match(value.stderr, /--value level/)
      assert.equal(value.stdout, '')
    })
  })

  it('documents itself with a summary, description and examples', async () => {
    const result = await runStats(['--help'])
    assert.equal(result.code, 0)
    for (const text of ['Summarise logs', '--by', '--value', '--interval', '--top', '--json', 'DDSketch', 'logs:stats examples/heroku.log', '--where']) {
      assert.ok(result.stdout.includes(text), `help lacks ${text}`)
    }
  })

  describe('-a APP', () => {
    const platform = fakePlatform()
    before(() => {
      platform.createApp('demo')
      platform.log('demo', ...Array.from({length: 150}, (_, i) => herokuLine(i + 1, i % 2 ? 'web.1' : 'worker.1')))
    })

    it("summarises the app's whole recent log, not only the last 100 lines", async () => {
      const result = await runAgainst(platform, ['logs:stats', '-a', 'demo', '--json', '--by', 'dyno'])
      assert.equal(result.code, 0, result.stderr)
      const stats = JSON.parse(result.stdout) as Stats
      assert.equal(stats.records, 150)
      assert.deepEqual(stats.groups?.top, [{count: 75, key: 'web.1'}, {count: 75, key: 'worker.1'}])
    })
  })
})
