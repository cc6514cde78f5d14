import {setTimeout as sleep} from 'node:timers/promises'

import {type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, retryUntilAborted} from '../drains/backoff.js'
import type {Claims} from '../cluster/lease-keeper.js'
import {DeliveryError} from '../drains/transport.js'
import type {DropCounter} from '../drops.js'
import {type AppLog, type LogEngine, readerStateOf, savedNumber, savedText, type StoredMessage} from '../log/engine.js'
import type {Traffic} from '../observability/traffic.js'
import type {App, AppStore, TelemetryDrain} from '../store.js'
import {exportRequest} from './logs-output.js'
import {type OtlpTransport, otlpTransport} from './transports.js'

export interface TelemetryDeliveryOptions {
  /** Records per export request at most. Default 512. */
  batchSize?: number
  backoff?: BackoffOptions
  /** An answer that has not come in this time is a failure, retried. Default 10 s. */
  timeoutMs?: number
  /** CAs to trust besides Node's (`serve --drain-ca`). */
  ca?: string[]
  drops?: DropCounter
  /** Where the records receivers took are counted, per app (as log drains' are). */
  traffic?: Traffic
  /** On a cluster: a telemetry drain is delivered here only while this node holds its lease (`telemetry.<id>`). */
  claims?: Claims
}

/**
 * How a telemetry drain's delivery is going (`GET /telemetry-drains/{id}` on the router). The counts, last
 * error and last success are kept across restarts, saved beside the cursor as a log drain's are.
 */
export interface TelemetryStatus {
  state: 'connected' | 'failing' | 'idle' | 'retrying'
  lastError: string | undefined
  /** Records the receiver took. */
  delivered: number
  /** Records it refused: in a request it refused outright (4xx), or counted in a partialSuccess. */
  rejected: number
  /** The next offset of the app's log to send. */
  cursor: number | undefined
  lastSuccessAt: number | undefined
}

/** The cursor a drain keeps its position under, in its app's log. */
export function telemetryCursor(drainId: string): string {
  return `telemetry:${drainId}`
}

/**
 * Every telemetry drain's delivery: the app's durable log read from the drain's saved cursor, a batch at a
 * time, each sent as one OTLP export request, retried with capped jittered backoff until the receiver takes
 * or refuses it, and the cursor saved after each. So nothing is lost across a receiver outage or a router
 * restart (what was not confirmed is sent again: at least once), and a slow receiver holds no memory: it
 * is simply further behind in the log. A new drain starts at the end of the log: it gets what comes next.
 */
export class TelemetryDeliveries {
  /** Undefined on a cluster while another node holds the drain's lease. */
  private readonly running = new Map<string, {appId: string; exporter: TelemetryExport | undefined}>()
  private closed = false

  constructor(private readonly engine: LogEngine, private readonly store: AppStore, private readonly options: TelemetryDeliveryOptions = {}) {}

  start(): void {
    for (const app of this.store.list()) this.sync(app)
  }

  /** Brings the app's deliveries in line with its telemetry drains (those with the `logs` signal). */
  sync(app: App): void {
    if (this.closed) return
    const wanted = new Map(app.telemetryDrains.filter((drain) => drain.signals.includes('logs')).map((drain) => [drain.id, drain]))
    const {claims} = this.options
    for (const [id, running] of this.running) {
      if (running.appId === app.id && !wanted.has(id)) {
        this.running.delete(id)
        // A removed drain's position goes with it, once its loop has stopped writing it.
        Promise.resolve(running.exporter?.stop())
          .then(() => claims?.unclaim(telemetryLeaseKey(id)))
          .then(async () => {
            const log = this.engine.app(app.id)
            await log.deleteCursor(telemetryCursor(id))
            await log.deleteReaderState(telemetryCursor(id))
          })
          .catch(() => {})
      }
    }

    for (const [id, drain] of wanted) {
      if (this.running.has(id)) continue
      const running = {appId: app.id, exporter: undefined as TelemetryExport | undefined}
      this.running.set(id, running)
      const begin = (): void => {
        if (this.running.get(id) === running) running.exporter ??= new TelemetryExport(app, drain, this.engine.app(app.id), this.options)
      }

      if (claims === undefined) begin()
      else {
        claims.claim(telemetryLeaseKey(id), begin, () => {
          running.exporter?.stop().catch(() => {})
          running.exporter = undefined
        })
      }
    }
  }

  status(drainId: string): TelemetryStatus | undefined {
    return this.running.get(drainId)?.exporter?.status
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.running.values()].map((running) => running.exporter?.stop()))
    this.running.clear()
  }
}

/** A telemetry drain's lease key on a cluster. */
export function telemetryLeaseKey(drainId: string): string {
  return `telemetry.${drainId}`
}

