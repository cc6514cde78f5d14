import {Worker} from 'node:worker_threads'

import type {QueryOptions} from '../../query/compile.js'
import {workerScript} from '../../pipeline/range-worker.js'
import type {StoredMessage} from './engine.js'

/** A prefiltered read smaller than this is made on the calling thread: posting it costs more than it saves. */
export const THREADED_READ_MIN_MESSAGES = 8192

/** One part of a read for a worker thread: offsets [from, until) of a log, in the segments that hold them. */
export interface ReadPart {
  readonly from: number
  readonly until: number
  /** The query whose byte prefilter the part's batches are tested with (compiled again in the worker). */
  readonly query: QueryOptions
  /** The part ends once it holds about this many messages (ReadOptions.maxMessages); `next` says where. */
  readonly maxMessages?: number
  /**
   * In order: each segment's file, where to start reading it, how much of it is written, its next offset,
   * and the byte ranges already checked (Segment.checked).
   */
  readonly segments: ReadonlyArray<{readonly checked: Array<[number, number]>; readonly end: number; readonly next: number; readonly path: string; readonly position: number}>
}

/** The messages of a part that may pass the prefilter, where the read goes on, and each segment's checked ranges after it. */
export interface ReadPartResult {
  messages: StoredMessage[]
  next: number
  checked: Array<Array<[number, number]>>
}

/**
 * What a worker posts back: the part's result, or `failed` when it met what the engine's own thread must
 * handle (a segment removed meanwhile, a damaged batch), or the worker died.
 */
export type ReadPartReply = {failed: string} | ReadPartResult

interface Pending {
  resolve(reply: ReadPartReply): void
}

const WORKER = workerScript('router/log/read-worker')

/**
 * Worker threads that read parts of a log for the file engine (read-worker.ts): a history query over a large
 * log reads, checks (CRC) and searches its bytes on every core. Started on first use; they do not keep the
 * process alive, and close() ends them.
 */
export class ReadThreads {
  /** Reads made in parts so far. */
  readsInParts = 0
  private readonly workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private nextWorker = 0

  constructor(readonly count: number) {}

  /** Each part read by a worker, in order; undefined when one of them failed (then the caller reads it all). */
  async readInParts(parts: readonly ReadPart[]): Promise<ReadPartResult[] | undefined> {
    const replies = await Promise.all(parts.map((part) => this.read(part)))
    if (replies.some((reply) => 'failed' in reply)) return undefined
    this.readsInParts++
    return replies as ReadPartResult[]
  }

  private read(part: ReadPart): Promise<ReadPartReply> {
    const id = this.nextId++
    const worker = this.worker(this.nextWorker++ % this.count)
    return new Promise((resolve) => {
      this.pending.set(id, {resolve})
      worker.postMessage({id, part})
    })
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0)
    await Promise.all(workers.map((worker) => worker.terminate()))
    this.failAll('the log engine closed')
  }

  private worker(index: number): Worker {
    let worker = this.workers[index]
    if (worker !== undefined) return worker
    worker = new Worker(WORKER.script, {eval: WORKER.eval})
    worker.unref()
    worker.on('message', ({id, reply}: {id: number; reply: ReadPartReply}) => {
      this.pending.get(id)?.resolve(reply)
      this.pending.delete(id)
    })
    // A worker that dies fails what it had; the next read starts another.
    worker.on('error', (error) => {
      if (this.workers[index] === worker) delete this.workers[index]
      this.failAll(error.message)
    })
    this.workers[index] = worker
    return worker
  }

  private failAll(reason: string): void {
    for (const {resolve} of this.pending.values()) resolve({failed: reason})
    this.pending.clear()
  }
}
