import {createHash} from 'node:crypto'

import {type BackoffOptions, backoffDelay, retryUntilAborted} from './backoff.js'
import {type Outgoing, overflowNotice} from './frames.js'
import {type AppLog, readerStateOf, savedNumber, savedText, type StoredMessage} from '../log/engine.js'
import {storedMessage} from '../message.js'
import {DeliveryError, type OutgoingBatch, type Transport} from './transport.js'

export interface DeliveryOptions {
  /** A batch is closed at about this many bytes; one larger message goes alone. Default 100 kB, as Logplex. */
  batchBytes: number
  backoff: BackoffOptions
  /** Told when an attempt failed on the receiver's certificate (the message is safe to show). */
  onCertificateError?: (reason: string) => void
  /** Told of messages the receiver took (L10 lines included), for the router's per-app counts. */
  onDelivered?: (count: number) => void
  /** Told of messages retention removed before the drain reached them (L10), or in batches the receiver refused. */
  onDropped?: (reason: 'drain_overflow' | 'drain_rejected', count: number) => void
  /** Told when the log or the saved position could not be read or written; delivery goes on after a backoff. */
  onCursorError?: (message: string) => void
  /**
   * On a cluster, asked before each write of a cursor: false when this node may no longer hold the drain's
   * lease, and then nothing is written and the delivery ends (the next holder resends from the saved position).
   */
  mayWrite?: () => boolean
}

/**
 * - `idle`: nothing sent yet;
 * - `connected`: the last attempt succeeded;
 * - `retrying`: the last attempt failed in a way that may pass (down, 5xx, 429, timeout); it will be retried;
 * - `failing`: the receiver refused the last batch (4xx) or its certificate does not verify.
 */
export type DrainState = 'connected' | 'failing' | 'idle' | 'retrying'

export interface DrainStatus {
  state: DrainState
  /** Why the last attempt failed; undefined once one succeeds again. */
  lastError: string | undefined
  /** Messages the receiver has taken (L10 lines included), also before a restart: the counts are saved with the position. */
  delivered: number
  /** Removed by retention before delivery plus refused by the receiver. */
  dropped: number
  droppedOverflow: number
  droppedRejected: number
  /** The offset in the app's log the drain delivers next (everything before it was taken); undefined until known. */
  position: number | undefined
  /** Messages of the batch being sent (and retried), 0 when none is. */
  inFlight: number
  /** Epoch ms of the last delivered batch. */
  lastSuccessAt: number | undefined
}

/** Rough per-message header bytes on top of the line, for sizing batches without encoding twice. */
const HEADER_BYTES = 64
/** Messages read from the log at a time. */
const READ_LIMIT = 2000

/** One batch: the offsets it covers (`first` to `end - 1`, removed ones included) and what is sent. */
interface Frame extends OutgoingBatch {
  readonly first: number
  readonly end: number
  /** Messages of the log in it (the L10 line is not one). */
  readonly stored: number
  /** Messages retention removed before the drain reached them; the batch opens with an L10 line saying so. */
  readonly lost: number
  /** Cut at the end of the log rather than at the batch size or a gap. */
  readonly short: boolean
}

/**
 * The cursors a drain keeps in its app's log: its position (the next offset to deliver) and the end of the
 * last batch cut at the end of the log, saved before it is first sent. The second makes a retry after a
 * restart resend exactly the same messages, so its frame id (derived from the drain id, the first offset and
 * the count) is the same too; other batches are cut the same way again without it. Beside them, under
 * `state`, the drain's counts (AppLog.readerState), so that a restart does not forget what it could not deliver.
 */
export function drainCursorNames(drainId: string): {position: string; frameEnd: string; state: string} {
  return {frameEnd: `drain:${drainId}:frame-end`, position: `drain:${drainId}`, state: `drain:${drainId}`}
}

/**
 * What of a drain's status is saved and read back after a restart (or by another node of a cluster), and when
 * retention first removed messages it had not read since its last L10 line (the next one's "since").
 */
export type SavedCounts = Pick<DrainStatus, 'delivered' | 'dropped' | 'droppedOverflow' | 'droppedRejected' | 'lastError' | 'lastSuccessAt'> & {firstLossAt: number | undefined}

