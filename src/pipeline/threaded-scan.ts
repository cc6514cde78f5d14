import {open, stat} from 'node:fs/promises'

import type {OutputSink} from '../output/sink.js'
import type {LogsJob} from './logs-job.js'
import type {ScanAck, ScanMessage, ScanRequest} from './scan-worker.js'

import {isGzipFile} from '../sources/file.js'
import {lineRanges} from './line-ranges.js'
import {RangeWorker} from './range-worker.js'

/** Below this a file is read on one thread: starting workers costs more than they save. */
export const THREADED_MIN_BYTES = 64 * 1024 * 1024

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
  const ranges = boundaries.slice(0, -1).map((start, k) => {
    const request: ScanRequest = {end: boundaries[k + 1], job: scan.job, last: scan.last, path, start}
    return {start, worker: new RangeWorker<ScanMessage, ScanRequest>('scan-worker', request, (error) => ({kind: 'error', message: error.message}))}
  })
  try {
    return await writeInOrder(ranges, scan)
  } finally {
    await Promise.all(ranges.map((range) => range.worker.stop()))
  }
}

async function writeInOrder(ranges: Array<{start: number; worker: RangeWorker<ScanMessage, ScanRequest>}>, {last, sink}: ThreadedScan): Promise<ThreadedScanResult> {
  const result: ThreadedScanResult = {matched: 0, records: []}
  for (const range of ranges) {
    for (let message = await range.worker.next(); ; message = await range.worker.next()) {
      if (message.kind === 'chunk') {
        sink.raw(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength))
        await sink.flush()
        range.worker.post({bytes: message.bytes.byteLength} satisfies ScanAck)
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
