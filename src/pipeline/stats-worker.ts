/**
 * A worker thread of `logs:stats` on a large file: parses, filters, redacts and counts bytes [start, end) of
 * it (they start at a line start), posting how many bytes it has read as it goes and its collector's state
 * at the end, for the main thread to merge in input order.
 */
import {createReadStream} from 'node:fs'
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
  start: number
}

/** What a worker posts: `read` as it goes, then one of the others. */
export type StatsMessage =
  | {bytes: number; kind: 'read'}
  | {kind: 'done'; matched: number; state: CollectorState}
  | {kind: 'error'; message: string}
  | {kind: 'long'}

async function count(port: NonNullable<typeof parentPort>, {end, job, path, start}: StatsRequest): Promise<StatsMessage> {
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
    if (end > start) {
      for await (const chunk of createReadStream(path, {end: end - 1, highWaterMark: READ_CHUNK_BYTES, start})) {
        splitter.push(chunk as Buffer)
        port.postMessage({bytes: (chunk as Buffer).length, kind: 'read'} satisfies StatsMessage)
      }
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
