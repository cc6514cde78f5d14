import assert from 'node:assert/strict'

import {parseLine, parseLineWithPri} from '../../src/parse/line.js'
import type {LogRecord, RecordInit} from '../../src/parse/record.js'

/** The parsed header and message of a record, for comparison with a table row. */
function shape(record: LogRecord): RecordInit {
  const {dyno, format, host, message, pri, source, timestamp} = record
  return {dyno, format, host, message, pri, source, timestamp}
}

function heroku(timestamp: string, source: string, dyno: string, message: string): RecordInit {
  return {dyno, format: 'heroku', host: undefined, message, pri: undefined, source, timestamp}
}

function text(message: string): RecordInit {
  return {dyno: undefined, format: 'text', host: undefined, message, pri: undefined, source: undefined, timestamp: undefined}
}

describe('parseLine: heroku lines', () => {
  const table: Array<[string, RecordInit]> = [
    // https://devcenter.heroku.com/articles/logging
    ['2010-09-16T15:13:46.677020+00:00 app[web.1]: Processing PostController#list (for 208.39.138.12 at 2010-09-16 15:13:46) [GET]',
      heroku('2010-09-16T15:13:46.677020+00:00', 'app', 'web.1', 'Processing PostController#list (for 208.39.138.12 at 2010-09-16 15:13:46) [GET]')],
    // https://devcenter.heroku.com/articles/error-codes (H12)
    ['2010-10-06T21:51:37-07:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=6ms service=30001ms status=503 bytes=0',
      heroku('2010-10-06T21:51:37-07:00', 'heroku', 'router', 'at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=6ms service=30001ms status=503 bytes=0')],
    // Pre-2013 router line: https://gist.github.com/jkvor/654399
    ['2010-10-29T14:01:08-07:00 heroku[router]: Error H12 (Request timeout) -> GET growing-dusk-20.heroku.com/timeout dyno=web.1 queue=0 wait=0ms service=0ms bytes=0',
      heroku('2010-10-29T14:01:08-07:00', 'heroku', 'router', 'Error H12 (Request timeout) -> GET growing-dusk-20.heroku.com/timeout dyno=web.1 queue=0 wait=0ms service=0ms bytes=0')],
    // https://devcenter.heroku.com/articles/error-codes (R14)
    ['2011-05-03T17:40:11+00:00 heroku[worker.1]: Error R14 (Memory quota exceeded)',
      heroku('2011-05-03T17:40:11+00:00', 'heroku', 'worker.1', 'Error R14 (Memory quota exceeded)')],
    // https://devcenter.heroku.com/articles/log-runtime-metrics
    ['2024-05-01T12:00:00.123456+00:00 heroku[web.1]: source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#load_avg_1m=2.46',
      heroku('2024-05-01T12:00:00.123456+00:00', 'heroku', 'web.1', 'source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#load_avg_1m=2.46')],
    // https://devcenter.heroku.com/articles/heroku-redis-metrics-logs
    ['2024-03-15T12:10:39.000000+00:00 app[heroku-redis]: source=REDIS addon=redis-metric-98068 sample#active-connections=404',
      heroku('2024-03-15T12:10:39.000000+00:00', 'app', 'heroku-redis', 'source=REDIS addon=redis-metric-98068 sample#active-connections=404')],
    // https://help.heroku.com/MJUI0JR0/why-am-i-getting-the-postgres-error-sql_error_code-00000-in-my-logs
    ['2024-05-01T12:00:00+00:00 app[postgres.1234]: [121-1]  sql_error_code = 00000 LOG:  checkpoint starting: time',
      heroku('2024-05-01T12:00:00+00:00', 'app', 'postgres.1234', '[121-1]  sql_error_code = 00000 LOG:  checkpoint starting: time')],
    // https://devcenter.heroku.com/articles/logging (API logs)
    ['2013-10-23T21:33:41.154690+00:00 heroku[api]: Release v7 created by chuchu.chachi.leon@gmail.com',
      heroku('2013-10-23T21:33:41.154690+00:00', 'heroku', 'api', 'Release v7 created by chuchu.chachi.leon@gmail.com')],
    ['2024-05-01T12:00:00Z app[web.1]: hi', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00.1+05:30 app[web.1]: hi', heroku('2024-05-01T12:00:00.1+05:30', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00.12-07:00 app[web.1]: hi', heroku('2024-05-01T12:00:00.12-07:00', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00.123Z app[web.1]: hi', heroku('2024-05-01T12:00:00.123Z', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00.1234+00:00 app[web.1]: hi', heroku('2024-05-01T12:00:00.1234+00:00', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00.12345+00:00 app[web.1]: hi', heroku('2024-05-01T12:00:00.12345+00:00', 'app', 'web.1', 'hi')],
    ['2024-05-01T12:00:00+0000 app[web.1]: hi', heroku('2024-05-01T12:00:00+0000', 'app', 'web.1', 'hi')],
    // Empty messages, with and without the trailing space, and spacing inside the message kept.
    ['2024-05-01T12:00:00Z app[web.1]:', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', '')],
    ['2024-05-01T12:00:00Z app[web.1]: ', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', '')],
    ['2024-05-01T12:00:00Z app[web.1]:   indented', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', '  indented')],
    ['2024-05-01T12:00:00Z app[web.1]:glued', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', 'glued')],
    ['2024-05-01T12:00:00Z app[web.1]: a [b] c: d', heroku('2024-05-01T12:00:00Z', 'app', 'web.1', 'a [b] c: d')],
  ]
  for (const [line, expected] of table) {
    it(`reads ${line.slice(0, 70)}`, () => {
      const record = parseLine(Buffer.from(`${line}\n`))
      assert.deepEqual(shape(record), expected)
      assert.equal(record.time, Date.parse(expected.timestamp!.replace('+0000', 'Z')))
    })
  }

  const dynos = [
    'web.1', 'worker.3', 'run.4521', 'scheduler.2233', 'release.7', 'router', 'api', 'logplex', 'heroku-postgres', 'heroku-redis',
    'postgres.1234', 'slug-compiler',
  ]
  for (const dyno of dynos) {
    it(`reads the dyno ${dyno}`, () => {
      for (const source of ['app', 'heroku']) {
        const record = parseLine(Buffer.from(`2024-05-01T12:00:00.000001+00:00 ${source}[${dyno}]: hello\n`))
        assert.deepEqual(shape(record), heroku('2024-05-01T12:00:00.000001+00:00', source, dyno, 'hello'))
      }
    })
  }
})

describe('parseLine: terminators and bytes', () => {
  const line = '2024-05-01T12:00:00Z app[web.1]: hi'

  it('strips \\n, \\r\\n, a lone \\r, or nothing on a last line', () => {
    for (const terminator of ['\n', '\r\n', '\r', '']) {
      const raw = Buffer.from(line + terminator)
      const record = parseLine(raw)
      assert.equal(record.message, 'hi', JSON.stringify(terminator))
      assert.equal(record.raw, raw)
    }
  })

  it('keeps a \\r that is not at the end', () => {
    assert.equal(parseLine(Buffer.from(`${line}\rthere\r\n`)).message, 'hi\rthere')
  })

  it('keeps the raw bytes, terminator included', () => {
    const raw = Buffer.from(`${line}\r\n`)
    assert.deepEqual(parseLine(raw).raw, Buffer.from(`${line}\r\n`))
  })

  it('turns invalid UTF-8 into U+FFFD in the message and keeps the bytes in raw', () => {
    const raw = Buffer.concat([Buffer.from('2024-05-01T12:00:00Z app[web.1]: bad '), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(' end\n')])
    const record = parseLine(raw)
    assert.equal(record.format, 'heroku')
    assert.equal(record.message, 'bad \uFFFD\uFFFD( end')
    assert.equal(record.raw.subarray(-6, -5)[0], 0x28)
  })

  it('keeps NUL bytes', () => {
    const record = parseLine(Buffer.from('2024-05-01T12:00:00Z app[web.1]: a\u0000b=\u0000\n'))
    assert.equal(record.message, 'a\u0000b=\u0000')
    assert.deepEqual(record.fields, {'a\u0000b': '\u0000'})
  })

  it('reads a 10 MB line', () => {
    const payload = 'x'.repeat(10 * 1024 * 1024)
    const record = parseLine(Buffer.from(`2024-05-01T12:00:00Z app[web.1]: msg=${payload}\n`))
    assert.equal(record.format, 'heroku')
    assert.equal(record.message.length, payload.length + 4)
    assert.equal(record.field('msg'), payload)
    assert.equal(record.severity, 6)
  })

  it('skips a byte order mark at the start', () => {
    const record = parseLine(Buffer.from(`\uFEFF${line}\n`))
    assert.deepEqual(shape(record), heroku('2024-05-01T12:00:00Z', 'app', 'web.1', 'hi'))
    assert.equal(parseLine(Buffer.from('\uFEFFplain\n')).message, 'plain')
  })

  it('reads an empty line as an empty text record', () => {
    assert.deepEqual(shape(parseLine(Buffer.from('\n'))), text(''))
    assert.deepEqual(shape(parseLine(Buffer.alloc(0))), text(''))
  })
})

describe('parseLine: text lines', () => {
  const lines = [
    'Rendering post/list',
    '2024 was a good year [for] us: really',
    '2024-05-01 12:00:00 app[web.1]: a space instead of T',
    '2024-05-01T12:00:00 app[web.1]: no offset',
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00Z app[web.1]',
    '2024-05-01T12:00:00Z app[web.1] missing colon',
    '2024-05-01T12:00:00Z [web.1]: no source',
    '2024-05-01T12:00:00Z app[]: no dyno',
    '2024-05-01T12:00:00Z my app[web.1]: space in source',
    '2024-05-01T12:00:00Z app[web 1]: space in dyno',
    '2024-05-01T12:00:00Z app[web.1: unclosed',
    '2024-05-01T12:00:00Zapp[web.1]: no space after timestamp',
    '  2024-05-01T12:00:00Z app[web.1]: leading spaces',
    '    at Socket.emit (node:events:517:28)',
    '{"level":"info","msg":"ndjson"}',
    '<not syslog>',
    '83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - a frame read as a line',
  ]
  for (const line of lines) {
    it(`keeps ${JSON.stringify(line).slice(0, 60)} as text`, () => {
      assert.deepEqual(shape(parseLine(Buffer.from(`${line}\n`))), text(line))
    })
  }

  it('has no time', () => {
    assert.ok(Number.isNaN(parseLine(Buffer.from('Rendering post/list\n')).time))
  })
})

describe('parseLineWithPri', () => {
  const line = Buffer.from('2024-05-01T12:00:00+00:00 app[web.1]: disk almost full\n')
  const cases: Array<[string, number | undefined, string]> = [
    ['no PRI: the level the text gives', undefined, 'info'],
    ['local0.err', 131, 'error'],
    ['user.warning', 12, 'warn'],
  ]
  for (const [name, pri, level] of cases) {
    it(`${name}: ${level}, header and raw as parseLine reads them`, () => {
      const record = parseLineWithPri(line, pri)
      assert.equal(record.level, level)
      assert.deepEqual({...shape(record), pri: undefined}, shape(parseLine(line)))
      assert.equal(record.raw, line)
    })
  }
})
