import {close, closeSync, ftruncateSync, open as openFd, openSync, read, write, writeSync} from 'node:fs'
import {type FileHandle, open, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {BATCH_HEADER_BYTES, type BatchHeader, batchHeader, checkedBatch, forEachTimestamp} from './batch.js'
import {CheckedRanges} from './checked-ranges.js'
import {type OwnTimes, OwnTimeSpan} from './own-time-span.js'
import type {NewMessage} from './engine.js'

/** A batch as the segment takes it in after writing it. */
export interface WrittenBatch {
  readonly header: BatchHeader
  /** The receive time of its first message. */
  readonly firstTime: number
  /** Its messages, as appended: their own times go into the span of a segment made in this process. */
  readonly messages: readonly NewMessage[]
}

/** An entry of a segment's sparse time index: a batch boundary, and the latest receive time before it. */
export interface IndexEntry {
  readonly offset: number
  readonly position: number
  readonly maxTimeBefore: number
}

const writeAt = promisify(write)
const readAt = promisify(read)
const openForReads = promisify(openFd)
const closeFd = promisify(close)
/**
 * How long a segment's read descriptor stays open after its last read: a history query or a drain reads a
 * segment in many calls, and an open and close per call cost more than the reads (FileHandle objects most).
 */
const READ_FD_IDLE_MS = 2000

/** A segment's descriptor for reads, shared by the reads under way; closed once idle, or when the segment goes. */
interface ReadDescriptor {
  readonly fd: Promise<number>
  users: number
  timer?: NodeJS.Timeout
  /** The segment went while reads were under way: the last of them closes it. */
  dropped?: boolean
}
/** `.otr` beside a sealed segment: earliest, latest own time and the segment's size it was computed for. */
const OWN_TIMES_BYTES = 24
const INDEX_ENTRY_BYTES = 16
export const READ_CHUNK_BYTES = 256 * 1024
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
  /** What reads have found good: not checked again (CheckedRanges). */
  readonly checked = new CheckedRanges()
  /** The write descriptor, while it is the active segment or a sealed one waiting for its last fsync. */
  fd: number | undefined
  /** The index's, open with it. */
  private indexFd: number | undefined
  sealed = false
  private reads: ReadDescriptor | undefined
  /** Its messages' own times, once known (sealed segments only: the active one still changes). */
  ownTimes: OwnTimes | undefined
  /**
   * The own times of every message written, for a segment made in this process (one opened from disk has
   * messages this process never saw): its span at the seal needs no read of it.
   */
  private writtenOwnTimes: OwnTimeSpan | undefined
  private bytesSinceIndex = 0
  /** Index entries not yet in the index file (writeIndex). */
  private unwrittenIndex: IndexEntry[] = []

  constructor(readonly directory: string, readonly base: number) {
    this.next = base
  }

  get path(): string {
    return join(this.directory, segmentName(this.base))
  }

  get indexPath(): string {
    return this.path.slice(0, -'.log'.length) + '.tix'
  }

  get ownTimesPath(): string {
    return this.path.slice(0, -'.log'.length) + '.otr'
  }

  get messages(): number {
    return this.next - this.base
  }

  /** Opens the existing file for writing, after its recovery. */
  open(): void {
    this.fd = openSync(this.path, 'r+')
    this.indexFd = openSync(this.indexPath, 'a', 0o600)
  }

  /** Creates the file, empty, and opens it for writing. */
  create(): void {
    this.fd = openSync(this.path, 'w+', 0o600)
    this.indexFd = openSync(this.indexPath, 'w', 0o600)
    this.writtenOwnTimes = new OwnTimeSpan()
  }

  /**
   * Writes encoded batches after the last one, all of them or nothing: a failed or short write is cut
   * back, so the file never keeps part of a batch. Rejects with the write's error. The segment's state
   * changes only in `written`, once the caller has the bytes on file, so readers never see a batch early.
   */
  async write(chunk: Buffer): Promise<void> {
    const fd = this.fd as number
    let written = 0
    try {
      while (written < chunk.length) written += (await writeAt(fd, chunk, written, chunk.length - written, this.size + written)).bytesWritten
    } catch (error) {
      cutBack(fd, this.size)
      throw error
    }
  }

  /** `write`, made at once: for the common case, where the trip to the thread pool costs more than the write. */
  writeSync(chunk: Buffer): void {
    const fd = this.fd as number
    let written = 0
    try {
      while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written, this.size + written)
    } catch (error) {
      cutBack(fd, this.size)
      throw error
    }
  }

  /** Takes in batches just written after the last one: size, offsets, times and index entries. */
  written(batches: readonly WrittenBatch[], indexIntervalBytes: number): void {
    const span = this.writtenOwnTimes
    for (const {firstTime, header, messages} of batches) {
      if (span !== undefined) for (const message of messages) span.add(message.timestamp, message.receivedAt)
      if (this.size === 0 || this.bytesSinceIndex >= indexIntervalBytes) this.addIndexEntry({maxTimeBefore: this.maxTime, offset: header.firstOffset, position: this.size})
      this.size += header.length
      this.bytesSinceIndex += header.length
      this.next = header.firstOffset + header.count
      this.firstTime ??= firstTime
      if (header.maxTime > this.maxTime) this.maxTime = header.maxTime
    }
  }

  /** Where to start reading for `offset`: the last indexed batch at or before it. */
  positionFor(offset: number): number {
    return lastAtOrBefore(this.index, (candidate) => candidate.offset <= offset)?.position ?? 0
  }

  /** The first indexed batch after `position`, where reading can resume past a damaged one. */
  entryAfter(position: number): IndexEntry | undefined {
    return this.index.find((entry) => entry.position > position)
  }

  /** Where to start reading for a receive time: past every indexed batch whose predecessors are all older. */
  positionForTime(time: number): number {
    return lastAtOrBefore(this.index, (candidate) => candidate.maxTimeBefore < time)?.position ?? 0
  }

  /**
   * Reads the state of an existing segment and repairs it. Sealed segments are checked from their last
   * index entry on (when the index holds up), the last one entirely, its index rebuilt. A damaged batch
   * followed by a good indexed one is left in place (readers step over it); one followed by nothing good is a
   * torn tail, and is cut.
   */
  async recover(indexIntervalBytes: number, last: boolean): Promise<SegmentRecovery> {
    const handle = await open(this.path, 'r+')
    try {
      const fileSize = (await handle.stat()).size
      const stored = await this.storedIndex(fileSize)
      const tail = last ? undefined : stored.at(-1)
      const trusted = tail !== undefined && (await checkedBatchAt(handle, tail, fileSize)) !== undefined
      let from: IndexEntry = trusted ? tail : {maxTimeBefore: 0, offset: this.base, position: 0}
      if (trusted) this.index.push(...stored)
      this.maxTime = from.maxTimeBefore
      this.bytesSinceIndex = 0
      let indexNext = !trusted
      const skipped: Array<{from: number; to: number}> = []
      for (;;) {
        const scan = await scanBatches(handle, from.position, fileSize, from.offset, (position, header) => {
          if (indexNext || (!trusted && this.bytesSinceIndex >= indexIntervalBytes)) {
            this.index.push({maxTimeBefore: this.maxTime, offset: header.firstOffset, position})
            this.bytesSinceIndex = 0
            indexNext = false
          }

          this.bytesSinceIndex += header.length
          if (header.maxTime > this.maxTime) this.maxTime = header.maxTime
        })
        this.size = scan.end
        this.next = scan.next
        const resume = scan.end < fileSize ? await firstGood(handle, stored, scan, fileSize) : undefined
        if (resume === undefined) break
        skipped.push({from: scan.end, to: resume.position})
        from = resume
        indexNext = true
      }

      if (!trusted) await writeFile(this.indexPath, encodeIndex(this.index), {mode: 0o600})
      if (this.size < fileSize) await handle.truncate(this.size)
      return {cut: fileSize - this.size, skipped}
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
   * The span of the messages' own times: from the `.otr` file when it was written for this size of the
   * segment, else from what was written to it (a sealed segment this process made) or by reading it once,
   * and then kept (in the file, once it is sealed). A message's own time is what a history query reads of its
   * line (the timestamp it was sent with, else its receive time); one that does not parse matches no window,
   * and counts with its receive time, which only widens the span: a segment is never skipped wrongly.
   * Undefined when the file is gone.
   */
  async loadOwnTimes(): Promise<OwnTimes | undefined> {
    if (this.ownTimes !== undefined) return this.ownTimes
    const size = this.size
    const stored = await this.storedOwnTimes(size)
    if (stored !== undefined) {
      this.ownTimes = stored
      return stored
    }

    const written = this.sealed ? this.writtenOwnTimes : undefined
    // Let go once used: its timestamps may be slices of whole request bodies, which they keep in memory.
    if (written !== undefined) this.writtenOwnTimes = undefined
    const ownTimes = written === undefined ? await this.readOwnTimes(size) : written.span()
    if (ownTimes === undefined) return undefined
    if (this.sealed && this.size === size) {
      this.ownTimes = ownTimes
      await this.storeOwnTimes(ownTimes, size)
    }

    return ownTimes
  }

  /** The span read from the segment's messages up to `size`; undefined when the file is gone. */
  private async readOwnTimes(size: number): Promise<OwnTimes | undefined> {
    const span = new OwnTimeSpan()
    const visit = (timestamp: string | undefined, receivedAt: number): void => span.add(timestamp, receivedAt)
    const outcome = await this.forEachBatch(0, size, (buffer, at, header) => {
      forEachTimestamp(buffer, at, header, visit)
      return true
    })
    if (outcome === 'missing') return undefined
    // Past a damaged batch what follows is not looked at: no span, so the segment is always read.
    if (typeof outcome === 'object') return {earliest: Number.NEGATIVE_INFINITY, latest: Number.POSITIVE_INFINITY}
    return span.span()
  }

  private async storedOwnTimes(size: number): Promise<OwnTimes | undefined> {
    let bytes: Buffer
    try {
      bytes = await readFile(this.ownTimesPath)
    } catch {
      return undefined
    }

    if (bytes.length !== OWN_TIMES_BYTES || bytes.readDoubleLE(16) !== size) return undefined
    const earliest = bytes.readDoubleLE(0)
    const latest = bytes.readDoubleLE(8)
    return earliest <= latest || size === 0 ? {earliest, latest} : undefined
  }

  private async storeOwnTimes({earliest, latest}: OwnTimes, size: number): Promise<void> {
    const bytes = Buffer.alloc(OWN_TIMES_BYTES)
    bytes.writeDoubleLE(earliest, 0)
    bytes.writeDoubleLE(latest, 8)
    bytes.writeDoubleLE(size, 16)
    // A cache checked against the segment's size when read: one that cannot be written is computed again.
    try {
      await writeFile(this.ownTimesPath, bytes, {mode: 0o600})
    } catch {}
  }

  /**
   * Calls `visit` with each checked batch from `position` up to `end` (bytes), until it returns false, read
   * into `scratch` if given. Returns `missing` when the file is gone (removed by retention meanwhile), and the
   * position of a batch that fails its checksum, which a reader steps over to the next index entry.
   */
  async forEachBatch(
    position: number, end: number, visit: (buffer: Buffer, at: number, header: BatchHeader) => boolean, scratch?: Buffer,
  ): Promise<'done' | 'missing' | {corruptAt: number}> {
    const reads = this.readDescriptor()
    let fd: number
    try {
      fd = await reads.fd
    } catch (error) {
      this.released(reads)
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
      throw error
    }

    try {
      return await forEachBatchAt(fd, position, end, visit, scratch, this.checked)
    } finally {
      this.released(reads)
    }
  }

  /** Closes the read descriptor now, or (reads under way) when the last of them ends: the segment is going. */
  async closeReads(): Promise<void> {
    const reads = this.reads
    if (reads === undefined) return
    this.reads = undefined
    clearTimeout(reads.timer)
    if (reads.users === 0) await closeDescriptor(reads)
    else reads.dropped = true
  }

  private readDescriptor(): ReadDescriptor {
    let reads = this.reads
    if (reads === undefined) {
      const opened: ReadDescriptor = {fd: openForReads(this.path, 'r'), users: 0}
      // A file that could not be opened is tried again by the next read.
      opened.fd.catch(() => {
        if (this.reads === opened) this.reads = undefined
      })
      this.reads = reads = opened
    }

    reads.users++
    clearTimeout(reads.timer)
    return reads
  }

  private released(reads: ReadDescriptor): void {
    if (--reads.users > 0) return
    if (reads.dropped) {
      void closeDescriptor(reads)
      return
    }

    reads.timer = setTimeout(() => {
      if (this.reads === reads && reads.users === 0) void this.closeReads()
    }, READ_FD_IDLE_MS).unref()
  }

  closeFd(): void {
    this.writeIndex()
    if (this.fd !== undefined) closeSync(this.fd)
    if (this.indexFd !== undefined) closeSync(this.indexFd)
    this.fd = undefined
    this.indexFd = undefined
  }

  private addIndexEntry(entry: IndexEntry): void {
    this.index.push(entry)
    this.unwrittenIndex.push(entry)
    this.bytesSinceIndex = 0
  }

  /**
   * Writes the index entries made since the last call, in one write. Called when the segment is sealed or
   * closed, not for each entry: the last segment's index is rebuilt at every start (recover) and only a
   * sealed one's is read back, and a write per entry cost a system call on the ingest path. The index only
   * speeds lookups up and is checked at open: entries that fail to be written are not an error.
   */
  writeIndex(): void {
    if (this.indexFd === undefined || this.unwrittenIndex.length === 0) return
    const entries = this.unwrittenIndex
    this.unwrittenIndex = []
    try {
      writeSync(this.indexFd, encodeIndex(entries))
    } catch {}
  }

  /** The index file's entries as far as they are in order and inside the file (none when it is missing). */
  private async storedIndex(fileSize: number): Promise<IndexEntry[]> {
    let bytes: Buffer
    try {
      bytes = await readFile(this.indexPath)
    } catch {
      return []
    }

    const entries = decodeIndex(bytes)
    const usable = entries.findIndex((entry, i) => {
      const previous = entries[i - 1]
      return entry.position >= fileSize || (previous !== undefined && (entry.position <= previous.position || entry.offset <= previous.offset))
    })
    return usable === -1 ? entries : entries.slice(0, usable)
  }
}

/** The result of a segment's recovery. */
export interface SegmentRecovery {
  /** Bytes cut from the end. */
  readonly cut: number
  /** Damaged byte ranges left in place, good batches after them. */
  readonly skipped: ReadonlyArray<{from: number; to: number}>
}

/** The first stored index entry past a damaged batch that starts a good one continuing the offsets. */
async function firstGood(handle: FileHandle, stored: readonly IndexEntry[], damage: {end: number; next: number}, fileSize: number): Promise<IndexEntry | undefined> {
  for (const entry of stored) {
    if (entry.position > damage.end && entry.offset >= damage.next && (await checkedBatchAt(handle, entry, fileSize)) !== undefined) return entry
  }

  return undefined
}

async function checkedBatchAt(handle: FileHandle, entry: IndexEntry, fileSize: number): Promise<BatchHeader | undefined> {
  const head = Buffer.alloc(BATCH_HEADER_BYTES)
  await handle.read(head, 0, head.length, entry.position)
  const header = batchHeader(head, 0)
  if (header === undefined || header.firstOffset !== entry.offset || entry.position + header.length > fileSize) return undefined
  const whole = Buffer.alloc(header.length)
  await handle.read(whole, 0, whole.length, entry.position)
  return checkedBatch(whole, 0)
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
    while (at < bytesRead) {
      const header = batchHeader(buffer, at, bytesRead)
      // Fewer bytes than a header left in this chunk, but more in the file: read on from here.
      if (header === undefined && bytesRead - at < BATCH_HEADER_BYTES && end + BATCH_HEADER_BYTES <= fileSize) break
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

/**
 * Calls `visit` with each whole, checked batch of the open file `fd` from `position` up to `end`, until it
 * returns false; stops at a batch that is not whole and checked (`corruptAt`). What Segment.forEachBatch
 * does on its shared descriptor, and a reading worker thread on its own (read-worker.ts), which reads into
 * `scratch` buffers it reuses (fresh memory costs a page fault per page the kernel copies into). Batches
 * within `checked` are not checked again, and the bytes found good are added to it.
 */
export async function forEachBatchAt(
  fd: number, position: number, end: number, visit: (buffer: Buffer, at: number, header: BatchHeader) => boolean,
  scratch?: Buffer, checked?: CheckedRanges,
): Promise<'done' | {corruptAt: number}> {
  const start = position
  let good = position
  try {
    let buffer = scratch ?? Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, end - position))
    while (position < end) {
      const {bytesRead} = await readAt(fd, buffer, 0, Math.min(buffer.length, end - position), position)
      let at = 0
      while (at < bytesRead) {
        const header = batchHeader(buffer, at, bytesRead)
        const whole = header !== undefined && at + header.length <= bytesRead
        if (!whole) {
          // Cut by the chunk: read again from its start, in a larger buffer if it is larger than one.
          const cutByChunk = at > 0 || (header !== undefined && header.length > buffer.length)
          if (!cutByChunk) return {corruptAt: position + at}
          if (header !== undefined && header.length > buffer.length) buffer = Buffer.allocUnsafe(header.length)
          break
        }

        const known = checked?.covers(position + at, position + at + header.length) === true
        if (!known && checkedBatch(buffer, at, bytesRead) === undefined) return {corruptAt: position + at}
        good = position + at + header.length
        if (!visit(buffer, at, header)) return 'done'
        at += header.length
      }

      position += at
    }

    return 'done'
  } finally {
    checked?.add(start, good)
  }
}

async function closeDescriptor(reads: ReadDescriptor): Promise<void> {
  const fd = await reads.fd.catch(() => undefined)
  if (fd !== undefined) await closeFd(fd).catch(() => {})
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
