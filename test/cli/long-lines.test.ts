import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIN, cliEnv, ROOT, runCli, tempDir, waitFor} from '../helpers/cli.js'

const MiB = 1024 * 1024
/** The default --max-line-size: a longer line is passed on in pieces of this size. */
const PIECE = 64 * MiB
const PEAK_LIMIT_KIB = 150 * 1024

interface MeasuredRun {
  bytes: number
  code: unknown
  lines: number
  peakKiB: number
  stderr: string
  /** The output's last bytes, to check how its last record ends. */
  tail: Buffer
}

/** `logs ARGS` reading `megabytes` of zeros from a pipe (one line that never ends), or only ARGS without. */
function zeros(megabytes: number, args: string[]): Promise<MeasuredRun> {
  const source = spawn('head', ['-c', `${megabytes}M`, '/dev/zero'], {stdio: ['ignore', 'pipe', 'ignore']})
  return measured(args, source.stdout)
}

/** logsift's output (counted, not kept), stderr, exit status and peak resident memory (VmHWM). */
async function measured(args: string[], stdin: NodeJS.ReadableStream | 'ignore' = 'ignore'): Promise<MeasuredRun> {
  const reader = spawn(process.execPath, [BIN, 'logs', ...args], {cwd: ROOT, env: cliEnv(), stdio: [stdin as 'ignore', 'pipe', 'pipe']})
  const run: MeasuredRun = {bytes: 0, code: undefined, lines: 0, peakKiB: 0, stderr: '', tail: Buffer.alloc(0)}
  reader.stdout.on('data', (chunk: Buffer) => {
    run.bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) run.lines++
    run.tail = Buffer.concat([run.tail, chunk]).subarray(-64)
  })
  reader.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk))
  reader.on('close', (exitCode) => (run.code = exitCode))
  // VmHWM is the peak resident set so far: the last reading before the exit is (nearly) the run's peak.
  const sampler = setInterval(() => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readStatus(reader.pid))
    if (hwm) run.peakKiB = Math.max(run.peakKiB, Number(hwm[1]))
  }, 5)
  try {
    await waitFor('the reader to finish', () => run.code !== undefined, 170_000)
  } finally {
    clearInterval(sampler)
  }

  return run
}

function readStatus(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return ''
  }
}

function assertBounded(run: MeasuredRun): void {
  assert.ok(run.peakKiB > 0 && run.peakKiB < PEAK_LIMIT_KIB, `peak RSS ${Math.round(run.peakKiB / 1024)} MB`)
}

const NOTICE = /^logsift: \(standard input\): a line longer than 64MiB is passed on in pieces of that size \(--max-line-size\)\n$/

describe('logsift logs: a line that never ends, with the default --max-line-size (64 MiB)', function () {
  this.timeout(180_000)

  it('-o raw passes it on byte for byte in 64 MiB pieces, with one notice, under 150 MB', async () => {
    const run = await zeros(130, ['-o', 'raw'])
    assert.equal(run.code, 0)
    assert.equal(run.bytes, 130 * MiB)
    assert.equal(run.lines, 0)
    assert.match(run.stderr, NOTICE)
    assertBounded(run)
  })

  // Each piece is one record: a 64 MiB piece then the 2 MiB rest.
  for (const args of [[], ['--color', 'always'], ['-o', 'json'], ['-o', 'logfmt'], ['-o', 'json', '--redact']]) {
    it(`${args.join(' ') || 'pretty'} prints each 64 MiB piece as one record, under 150 MB`, async () => {
      const run = await zeros(66, args)
      assert.equal(run.code, 0)
      assert.equal(run.lines, 2)
      assert.match(run.stderr, NOTICE)
      assertBounded(run)
    })
  }

  it('--exclude, settled only at a piece\'s end, holds the piece outside memory and prints it', async () => {
    const run = await zeros(66, ['-o', 'json', '--exclude', 'x'])
    assert.equal(run.code, 0)
    assert.equal(run.lines, 2)
    assert.ok(run.tail.toString().endsWith('\\u0000","fields":{}}\n'), run.tail.toString())
    assertBounded(run)
  })
})

