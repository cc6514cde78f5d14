import type {DropCounter, DropOrigin} from '../drops.js'
import type {LogHub} from '../hub.js'
import {logplexLine, routerEntry} from '../message.js'
import type {Traffic} from '../observability/traffic.js'
import type {App, AppStore, Drain} from '../store.js'
import {type BackoffOptions, DEFAULT_BACKOFF} from './backoff.js'
import {DrainDelivery, type DrainStatus} from './delivery.js'
import {certificateNotice} from './frames.js'
import {HttpsTransport} from './https-drain.js'
import {redactUrl} from './redact.js'
import {type Spooled, takeSpool, writeSpool} from './spool.js'
import {isSyslogDrain, SyslogTransport} from './syslog-drain.js'
import type {Transport} from './transport.js'

export interface DrainDeliveryOptions {
  /** Messages a drain keeps waiting at most. Default 1024, as Logplex. */
  queueSize?: number
  /** Batch size in bytes. Default 100 kB, as Logplex. */
  batchBytes?: number
  backoff?: BackoffOptions
  /** Certificates trusted for syslog+tls and https drains; undefined: Node's (with NODE_EXTRA_CA_CERTS). */
  ca?: string[]
  /** Connect, write and answer timeout. Default 10 s. */
  timeoutMs?: number
  /** At most one L14 line per drain in this time. Default 60 s. */
  certificateNoticeMs?: number
  /** Where messages delivered and lost are counted, per app. */
  drops?: DropCounter
  traffic?: Traffic
}

interface Running {
  readonly app: App
  readonly drain: Drain
  readonly delivery: DrainDelivery
}

/**
 * Every drain of every app, delivering: one DrainDelivery per drain, fed by one hub subscription per app that
 * has drains (apps without drains cost ingest nothing). Changes to an app's drains take effect at once;
 * stopping writes what was not delivered to the spool, which the next start sends first.
 */
export class DrainDeliveries {
  private readonly running = new Map<string, Running>()
  private readonly subscriptions = new Map<string, () => void>()
  private closed = false

  constructor(
    private readonly hub: LogHub,
    private readonly store: AppStore,
    private readonly dataDir: string,
    private readonly options: DrainDeliveryOptions = {},
  ) {}

  /** Starts every stored drain, with what the last stop spooled in front. Returns a problem worth logging, if any. */
  async start(): Promise<string | undefined> {
    for (const app of this.store.list()) this.sync(app)
    const {problem, spooled} = await takeSpool(this.dataDir)
    for (const [id, undelivered] of spooled) this.running.get(id)?.delivery.restore(undelivered)
    return problem
  }

  /** Brings the app's deliveries in line with its drains: new ones start, removed ones stop and are freed. */
  sync(app: App): void {
    if (this.closed) return
    const ids = new Set(app.drains.map((drain) => drain.id))
    for (const [id, running] of this.running) {
      if (running.app.id === app.id && !ids.has(id)) {
        running.delivery.stop()
        this.running.delete(id)
      }
    }

    for (const drain of app.drains) {
      if (!this.running.has(drain.id)) this.running.set(drain.id, {app, delivery: this.delivery(app, drain), drain})
    }

    const subscribed = this.subscriptions.get(app.id)
    if (app.drains.length > 0 && subscribed === undefined) {
      this.subscriptions.set(app.id, this.hub.subscribe(app.id, (batch) => {
        for (const drain of app.drains) this.running.get(drain.id)?.delivery.push(batch.messages)
      }))
    } else if (app.drains.length === 0 && subscribed !== undefined) {
      subscribed()
      this.subscriptions.delete(app.id)
    }
  }

  status(drainId: string): DrainStatus | undefined {
    return this.running.get(drainId)?.delivery.snapshot()
  }

  /** Stops every drain and spools what they had not delivered. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const unsubscribe of this.subscriptions.values()) unsubscribe()
    const spooled: Spooled = new Map()
    for (const [id, running] of this.running) spooled.set(id, running.delivery.stop())
    this.running.clear()
    await writeSpool(this.dataDir, spooled)
  }

  private delivery(app: App, drain: Drain): DrainDelivery {
    const url = new URL(drain.url)
    const timeoutMs = this.options.timeoutMs ?? 10_000
    const transport: Transport = isSyslogDrain(url)
      ? new SyslogTransport(url, {ca: this.options.ca, connectTimeoutMs: timeoutMs, token: drain.token, writeTimeoutMs: timeoutMs})
      : new HttpsTransport(url, {ca: this.options.ca, timeoutMs, token: drain.token})
    const noticeEvery = this.options.certificateNoticeMs ?? 60_000
    let lastNotice = -Infinity
    const origin: DropOrigin = {key: drain.id, sender: `drain ${redactUrl(drain.url)} of ${app.name}`}
    const {drops, traffic} = this.options
    return new DrainDelivery(transport, {
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      batchBytes: this.options.batchBytes ?? 100 * 1024,
      onCertificateError: (reason) => {
        const now = Date.now()
        if (now - lastNotice < noticeEvery) return
        lastNotice = now
        const line = logplexLine(certificateNotice(reason, redactUrl(drain.url)), now)
        this.hub.publish(app.id, [routerEntry(line)])
      },
      onDelivered: (count) => traffic?.drained(app.id, count),
      onDropped: (reason, count) => drops?.count(reason, count, app.id, origin),
      queueSize: this.options.queueSize ?? 1024,
    })
  }
}
