/**
 * A worker thread of `logs:stats` on a large file: parses, filters, redacts and counts bytes [start, end) of
 * it (they start at a line start), posting how many bytes it has read as it goes and its collector's state
 * at the end, for the main thread to merge in input order.
 */
import {closeSync, openSync, readSync} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'

import type {QueryOptions} from '../query/compile.js'

import {compileQuery} from '../query/compile.js'
import {compileLinePrefilter} from '../query/prefilter.js'
import {redactRecord} from '../redact/record.js'
import {createRedactor, type RedactOptions} from '../redact/redactor.js'
import {READ_CHUNK_BYTES} from '../sources/file.js'
import {type CollectorState, StatsCollector, type StatsOptions} from '../stats/collector.js'
import {LongLineMet, rangeLines} from './range-lines.js'

/** Everything `logs:stats` needs to count records, as plain data; the flags were checked by the command. */
export interface StatsJob {
  maxLineBytes: number
  /** Its `now` fixed by the main thread, so relative --since and --until mean the same instant everywhere. */
  query: QueryOptions
  /** Undefined when redaction is off (the patterns were checked by the command). */
  redact?: RedactOptions
  stats: StatsOptions
}

/** What the main thread sends a worker. */
export interface StatsRequest {
  end: number
  job: StatsJob
  path: string
  /** Whether to post `read` messages: only a progress bar uses them, and each post wakes the main thread. */
  progress: boolean
  start: number
}

/** Bytes read between two `read` messages: a bar redrawn every 100 ms needs no finer steps. */
const PROGRESS_STEP_BYTES = 4 * 1024 * 1024

/** What a worker posts: `read` as it goes, then one of the others. */
export type StatsMessage =
  | {bytes: number; kind: 'read'}
  | {kind: 'done'; matched: number; state: CollectorState}
  | {kind: 'error'; message: string}
  | {kind: 'long'}

async function count(port: NonNullable<typeof parentPort>, {end, job, path, progress, start}: StatsRequest): Promise<StatsMessage> {
  const predicate = compileQuery(job.query)
  const redactor = job.redact && createRedactor(job.redact)
  const collector = new StatsCollector(job.stats)
  let matched = 0
  const splitter = rangeLines(predicate, compileLinePrefilter(job.query), job.maxLineBytes, (record) => {
    matched++
    // Redacted before counting, as on the main thread.
    collector.add(redactor ? redactRecord(redactor, record) : record)
  })
  try {
    // One buffer for every read, waited for (the thread has nothing else to do): the splitter copies what it
    // keeps and the collector keeps no record's bytes. A new buffer per read, as a stream gives, cost ~5% of
    // the run in fresh memory.
    const chunk = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES)
    const fd = openSync(path, 'r')
    let unreported = 0
    try {
      for (let position = start; position < end;) {
        const bytesRead = readSync(fd, chunk, 0, Math.min(chunk.length, end - position), position)
        if (bytesRead === 0) break
        splitter.push(chunk.subarray(0, bytesRead))
        position += bytesRead
        unreported += bytesRead
        if (progress && unreported >= PROGRESS_STEP_BYTES) {
          port.postMessage({bytes: unreported, kind: 'read'} satisfies StatsMessage)
          unreported = 0
        }
      }

      if (progress && unreported > 0) port.postMessage({bytes: unreported, kind: 'read'} satisfies StatsMessage)
    } finally {
      closeSync(fd)
    }

    splitter.end()
  } catch (error) {
    if (error instanceof LongLineMet) return {kind: 'long'}
    throw error
  }

  return {kind: 'done', matched, state: collector.state()}
}

if (parentPort) {
  const port = parentPort
  count(port, workerData as StatsRequest).then(
    (message) => port.postMessage(message),
    (error: Error) => port.postMessage({kind: 'error', message: error.message} satisfies StatsMessage),
  )
}