/** The drain's counts as last saved; zeros and undefined for a drain that saved none. */
export async function savedCounts(log: AppLog, drainId: string): Promise<SavedCounts> {
  const state = await log.readerState(drainCursorNames(drainId).state)
  const droppedOverflow = savedNumber(state, 'droppedOverflow') ?? 0
  const droppedRejected = savedNumber(state, 'droppedRejected') ?? 0
  return {
    delivered: savedNumber(state, 'delivered') ?? 0,
    dropped: droppedOverflow + droppedRejected,
    droppedOverflow,
    droppedRejected,
    firstLossAt: savedNumber(state, 'firstLossAt'),
    lastError: savedText(state, 'lastError'),
    lastSuccessAt: savedNumber(state, 'lastSuccessAt'),
  }
}

/**
 * `Logplex-Frame-Id` of the batch covering offsets `first` to `first + count - 1` of the drain: derived, not
 * random, so that the same batch has the same id in every attempt, also after a restart or a crash.
 */
export function frameId(drainId: string, first: number, count: number): string {
  return createHash('sha256').update(`${drainId}:${first}:${count}`).digest('hex').slice(0, 32)
}

/**
 * One drain's delivery: a reader of its app's durable log from the drain's saved position. It follows the log
 * (woken by appends, never fed by ingest), cuts batches of consecutive offsets, sends one at a time and
 * retries the same batch with jittered capped backoff until it is taken or refused; only then is the position
 * moved past it. Taken means a 2xx answer for HTTP(S); for syslog and syslog+tls, which have no
 * acknowledgement, that the socket flushed the batch to the kernel: what a receiver that dies then loses from
 * its own buffers is lost, as with any syslog sender. A receiver that is slow or down makes the drain fall behind, bounded by retention alone: when
 * retention removed messages the drain had not reached, the next batch opens with an L10 line saying exactly
 * how many (the first stored offset minus the position).
 *
 * Batching by time comes free: a follow wakes at an append and reads whatever is stored, so one publish goes
 * as one batch and whatever arrives while a batch is in flight forms the next. No message waits for a timer.
 */
export class DrainDelivery {
  private readonly cursors: {position: string; frameEnd: string; state: string}
  private readonly abort = new AbortController()
  private stopped = false
  private attempt = 0
  private wake: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  /** Read from the log, not yet in a batch. */
  private pending: StoredMessage[] = []
  /** The offset the next read of the log starts at: past what `pending` holds. */
  private readNext = 0
  /** The last save of the position. */
  private saving: Promise<void> | undefined
  /** The last save of the counts. */
  private savingCounts: Promise<void> | undefined
  /** The saved counts were read back (once: a run started again after an error keeps counting from memory). */
  private restored = false
  /**
   * When the drain first saw that retention had removed messages it had not read, since its last L10 line:
   * the time of the first loss, which the next L10 line says its count runs from (as Logplex's drain buffer
   * keeps the time of its first drop). Undefined while nothing is lost.
   */
  private firstLossAt: number | undefined
  private readonly status: DrainStatus = {
    delivered: 0, dropped: 0, droppedOverflow: 0, droppedRejected: 0, inFlight: 0, lastError: undefined, lastSuccessAt: undefined, position: undefined, state: 'idle',
  }

  constructor(
    private readonly drainId: string,
    private readonly log: AppLog,
    private readonly transport: Transport,
    private readonly options: DeliveryOptions,
  ) {
    this.cursors = drainCursorNames(drainId)
  }

  /** Starts delivering from the saved position (a drain without one starts at the end of the log). */
  start(): void {
    // The log failing to read or keep the position (a NATS server lost for a moment, a full disk) is told and
    // retried from the saved position, with the same batches and frame ids: it does not end the drain.
    this.running ??= retryUntilAborted(() => this.run(), this.abort.signal, this.options.backoff, (error) => this.options.onCursorError?.(error.message))
  }

  /** False until the counts saved before the last stop are read back; until then, snapshot's counts start at 0. */
  get countsRestored(): boolean {
    return this.restored
  }

  snapshot(): DrainStatus {
    return {...this.status, dropped: this.status.droppedOverflow + this.status.droppedRejected}
  }

