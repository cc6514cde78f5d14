import type {Claims} from '../cluster/lease-keeper.js'
import type {DropCounter, DropOrigin} from '../drops.js'
import type {LogHub} from '../hub.js'
import {logplexLine, routerEntry} from '../message.js'
import type {Traffic} from '../observability/traffic.js'
import type {App, AppStore, Drain} from '../store.js'
import {type BackoffOptions, DEFAULT_BACKOFF} from './backoff.js'
import {DrainDelivery, drainCursorNames, type DrainStatus, savedCounts} from './delivery.js'
import {certificateNotice} from './frames.js'
import {HttpsTransport} from './https-drain.js'
import {redactUrl} from './redact.js'
import {isSyslogDrain, SyslogTransport} from './syslog-drain.js'
import type {Transport} from './transport.js'

export interface DrainDeliveryOptions {
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
  /** Where problems with a drain's saved position are told. */
  log?: (line: string) => void
  /** On a cluster: a drain is delivered here only while this node holds its lease (`drain.<id>`). */
  claims?: Claims
}

/** A drain's delivery with how far it is behind: `lag` messages between its position and the end of the log. */
export interface DrainReport extends DrainStatus {
  lag: number | undefined
  /** On a cluster, the node delivering it (holding its lease); undefined on a single router or while nobody does. */
  node: string | undefined
  /** On a cluster, whether this node delivers it: when not, the counts are the holder's to report. Undefined on a single router. */
  deliveredHere: boolean | undefined
}

/** What a drain delivered by another node shows, besides its saved position and counts. */
const IDLE: DrainStatus = {
  delivered: 0, dropped: 0, droppedOverflow: 0, droppedRejected: 0, inFlight: 0, lastError: undefined, lastSuccessAt: undefined, position: undefined, state: 'idle',
}

interface Running {
  readonly app: App
  readonly drain: Drain
  /** Undefined on a cluster while another node holds the drain's lease. */
  delivery: DrainDelivery | undefined
}

/** A drain's lease key on a cluster. */
export function drainLeaseKey(drainId: string): string {
  return `drain.${drainId}`
}

/**
 * Every drain of every app, delivering: one DrainDelivery per drain, each a reader of its app's durable log
 * from the drain's saved position (apps without drains cost ingest nothing, and ingest never waits for a
 * drain). Changes to an app's drains take effect at once; a removed drain's position is deleted.
 *
 * On a cluster every node runs this over every drain, but a node delivers a drain only while it holds the
 * drain's lease: it starts from the position saved in the cluster's cursors (where the last holder stopped)
 * and stops at once when the lease is lost, saving no cursor then (the next holder resends what was not
 * saved, under the same frame ids).
 */
export class DrainDeliveries {
  private readonly running = new Map<string, Running>()
  private closed = false

  constructor(
    private readonly hub: LogHub,
    private readonly store: AppStore,
    private readonly options: DrainDeliveryOptions = {},
  ) {}

  /** Starts every stored drain from its saved position. */
  start(): void {
    for (const app of this.store.list()) this.sync(app)
  }

  /**
   * Where a drain about to be added starts: the end of its app's log (as Heroku), or with `since` (epoch ms)
   * the first message received at or after it. Called before the drain is added, so that nothing accepted
   * after the drain was created is missed.
   */
  async place(app: App, drainId: string, since?: number): Promise<void> {
    const log = this.hub.engine.app(app.id)
    const offset = since === undefined ? (await log.stats()).nextOffset : (await log.read({time: since}, 1)).messages[0]?.offset ?? (await log.stats()).nextOffset
    await log.setCursor(drainCursorNames(drainId).position, offset)
  }

  /** Brings the app's deliveries in line with its drains: new ones start, removed ones stop and forget their position. */
  sync(app: App): void {
    if (this.closed) return
    const ids = new Set(app.drains.map((drain) => drain.id))
    for (const [id, running] of this.running) {
      if (running.app.id === app.id && !ids.has(id)) {
        this.running.delete(id)
        this.forget(running).catch((error: Error) => this.options.log?.(`could not delete the position of a removed drain of ${app.name}: ${error.message}`))
      }
    }

    for (const drain of app.drains) {
      if (this.running.has(drain.id)) continue
      const running: Running = {app, delivery: undefined, drain}
      this.running.set(drain.id, running)
      const {claims} = this.options
      if (claims === undefined) this.begin(running)
      else claims.claim(drainLeaseKey(drain.id), () => this.begin(running), () => this.end(running))
    }
  }

