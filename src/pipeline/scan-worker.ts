/**
 * A worker thread of `logs` on a large file: parses, filters and formats bytes [start, end) of it (they start
 * at a line start) and posts the output to the main thread in order, holding at most UNSENT_LIMIT bytes the
 * main thread has not taken; with `last`, only its last N records, each formatted on its own.
 */
import {EventEmitter} from 'node:events'
import {createReadStream} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'

import type {LogRecord} from '../parse/record.js'
import type {LogsJob} from './logs-job.js'

import {OutputSink} from '../output/sink.js'
import {parseLine} from '../parse/line.js'
import {UnitSplitter} from '../parse/split.js'
import {READ_CHUNK_BYTES} from '../sources/file.js'
import {LastRecords} from './last-records.js'
import {logsJobParts} from './logs-job.js'
import {LONG_LINE_BYTES} from './long-line.js'

/** What the main thread sends a worker. */
export interface ScanRequest {
  end: number
  job: LogsJob
  last?: number
  path: string
  start: number
}

/** What a worker posts, in order: chunks of output, then one of the others. */
export type ScanMessage =
  | {bytes: Uint8Array; kind: 'chunk'}
  | {kind: 'done'; matched: number; records?: Uint8Array[]}
  | {kind: 'error'; message: string}
  | {kind: 'long'}

/** The main thread took `bytes` of this worker's output. */
export interface ScanAck {
  bytes: number
}

/** Output posted but not yet taken: past this the sink waits, so a worker ahead of the writer stops reading. */
const UNSENT_LIMIT = 4 * 1024 * 1024

/** A line this long (or cut by --max-line-size) is read on one thread: its streaming reader is not split. */
class LongLineMet extends Error {}

/** The worker's end of the output: a writable stream, as far as OutputSink needs one. */
class PostedOutput extends EventEmitter {
  /** Set while formatting held records: output is kept here, not posted. */
  kept: Buffer[] | undefined
  private unsent = 0

  constructor(private readonly port: NonNullable<typeof parentPort>) {
    super()
    port.on('message', ({bytes}: ScanAck) => {
      const wasFull = this.unsent >= UNSENT_LIMIT
      this.unsent -= bytes
      if (wasFull && this.unsent < UNSENT_LIMIT) this.emit('drain')
    })
  }

  write(data: Buffer | string): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    if (this.kept) {
      this.kept.push(Buffer.from(bytes))
      return true
    }

    this.unsent += bytes.length
    // Text converted here owns its memory (unless pooled): moved to the main thread rather than copied. Bytes
    // given as they are may share a read chunk that is still in use, so they are copied.
    const owned = typeof data === 'string' && bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
    this.port.postMessage({bytes, kind: 'chunk'} satisfies ScanMessage, owned ? [bytes.buffer as ArrayBuffer] : [])
    return this.unsent < UNSENT_LIMIT
  }

  /** What was kept since the last take, as one buffer. */
  take(): Buffer {
    const bytes = Buffer.concat(this.kept ?? [])
    this.kept = []
    return bytes
  }
}

async function scan(port: NonNullable<typeof parentPort>, {end, job, last, path, start}: ScanRequest): Promise<ScanMessage> {
  const output = new PostedOutput(port)
  const sink = new OutputSink(output as unknown as NodeJS.WritableStream)
  const {predicate, prefilter, write} = logsJobParts(job, sink)
  const held = last === undefined ? undefined : new LastRecords<LogRecord>(last)
  let matched = 0
  const lineMet = () => {
    throw new LongLineMet()
  }

  const splitter = new UnitSplitter((raw) => {
    const record = parseLine(raw)
    if (!predicate(record)) return
    matched++
    if (held) held.push(record)
    else write(record)
  }, prefilter, {framing: 'lines', longLines: {above: LONG_LINE_BYTES, bytes() {}, end() {}, start: lineMet}, maxLine: job.maxLineBytes, onCut: lineMet})
  try {
    if (end > start) {
      for await (const chunk of createReadStream(path, {end: end - 1, highWaterMark: READ_CHUNK_BYTES, start})) {
        splitter.push(chunk as Buffer)
        await sink.flush()
      }
    }

    splitter.end()
  } catch (error) {
    if (error instanceof LongLineMet) return {kind: 'long'}
    throw error
  }

  await sink.flush()
  if (held === undefined) return {kind: 'done', matched}
  output.kept = []
  const records: Buffer[] = []
  for (const record of held.take()) {
    write(record)
    await sink.flush()
    records.push(output.take())
  }

  return {kind: 'done', matched, records}
}

if (parentPort) {
  const port = parentPort
  scan(port, workerData as ScanRequest).then(
    (message) => port.postMessage(message),
    (error: Error) => port.postMessage({kind: 'error', message: error.message} satisfies ScanMessage),
  )
}
