import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {StatsJob} from '../../src/pipeline/stats-worker.js'

import {parseLine} from '../../src/parse/line.js'
import {statsInThreads} from '../../src/pipeline/threaded-stats.js'
import {StatsCollector} from '../../src/stats/collector.js'
import {tempDir} from '../helpers/cli.js'
import {generateBytes} from '../helpers/corpus.js'

const JOB: StatsJob = {maxLineBytes: 64 * 1024 * 1024, query: {now: Date.now()}, stats: {by: 'dyno', top: 10, value: 'duration_ms'}}

/** statsInThreads into a fresh collector, with the bytes its progress was told. */
async function counted(path: string, threads: number, minBytes = 0) {
  const collector = new StatsCollector(JOB.stats)
  let progress = 0
  const result = await statsInThreads(path, {collector, job: JOB, minBytes, progress: (bytes) => (progress += bytes), threads})
  return {progress, result, stats: collector.result()}
}

describe('statsInThreads: a file counted by worker threads', function () {
  this.timeout(60_000)
  const dir = tempDir()
  const corpus = generateBytes(3000, 5)
  const path = join(dir, 'corpus.log')
  writeFileSync(path, corpus)
  const onePass = new StatsCollector(JOB.stats)
  for (const line of corpus.toString('latin1').split('\n').slice(0, -1)) onePass.add(parseLine(Buffer.from(`${line}\n`, 'latin1')))

  it('merges the ranges into the Stats of one pass, telling progress every byte', async () => {
    for (const threads of [2, 3, 4]) {
      const {progress, result, stats} = await counted(path, threads)
      assert.deepEqual(result, {matched: 3000, records: []})
      assert.deepEqual(stats, onePass.result())
      assert.equal(progress, corpus.length)
    }
  })

  it('stops at a long line: the ranges before it merged, the bytes of the rest taken off the progress', async () => {
    // Cut at four nominal starts, the second lands in the long line (a newline follows within 1 MiB), so the
    // second range holds it whole.
    const before = Buffer.concat([corpus, corpus])
    const longLine = join(dir, 'long-line.log')
    writeFileSync(longLine, Buffer.concat([before, Buffer.from(`2024-05-01T12:00:30.000000+00:00 app[web.1]: msg="${'x'.repeat(1100 * 1024)}"\n`), corpus]))
    const {progress, result, stats} = await counted(longLine, 4)
    assert.ok(result?.resumeAt !== undefined && result.resumeAt > 0 && result.resumeAt < before.length, `resumes at ${result?.resumeAt}`)
    assert.equal(progress, result.resumeAt)
    assert.equal(stats.records, result.matched)
    assert.equal(before.subarray(0, result.resumeAt).toString('latin1').split('\n').length - 1, result.matched)
  })

  it('leaves a file under the size threshold, or one thread, to the caller', async () => {
    assert.equal((await counted(path, 4, corpus.length + 1)).result, undefined)
    assert.equal((await counted(path, 1)).result, undefined)
  })
})
