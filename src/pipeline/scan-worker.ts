/**
 * A worker thread of `logs` on a large file: parses, filters and formats the blocks of it the main thread
 * sends (byte ranges cut at line starts), one after another, and posts each block's output whole, in buffers
 * it moves to the main thread rather than copies; with `last`, only the block's last N records, each
 * formatted on its own.
 */
import {EventEmitter} from 'node:events'
import {readSync} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'

import type {LogRecord} from '../parse/record.js'
import type {LogsJob} from './logs-job.js'

import {OutputSink} from '../output/sink.js'
import type {UnitSplitter} from '../parse/split.js'
import {LastRecords} from './last-records.js'
import {logsJobParts} from './logs-job.js'
import {LongLineMet, rangeLines} from './range-lines.js'

/** What a worker is started with: the job and the file; its blocks come as messages (ScanBlock). */
export interface ScanRequest {
  /** The file, opened by the main thread (descriptors are the process's), which closes it after the workers stop. */
  fd: number
  job: LogsJob
  last?: number
}

/** Bytes [start, end) of the file: they start at a line start and end after an LF or at the file's end. */
export interface ScanBlock {
  end: number
  index: number
  start: number
}

/** A block's last N records, formatted: record k is bytes [ends[k - 1] ?? 0, ends[k]) of `bytes`. */
export interface FormattedRecords {
  bytes: Uint8Array
  ends: number[]
}

/** Output buffers the main thread has copied, given back to be filled again. */
export interface ScanReturn {
  returned: ArrayBuffer[]
}

/** What a worker posts for each block, in the order the blocks came; or why it stopped. */
export type ScanMessage =
  | {index: number; kind: 'block'; matched: number; output: Uint8Array[]; records?: FormattedRecords}
  | {index: number; kind: 'long'}
  | {kind: 'error'; message: string}

/**
 * Output is gathered in buffers of this size: each is moved to the main thread whole, and given back once
 * copied there, so a run allocates a few of them rather than one per 256 KiB of output.
 */
const BATCH_BYTES = 256 * 1024
/** The file is read in pieces of this size. */
const READ_BYTES = 256 * 1024

/** The worker's end of the output: a writable stream, as far as OutputSink needs one, gathering a block's bytes. */
class BlockOutput extends EventEmitter {
  /** Bytes written since the worker started: where each formatted record ends. */
  written = 0
  private batch: Buffer = Buffer.allocUnsafeSlow(0)
  private used = 0
  private full: Uint8Array[] = []
  /** Buffers given back by the main thread. */
  private readonly spare: Buffer[] = []

  giveBack(buffers: ArrayBuffer[]): void {
    for (const buffer of buffers) if (buffer.byteLength === BATCH_BYTES) this.spare.push(Buffer.from(buffer))
  }

  write(data: Buffer | string): boolean {
    const room = this.batch.length - this.used
    // A character is at most 3 UTF-8 bytes (a surrogate pair 4 for 2), so most text needs no measuring.
    const length = typeof data !== 'string' ? data.length : data.length * 3 <= room ? 0 : Buffer.byteLength(data)
    if (length > room) this.startBatch(length)
    let bytes = data.length
    if (typeof data === 'string') bytes = this.batch.write(data, this.used)
    else this.batch.set(data, this.used)
    this.used += bytes
    this.written += bytes
    return true
  }

  /** What was written since the last take, in buffers no one else holds (so they can be moved). */
  take(): Uint8Array[] {
    const taken = this.full
    if (this.used > 0) taken.push(this.batch.subarray(0, this.used))
    this.full = []
    this.batch = Buffer.allocUnsafeSlow(0)
    this.used = 0
    return taken
  }

  private startBatch(atLeast: number): void {
    if (this.used > 0) this.full.push(this.batch.subarray(0, this.used))
    this.batch = (atLeast <= BATCH_BYTES ? this.spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, atLeast))
    this.used = 0
  }
}

