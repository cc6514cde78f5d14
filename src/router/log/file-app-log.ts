import {fdatasync, mkdirSync, unlinkSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {dirname} from 'node:path'
import {promisify} from 'node:util'

import type {QueryOptions} from '../../query/compile.js'
import {BATCH_HEADER_BYTES, type BatchEncoder, type BatchHeader, batchHeader, firstOffsetAtTime} from './batch.js'
import {CursorFile, syncDirectory} from './cursors.js'
import {
  type AppendResult, type AppLog, type AppLogStats, type FollowOptions, LogWriteError, type NewMessage, type OffsetRange, type ReadOptions,
  type ReaderState, type ReadResult, type ReadStart, type StoredMessage,
} from './engine.js'
import type {FsyncPolicy} from './file-engine.js'
import {AppendWaiters, follow} from './follow.js'
import {ReadProgress} from './read-progress.js'
import {type ReadPart, type ReadThreads, THREADED_READ_MIN_MESSAGES} from './read-threads.js'
import {Segment, segmentBase, type WrittenBatch} from './segment.js'

const syncData = promisify(fdatasync)

/** What an app's log takes from its engine. */
export interface AppLogContext {
  readonly fsync: FsyncPolicy
  readonly segmentBytes: number
  readonly segmentMs: number
  readonly indexIntervalBytes: number
  readonly encoder: BatchEncoder
  now(): number
  /** Called with the change in stored bytes, after every append and removal. */
  bytesChanged(delta: number): void
  /** Called after a segment is sealed: retention may have something to do. */
  rolled(): void
  /** Called when an fsync round starts. */
  syncing(): void
  /** A write taking longer than this (ms) sends the next ones off the event loop. */
  readonly slowWriteMs: number
  /** Worker threads for large prefiltered reads; undefined reads on this thread only. */
  readonly readThreads: ReadThreads | undefined
}

/** What recovery did to a segment file at open: a torn tail cut, damaged ranges left for readers to skip. */
export interface RecoveryRepair {
  readonly appId: string
  readonly segment: string
  /** Bytes cut from the end; the file's size is now where the good data ends. */
  readonly cut: number
  readonly skipped: ReadonlyArray<{from: number; to: number}>
}

/** An append waiting to be written, and its caller. */
interface PendingBatch extends WrittenBatch {
  readonly batch: Buffer
  resolve(): void
  reject(error: Error): void
}

/** The smallest buffer for a turn's appends: a 200-message POST encodes to ~40 KB. */
const MIN_GATHER_BYTES = 256 * 1024

/** The batches appended in one turn of the event loop, written together at its end (writeGathered). */
interface GatheredWrite {
  readonly batches: WrittenBatch[]
  bytes: number
  readonly done: Promise<void>
  resolve(): void
  reject(error: Error): void
}

/** What retention took. */
export interface Removed {
  messages: number
  bytes: number
}

/**
 * One app's log in its own directory: segments in offset order, the last one taking appends. An append is
 * numbered at once and written while the disk keeps up at the end of the event loop's turn, with the other
 * appends of that turn in one write (gather), otherwise off the event loop together with whatever was
 * appended meanwhile (writeNext). Readers see a batch once it is in the file.
 * Under `always` the batches written while an fsync runs share the next one (group commit).
 */
export class FileAppLog implements AppLog {
  closed = false
  bytes = 0
  private readonly segments: Segment[] = []
  /** The offset after the last message written: what readers can have. */
  private nextOffset = 1
  /** The offset the next append gets: past what is written and what waits in `pending`. */
  private assignedNext = 1
  /** Appended, not yet written; written together once the write in progress is done. */
  private pending: PendingBatch[] = []
  /** Appended in this turn of the event loop while the disk keeps up, copied to `gatherBuffer`. */
  private gathered: GatheredWrite | undefined
  /**
   * Reused for every gathered write (fresh memory is dear: a page first touched faults into the host here);
   * made at the app's first append, so an idle app holds none.
   */
  private gatherBuffer = Buffer.alloc(0)
  private writing: Promise<void> | undefined
  private sealedSinceWrite = false
  /** The last write took longer than `slowWriteMs`: writes go off the event loop until one is quick again. */
  private diskSlow: boolean
  /** Segments written since their last fsync, and those an fsync in progress covers. */
  private readonly dirty = new Set<Segment>()
  private readonly syncing = new Set<Segment>()
  private directoryDirty = false
  private parentDirty = false
  private commitWaiters: Array<{resolve: () => void; reject: (error: Error) => void}> = []
  private committing: Promise<void> | undefined
  private readonly waiters = new AppendWaiters()
  /** Own-time spans of sealed segments being computed (Segment.loadOwnTimes), one after the other. */
  private summarising: Promise<unknown> = Promise.resolve()
  private readonly cursors: CursorFile

  constructor(readonly appId: string, readonly directory: string, private readonly context: AppLogContext) {
    this.cursors = new CursorFile(directory, context.fsync)
    this.diskSlow = context.slowWriteMs === 0
  }

  /** Finds the segments on disk and repairs what a crash left (Segment.recover); returns what was repaired. */
  async load(): Promise<RecoveryRepair[]> {
    const names = await readdir(this.directory)
    const bases = names.map((name) => segmentBase(name)).filter((base) => base !== undefined).sort((a, b) => a - b)
    const repairs: RecoveryRepair[] = []
    for (const [i, base] of bases.entries()) {
      const segment = new Segment(this.directory, base)
      const last = i === bases.length - 1
      const {cut, skipped} = await segment.recover(this.context.indexIntervalBytes, last)
      if (cut > 0 || skipped.length > 0) repairs.push({appId: this.appId, cut, segment: segment.path, skipped})
      segment.sealed = !last
      this.segments.push(segment)
      this.bytes += segment.size
    }

    const active = this.segments.at(-1)
    if (active !== undefined) {
      active.open()
      // Its age decides when it is sealed.
      await active.loadFirstTime()
      this.nextOffset = active.next
      this.assignedNext = active.next
    }

    this.context.bytesChanged(this.bytes)
    return repairs
  }

  async append(messages: readonly NewMessage[]): Promise<AppendResult> {
    if (this.closed) throw new LogWriteError('closed', `the log of ${this.appId} is closed`)
    const first = this.assignedNext
    if (messages.length === 0) return {first, next: first}
    const encoded = this.context.encoder.encode(messages, first)
    const next = first + messages.length
    const batch = {firstTime: encoded.readUIntLE(BATCH_HEADER_BYTES, 6), header: batchHeader(encoded, 0) as BatchHeader, messages}
    if (this.writing === undefined && this.pending.length === 0 && !this.diskSlow) {
      this.assignedNext = next
      await this.gather(encoded, batch)
      if (this.context.fsync === 'always') await this.commit()
      return {first, next}
    }

    this.assignedNext = next
    await new Promise<void>((resolve, reject) => {
      // Copied out of the shared encoder: it waits until the write in progress is done.
      this.pending.push({...batch, batch: Buffer.from(encoded), reject, resolve})
      if (this.writing === undefined) this.writeNext()
    })
    return {first, next}
  }

  async read(start: ReadStart, limit: number, options?: ReadOptions): Promise<ReadResult> {
    if ('time' in start) {
      const offset = await this.offsetAtTime(start.time)
      return offset === undefined ? {messages: [], next: this.nextOffset} : this.readFrom(offset, limit, options)
    }

    return this.readFrom(start.offset, limit, options)
  }

  follow(from: number, options?: FollowOptions): AsyncIterable<StoredMessage[]> {
    return follow(this, from, options)
  }

  appendedAfter(offset: number, signal?: AbortSignal): Promise<void> {
    return this.waiters.wait(() => this.closed || this.nextOffset > offset, signal)
  }

  cursor(name: string): Promise<number | undefined> {
    return this.cursors.get(name)
  }

  setCursor(name: string, offset: number): Promise<void> {
    return this.cursors.set(name, offset)
  }

  deleteCursor(name: string): Promise<void> {
    return this.cursors.delete(name)
  }

  readerState(name: string): Promise<ReaderState | undefined> {
    return this.cursors.getState(name)
  }

  setReaderState(name: string, state: ReaderState): Promise<void> {
    return this.cursors.setState(name, state)
  }

  deleteReaderState(name: string): Promise<void> {
    return this.cursors.deleteState(name)
  }

  async stats(): Promise<AppLogStats> {
    const oldest = this.segments.find((segment) => segment.messages > 0)
    return {
      bytes: this.bytes,
      firstOffset: this.firstOffset,
      nextOffset: this.nextOffset,
      oldestTime: await oldest?.loadFirstTime(),
      segments: this.segments.length,
    }
  }

  async windowRanges(since: number | undefined, until: number | undefined): Promise<OffsetRange[]> {
    const low = since ?? Number.NEGATIVE_INFINITY
    const high = until ?? Number.POSITIVE_INFINITY
    const ranges: OffsetRange[] = []
    for (const segment of [...this.segments]) {
      if (segment.messages === 0) continue
      // The active segment still changes: it is always read.
      const own = segment.sealed ? await segment.loadOwnTimes() : undefined
      if (own !== undefined && (own.latest < low || own.earliest > high)) continue
      const last = ranges.at(-1)
      if (last?.next === segment.base) ranges[ranges.length - 1] = {from: last.from, next: segment.next}
      else ranges.push({from: segment.base, next: segment.next})
    }

    return ranges
  }

  get hasData(): boolean {
    return this.segments.length > 0
  }

  /** The latest receive time in the oldest sealed segment: what retention across apps compares. */
  get oldestSealedTime(): number | undefined {
    const oldest = this.segments[0]
    return oldest?.sealed ? oldest.maxTime : undefined
  }

  /** Removes whole segments, oldest first, while every message in them was received before `cutoff`. */
  expire(cutoff: number): Removed {
    const removed = {bytes: 0, messages: 0}
    for (let oldest = this.segments[0]; oldest !== undefined && oldest.maxTime < cutoff; oldest = this.segments[0]) {
      if (!oldest.sealed) {
        // A write in progress goes to the active segment: it is sealed at a later round.
        if (oldest.size === 0 || this.writing !== undefined) break
        this.roll()
      }

      this.removeOldest(removed)
    }

    return removed
  }

  /** Removes sealed segments, oldest first, while the log holds more than `maxBytes`. */
  shrinkTo(maxBytes: number): Removed {
    const removed = {bytes: 0, messages: 0}
    while (this.bytes > maxBytes && this.segments[0]?.sealed) this.removeOldest(removed)
    return removed
  }

  /** Removes the oldest segment, which must be sealed. */
  removeOldest(removed: Removed): void {
    const segment = this.segments.shift() as Segment
    unlinkSync(segment.path)
    for (const path of [segment.indexPath, segment.ownTimesPath]) {
      try {
        unlinkSync(path)
      } catch {}
    }

    // Its data is gone: nothing to sync. One being synced is closed when that ends (commit, as sealed).
    this.dirty.delete(segment)
    if (!this.syncing.has(segment)) segment.closeFd()
    void segment.closeReads()
    this.bytes -= segment.size
    this.context.bytesChanged(-segment.size)
    removed.bytes += segment.size
    removed.messages += segment.messages
  }

  /** Makes what was written durable (fsync of the segments written and of the directory if it changed). */
  flush(): Promise<void> {
    if (this.dirty.size === 0 && !this.directoryDirty && !this.parentDirty && this.committing === undefined) return Promise.resolve()
    return this.commit()
  }

  /** Ends follows and refuses appends; waits for fsyncs in progress; closes the files. */
  async close(): Promise<void> {
    this.closed = true
    this.waiters.wake()
    await this.gathered?.done.catch(() => {})
    while (this.writing !== undefined) await this.writing.catch(() => {})
    await this.flush().catch(() => {})
    await this.cursors.flush()
    await this.summarising
    for (const segment of this.segments) segment.closeFd()
    await Promise.all(this.segments.map((segment) => segment.closeReads()))
  }

  private get firstOffset(): number {
    return this.segments.find((segment) => segment.messages > 0)?.base ?? this.nextOffset
  }

  /** The segment to write to: created with the app's first message, sealed and replaced when full or old. */
  private activeSegment(): Segment {
    const active = this.segments.at(-1)
    if (active === undefined) {
      // The engine's directory too, should it have been removed; the new entry in it is synced like a segment's.
      mkdirSync(this.directory, {mode: 0o700, recursive: true})
      this.parentDirty = this.context.fsync !== 'never'
      return this.createSegment()
    }

    const old = active.size > 0 && this.context.now() - (active.firstTime ?? Number.POSITIVE_INFINITY) >= this.context.segmentMs
    if (active.size >= this.context.segmentBytes || old) return this.roll()
    return active
  }

  private createSegment(): Segment {
    const segment = new Segment(this.directory, this.nextOffset)
    segment.create()
    this.segments.push(segment)
    this.directoryDirty = this.context.fsync !== 'never'
    return segment
  }

  /** Seals the active segment and starts the next at the next offset; the old one closes after its fsync. */
  private roll(): Segment {
    const old = this.segments.at(-1) as Segment
    const segment = this.createSegment()
    old.sealed = true
    old.writeIndex()
    if (!this.dirty.has(old) && !this.syncing.has(old)) old.closeFd()
    this.sealedSinceWrite = true
    // Its own-time span is kept beside it now, off the append's path, so that no query has to read it for that.
    this.summarising = this.summarising.then(() => old.loadOwnTimes()).catch(() => {})
    return segment
  }

  /**
   * The common case: nothing waiting, and the last write was quick. The batch is copied to the batches
   * appended in this turn of the event loop, and they are written at its end in one system call, made at
   * once (the trip to the thread pool costs more than the write): under load several senders' POSTs arrive
   * in one turn (2.4 a write under bench/ingest.mjs), and a copy costs less than a call (+3% msg/s measured:
   * most of a write's cost is the page cache's, the same in any number of calls; bench/RESULTS.md).
   */
  private gather(encoded: Buffer, batch: WrittenBatch): Promise<void> {
    let round = this.gathered
    if (round === undefined) {
      let resolve!: () => void
      let reject!: (error: Error) => void
      const done = new Promise<void>((resolveRound, rejectRound) => {
        resolve = resolveRound
        reject = rejectRound
      })
      round = {batches: [], bytes: 0, done, reject, resolve}
      this.gathered = round
      setImmediate(() => this.writeGathered())
    }

    const end = round.bytes + encoded.length
    if (end > this.gatherBuffer.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(end, this.gatherBuffer.length * 2, MIN_GATHER_BYTES))
      this.gatherBuffer.copy(larger, 0, 0, round.bytes)
      this.gatherBuffer = larger
    }

    encoded.copy(this.gatherBuffer, round.bytes)
    round.bytes = end
    round.batches.push(batch)
    return round.done
  }

  /** Writes this turn's batches with one write; if it fails, none of them is in the log and each append fails. */
  private writeGathered(): void {
    const round = this.gathered as GatheredWrite
    this.gathered = undefined
    const started = performance.now()
    let segment: Segment
    try {
      segment = this.activeSegment()
      segment.writeSync(this.gatherBuffer.subarray(0, round.bytes))
    } catch (error) {
      this.assignedNext = this.nextOffset
      round.reject(writeError(this.appId, error))
      return
    }

    this.diskSlow = performance.now() - started > this.context.slowWriteMs
    this.written(segment, round.batches, round.bytes)
    round.resolve()
  }

  /**
   * Once a write was slow (the kernel throttles a disk that falls behind), every pending batch goes in one
   * write off the event loop, and batches appended meanwhile wait and go together in the next: the disk
   * slows appends down instead of stopping the router. Back to writing at once when a write is quick again.
   */
  private writeNext(): void {
    const chunk = this.pending
    if (chunk.length === 0) return
    this.pending = []
    let segment: Segment
    try {
      segment = this.activeSegment()
    } catch (error) {
      this.fail(chunk, error)
      return
    }

    const bytes = chunk.length === 1 ? chunk[0].batch : Buffer.concat(chunk.map((appended) => appended.batch))
    const started = performance.now()
    this.writing = segment.write(bytes).then(
      () => {
        this.diskSlow = performance.now() - started > this.context.slowWriteMs
        this.written(segment, chunk, bytes.length)
        this.settle(chunk)
      },
      (error: unknown) => this.fail(chunk, error),
    ).finally(() => {
      this.writing = undefined
      this.writeNext()
    })
  }

  /** Readers may have what was just written; retention is told when a segment was sealed for it. */
  private written(segment: Segment, batches: readonly WrittenBatch[], bytes: number): void {
    segment.written(batches, this.context.indexIntervalBytes)
    this.nextOffset = segment.next
    this.bytes += bytes
    this.context.bytesChanged(bytes)
    if (this.context.fsync !== 'never') this.dirty.add(segment)
    this.waiters.wake()
    // Told once the bytes that made the segment full are counted, so retention sees them.
    if (this.sealedSinceWrite) this.context.rolled()
    this.sealedSinceWrite = false
  }

  /** Resolves written appends as the fsync policy says: at once, or after their fsync. */
  private settle(chunk: readonly PendingBatch[]): void {
    if (this.context.fsync !== 'always') {
      for (const appended of chunk) appended.resolve()
      return
    }

    this.commit().then(
      () => chunk.forEach((appended) => appended.resolve()),
      (error: Error) => chunk.forEach((appended) => appended.reject(error)),
    )
  }

  /** Rejects a chunk that could not be written, and what was appended after it, whose offsets followed it. */
  private fail(chunk: readonly PendingBatch[], cause: unknown): void {
    const error = writeError(this.appId, cause)
    const refused = [...chunk, ...this.pending]
    this.pending = []
    this.assignedNext = this.nextOffset
    for (const appended of refused) appended.reject(error)
  }

  private commit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.commitWaiters.push({reject, resolve})
      if (this.committing === undefined) this.startCommit()
    })
  }

  /** One fsync round for everything written so far; appends arriving meanwhile wait for the next round. */
  private startCommit(): void {
    const waiters = this.commitWaiters
    this.commitWaiters = []
    const segments = [...this.dirty]
    this.dirty.clear()
    for (const segment of segments) this.syncing.add(segment)
    const directories = [...(this.directoryDirty ? [this.directory] : []), ...(this.parentDirty ? [dirname(this.directory)] : [])]
    this.directoryDirty = false
    this.parentDirty = false
    this.context.syncing()
    const round = Promise.all([
      ...segments.map((segment) => syncData(segment.fd as number)),
      ...directories.map((directory) => syncDirectory(directory)),
    ])
    this.committing = round.then(() => undefined, (error: Error) => error).then((error) => {
      for (const segment of segments) {
        this.syncing.delete(segment)
        if (segment.sealed && !this.dirty.has(segment)) segment.closeFd()
      }

      this.committing = undefined
      for (const waiter of waiters) {
        if (error === undefined) waiter.resolve()
        else waiter.reject(writeError(this.appId, error))
      }

      if (this.commitWaiters.length > 0) this.startCommit()
    })
  }

  private async readFrom(from: number, limit: number, options: ReadOptions | undefined): Promise<ReadResult> {
    const start = Math.max(from, this.firstOffset)
    const {maxMessages, prefilter, query, sink} = options ?? {}
    if (prefilter !== undefined && query !== undefined && this.context.readThreads !== undefined) {
      const threaded = await this.readInParts(start, limit, query, maxMessages, this.context.readThreads)
      if (threaded !== undefined) return threaded
    }

    const progress = prefilter === undefined
      ? new ReadProgress(start, limit, Number.POSITIVE_INFINITY, undefined, undefined, sink)
      : new ReadProgress(start, limit, Number.POSITIVE_INFINITY, prefilter, maxMessages)
    while (progress.open && progress.offset < this.nextOffset) {
      const segment = this.segmentHolding(progress.offset)
      if (segment === undefined) break
      progress.offset = Math.max(progress.offset, segment.base)
      const {next, size} = segment
      const outcome = await segment.forEachBatch(segment.positionFor(progress.offset), size, (buffer, at, header) => progress.take(buffer, at, header), sink?.readBuffer)
      if (outcome === 'missing' && !this.segments.includes(segment)) {
        // Removed by retention while this read waited: go on from the oldest that is left.
        progress.offset = Math.max(progress.offset, this.firstOffset)
        continue
      }

      if (!progress.open) break
      // A damaged batch is stepped over to the next indexed one: what lies between cannot be read.
      progress.offset = Math.max(progress.offset, typeof outcome === 'object' ? segment.entryAfter(outcome.corruptAt)?.offset ?? next : next)
    }

    return {messages: progress.messages, next: progress.offset}
  }

  /**
   * A prefiltered read of many offsets, split into one part per worker thread (ReadThreads): each reads,
   * checks and tests its part's batches and sends back the messages that may match. Undefined when the read
   * is too small to split, or a part met what only this thread handles (a segment gone, a damaged batch):
   * then the read is made here. With `maxMessages`, each part holds its share; a part that ended early at it
   * ends the read there, and what the parts after it found is left for the next read.
   */
  private async readInParts(start: number, limit: number, query: QueryOptions, maxMessages: number | undefined, threads: ReadThreads): Promise<ReadResult | undefined> {
    const stop = Math.min(start + limit, this.nextOffset)
    if (stop - start < THREADED_READ_MIN_MESSAGES) return undefined
    const cuts = Array.from({length: threads.count + 1}, (_, k) => start + Math.floor(((stop - start) * k) / threads.count))
    const share = maxMessages === undefined ? undefined : Math.ceil(maxMessages / threads.count)
    const partSegments = cuts.slice(0, -1).map((from, k) => this.segmentsOf(from, cuts[k + 1]))
    const parts = partSegments.map((segments, k) => ({
      from: cuts[k], maxMessages: share, query, segments: segments.map((segment, i) => segmentPart(segment, i === 0 ? segment.positionFor(Math.max(cuts[k], segment.base)) : 0)), until: cuts[k + 1],
    }))
    const results = await threads.readInParts(parts)
    if (results === undefined) return undefined
    // What a part found good is known good here too.
    for (const [k, result] of results.entries()) {
      for (const [i, ranges] of result.checked.entries()) for (const [start, end] of ranges) partSegments[k][i].checked.add(start, end)
    }

    const ended = results.findIndex((result, k) => result.next < parts[k].until)
    const read = ended === -1 ? results : results.slice(0, ended + 1)
    return {messages: read.flatMap((result) => result.messages), next: read.at(-1)!.next}
  }

  /** The segments holding offsets [from, until), in order. */
  private segmentsOf(from: number, until: number): Segment[] {
    const segments: Segment[] = []
    for (let i = this.segments.indexOf(this.segmentHolding(from)!); i >= 0 && i < this.segments.length && this.segments[i].base < until; i++) {
      if (this.segments[i].next > from) segments.push(this.segments[i])
    }

    return segments
  }

  /** The segment holding `offset` or, when it falls in a gap, the first one after it. */
  private segmentHolding(offset: number): Segment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i]
      if (segment.base <= offset) return offset < segment.next ? segment : this.segments[i + 1]
    }

    return this.segments[0]
  }

  private async offsetAtTime(time: number): Promise<number | undefined> {
    for (const segment of this.segments) {
      if (segment.maxTime < time) continue
      let position: number | undefined = segment.positionForTime(time)
      while (position !== undefined) {
        let found: number | undefined
        const outcome = await segment.forEachBatch(position, segment.size, (buffer, at, header) => {
          found = firstOffsetAtTime(buffer, at, header, time)
          return found === undefined
        })
        if (found !== undefined) return found
        // Past a damaged batch, the search goes on from the next indexed one.
        position = typeof outcome === 'object' ? segment.entryAfter(outcome.corruptAt)?.position : undefined
      }
    }

    return undefined
  }
}

const FULL_CODES = new Set(['EDQUOT', 'EFBIG', 'ENOSPC'])

function writeError(appId: string, error: unknown): Error {
  if (error instanceof LogWriteError || error instanceof RangeError) return error
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const reason = FULL_CODES.has(code) ? 'full' : 'io'
  return new LogWriteError(reason, `cannot append to the log of ${appId}: ${(error as Error).message}`, {cause: error})
}

/** Where a part's reader finds a segment's offsets: its file from `position`, how much of it is written, what is checked. */
function segmentPart(segment: Segment, position: number): ReadPart['segments'][number] {
  return {checked: segment.checked.ranges(), end: segment.size, next: segment.next, path: segment.path, position}
}
