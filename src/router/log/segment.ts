import {closeSync, ftruncateSync, openSync, writeSync} from 'node:fs'
import {type FileHandle, open, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {BATCH_HEADER_BYTES, type BatchHeader, batchHeader, checkedBatch} from './batch.js'

/** An entry of a segment's sparse time index: a batch boundary, and the latest receive time before it. */
export interface IndexEntry {
  readonly offset: number
  readonly position: number
  readonly maxTimeBefore: number
}

const INDEX_ENTRY_BYTES = 16
const READ_CHUNK_BYTES = 256 * 1024
const OFFSET_DIGITS = 20

/** `00000000000000000001.log`: a segment is named by the first offset it may hold, so names sort as offsets. */
export function segmentName(base: number): string {
  return String(base).padStart(OFFSET_DIGITS, '0') + '.log'
}

/** The base offset a segment file name stands for; undefined for any other file. */
export function segmentBase(name: string): number | undefined {
  const match = /^(\d{20})\.log$/.exec(name)
  return match === null ? undefined : Number(match[1])
}

/**
 * One segment file of an app's log and its time index (`.tix` beside it). What the engine knows of it is kept
 * here, in memory: its valid size, the offsets it holds and its latest receive time, so that a read or a
 * retention decision never has to look at the file to find where to go.
 */
export class Segment {
  /** The offset after its last message; `base` while it is empty. */
  next: number
  /** Bytes of whole, checked batches: what the file holds, after recovery or a write that failed. */
  size = 0
  /** The latest receive time it holds; 0 while empty. */
  maxTime = 0
  /** The receive time of its first message, once known. */
  firstTime: number | undefined
  readonly index: IndexEntry[] = []
  /** The write descriptor, while it is the active segment or a sealed one waiting for its last fsync. */
  fd: number | undefined
  sealed = false
  private bytesSinceIndex = 0

  constructor(readonly directory: string, readonly base: number) {
    this.next = base
  }

  get path(): string {
    return join(this.directory, segmentName(this.base))
  }

  get indexPath(): string {
    return this.path.slice(0, -'.log'.length) + '.tix'
  }

  get messages(): number {
    return this.next - this.base
  }

  /** Opens the existing file for writing, after its recovery. */
  open(): void {
    this.fd = openSync(this.path, 'r+')
  }

  /** Creates the file, empty, and opens it for writing. */
  create(): void {
    this.fd = openSync(this.path, 'w+', 0o600)
    closeSync(openSync(this.indexPath, 'w', 0o600))
  }

  /**
   * Writes one encoded batch after the last one, all of it or nothing: a failed or short write is cut back,
   * so the file never keeps part of a batch. Throws the write's error.
   */
  write(batch: Buffer, indexIntervalBytes: number): void {
    const fd = this.fd as number
    let written = 0
    try {
      while (written < batch.length) written += writeSync(fd, batch, written, batch.length - written, this.size + written)
    } catch (error) {
      cutBack(fd, this.size)
      throw error
    }

    const header = batchHeader(batch, 0) as BatchHeader
    if (this.size === 0 || this.bytesSinceIndex >= indexIntervalBytes) this.addIndexEntry({maxTimeBefore: this.maxTime, offset: header.firstOffset, position: this.size})
    this.size += batch.length
    this.bytesSinceIndex += batch.length
    this.next = header.firstOffset + header.count
    this.firstTime ??= batch.readUIntLE(BATCH_HEADER_BYTES, 6)
    if (header.maxTime > this.maxTime) this.maxTime = header.maxTime
  }

  /** Where to start reading for `offset`: the last indexed batch at or before it. */
  positionFor(offset: number): {position: number; offset: number} {
    const entry = lastAtOrBefore(this.index, (candidate) => candidate.offset <= offset)
    return entry ?? {offset: this.base, position: 0}
  }

  /** Where to start reading for a receive time: past every indexed batch whose predecessors are all older. */
  positionForTime(time: number): {position: number; offset: number} {
    const entry = lastAtOrBefore(this.index, (candidate) => candidate.maxTimeBefore < time)
    return entry ?? {offset: this.base, position: 0}
  }

  /**
   * Reads the state of an existing segment and repairs its tail: the batches after the last index entry (all
   * of them when the index cannot be trusted) are checked, and whatever follows the last good one is cut.
   * Returns the bytes cut.
   */
  async recover(indexIntervalBytes: number, trustIndex: boolean): Promise<number> {
    const handle = await open(this.path, 'r+')
    try {
      const fileSize = (await handle.stat()).size
      const entries = trustIndex ? await this.loadIndex(handle, fileSize) : undefined
      const start = entries?.at(-1) ?? {maxTimeBefore: 0, offset: this.base, position: 0}
      if (entries !== undefined) this.index.push(...entries)
      this.maxTime = start.maxTimeBefore
      this.bytesSinceIndex = 0
      const rebuilt: IndexEntry[] = []
      const scan = await scanBatches(handle, start.position, fileSize, start.offset, (position, header) => {
        if (entries === undefined && (position === 0 || this.bytesSinceIndex >= indexIntervalBytes)) {
          rebuilt.push({maxTimeBefore: this.maxTime, offset: header.firstOffset, position})
          this.bytesSinceIndex = 0
        }

        this.bytesSinceIndex += header.length
        if (header.maxTime > this.maxTime) this.maxTime = header.maxTime
      })
      this.size = scan.end
      this.next = scan.next
      if (entries === undefined) {
        this.index.push(...rebuilt)
        await writeFile(this.indexPath, encodeIndex(rebuilt), {mode: 0o600})
      }

      if (scan.end < fileSize) await handle.truncate(scan.end)
      return fileSize - scan.end
    } finally {
      await handle.close()
    }
  }

  /** The receive time of the first message, read once from the file; undefined when it holds none. */
  async loadFirstTime(): Promise<number | undefined> {
    if (this.firstTime !== undefined || this.size === 0) return this.firstTime
    const handle = await open(this.path, 'r')
    try {
      const buffer = Buffer.alloc(BATCH_HEADER_BYTES + 6)
      await handle.read(buffer, 0, buffer.length, 0)
      this.firstTime = buffer.readUIntLE(BATCH_HEADER_BYTES, 6)
      return this.firstTime
    } finally {
      await handle.close()
    }
  }

  /**
   * Calls `visit` with each checked batch from `position` up to `end` (bytes), until it returns false.
   * Returns `missing` when the file is gone (removed by retention meanwhile) and `corrupt` at a batch that
   * fails its checksum, which the reader steps over by going on with the next segment.
   */
  async forEachBatch(position: number, end: number, visit: (buffer: Buffer, at: number, header: BatchHeader) => boolean): Promise<'corrupt' | 'done' | 'missing'> {
    let handle: FileHandle
    try {
      handle = await open(this.path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
      throw error
    }

    try {
      let buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, end - position))
      while (position < end) {
        const {bytesRead} = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position)
        let at = 0
        while (at < bytesRead) {
          const header = batchHeader(buffer, at, bytesRead)
          const whole = header !== undefined && at + header.length <= bytesRead
          if (!whole) {
            // Cut by the chunk: read again from its start, in a larger buffer if it is larger than one.
            const cutByChunk = at > 0 || (header !== undefined && header.length > buffer.length)
            if (!cutByChunk) return 'corrupt'
            if (header !== undefined && header.length > buffer.length) buffer = Buffer.allocUnsafe(header.length)
            break
          }

          if (checkedBatch(buffer, at, bytesRead) === undefined) return 'corrupt'
          if (!visit(buffer, at, header)) return 'done'
          at += header.length
        }

        position += at
      }

      return 'done'
    } finally {
      await handle.close()
    }
  }

  closeFd(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
  }

  private addIndexEntry(entry: IndexEntry): void {
    this.index.push(entry)
    this.bytesSinceIndex = 0
    // The index only speeds lookups up and is checked at open: an entry that fails to be written is not an error.
    try {
      const fd = openSync(this.indexPath, 'a')
      try {
        writeSync(fd, encodeIndex([entry]))
      } finally {
        closeSync(fd)
      }
    } catch {}
  }

  /** The index file's entries when they are consistent with the segment file; undefined otherwise. */
  private async loadIndex(handle: FileHandle, fileSize: number): Promise<IndexEntry[] | undefined> {
    let bytes: Buffer
    try {
      bytes = await readFile(this.indexPath)
    } catch {
      return undefined
    }

    const entries = decodeIndex(bytes)
    let previous: IndexEntry | undefined
    for (const entry of entries) {
      if (previous !== undefined && (entry.position <= previous.position || entry.offset <= previous.offset)) return undefined
      if (entry.position >= fileSize) return undefined
      previous = entry
    }

    if (previous === undefined) return undefined
    const head = Buffer.alloc(BATCH_HEADER_BYTES)
    await handle.read(head, 0, head.length, previous.position)
    return batchHeader(head, 0)?.firstOffset === previous.offset ? entries : undefined
  }
}

