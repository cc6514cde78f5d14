import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, tempDir} from '../helpers/cli.js'
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

  it('an empty file', async () => {
    const empty = join(dir, 'empty.log')
    writeFileSync(empty, '')
    await sameAsOneThread(empty, ['-o', 'raw', '-n', '0'])
  })
})
