import {type FileHandle, open, stat} from 'node:fs/promises'
import {availableParallelism} from 'node:os'

import {FLUSH_BYTES, type OutputSink} from '../output/sink.js'
import type {LogsJob} from './logs-job.js'
import type {ScanBlock, ScanMessage, ScanRequest, ScanReturn} from './scan-worker.js'

import {isGzipFile} from '../sources/file.js'
import {isOctetFramed, LineStarts} from './line-ranges.js'
import {RangeWorker} from './range-worker.js'

/** Below this a file is read on one thread: starting workers costs more than they save. */
export const THREADED_MIN_BYTES = 64 * 1024 * 1024

/**
 * The largest block a worker is given: its output is held whole until written, and each worker can be two
 * blocks ahead of the writer. Larger blocks measured no faster.
 */
const BLOCK_BYTES = 1024 * 1024
/** Each worker gets at least this many blocks of a smaller file, so the work evens out. */
const BLOCKS_PER_THREAD = 4
/** Blocks given to a worker at once: the next waits while it scans one, so it never idles for a message. */
const QUEUED_PER_WORKER = 3
/** Blocks given out but not yet written, per worker: bounds the output held while an earlier block is scanned. */
const UNWRITTEN_PER_WORKER = 2
/**
 * The same while blocks give little output (a narrow filter): a worker slow on one block then holds the
 * others back less (with 2, workers waited for blocks ~20% of a `--where` run), and the output held stays small.
 */
const UNWRITTEN_PER_WORKER_SPARSE = 6
/** Output per written block, on average, at most which blocks count as giving little. */
const SPARSE_OUTPUT_BYTES = 256 * 1024
/**
 * Each worker's young generation, in MB. V8 would size it for a heap of GBs; bounded, it keeps a worker to
 * ~25 MB resident. Smaller measured dearer: at 6 MB, pretty output took 28% more CPU than one thread (the
 * line being batched survives each of many more scavenges), at 16 MB 14%.
 */
const WORKER_YOUNG_GENERATION_MB = 16

/**
 * The most threads `logs` takes for a file unless told: with two workers a run of pretty output on 410 MB
 * peaked at 139 MB, within the 150 MB `logs` promises for any input; each further worker adds ~25 MB.
 */
export const MAX_DEFAULT_THREADS = 2

/** The main thread's staged output: written when full, or at a block's end once FLUSH_BYTES are there. */
const STAGED_BYTES = 1024 * 1024
/** Staged output held this long is written however small, so sparse matches reach a reader (`| head -1`) soon. */
const STAGED_MAX_MS = 100

/** The threads a large file is read with when not told: the cores available, at most MAX_DEFAULT_THREADS. */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_DEFAULT_THREADS))
}

export interface ThreadedScan {
  job: LogsJob
  /** With `-n`: each block's last N records come back formatted, rather than being written. */
  last?: number
  /** Files smaller than this are left to one thread. */
  minBytes: number
  /**
   * Where output goes. Its stream must be done with written bytes once a flush resolves, as process.stdout
   * is (the stream says so with its 'drain' event): the main thread fills its buffer again then.
   */
  sink: OutputSink
  threads: number
}

export interface ThreadedScanResult {
  matched: number
  /** With `last`: the file's last matching records, formatted, oldest first. */
  records: Buffer[]
  /**
   * A block met a line longer than the long-line limit (its streaming reader works on one thread): the output
   * of every block before it was written, and the file is to be read on one thread from this offset on.
   */
  resumeAt?: number
}

/**
 * Reads a plain file with `threads` workers, writing their output to the sink in input order. The file is cut
 * into blocks at line starts as the workers need them; each worker scans the blocks it is given and posts
 * each one's output whole, and block k is written once the blocks before it are. Undefined when the file is
 * for one thread: small, gzip, not a regular file or octet-framed.
 */