  status(drainId: string): DrainStatus | undefined {
    return this.running.get(drainId)?.delivery?.snapshot()
  }

  /**
   * The drain's status and lag (messages behind the end of its app's log). On a cluster, for a drain another
   * node delivers: the position saved in the cluster's cursors and which node holds it.
   */
  async report(drainId: string): Promise<DrainReport | undefined> {
    const running = this.running.get(drainId)
    if (running === undefined) return undefined
    const log = this.hub.engine.app(running.app.id)
    const {claims} = this.options
    const {delivery} = running
    // A delivery just started has not read its saved counts yet: they are read here, so that none shows 0 for them.
    const status = delivery === undefined
      ? {...IDLE, ...(await savedCounts(log, drainId)), position: await log.cursor(drainCursorNames(drainId).position)}
      : delivery.countsRestored ? delivery.snapshot() : {...delivery.snapshot(), ...(await savedCounts(log, drainId))}
    const node = delivery === undefined ? await claims?.holderOf(drainLeaseKey(drainId)) : claims?.holder
    const {nextOffset} = await log.stats()
    const deliveredHere = claims === undefined ? undefined : running.delivery !== undefined
    return {...status, deliveredHere, lag: status.position === undefined ? undefined : Math.max(0, nextOffset - status.position), node}
  }

  /** Every delivering drain of the app, with its report. */
  async reports(appId: string): Promise<Array<{drain: Drain; report: DrainReport}>> {
    const drains = [...this.running.values()].filter((running) => running.app.id === appId)
    return Promise.all(drains.map(async ({drain}) => ({drain, report: (await this.report(drain.id))!})))
  }

  /** Stops every drain; resolves once the position of everything the receivers took, and the counts, are saved. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const stopping = [...this.running.values()].map((running) => running.delivery?.stop())
    this.running.clear()
    await Promise.all(stopping)
  }

  private begin(running: Running): void {
    if (this.running.get(running.drain.id) !== running || running.delivery !== undefined) return
    running.delivery = this.delivery(running.app, running.drain)
    running.delivery.start()
  }

  /** The lease was lost: stop sending at once (the delivery saves no cursor without the lease). */
  private end(running: Running): void {
    const {delivery} = running
    running.delivery = undefined
    delivery?.stop().catch(() => {})
  }

  private async forget(running: Running): Promise<void> {
    await running.delivery?.stop()
    running.delivery = undefined
    await this.options.claims?.unclaim(drainLeaseKey(running.drain.id))
    const log = this.hub.engine.app(running.app.id)
    const names = drainCursorNames(running.drain.id)
    await log.deleteCursor(names.position)
    await log.deleteCursor(names.frameEnd)
    await log.deleteReaderState(names.state)
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
    const {claims, drops, traffic} = this.options
    return new DrainDelivery(drain.id, this.hub.engine.app(app.id), transport, {
      mayWrite: claims === undefined ? undefined : () => claims.holds(drainLeaseKey(drain.id)),
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      batchBytes: this.options.batchBytes ?? 100 * 1024,
      onCertificateError: (reason) => {
        const now = Date.now()
        if (now - lastNotice < noticeEvery) return
        lastNotice = now
        const line = logplexLine(certificateNotice(reason, redactUrl(drain.url)), now)
        this.hub.publish(app.id, [routerEntry(line)])
      },
      onCursorError: (message) => this.options.log?.(`drain ${redactUrl(drain.url)} of ${app.name}: its position in the log could not be read or saved (${message}); retrying`),
      onDelivered: (count) => traffic?.drained(app.id, count),
      onDropped: (reason, count) => drops?.count(reason, count, app.id, origin),
    })
  }
}