/**
 * Goes through the checked batches of a file from `position`, whose first should start at `offset`, calling
 * `visit` for each; stops at the end, or at the first batch that is cut short, fails its checksum or does
 * not continue the offsets. Returns where the good batches end and the offset after them.
 */
async function scanBatches(
  handle: FileHandle, position: number, fileSize: number, offset: number,
  visit: (position: number, header: BatchHeader) => void,
): Promise<{end: number; next: number}> {
  let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  let end = position
  let next = offset
  while (end < fileSize) {
    const {bytesRead} = await handle.read(buffer, 0, Math.min(buffer.length, fileSize - end), end)
    let at = 0
    for (;;) {
      const header = batchHeader(buffer, at, bytesRead)
      if (header === undefined || header.firstOffset !== next) return {end, next}
      if (at + header.length > bytesRead) {
        if (end + header.length > fileSize) return {end, next}
        if (header.length > buffer.length) buffer = Buffer.allocUnsafe(header.length)
        break
      }

      if (checkedBatch(buffer, at, bytesRead) === undefined) return {end, next}
      visit(end, header)
      at += header.length
      end += header.length
      next += header.count
    }
  }

  return {end, next}
}

function cutBack(fd: number, size: number): void {
  // Shrinking frees space, so it works on a full disk; if even this fails, recovery at the next open cuts it.
  try {
    ftruncateSync(fd, size)
  } catch {}
}

