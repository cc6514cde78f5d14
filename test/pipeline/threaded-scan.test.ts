import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import type {LogsJob} from '../../src/pipeline/logs-job.js'

import {OutputSink} from '../../src/output/sink.js'
import {defaultThreads, scanInThreads} from '../../src/pipeline/threaded-scan.js'
import {tempDir} from '../helpers/cli.js'
import {generateBytes} from '../helpers/corpus.js'

const JOB: LogsJob = {colorLevel: 0, maxLineBytes: 64 * 1024 * 1024, output: 'raw', query: {now: Date.now(), where: ['status>=500']}, redact: {redact: false, 'redact-email': false, 'redact-key': undefined, 'redact-pattern': undefined}}

/** scanInThreads into a sink over a stream whose bytes are kept. */
async function scanned(path: string, threads: number, minBytes = 0, last?: number) {
  const stream = new PassThrough()
  const chunks: Buffer[] = []
  // Copied: the scan writes its output from one buffer, filled again once the stream has taken it.
  stream.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)))
  const sink = new OutputSink(stream)
  const result = await scanInThreads(path, {job: JOB, last, minBytes, sink, threads})
  await sink.flush()
  return {output: Buffer.concat(chunks).toString('latin1'), result}
}

describe('scanInThreads: a file read by worker threads', function () {
  this.timeout(60_000)
  const dir = tempDir()
  const corpus = generateBytes(3000, 5)
  const path = join(dir, 'corpus.log')
  writeFileSync(path, corpus)
  const expected = corpus.toString('latin1').split('\n').filter((line) => / status=5\d\d /.test(line))

  it('writes the matching lines of every range in input order, and counts them', async () => {
    assert.ok(expected.length > 10)
    for (const threads of [2, 3, 4]) {
      const {output, result} = await scanned(path, threads)
      assert.equal(result?.matched, expected.length)
      assert.equal(output, expected.map((line) => `${line}\n`).join(''))
    }
  })

  it('with last N, returns the last N matches formatted, writing nothing', async () => {
    const {output, result} = await scanned(path, 3, 0, 4)
    assert.equal(output, '')
    assert.deepEqual(result?.records.map((bytes) => bytes.toString('latin1')), expected.slice(-4).map((line) => `${line}\n`))
  })

  it('leaves a file under the size threshold, or one thread, to the caller', async () => {
    assert.equal((await scanned(path, 4, corpus.length + 1)).result, undefined)
    assert.equal((await scanned(path, 1)).result, undefined)
  })
})

describe('defaultThreads: how many threads read a large file when not told', () => {
  const cases: Array<[cores: number, threads: number]> = [[1, 1], [2, 2], [3, 2], [64, 2]]
  for (const [cores, threads] of cases) {
    it(`${cores} cores: ${threads}`, () => {
      assert.equal(defaultThreads(cores), threads)
    })
  }
})