describe('logsift logs: one line of 60 MiB', function () {
  this.timeout(180_000)
  const dir = tempDir()
  const file = join(dir, 'long.log')
  const message = 'x'.repeat(60 * MiB) + ' NEEDLE'
  writeFileSync(file, `2024-05-01T12:00:00.000000+00:00 app[web.1]: ${message}\r\n2024-05-01T12:00:01.000000+00:00 app[web.1]: short\n`)

  it('is one record, not cut and not noticed: --grep finds a match at its end, -o json keeps the message whole', async () => {
    const run = await measured([file, '-o', 'json', '--grep', 'NEEDLE$'])
    assert.equal(run.code, 0)
    assert.equal(run.stderr, '')
    assert.equal(run.lines, 1)
    // {"timestamp":..,"message":"xxx… NEEDLE","fields":{}}: the header, the message and the rest.
    const head = '{"timestamp":"2024-05-01T12:00:00.000000+00:00","source":"app","dyno":"web.1","level":"info","message":"'
    assert.equal(run.bytes, head.length + message.length + '","fields":{}}\n'.length)
    assert.equal(run.tail.toString(), ('x'.repeat(64) + ' NEEDLE","fields":{}}\n').slice(-64))
    assertBounded(run)
  })

  it('-o raw --exclude NEEDLE drops it and keeps the next line', async () => {
    const run = await measured([file, '-o', 'raw', '--exclude', 'NEEDLE'])
    assert.equal(run.code, 0)
    assert.equal(run.tail.toString(), '2024-05-01T12:00:01.000000+00:00 app[web.1]: short\n')
    assertBounded(run)
  })

  it('-o logfmt --redact writes the message whole and quoted, under 150 MB', async () => {
    const run = await measured([file, '-o', 'logfmt', '--redact', '--level', 'info'])
    assert.equal(run.code, 0)
    assert.equal(run.lines, 2)
    assert.equal(run.bytes, 'timestamp=2024-05-01T12:00:00.000000+00:00 source=app dyno=web.1 level=info message=""\n'.length + message.length
      + 'timestamp=2024-05-01T12:00:01.000000+00:00 source=app dyno=web.1 level=info message=short\n'.length)
    assertBounded(run)
  })
})

describe('logsift logs: a 3 MiB line is written as the same record a short one would be', function () {
  this.timeout(60_000)
  const dir = tempDir()
  const file = join(dir, 'mixed.log')
  // Secrets, quotes, backslashes, tabs, multi-byte and astral characters, spread so some straddle every edge.
  const parts = ['password=hunter2', 'say "hi" \\ there\t', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'https://u:pa55@db.example.com/x']
  const message = Array.from({length: 60}, (_, i) => 'é😀'.repeat(17_000 + i * 13) + ' ' + parts[i % parts.length] + ' ').join('')
  const line = `2024-05-01T12:00:00.000000+00:00 app[web.1]: ${message}`
  writeFileSync(file, line + '\r\n')
  /** logsift's stdout as UTF-8 (runCli gives it as Latin-1, byte for byte). */
  const output = async (args: string[]) => Buffer.from((await runCli(args)).stdout, 'latin1').toString('utf8')
  /** Equal, or where the two first differ: a diff of megabytes would say nothing. */
  const assertSame = (actual: string, expected: string) => {
    let at = 0
    while (at < actual.length && actual[at] === expected[at]) at++
    assert.ok(actual === expected, `differs at ${at} of ${expected.length}: ${JSON.stringify(actual.slice(at - 20, at + 40))}, expected ${JSON.stringify(expected.slice(at - 20, at + 40))}`)
  }

  it('-o json: the message whole, and with --redact as the redactor makes it of the whole', async () => {
    const {createRedactor} = await import('../../src/redact/redactor.js')
    assert.ok(Buffer.byteLength(message) > 3 * MiB)
    assertSame(JSON.parse(await output(['logs', file, '-o', 'json'])).message, message)
    assertSame(JSON.parse(await output(['logs', file, '-o', 'json', '--redact'])).message, createRedactor().text(message))
  })

  it('-o logfmt: one line that logfmt.parse reads back', async () => {
    const {default: logfmt} = await import('logfmt')
    const stdout = await output(['logs', file, '-o', 'logfmt'])
    assert.equal(stdout.split('\n').length, 2)
    assertSame(logfmt.parse(stdout.trimEnd()).message as string, message.replaceAll('\t', '\\t'))
  })

  it('pretty and -o raw --redact: the line as written (CRLF kept by raw), secrets masked', async () => {
    const {createRedactor} = await import('../../src/redact/redactor.js')
    assertSame(await output(['logs', file]), line + '\n')
    assertSame(await output(['logs', file, '-o', 'raw', '--redact']), createRedactor().text(line) + '\r\n')
  })

  it('logs:stats counts it as one record', async () => {
    assert.equal(JSON.parse((await runCli(['logs:stats', file, '--json'])).stdout).records, 1)
  })
})
