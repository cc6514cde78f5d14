import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, tempDir} from '../helpers/cli.js'
import {generateBytes} from '../helpers/corpus.js'

/** Every file is read on threads when asked for more than one, however small. */
const THREADED = {LOGSIFT_THREADS_MIN_BYTES: '0'}

describe('logs:stats --threads: the same report as one thread', function () {
  this.timeout(180_000)
  const dir = tempDir()
  const corpus = generateBytes(4000, 3)
  const lf = join(dir, 'lf.log')
  const crlf = join(dir, 'crlf.log')
  const longLine = join(dir, 'long-line.log')
  const manyValues = join(dir, 'many-values.log')
  writeFileSync(lf, corpus)
  // CRLF line ends (some land across a range's edge) and a last line without its newline.
  writeFileSync(crlf, corpus.toString('latin1').replaceAll('\n', '\r\n').slice(0, -2), 'latin1')
  // A line over the long-line limit after the corpus twice: with 3 or 4 threads the second range holds it (the
  // first is merged, the rest read on one thread), with 2 the first does (all read on one thread).
  writeFileSync(longLine, Buffer.concat([corpus, corpus, Buffer.from(`2024-05-01T12:00:30.000000+00:00 app[web.1]: level=error msg="${'x'.repeat(1100 * 1024)}"\n`), corpus]))
  // Past 65,536 values: router timings in the per-integer histogram, then (one past 65.5 s) the sketch; a
  // payload field's fractions in the sketch, their sum correctly rounded.
  const lines: string[] = []
  for (let i = 0; i < 70_000; i++) {
    const time = `2024-05-01T12:${String(Math.floor(i / 1200) % 60).padStart(2, '0')}:${String(Math.floor(i / 20) % 60).padStart(2, '0')}.000000+00:00`
    lines.push(`${time} heroku[router]: at=info method=GET path="/p/${i % 300}" host=a dyno=web.${i % 3} connect=${i % 7}ms service=${i === 50_000 ? 70_000 : (i * 7919) % 5000}ms status=${200 + (i % 5)} bytes=1`, `${time} app[web.${i % 2}]: level=info took=${((i * 7919) % 100_000) / 100}ms`)
  }

  writeFileSync(manyValues, lines.join('\n') + '\n')

  async function sameAsOneThread(file: string, args: string[]): Promise<void> {
    const [one, ...many] = await Promise.all([1, 2, 3, 4].map((threads) => runCli(['logs:stats', file, ...args, '--threads', String(threads)], {env: THREADED})))
    assert.equal(one.stderr, '')
    for (const [i, run] of many.entries()) {
      assert.equal(run.code, one.code, `exit status with ${i + 2} threads`)
      assert.equal(run.stderr, one.stderr, `stderr with ${i + 2} threads`)
      assert.equal(run.stdout, one.stdout, `${args.join(' ')}: ${i + 2} threads`)
    }
  }

  const table: string[][] = [
    [],
    ['-d', 'router', '--interval', '30s'],
    ['--by', 'dyno'],
    ['--by', 'fields.table', '--value', 'duration_ms', '--top', '3'],
    ['-w', 'status>=500'],
    ['--redact', '--by', 'fields.msg', '-l', 'warn'],
  ]
  for (const args of table) {
    it(`--json ${args.join(' ')}`, async () => {
      await sameAsOneThread(lf, ['--json', ...args])
    })
  }

  it('the text report, plain and coloured', async () => {
    await sameAsOneThread(lf, [])
    await sameAsOneThread(lf, ['--color', 'always', '--by', 'type', '--value', 'duration_ms'])
  })

  it('past 65,536 values: histogram and sketch as one thread switches to them', async () => {
    await sameAsOneThread(manyValues, ['--json', '--value', 'took'])
  })

  it('CRLF lines, the last without its newline', async () => {
    await sameAsOneThread(crlf, ['--json'])
    await sameAsOneThread(crlf, [])
  })

  it('a line over the long-line limit in one range: the rest is counted on one thread', async () => {
    await sameAsOneThread(longLine, ['--json'])
    await sameAsOneThread(longLine, ['--json', '-l', 'error', '--by', 'dyno'])
  })

  it('an empty file: nothing matched, exit status 1', async () => {
    const empty = join(dir, 'empty.log')
    writeFileSync(empty, '')
    await sameAsOneThread(empty, ['--json'])
    assert.equal((await runCli(['logs:stats', empty, '--threads', '2'], {env: THREADED})).code, 1)
  })

  it('counts every line once: records as many as the file has lines, whatever the thread count', async () => {
    const expected = corpus.toString('latin1').split('\n').length - 1
    for (const threads of ['4']) {
      const run = await runCli(['logs:stats', lf, '--json', '--threads', threads], {env: THREADED})
      assert.equal((JSON.parse(run.stdout) as {records: number}).records, expected)
    }
  })

  it('LOGSIFT_THREADS as --threads; a bad one is a usage error', async () => {
    const [flag, env] = await Promise.all([
      runCli(['logs:stats', lf, '--json', '--threads', '3'], {env: THREADED}),
      runCli(['logs:stats', lf, '--json'], {env: {...THREADED, LOGSIFT_THREADS: '3'}}),
    ])
    assert.equal(env.stdout, flag.stdout)
    const bad = await runCli(['logs:stats', lf], {env: {LOGSIFT_THREADS: 'two'}})
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /LOGSIFT_THREADS=two: give a whole number of threads/)
  })
})
