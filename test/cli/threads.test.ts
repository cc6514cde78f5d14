import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {cliEnv, runCli, startCli, tempDir, waitFor} from '../helpers/cli.js'
import {generateBytes} from '../helpers/corpus.js'

/** Every file is read on threads when asked for more than one, however small. */
const THREADED = {LOGSIFT_THREADS_MIN_BYTES: '0'}

describe('logs --threads: the same bytes as one thread', function () {
  this.timeout(120_000)
  const dir = tempDir()
  const corpus = generateBytes(4000, 3)
  const lf = join(dir, 'lf.log')
  const crlf = join(dir, 'crlf.log')
  const longLine = join(dir, 'long-line.log')
  writeFileSync(lf, corpus)
  // CRLF line ends (some land across a range's edge) and a last line without its newline.
  writeFileSync(crlf, corpus.toString('latin1').replaceAll('\n', '\r\n').slice(0, -2), 'latin1')
  // A line over the long-line limit in the middle: its range and those after it are read on one thread.
  const half = corpus.indexOf(10, corpus.length / 2) + 1
  writeFileSync(longLine, Buffer.concat([corpus.subarray(0, half), Buffer.from(`2024-05-01T12:00:30.000000+00:00 app[web.1]: level=error msg="${'x'.repeat(3 * 1024 * 1024)}"\n`), corpus.subarray(half)]))

  async function sameAsOneThread(file: string, args: string[]): Promise<void> {
    const [one, ...many] = await Promise.all([1, 2, 3, 4].map((threads) => runCli(['logs', file, ...args, '--threads', String(threads)], {env: THREADED})))
    for (const [i, run] of many.entries()) {
      assert.equal(run.code, one.code, `exit status with ${i + 2} threads`)
      assert.equal(run.stderr, one.stderr, `stderr with ${i + 2} threads`)
      assert.ok(run.stdout === one.stdout, `${args.join(' ')}: ${i + 2} threads print ${run.stdout.length} bytes, one thread ${one.stdout.length}, not the same`)
    }
  }

  const table: string[][] = [
    ['-o', 'raw'],
    ['-o', 'pretty', '--color', 'always'],
    ['-o', 'pretty', '--color', 'never', '--explain'],
    ['-o', 'json'],
    ['-o', 'logfmt'],
    ['-o', 'raw', '-d', 'router'],
    ['-o', 'json', '-s', 'app'],
    ['-o', 'logfmt', '-l', 'warn'],
    ['-o', 'raw', '-w', 'status>=500'],
    ['-o', 'json', '-g', 'timeout', '-i'],
    ['-o', 'raw', '--exclude', 'router'],
    ['-o', 'raw', '--since', '2024-05-01T12:00:01Z', '--until', '2024-05-01T12:00:03Z'],
    ['-o', 'json', '--redact'],
    ['-o', 'raw', '--redact-email'],
    ['-o', 'raw', '-n', '7'],
    ['-o', 'pretty', '--color', 'always', '-n', '25', '-l', 'warn'],
    ['-o', 'json', '-n', '0'],
    ['-o', 'raw', '-g', 'no such text anywhere'],
  ]
  for (const args of table) {
    it(args.join(' '), async () => {
      await sameAsOneThread(lf, args)
    })
  }

  it('CRLF lines, the last without its newline, in every format', async () => {
    for (const format of ['raw', 'json', 'logfmt', 'pretty']) await sameAsOneThread(crlf, ['-o', format])
  })

  it('a line over the long-line limit in one range: the rest is read on one thread', async () => {
    await sameAsOneThread(longLine, ['-o', 'raw'])
    await sameAsOneThread(longLine, ['-o', 'json', '-l', 'error'])
    await sameAsOneThread(longLine, ['-o', 'raw', '-n', '3'])
  })

  it('a gzip file (read on one thread)', async () => {
    const gz = join(dir, 'corpus.log.gz')
    writeFileSync(gz, gzipSync(corpus))
    await sameAsOneThread(gz, ['-o', 'raw', '-w', 'status>=500'])
    await sameAsOneThread(gz, ['-o', 'json', '-n', '5'])
  })

  it('an empty file', async () => {
    const empty = join(dir, 'empty.log')
    writeFileSync(empty, '')
    await sameAsOneThread(empty, ['-o', 'raw', '-n', '0'])
  })
})

/** Node's own report of each worker thread started (NODE_DEBUG=worker), counted from a run's stderr. */
function workersStarted(stderr: string): number {
  return stderr.match(/create new worker/g)?.length ?? 0
}

describe('logs: how many threads read a file when not told', function () {
  this.timeout(60_000)
  const dir = tempDir()
  const corpus = generateBytes(3000, 4)
  const file = join(dir, 'big.log')
  writeFileSync(file, corpus)
  const watched = {...THREADED, NODE_DEBUG: 'worker'}

  it('a large file: the cores available (at most 2), the same bytes as one thread', async () => {
    const [oneThread, byDefault] = await Promise.all([
      runCli(['logs', file, '-o', 'json', '--threads', '1'], {env: watched}),
      runCli(['logs', file, '-o', 'json'], {env: watched}),
    ])
    assert.equal(workersStarted(oneThread.stderr), 0)
    const cores = Math.min(availableParallelism(), 2)
    assert.equal(workersStarted(byDefault.stderr), cores > 1 ? cores : 0)
    assert.equal(byDefault.code, 0)
    assert.ok(byDefault.stdout === oneThread.stdout, 'the default prints what one thread prints')
  })

  it('LOGSIFT_THREADS when no --threads; --threads over it', async () => {
    const fromEnv = await runCli(['logs', file, '-o', 'raw'], {env: {...watched, LOGSIFT_THREADS: '4'}})
    assert.equal(workersStarted(fromEnv.stderr), 4)
    const fromFlag = await runCli(['logs', file, '-o', 'raw', '--threads', '2'], {env: {...watched, LOGSIFT_THREADS: '4'}})
    assert.equal(workersStarted(fromFlag.stderr), 2)
  })

  it('one thread with --tail: its last lines, then following', async () => {
    const cli = startCli(['logs', '--tail', file, '-o', 'raw'], cliEnv(watched))
    try {
      await waitFor('the last 10 lines', () => cli.stdout.split('\n').length > 10, 20_000)
    } finally {
      await cli.stop()
    }

    assert.equal(workersStarted(cli.stderr), 0)
  })

  it('one thread for a file under the size threshold, stdin and a gzip file', async () => {
    const gz = join(dir, 'big.log.gz')
    writeFileSync(gz, gzipSync(corpus))
    const debugOnly = {NODE_DEBUG: 'worker'}
    const runs = await Promise.all([
      runCli(['logs', file, '-o', 'raw'], {env: debugOnly}),
      runCli(['logs', '-o', 'raw'], {env: watched, input: corpus}),
      runCli(['logs', gz, '-o', 'raw'], {env: watched}),
    ])
    for (const run of runs) {
      assert.equal(run.code, 0)
      assert.equal(workersStarted(run.stderr), 0)
    }
  })
})
