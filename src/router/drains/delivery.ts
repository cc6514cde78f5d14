import {randomBytes} from 'node:crypto'

import {type BackoffOptions, backoffDelay} from './backoff.js'
import {type Outgoing, overflowNotice} from './frames.js'
import {BoundedQueue} from '../bounded-queue.js'
import {DeliveryError, type OutgoingBatch, type Transport} from './transport.js'

export interface DeliveryOptions {
  /** Messages waiting at most; when full the oldest are dropped (and an L10 line says how many). Default 1024. */
  queueSize: number
  /** A batch is closed at about this many bytes; one larger message goes alone. Default 100 kB, as Logplex. */
  batchBytes: number
  backoff: BackoffOptions
  /** Told when an attempt failed on the receiver's certificate (the message is safe to show). */
  onCertificateError?: (reason: string) => void
  /** Told of messages the receiver took (L10 lines included), for the router's per-app counts. */
  onDelivered?: (count: number) => void
  /** Told of messages lost to a full queue (L10) or in batches the receiver refused. */
  onDropped?: (reason: 'drain_overflow' | 'drain_rejected', count: number) => void
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
  /** Messages the receiver has taken (L10 lines included). */
  delivered: number
  /** Lost to a full queue plus refused by the receiver. */
  dropped: number
  droppedOverflow: number
  droppedRejected: number
  /** Waiting, including a batch in flight. */
  queued: number
  /** Epoch ms of the last delivered batch. */
  lastSuccessAt: number | undefined
}

/** What a stopped drain had not delivered, oldest first; the first `inFlight.count` were being sent as `frameId`. */
export interface Undelivered {
  messages: Outgoing[]
  inFlight?: {frameId: string; count: number}
}

/** Rough per-message header bytes on top of the line, for sizing batches without encoding twice. */
const HEADER_BYTES = 64

/**
 * One drain's delivery: a bounded queue fed synchronously by ingest (pushing never waits), and one loop that
 * sends a batch at a time, in order, retrying the same batch (same frame id) with jittered capped backoff
 * until it is taken, refused or the drain is stopped.
 *
 * Batching by time comes free: the loop starts on the next turn of the event loop after a message arrives,
 * so one publish goes as one batch, and whatever arrives while a batch is in flight forms the next one. No
 * message waits for a timer.
 */
export class DrainDelivery {
  private readonly queue: BoundedQueue<Outgoing>
  private inFlight: OutgoingBatch | undefined
  /** Lost to overflow and not yet reported in an L10 line. */
  private unreported = 0
  private firstLossAt = 0
  private running = false
  private stopped = false
  private attempt = 0
  private wake: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly status: DrainStatus = {
    delivered: 0, dropped: 0, droppedOverflow: 0, droppedRejected: 0, lastError: undefined, lastSuccessAt: undefined, queued: 0, state: 'idle',
  }

  constructor(private readonly transport: Transport, private readonly options: DeliveryOptions) {
    this.queue = new BoundedQueue(options.queueSize)
  }

  push(messages: readonly Outgoing[]): void {
    if (this.stopped) return
    let lost = 0
    for (const message of messages) {
      if (this.queue.push(message)) lost++
    }

    if (lost > 0) this.lose(lost)

    this.start()
  }

  /**
   * Puts what a stop left back in front of anything new (they are older). A batch that was in flight goes
   * first with its frame id, so a receiver that took it before the stop can tell the resend from new data.
   */
  restore(undelivered: Undelivered): void {
    const newer = this.queue.drain()
    const {inFlight, messages} = undelivered
    if (inFlight !== undefined && this.inFlight === undefined && inFlight.count <= messages.length) {
      this.inFlight = {frameId: inFlight.frameId, messages: messages.slice(0, inFlight.count)}
      this.push(messages.slice(inFlight.count))
    } else {
      this.push(messages)
    }

    this.push(newer)
    this.start()
  }

  snapshot(): DrainStatus {
    return {...this.status, dropped: this.status.droppedOverflow + this.status.droppedRejected, queued: this.queue.size + (this.inFlight?.messages.length ?? 0)}
  }

  /**
   * Stops at once: cuts an attempt in progress and returns what was not delivered, oldest first (a pending
   * L10 line included), for the spool. A batch cut mid-attempt is returned with its frame id: the receiver
   * may have taken it without the answer arriving.
   */
  stop(): Undelivered {
    this.stopped = true
    clearTimeout(this.timer)
    this.wake?.()
    this.transport.close()
    const batch = this.inFlight
    const messages = [...(batch?.messages ?? [])]
    if (this.unreported > 0) messages.push(overflowNotice(this.unreported, this.firstLossAt, Date.now()))
    messages.push(...this.queue.drain())
    this.inFlight = undefined
    return batch === undefined ? {messages} : {inFlight: {count: batch.messages.length, frameId: batch.frameId}, messages}
  }

  private lose(count: number): void {
    if (this.unreported === 0) this.firstLossAt = Date.now()
    this.unreported += count
    this.status.droppedOverflow += count
    this.options.onDropped?.('drain_overflow', count)
  }

  private start(): void {
    if (this.running) return
    this.running = true
    setImmediate(() => {
      this.run().catch(() => {}).finally(() => {
        this.running = false
        if (!this.stopped && this.queue.size > 0) this.start()
      })
    })
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.inFlight ??= this.nextBatch()
      const batch = this.inFlight
      if (batch === undefined) return
      try {
        await this.transport.send(batch)
        if (this.stopped) return
        this.status.delivered += batch.messages.length
        this.options.onDelivered?.(batch.messages.length)
        this.status.lastSuccessAt = Date.now()
        this.status.lastError = undefined
        this.status.state = 'connected'
        this.attempt = 0
        this.inFlight = undefined
      } catch (error) {
        if (this.stopped) return
        const failure = error instanceof DeliveryError ? error : new DeliveryError('retry', (error as Error).message)
        this.status.lastError = failure.message
        if (failure.kind === 'reject') {
          this.status.droppedRejected += batch.messages.length
          this.options.onDropped?.('drain_rejected', batch.messages.length)
          this.status.state = 'failing'
          this.inFlight = undefined
          continue
        }

        this.status.state = failure.kind === 'certificate' ? 'failing' : 'retrying'
        if (failure.kind === 'certificate') this.options.onCertificateError?.(failure.message)
        await this.sleep(backoffDelay(this.attempt++, this.options.backoff))
      }
    }
  }

  /** The oldest messages up to the batch size, after an L10 line when some were lost since the last batch. */
  private nextBatch(): OutgoingBatch | undefined {
    if (this.queue.size === 0 && this.unreported === 0) return undefined
    const messages: Outgoing[] = []
    let bytes = 0
    if (this.unreported > 0) {
      messages.push(overflowNotice(this.unreported, this.firstLossAt, Date.now()))
      this.unreported = 0
    }

    for (let next = this.queue.peek(); next !== undefined; next = this.queue.peek()) {
      const size = next.line.length + HEADER_BYTES
      if (messages.length > 0 && bytes + size > this.options.batchBytes) break
      messages.push(this.queue.shift()!)
      bytes += size
    }

    return {frameId: randomBytes(16).toString('hex'), messages}
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
      this.timer = setTimeout(resolve, ms)
    })
  }
}