export async function scanInThreads(path: string, scan: ThreadedScan): Promise<ThreadedScanResult | undefined> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile() || info.size < scan.minBytes || scan.threads < 2 || (await isGzipFile(path))) return undefined
  const file = await open(path, 'r')
  try {
    if (await isOctetFramed(file, info.size)) return undefined
    const run = new BlockRun(file, info.size, scan)
    try {
      return await run.writeInOrder()
    } finally {
      await run.stop()
    }
  } finally {
    await file.close()
  }
}

/** A block given to a worker: where it starts, and what the worker will post for it. */
interface GivenBlock {
  result: Promise<ScanMessage>
  start: number
  worker: BlockWorker
}

/** One scanning worker, and the blocks it was given that it has not posted yet. */
class BlockWorker {
  private readonly replies: Array<(message: ScanMessage) => void> = []
  /** A crash while it had no block: every later block gets it as its reply. */
  private crash: ScanMessage | undefined

  constructor(private readonly worker: RangeWorker<ScanMessage, ScanRequest>) {
    void this.receive()
  }

  get queued(): number {
    return this.replies.length
  }

  scan(block: ScanBlock): Promise<ScanMessage> {
    if (this.crash) return Promise.resolve(this.crash)
    this.worker.post(block)
    return new Promise((resolve) => this.replies.push(resolve))
  }

  /** Gives back output buffers that were written, to be filled again. */
  giveBack(buffers: ArrayBuffer[]): void {
    if (buffers.length > 0) this.worker.post({returned: buffers} satisfies ScanReturn, buffers)
  }

  stop(): Promise<void> {
    return this.worker.stop()
  }

  /** Replies come in the order the blocks were given. */
  private async receive(): Promise<void> {
    for (;;) {
      const message = await this.worker.next()
      const reply = this.replies.shift()
      if (reply) reply(message)
      else if (message.kind === 'error') this.crash = message
    }
  }
}

class BlockRun {
  private readonly workers: BlockWorker[]
  private readonly given = new Map<number, GivenBlock>()
  private readonly blockBytes: number
  private nextIndex = 0
  private nextStart = 0
  /** Set when no block is left to give: a long line across a cut leaves the rest, from here, to one thread. */
  private cutsEnded: {resumeAt?: number} | undefined
  private written = 0
  /** Output bytes of the blocks written (with `-n`, of the records they gave). */
  private writtenBytes = 0
  /** Blocks are cut and given one call at a time, in order. */
  private giving: Promise<void> = Promise.resolve()
  private readonly lineStarts: LineStarts

  constructor(file: FileHandle, private readonly size: number, private readonly scan: ThreadedScan) {
    this.lineStarts = new LineStarts(file, size)
    const request: ScanRequest = {fd: file.fd, job: scan.job, last: scan.last}
    this.workers = Array.from({length: scan.threads}, () => new BlockWorker(new RangeWorker<ScanMessage, ScanRequest>('pipeline/scan-worker', request, (error) => ({kind: 'error', message: error.message}), {resourceLimits: {maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB}})))
    this.blockBytes = Math.max(1, Math.min(BLOCK_BYTES, Math.ceil(size / (scan.threads * BLOCKS_PER_THREAD))))
  }