function lastAtOrBefore<T>(items: readonly T[], fits: (item: T) => boolean): T | undefined {
  let low = 0
  let high = items.length - 1
  let found: T | undefined
  while (low <= high) {
    const middle = (low + high) >>> 1
    if (fits(items[middle])) {
      found = items[middle]
      low = middle + 1
    } else {
      high = middle - 1
    }
  }

  return found
}

function encodeIndex(entries: readonly IndexEntry[]): Buffer {
  const buffer = Buffer.alloc(entries.length * INDEX_ENTRY_BYTES)
  for (const [i, entry] of entries.entries()) {
    buffer.writeUIntLE(entry.offset, i * INDEX_ENTRY_BYTES, 6)
    buffer.writeUInt32LE(entry.position, i * INDEX_ENTRY_BYTES + 6)
    buffer.writeUIntLE(entry.maxTimeBefore, i * INDEX_ENTRY_BYTES + 10, 6)
  }

  return buffer
}

function decodeIndex(bytes: Buffer): IndexEntry[] {
  const entries: IndexEntry[] = []
  for (let at = 0; at + INDEX_ENTRY_BYTES <= bytes.length; at += INDEX_ENTRY_BYTES) {
    entries.push({maxTimeBefore: bytes.readUIntLE(at + 10, 6), offset: bytes.readUIntLE(at, 6), position: bytes.readUInt32LE(at + 6)})
  }

  return entries
}
