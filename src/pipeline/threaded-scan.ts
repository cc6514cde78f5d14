import {open, stat} from 'node:fs/promises'
import {Worker} from 'node:worker_threads'

import type {OutputSink} from '../output/sink.js'
import type {LogsJob} from './logs-job.js'
import type {ScanAck, ScanMessage, ScanRequest} from './scan-worker.js'

import {isGzipFile} from '../sources/file.js'
import {lineRanges} from './line-ranges.js'

/** Below this a file is read on one thread: starting workers costs more than they save. */
export const THREADED_MIN_BYTES = 64 * 1024 * 1024

/** Running from source (tests with tsx), the worker is TypeScript too: a worker's own module loads before --import hooks, so tsx is registered first. */
const WORKER = import.meta.url.endsWith('.ts')
  ? {eval: true, script: `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(new URL('scan-worker.ts', import.meta.url).href)}) })`}
  : {eval: false, script: new URL('scan-worker.js', import.meta.url)}

export interface ThreadedScan {
  job: LogsJob
  /** With `-n`: each range's last N records come back formatted, one buffer each, rather than being written. */
  last?: number
  /** Files smaller than this are left to one thread. */
  minBytes: number
  sink: OutputSink
  threads: number
}

export interface ThreadedScanResult {
  matched: number
  /** With `last`: the file's last matching records, formatted, oldest first. */
  records: Buffer[]
  /**
   * A range met a line longer than the long-line limit (its streaming reader works on one thread): the output
   * of every range before it was written, and the file is to be read on one thread from this offset on.
   */
  resumeAt?: number
}

/**
 * Reads a plain file with `threads` workers, one byte range each, writing their output to the sink in input
 * order: range k's chunks as they come, later ranges' held by their workers (each stops when UNSENT_LIMIT
 * of its output waits). Undefined when the file is for one thread: small, gzip, not a regular file,
 * octet-framed, or with a long line across a cut.
 */
export async function scanInThreads(path: string, scan: ThreadedScan): Promise<ThreadedScanResult | undefined> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile() || info.size < scan.minBytes || scan.threads < 2 || (await isGzipFile(path))) return undefined
  const file = await open(path, 'r')
  const boundaries = await lineRanges(file, info.size, scan.threads).finally(() => file.close())
  if (boundaries === undefined) return undefined
  const ranges = boundaries.slice(0, -1).map((start, k) => new RangeScan({end: boundaries[k + 1], job: scan.job, last: scan.last, path, start}))
  try {
    return await writeInOrder(ranges, scan)
  } finally {
    await Promise.all(ranges.map((range) => range.stop()))
  }
}

async function writeInOrder(ranges: RangeScan[], {last, sink}: ThreadedScan): Promise<ThreadedScanResult> {
  const result: ThreadedScanResult = {matched: 0, records: []}
  for (const range of ranges) {
    for (let message = await range.next(); ; message = await range.next()) {
      if (message.kind === 'chunk') {
        sink.raw(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength))
        await sink.flush()
        range.taken(message.bytes.byteLength)
        if (sink.closed) return result
        continue
      }

      if (message.kind === 'error') throw new Error(message.message)
      if (message.kind === 'long') return {...result, resumeAt: range.start}
      result.matched += message.matched
      if (last !== undefined) result.records = lastOf([...result.records, ...(message.records ?? []).map((bytes) => Buffer.from(bytes))], last)
      break
    }
  }

  return result
}

function lastOf<T>(items: T[], count: number): T[] {
  return count === 0 ? [] : items.slice(-count)
}

/** One worker and the messages it has posted that the writer has not taken yet. */
class RangeScan {
  readonly start: number
  private readonly worker: Worker
  private readonly queue: ScanMessage[] = []
  private waiting: ((message: ScanMessage) => void) | undefined

  constructor(request: ScanRequest) {
    this.start = request.start
    this.worker = new Worker(WORKER.script, {eval: WORKER.eval, workerData: request})
    this.worker.on('message', (message: ScanMessage) => this.arrived(message))
    this.worker.on('error', (error) => this.arrived({kind: 'error', message: error.message}))
  }

  next(): Promise<ScanMessage> {
    const message = this.queue.shift()
    if (message !== undefined) return Promise.resolve(message)
    return new Promise((resolve) => {
      this.waiting = resolve
    })
  }

  taken(bytes: number): void {
    this.worker.postMessage({bytes} satisfies ScanAck)
  }

  async stop(): Promise<void> {
    await this.worker.terminate()
  }

  private arrived(message: ScanMessage): void {
    const {waiting} = this
    this.waiting = undefined
    if (waiting) waiting(message)
    else this.queue.push(message)
  }
}