/** One drain's loop (see TelemetryDeliveries). */
class TelemetryExport {
  readonly status: TelemetryStatus = {cursor: undefined, delivered: 0, lastError: undefined, lastSuccessAt: undefined, rejected: 0, state: 'idle'}
  readonly appId: string
  private readonly abort = new AbortController()
  private readonly transport: OtlpTransport
  private readonly done: Promise<void>
  /** The saved counts were read back (once: a run started again after an error keeps counting from memory). */
  private restored = false
  /** The last save of the counts. */
  private saving: Promise<void> | undefined

  constructor(private readonly app: App, private readonly drain: TelemetryDrain, private readonly log: AppLog, private readonly options: TelemetryDeliveryOptions) {
    this.appId = app.id
    this.transport = otlpTransport(drain, {ca: options.ca, timeoutMs: options.timeoutMs ?? 10_000})
    // The log failing to read or keep the cursor (a NATS server lost for a moment, a full disk) is shown in the
    // status and retried from the saved cursor: it does not end the drain.
    this.done = retryUntilAborted(() => this.run(), this.abort.signal, options.backoff ?? DEFAULT_BACKOFF, (error) => {
      this.status.state = 'retrying'
      this.status.lastError = `the log: ${error.message}`
    })
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.transport.close()
    await this.done
    await this.saving
  }

  private async run(): Promise<void> {
    const name = telemetryCursor(this.drain.id)
    if (!this.restored) {
      await this.restoreCounts(name)
      this.restored = true
    }

    let from = await this.log.cursor(name)
    if (from === undefined && this.mayWrite()) {
      from = (await this.log.stats()).nextOffset
      await this.log.setCursor(name, from)
    }

    if (from === undefined) return
    this.status.cursor = from
    const {signal} = this.abort
    for await (const batch of this.log.follow(from, {limit: this.options.batchSize ?? 512, signal})) {
      if (batch.length === 0) continue
      if (!this.mayWrite()) return
      await this.deliver(batch)
      if (signal.aborted || !this.mayWrite()) return
      const next = batch.at(-1)!.offset + 1
      await this.log.setCursor(name, next)
      this.status.cursor = next
    }
  }

  private async restoreCounts(name: string): Promise<void> {
    const saved = await this.log.readerState(name)
    this.status.delivered = savedNumber(saved, 'delivered') ?? this.status.delivered
    this.status.rejected = savedNumber(saved, 'rejected') ?? this.status.rejected
    this.status.lastError = savedText(saved, 'lastError') ?? this.status.lastError
    this.status.lastSuccessAt = savedNumber(saved, 'lastSuccessAt') ?? this.status.lastSuccessAt
  }

  /** Saves the counts after an attempt's outcome, without waiting (a crash loses at most what changed since). */
  private saveCounts(): void {
    if (!this.mayWrite()) return
    const {delivered, lastError, lastSuccessAt, rejected} = this.status
    this.saving = this.log.setReaderState(telemetryCursor(this.drain.id), readerStateOf({delivered, lastError, lastSuccessAt, rejected})).catch(() => {})
  }

  /** The fencing check on a cluster: this node still holds the drain's lease. */
  private mayWrite(): boolean {
    return this.options.claims?.holds(telemetryLeaseKey(this.drain.id)) ?? true
  }

  /** Sends the batch until the receiver takes or refuses it; returns early only when stopped. */
  private async deliver(batch: StoredMessage[]): Promise<void> {
    const request = exportRequest(this.app.name, batch)
    const {signal} = this.abort
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const {rejected} = await this.transport.send(request)
        this.taken(batch.length - rejected, rejected)
        this.saveCounts()
        return
      } catch (error) {
        if (signal.aborted) return
        if (!(error instanceof DeliveryError)) throw error
        this.status.lastError = error.message
        if (error.kind === 'reject') {
          this.status.state = 'failing'
          this.refused(batch.length)
          this.saveCounts()
          return
        }

        this.status.state = 'retrying'
        this.saveCounts()
        await sleep(backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF), undefined, {signal}).catch(() => {})
      }
    }
  }

  private taken(delivered: number, rejected: number): void {
    this.status.delivered += delivered
    this.options.traffic?.drained(this.app.id, delivered)
    this.status.state = 'connected'
    this.status.lastError = undefined
    this.status.lastSuccessAt = Date.now()
    if (rejected > 0) this.refused(rejected)
  }

  private refused(count: number): void {
    this.status.rejected += count
    this.options.drops?.count('drain_rejected', count, this.app.id, {key: this.drain.id, sender: `telemetry drain ${this.drain.exporter.endpoint} of ${this.app.name}`})
  }
}