  async writeInOrder(): Promise<ThreadedScanResult> {
    const {last, sink} = this.scan
    const staged = new StagedOutput(sink)
    let matched = 0
    let records: Buffer[] = []
    const ended = async (resumeAt: number | undefined): Promise<ThreadedScanResult> => {
      await staged.flush(true)
      return {matched, records: lastOf(records, last), resumeAt}
    }

    for (;;) {
      await this.give()
      const block = this.given.get(this.written)
      if (block === undefined) return ended(this.cutsEnded?.resumeAt)
      const message = await block.result
      this.given.delete(this.written)
      if (message.kind === 'error') throw new Error(message.message)
      if (message.kind === 'long') return ended(block.start)
      matched += message.matched
      for (const bytes of message.output) {
        this.writtenBytes += bytes.byteLength
        await staged.write(bytes)
      }

      // Copied: the worker can fill them again.
      block.worker.giveBack(message.output.map((bytes) => bytes.buffer as ArrayBuffer))
      if (last !== undefined && message.records) {
        this.writtenBytes += message.records.bytes.byteLength
        records.push(...recordsOf(message.records))
        if (records.length > 2 * last) records = lastOf(records, last)
      }

      await staged.flush()
      if (sink.closed) return {matched, records: []}
      this.written++
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()))
  }

  /** Gives blocks to the workers with room, as far as the window of unwritten blocks allows. */
  private give(): Promise<void> {
    this.giving = this.giving.then(() => this.giveWhileRoom())
    return this.giving
  }

  private async giveWhileRoom(): Promise<void> {
    const sparse = this.written > 0 && this.writtenBytes / this.written <= SPARSE_OUTPUT_BYTES
    const window = this.workers.length * (sparse ? UNWRITTEN_PER_WORKER_SPARSE : UNWRITTEN_PER_WORKER)
    while (this.cutsEnded === undefined && this.nextIndex < this.written + window) {
      const worker = this.leastBusy()
      if (worker === undefined) return
      const block = await this.cut()
      if (block === undefined) return
      const result = worker.scan(block)
      this.given.set(block.index, {result, start: block.start, worker})
      // A worker that posts a block has room for another.
      result.then(() => this.give()).catch(() => {})
    }
  }

  private leastBusy(): BlockWorker | undefined {
    let least: BlockWorker | undefined
    for (const worker of this.workers) if (worker.queued < QUEUED_PER_WORKER && (least === undefined || worker.queued < least.queued)) least = worker
    return least
  }

  /** The next block, cut at the line start after its nominal end; undefined when none is left. */
  private async cut(): Promise<ScanBlock | undefined> {
    const start = this.nextStart
    if (start >= this.size) {
      this.cutsEnded = {}
      return undefined
    }

    const end = await this.lineStarts.after(start + this.blockBytes)
    if (end === undefined) {
      this.cutsEnded = {resumeAt: start}
      return undefined
    }

    this.nextStart = end
    return {end, index: this.nextIndex++, start}
  }
}

/**
 * The main thread's output on its way to the sink, copied into one buffer that is used again and again:
 * output is written in pieces of at least FLUSH_BYTES, which the sink passes to its stream as they are
 * (smaller ones it copies into a buffer of its own, a new one each time). The main thread allocates
 * almost nothing else, so it would collect discarded buffers only after tens of MB of them.
 */
class StagedOutput {
  private readonly buffer = Buffer.allocUnsafeSlow(STAGED_BYTES)
  private used = 0
  /** When the oldest byte staged was. */
  private stagedAt = 0

  constructor(private readonly sink: OutputSink) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.used === 0) this.stagedAt = performance.now()
    for (let offset = 0; offset < bytes.byteLength;) {
      const count = Math.min(this.buffer.length - this.used, bytes.byteLength - offset)
      this.buffer.set(bytes.subarray(offset, offset + count), this.used)
      this.used += count
      offset += count
      if (this.used === this.buffer.length) await this.flush()
    }
  }

  /**
   * Writes what is staged once there is FLUSH_BYTES of it, or it waited STAGED_MAX_MS (or anything, with
   * `all`), and waits until the stream has taken it: the buffer is then free to fill again.
   */
  async flush(all = false): Promise<void> {
    if (this.used === 0) return
    if (!all && this.used < FLUSH_BYTES && performance.now() - this.stagedAt < STAGED_MAX_MS) return
    this.sink.raw(this.buffer.subarray(0, this.used))
    this.used = 0
    await this.sink.flush()
  }
}

function recordsOf({bytes, ends}: {bytes: Uint8Array; ends: number[]}): Buffer[] {
  return ends.map((end, k) => Buffer.from(bytes.buffer, bytes.byteOffset + (ends[k - 1] ?? 0), end - (ends[k - 1] ?? 0)))
}

function lastOf<T>(items: T[], count: number | undefined): T[] {
  if (count === undefined) return []
  return count === 0 ? [] : items.slice(-count)
}
