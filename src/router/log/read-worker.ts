/**
 * A worker thread of the file engine (ReadThreads): reads one part of a log — its segments' batches from an
 * offset up to another, each checked — and posts back the messages whose bytes may pass the query's prefilter.
 */
import {close, open} from 'node:fs'
import {promisify} from 'node:util'
import {parentPort} from 'node:worker_threads'

import type {ReadPart, ReadPartReply} from './read-threads.js'

import {compileLinePrefilter} from '../../query/prefilter.js'
import {CheckedRanges} from './checked-ranges.js'
import {ReadProgress} from './read-progress.js'
import {forEachBatchAt, READ_CHUNK_BYTES} from './segment.js'

const openFile = promisify(open)
const closeFile = promisify(close)
/** As a segment's read descriptor (segment.ts): a file read part after part is opened once, closed once idle. */
const IDLE_MS = 2000

/** Open segment files by path, and when each was last used. */
const files = new Map<string, {fd: number; users: number; timer?: NodeJS.Timeout}>()
/** Read buffers not in use: parts are read concurrently, each with one. */
const scratch: Buffer[] = []

async function readPart({from, maxMessages, query, segments, until}: ReadPart): Promise<ReadPartReply> {
  const progress = new ReadProgress(from, Number.POSITIVE_INFINITY, until, compileLinePrefilter(query), maxMessages)
  const buffer = scratch.pop() ?? Buffer.allocUnsafe(READ_CHUNK_BYTES)
  const checked = segments.map((segment) => new CheckedRanges(segment.checked))
  try {
    for (const [k, segment] of segments.entries()) {
      let file
      try {
        file = await opened(segment.path)
      } catch (error) {
        return {failed: `cannot open ${segment.path}: ${(error as Error).message}`}
      }

      try {
        const outcome = await forEachBatchAt(file.fd, segment.position, segment.end, (bytes, at, header) => progress.take(bytes, at, header), buffer, checked[k])
        if (outcome !== 'done') return {failed: `a damaged batch at ${outcome.corruptAt} in ${segment.path}`}
      } finally {
        release(segment.path, file)
      }

      if (!progress.open) break
      // As FileAppLog.readFrom: past a segment read whole, the next one's offsets.
      progress.offset = Math.max(progress.offset, Math.min(segment.next, until))
    }
  } finally {
    scratch.push(buffer)
  }

  return {checked: checked.map((ranges) => ranges.ranges()), messages: progress.messages, next: progress.open ? Math.max(progress.offset, until) : progress.offset}
}

async function opened(path: string): Promise<{fd: number; users: number; timer?: NodeJS.Timeout}> {
  let file = files.get(path)
  if (file === undefined) {
    const fd = await openFile(path, 'r')
    file = files.get(path)
    if (file === undefined) files.set(path, (file = {fd, users: 0}))
    else await closeFile(fd)
  }

  file.users++
  clearTimeout(file.timer)
  return file
}

function release(path: string, file: {fd: number; users: number; timer?: NodeJS.Timeout}): void {
  if (--file.users > 0) return
  file.timer = setTimeout(() => {
    if (file.users > 0) return
    files.delete(path)
    close(file.fd, () => {})
  }, IDLE_MS).unref()
}

if (parentPort) {
  const port = parentPort
  port.on('message', ({id, part}: {id: number; part: ReadPart}) => {
    readPart(part).then(
      (reply) => port.postMessage({id, reply}),
      (error: Error) => port.postMessage({id, reply: {failed: error.message} satisfies ReadPartReply}),
    )
  })
}