/** Scans the blocks of one file with one job: the query and writers are built once. */
class BlockScanner {
  readonly output = new BlockOutput()
  private readonly sink = new OutputSink(this.output as unknown as NodeJS.WritableStream)
  private readonly parts: ReturnType<typeof logsJobParts>
  /** Writes a record into the block's output. */
  private readonly write: (record: LogRecord) => void
  private readonly chunk = Buffer.allocUnsafeSlow(READ_BYTES)

  constructor(private readonly request: ScanRequest) {
    this.parts = logsJobParts(request.job, this.sink)
    // Raw lines go straight into the output's buffers, not through the sink's batches first.
    this.write = this.parts.rawOutput ? (record) => this.output.write(record.raw) : this.parts.write
  }

  async scan(block: ScanBlock): Promise<ScanMessage> {
    const {last} = this.request
    const {predicate, prefilter} = this.parts
    const {write} = this
    const held = last === undefined ? undefined : new LastRecords<LogRecord>(last)
    let matched = 0
    const splitter = rangeLines(predicate, prefilter, this.request.job.maxLineBytes, (record) => {
      matched++
      if (held) held.push(record)
      else write(record)
    })
    try {
      this.read(block, splitter)
    } catch (error) {
      if (!(error instanceof LongLineMet)) throw error
      await this.sink.flush()
      this.output.take()
      return {index: block.index, kind: 'long'}
    }

    await this.sink.flush()
    if (held === undefined) return {index: block.index, kind: 'block', matched, output: this.output.take()}
    return {index: block.index, kind: 'block', matched, output: [], records: await this.formatted(held.take())}
  }

  /**
   * Reads the block, waiting for each read: the thread has nothing else to do meanwhile, and a read from the
   * page cache costs half as much CPU done here as handed to libuv's pool.
   */
  private read({end, start}: ScanBlock, splitter: UnitSplitter): void {
    for (let position = start; position < end;) {
      // One buffer for every read: the splitter copies what it keeps, records held for `last` are detached,
      // and the writers copy or format each record before push returns.
      const bytesRead = readSync(this.request.fd, this.chunk, 0, Math.min(this.chunk.length, end - position), position)
      if (bytesRead === 0) break
      splitter.push(this.chunk.subarray(0, bytesRead))
      position += bytesRead
    }

    splitter.end()
  }

  /** Each record formatted on its own, all in one buffer. */
  private async formatted(records: LogRecord[]): Promise<FormattedRecords> {
    const first = this.output.written
    const ends: number[] = []
    for (const record of records) {
      this.write(record)
      await this.sink.flush()
      ends.push(this.output.written - first)
    }

    return {bytes: joined(this.output.take()), ends}
  }
}

/** Views joined into one buffer of its own (Buffer.concat may take a small one from the shared pool, which must not move). */
function joined(views: Uint8Array[]): Buffer {
  const bytes = Buffer.allocUnsafeSlow(views.reduce((total, view) => total + view.byteLength, 0))
  let offset = 0
  for (const view of views) {
    bytes.set(view, offset)
    offset += view.byteLength
  }

  return bytes
}

/** The buffers a message moves to the main thread rather than copies. */
function moved(message: ScanMessage): ArrayBuffer[] {
  if (message.kind !== 'block') return []
  const views = message.records ? [message.records.bytes] : message.output
  return views.filter((view) => view.byteLength > 0).map((view) => view.buffer as ArrayBuffer)
}

if (parentPort) {
  const port = parentPort
  const request = workerData as ScanRequest
  let scanner: BlockScanner | undefined
  // Blocks are scanned one at a time, in the order they came.
  let previous: Promise<unknown> = Promise.resolve()
  port.on('message', (message: ScanBlock | ScanReturn) => {
    if ('returned' in message) {
      scanner?.output.giveBack(message.returned)
      return
    }

    previous = previous
      .then(() => {
        scanner ??= new BlockScanner(request)
        return scanner.scan(message)
      })
      .then(
        (reply) => port.postMessage(reply, moved(reply)),
        (error: Error) => port.postMessage({kind: 'error', message: error.message} satisfies ScanMessage),
      )
  })
}