  /**
   * Stops sending at once (an attempt in progress is cut: its batch is resent, with the same frame id, after
   * the next start) and resolves once the position of everything taken, and the counts, are saved.
   */
  async stop(): Promise<void> {
    this.stopped = true
    this.abort.abort()
    clearTimeout(this.timer)
    this.wake?.()
    this.transport.close()
    await this.running
  }

  private async run(): Promise<void> {
    this.pending = []
    if (!this.restored) {
      const {firstLossAt, ...counts} = await savedCounts(this.log, this.drainId)
      Object.assign(this.status, counts)
      this.firstLossAt = firstLossAt
      this.restored = true
    }

    const {nextOffset, position: start} = await this.startPosition()
    let position = start
    this.status.position = position
    this.readNext = position
    // A batch cut at the end of the log when the router stopped goes again as it was, if its offsets are all stored.
    const savedEnd = await this.log.cursor(this.cursors.frameEnd)
    let resumeEnd = savedEnd !== undefined && savedEnd > position && savedEnd <= nextOffset ? savedEnd : undefined
    try {
      while (!this.stopped) {
        const frame = await this.nextFrame(position, resumeEnd)
        resumeEnd = undefined
        if (frame === undefined) return
        if (!this.mayWrite()) return
        if (frame.short) await Promise.all([this.log.setCursor(this.cursors.position, position), this.log.setCursor(this.cursors.frameEnd, frame.end)])
        if (!(await this.deliver(frame))) return
        position = frame.end
        this.status.position = position
        this.status.inFlight = 0
        this.savePosition(position)
      }
    } finally {
      await Promise.all([this.saving, this.savingCounts])
    }
  }

  /**
   * Saves the position without waiting for the write (writes of the cursors file are shared, so a drain
   * catching up costs the disk one write at a time). Should the router crash first, the batches after the
   * saved position go again: a full batch is cut the same way from the same offsets, and a short one had its
   * end saved, so each has the same frame id as before.
   */
  private savePosition(position: number): void {
    if (!this.mayWrite()) return
    this.saving = this.log.setCursor(this.cursors.position, position).catch((error: Error) => this.options.onCursorError?.(error.message))
  }

  /** Saves the counts, last error and last success as the position is saved: without waiting, at most lost in a crash. */
  private saveCounts(): void {
    if (!this.mayWrite()) return
    const {delivered, droppedOverflow, droppedRejected, lastError, lastSuccessAt} = this.status
    const state = readerStateOf({delivered, droppedOverflow, droppedRejected, firstLossAt: this.firstLossAt, lastError, lastSuccessAt})
    this.savingCounts = this.log.setReaderState(this.cursors.state, state).catch((error: Error) => this.options.onCursorError?.(error.message))
  }

  private mayWrite(): boolean {
    return this.options.mayWrite?.() ?? true
  }

  /**
   * The saved position; without one (a drain added by an older router), the end of the log. A position past
   * the end (the log lost its tail in a crash of the machine) is brought back to the end, so that new
   * messages are not skipped.
   */
  private async startPosition(): Promise<{position: number; nextOffset: number}> {
    const saved = await this.log.cursor(this.cursors.position)
    const {nextOffset} = await this.log.stats()
    if (saved !== undefined && saved <= nextOffset) return {nextOffset, position: saved}
    if (!this.mayWrite()) return {nextOffset, position: nextOffset}
    await this.log.setCursor(this.cursors.position, nextOffset)
    return {nextOffset, position: nextOffset}
  }

  /**
   * The next batch from `position`, waiting for appends; undefined once stopped. With `resumeEnd` (the end of
   * the batch in flight at the last stop, within the log), everything up to it is read first.
   */
  private async nextFrame(position: number, resumeEnd: number | undefined): Promise<Frame | undefined> {
    if (this.pending.length === 0 && !(await this.fill(true))) return undefined
    if (resumeEnd !== undefined) {
      while (this.pending.at(-1)!.offset < resumeEnd - 1 && (await this.fill(false)));
    }

    return this.cut(position, resumeEnd)
  }

