import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parseFrame, parseLine} from '../../src/parse/line.js'
import {parsePayload} from '../../src/parse/payload.js'
import type {LogRecord} from '../../src/parse/record.js'
import {type CorpusRecord, generate, generateBytes, generateRecords, GENERATOR} from '../helpers/corpus.js'

const LINES = 8000

/** The octet-counted frames of a syslog-format output, each checked against its LEN on the way. */
function frames(bytes: Buffer): Buffer[] {
  const result: Buffer[] = []
  let i = 0
  while (i < bytes.length) {
    const space = bytes.indexOf(0x20, i)
    const length = Number(bytes.toString('latin1', i, space))
    const end = space + 1 + length
    assert.ok(Number.isInteger(length) && end <= bytes.length, `frame at byte ${i}: LEN ${length}`)
    assert.equal(bytes[end - 1], 0x0a, `frame at byte ${i} ends its LEN bytes with a newline`)
    result.push(bytes.subarray(i, end))
    i = end
  }

  return result
}

function assertSameRecord(parsed: LogRecord, expected: CorpusRecord, what: string): void {
  assert.deepEqual(
    {dyno: parsed.dyno, level: parsed.level, message: parsed.message, source: parsed.source, time: parsed.timestamp},
    {dyno: expected.dyno, level: expected.level, message: expected.msg, source: expected.source, time: expected.time},
    what,
  )
}

describe('scripts/gen-heroku-logs.mjs', function () {
  this.timeout(60_000)
  const records = generateRecords(LINES, 9)

  it('gives the same bytes for the same seed, and other lines for another seed', () => {
    for (const format of ['text', 'ndjson', 'syslog'] as const) {
      assert.ok(generateBytes(2000, 4, format).equals(generateBytes(2000, 4, format)), format)
    }

    const [one, other] = [generate(2000, 4), generate(2000, 5)]
    assert.ok(one.filter((line, i) => line === other[i]).length < 10)
    // A prefix of a longer run is the shorter run: the count only says when to stop.
    assert.deepEqual(generate(500, 4), one.slice(0, 500))
  })

  it('writes exactly `--lines` records, to --out as to standard output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logsift-gen-'))
    try {
      const out = join(dir, 'corpus.log')
      execFileSync(process.execPath, [GENERATOR, '--lines', '3000', '--seed', '4', '--out', out])
      assert.ok(readFileSync(out).equals(generateBytes(3000, 4)))
      assert.equal(generate(3000, 4).length, 3000)
      assert.equal(records.length, LINES)
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })

  it('writes the same records in text, ndjson and syslog, with the level logsift gives each', () => {
    const text = generate(LINES, 9)
    const syslog = frames(generateBytes(LINES, 9, 'syslog'))
    assert.equal(text.length, LINES)
    assert.equal(syslog.length, LINES)
    for (const [i, expected] of records.entries()) {
      const fromText = parseLine(Buffer.from(text[i] + '\n'))
      assert.equal(fromText.format, 'heroku', text[i])
      assertSameRecord(fromText, expected, text[i])
      const fromFrame = parseFrame(syslog[i])
      assert.equal(fromFrame.format, 'syslog', syslog[i].toString())
      assert.equal(fromFrame.host, 'host')
      assertSameRecord(fromFrame, expected, syslog[i].toString())
    }
  })

  it('gives, in ndjson, the fields logsift parses from each logfmt or JSON message', () => {
    let structured = 0
    for (const record of records) {
      if (!['app-json', 'app-logfmt', 'metrics', 'router', 'router-error'].includes(record.kind)) {
        assert.deepEqual(record.fields, {}, record.msg)
        continue
      }

      assert.deepEqual(record.fields, parsePayload(record.msg), record.msg)
      structured++
    }

    assert.ok(structured > LINES * 0.7, `${structured} structured records`)
  })

  it('mixes every kind of line, from every dyno, at every level', () => {
    const kinds = new Set(records.map((r) => r.kind))
    assert.deepEqual([...kinds].sort(), [
      'app-json', 'app-logfmt', 'app-text', 'logplex', 'metrics', 'platform', 'postgres', 'router', 'router-error', 'router-legacy', 'trace',
    ])
    const sources = new Set(records.map((r) => `${r.source}[${r.dyno}]`))
    for (const dyno of ['web.1', 'web.2', 'worker.1', 'run.1234', 'scheduler.5678']) {
      assert.ok(sources.has(`app[${dyno}]`) && sources.has(`heroku[${dyno}]`), dyno)
    }

    assert.deepEqual(new Set(records.map((r) => r.level)), new Set(['debug', 'error', 'info', 'warn']))
    const messages = records.map((r) => r.msg)
    const expected: RegExp[] = [
      /^at=info method=GET path="\/\S*" host=\S+ request_id=[\da-f-]{36} fwd="[\d.]+" dyno=web\.[12] connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=https$/,
      /^at=error code=H12 desc="Request timeout" .* service=3000[01]ms status=503 /,
      /^at=error code=H10 desc="App crashed" .* dyno= connect= service= status=503 bytes= /,
      /^GET acme-shop\.herokuapp\.com\/\S* dyno=web\.\d queue=\d wait=\d+ms service=\d+ms bytes=\d+$/,
      /^Error H12 \(Request timeout\) -> /,
      /^level=error msg="[^"]+" /,
      /^\{"level":50,"time":\d{13},/,
      /^\{"level":"warn","message":/,
      /^TypeError: /,
      /^ {4}at /,
      /^Traceback \(most recent call last\):$/,
      /^ {2}File "\/app\/\S+", line \d+, in \w+$/,
      /^E, \[[\d:.T-]+ #\d+\] ERROR -- : /,
      /^\[DATABASE\] \[\d+-1\] {2}sql_error_code = 57014 ERROR: {2}canceling statement/,
      /^State changed from starting to up$/,
      /^State changed from up to crashed$/,
      /^Starting process with command `npm start`$/,
      /^Process exited with status 137$/,
      /^Stopping all processes with SIGTERM$/,
      /^Process running mem=\d+M\(\d+\.\d%\)$/,
      /^Error R14 \(Memory quota exceeded\)$/,
      /^source=web\.1 dyno=heroku\.\d+\.[\da-f-]{36} sample#memory_total=[\d.]+MB sample#memory_rss=/,
      /^source=worker\.1 dyno=heroku\.\d+\.[\da-f-]{36} sample#load_avg_1m=[\d.]+ /,
      /^source=DATABASE addon=\S+ sample#current_transaction=\d+ /,
      /^Error L10 \(output buffer overflow\): \d+ messages dropped since /,
    ]
    for (const pattern of expected) assert.ok(messages.some((message) => pattern.test(message)), String(pattern))
  })

  it('refuses a bad argument with the usage, exit 2', () => {
    for (const args of [['--lines', 'many'], ['--format', 'xml'], ['--seed'], ['--colour']]) {
      const result = spawnSync(process.execPath, [GENERATOR, ...args], {encoding: 'utf8'})
      assert.equal(result.status, 2, args.join(' '))
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^gen-heroku-logs: .+\nusage: node scripts\/gen-heroku-logs\.mjs /, args.join(' '))
    }
  })
})
