import {open, stat} from 'node:fs/promises'

import type {StatsCollector} from '../stats/collector.js'
import type {StatsJob, StatsMessage, StatsRequest} from './stats-worker.js'
import type {ThreadedScanResult} from './threaded-scan.js'

import {isGzipFile} from '../sources/file.js'
import {lineRanges} from './line-ranges.js'
import {RangeWorker} from './range-worker.js'

export interface ThreadedStats {
  /** Where the ranges' states are merged, after whatever it counted before this file. */
  collector: StatsCollector
  job: StatsJob
  /** Files smaller than this are left to one thread. */
  minBytes: number
  /** Told the bytes each worker reads, as it reads them (a progress bar). */
  progress?: (bytes: number) => void
  threads: number
}

type Range = {bytes: number; start: number; worker: RangeWorker<StatsMessage, StatsRequest>}

/**
 * Counts a plain file with `threads` workers, one byte range each, merging their collectors' states into
 * `collector` in input order: the Stats one thread would give. Undefined when the file is for one thread:
 * small, gzip, not a regular file, octet-framed, or with a long line across a cut. When a range meets a line
 * longer than the long-line limit, the ranges before it are merged and the rest is left to one thread
 * (`resumeAt`), as `logs` does.
 */
export async function statsInThreads(path: string, run: ThreadedStats): Promise<ThreadedScanResult | undefined> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile() || info.size < run.minBytes || run.threads < 2 || (await isGzipFile(path))) return undefined
  const file = await open(path, 'r')
  const boundaries = await lineRanges(file, info.size, run.threads).finally(() => file.close())
  if (boundaries === undefined) return undefined
  const ranges: Range[] = boundaries.slice(0, -1).map((start, k) => {
    const request: StatsRequest = {end: boundaries[k + 1], job: run.job, path, progress: run.progress !== undefined, start}
    return {bytes: 0, start, worker: new RangeWorker<StatsMessage, StatsRequest>('pipeline/stats-worker', request, (error) => ({kind: 'error', message: error.message}))}
  })
  try {
    // Every range is followed at once, so the progress bar moves with all of them.
    const ends = await Promise.all(ranges.map((range) => endOf(range, run.progress)))
    return mergeInOrder(ranges, ends, run)
  } finally {
    await Promise.all(ranges.map((range) => range.worker.stop()))
  }
}

/** A range's last message, its `read` ones passed on as they come. */
async function endOf(range: Range, progress: ((bytes: number) => void) | undefined): Promise<Exclude<StatsMessage, {kind: 'read'}>> {
  for (;;) {
    const message = await range.worker.next()
    if (message.kind === 'error') throw new Error(message.message)
    if (message.kind !== 'read') return message
    range.bytes += message.bytes
    progress?.(message.bytes)
  }
}

function mergeInOrder(ranges: Range[], ends: Array<Exclude<StatsMessage, {kind: 'read'}>>, run: ThreadedStats): ThreadedScanResult {
  let matched = 0
  for (const [k, end] of ends.entries()) {
    if (end.kind === 'long') {
      // This range and the ones after it are read again on one thread: the bytes they reported come off the bar.
      run.progress?.(-ranges.slice(k).reduce((sum, range) => sum + range.bytes, 0))
      return {matched, records: [], resumeAt: ranges[k].start}
    }

    if (end.kind === 'done') {
      run.collector.merge(end.state)
      matched += end.matched
    }
  }

  return {matched, records: []}
}