  /**
   * Reads on from where the last read ended into `pending`; with `wait`, waits for an append when there is
   * nothing. False when there was nothing (or the drain stopped while waiting).
   */
  private async fill(wait: boolean): Promise<boolean> {
    const {messages, next} = await this.log.read({offset: this.readNext}, READ_LIMIT)
    this.readNext = next
    if (messages.length > 0 || !wait) {
      this.pending.push(...messages)
      return messages.length > 0
    }

    const follow = this.log.follow(this.readNext, {limit: READ_LIMIT, signal: this.abort.signal})[Symbol.asyncIterator]()
    const read = await follow.next()
    await follow.return?.()
    if (read.done === true) return false
    this.pending.push(...read.value)
    this.readNext = read.value.at(-1)!.offset + 1
    return true
  }

  /**
   * Consecutive stored offsets from `position` up to the batch size (one larger message goes alone), opened by
   * an L10 line when offsets from `position` on were removed; or exactly the offsets before `resumeEnd` when
   * they are all still there. A batch ends at the batch size or at a gap, which a cut after a restart finds
   * again, or at the end of the log (`short`), which it would not: the end of a short batch is saved.
   */
  private async cut(position: number, resumeEnd: number | undefined): Promise<Frame> {
    const lost = this.pending[0].offset - position
    const whole = resumeEnd !== undefined && lost === 0 && this.pending[resumeEnd - 1 - position]?.offset === resumeEnd - 1
    const messages: Outgoing[] = []
    if (lost > 0) {
      // Not seen before this cut (the drain was not waiting on its receiver): lost about now.
      const now = Date.now()
      messages.push(overflowNotice(lost, this.firstLossAt ?? now, now))
      this.firstLossAt = undefined
    }

    let bytes = 0
    let taken = 0
    let short = false
    for (;;) {
      if (taken === this.pending.length && (whole || !(await this.fill(false)))) {
        short = !whole
        break
      }

      const stored = this.pending[taken]
      if (whole ? stored.offset >= resumeEnd : taken > 0 && stored.offset !== this.pending[taken - 1].offset + 1) break
      const message = storedMessage(stored)
      const size = message.line.length + HEADER_BYTES
      if (!whole && taken > 0 && bytes + size > this.options.batchBytes) break
      bytes += size
      messages.push(message)
      taken++
    }

    const end = this.pending[taken - 1].offset + 1
    this.pending = this.pending.slice(taken)
    return {end, first: position, frameId: frameId(this.drainId, position, end - position), lost, messages, short, stored: taken}
  }

  /** Sends the frame until it is taken (true) or refused (true: it is counted and passed), or the drain stops (false). */
  private async deliver(frame: Frame): Promise<boolean> {
    this.status.inFlight = frame.stored
    if (frame.lost > 0) {
      this.status.droppedOverflow += frame.lost
      this.options.onDropped?.('drain_overflow', frame.lost)
    }

    while (!this.stopped) {
      try {
        await this.transport.send(frame)
        this.status.delivered += frame.messages.length
        this.options.onDelivered?.(frame.messages.length)
        this.status.lastSuccessAt = Date.now()
        this.status.lastError = undefined
        this.status.state = 'connected'
        this.attempt = 0
        this.saveCounts()
        return true
      } catch (error) {
        if (this.stopped) return false
        const failure = error instanceof DeliveryError ? error : new DeliveryError('retry', (error as Error).message)
        this.status.lastError = failure.message
        if (failure.kind === 'reject') {
          this.status.droppedRejected += frame.stored
          this.options.onDropped?.('drain_rejected', frame.stored)
          this.status.state = 'failing'
          this.saveCounts()
          return true
        }

        this.status.state = failure.kind === 'certificate' ? 'failing' : 'retrying'
        await this.noteLoss()
        this.saveCounts()
        if (failure.kind === 'certificate') this.options.onCertificateError?.(failure.message)
        await this.sleep(backoffDelay(this.attempt++, this.options.backoff))
      }
    }

    return false
  }

  /**
   * While the receiver keeps the drain waiting, notes when retention first removes messages past what it has
   * read (those before are held, in the batch or read ahead), so that the L10 line says since when, within a retry.
   */
  private async noteLoss(): Promise<void> {
    if (this.firstLossAt !== undefined) return
    // A log that cannot say now is asked again at the next failed attempt.
    const stats = await this.log.stats().catch(() => undefined)
    if (stats !== undefined && stats.firstOffset > this.readNext) this.firstLossAt = Date.now()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
      this.timer = setTimeout(resolve, ms)
    })
  }
}
