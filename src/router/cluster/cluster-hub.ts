import type {DropCounter} from '../drops.js'
import {LogHub} from '../hub.js'
import type {LogEntry} from '../message.js'
import {storedMessage} from '../message.js'
import type {Traffic} from '../observability/traffic.js'
import type {JetStreamLogEngine} from './jetstream-engine.js'

/**
 * The hub of a router node in a cluster. Appends go to the shared stream through `local`, a plain hub whose
 * subscribers (drains) see what this node took in, as soon as it is stored. Tails and the recent buffer see
 * every node's messages instead: one follow of the whole stream feeds them, so every node hands them out in
 * the one stream order and a client may tail from any node.
 */
export class ClusterHub extends LogHub {
  private readonly stop = new AbortController()
  /** Per app, the offset the recent buffer and subscribers have next. */
  private readonly next = new Map<string, number>()
  private following: Promise<void> | undefined
  /** The last stream sequence handed out, for `status` (how far this node is behind the stream). */
  handedOutSeq = 0

  /** `drops` counts what syslog could not store (NATS unreachable), as on a single router. */
  constructor(private readonly traffic: Traffic, bufferSize: number, readonly cluster: JetStreamLogEngine, readonly local: LogHub, drops?: DropCounter) {
    super(bufferSize, cluster, drops)
  }

  override async append(appId: string, entries: readonly LogEntry[]): Promise<void> {
    await this.local.append(appId, entries)
    this.traffic.received(appId, entries.length)
  }

  /** Fills the recent buffers from the stream, then follows it from where they end. */
  async start(): Promise<void> {
    const end = await this.cluster.lastSequence()
    await this.warm()
    this.handedOutSeq = end
    this.following = this.followStream(end + 1).catch(() => {})
  }

  async close(): Promise<void> {
    this.stop.abort()
    await this.following
  }

  private async followStream(fromSeq: number): Promise<void> {
    for await (const {appId, messages, seq} of this.cluster.followAll(fromSeq, this.stop.signal)) {
      this.handedOutSeq = seq
      const recent = this.recent(appId)
      const next = this.next.get(appId) ?? (recent.size === 0 ? 0 : recent.at(recent.size - 1).seq + 1)
      const fresh = messages.filter((message) => message.offset >= next)
      if (fresh.length === 0) continue
      this.next.set(appId, fresh.at(-1)!.offset + 1)
      this.deliver(appId, fresh.map((message) => storedMessage(message)))
    }
  }
}
