import {randomUUID} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'

import {type ConnectionOptions, connect, credsAuthenticator, type KV, type NatsConnection, type QueuedIterator, type KvEntry} from 'nats'

import type {RetentionPolicy} from '../log/engine.js'
import type {SavedSession, SessionRegistry, SessionRequest} from '../sessions/sessions.js'
import {settlesWithin} from '../settles-within.js'
import {nameToken} from './chunk.js'
import {JetStreamLogEngine} from './jetstream-engine.js'
import {KvAppStore} from './kv-app-store.js'
import {Leases} from './lease.js'
import {LeaseKeeper} from './lease-keeper.js'

/** `serve --nats`: where the cluster's NATS servers are and how to reach them. */
export interface ClusterOptions {
  /** `nats://host:port` URLs (any of the cluster's servers; the client learns the others). */
  readonly servers: readonly string[]
  /** A NATS credentials file (JWT and NKey seed), as `nats --creds` takes it. */
  readonly credsFile?: string
  /** TLS to NATS: a CA file to trust, and a client certificate and key when the servers ask for one. */
  readonly tls?: {readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string}
  /** Copies of the stream and buckets. Default: 3 when the cluster has 3 servers or more, else 1. */
  readonly replicas?: number
  /** Prefix of the stream and buckets, so that several logsift clusters can share NATS. Default `logsift`. */
  readonly name?: string
  /**
   * Life of a drain's or an app's alerts lease without renewal: how long a dead node's drains and alerts wait
   * before another node takes them over. Default 10 s. Fixed when the leases bucket is created.
   */
  readonly leaseTtlMs?: number
}

/** What `logsift status` shows of the cluster. */
export interface ClusterStatus {
  /** This node's id. */
  node: string
  /** Nodes that heartbeat in the last NODE_TTL_MS, this one included. */
  nodes: Array<{id: string; url: string; started_at: string; seen_at: string; stream_seq: number}>
  nats: {connected_url: string; server_name: string; version: string; cluster: string | null; servers: string[]}
  stream: {
    name: string
    replicas: number
    messages: number
    bytes: number
    first_seq: number
    last_seq: number
    leader: string | null
    /** The other copies: `current` when caught up, `lag` in operations behind the leader. */
    peers: Array<{name: string; current: boolean; lag: number}>
  }
  /** Stream sequences this node's tails are behind the stream's end. */
  tail_lag: number
}

/** A node that has not heartbeat for this long is gone from `status`. */
const NODE_TTL_MS = 15_000
const HEARTBEAT_MS = 5000
/** Sessions are shared for this long after they were made; each node still expires them by its own rule. */
const SESSION_SHARE_MS = 24 * 60 * 60 * 1000
const LEASE_TTL_MS = 10_000
/** How long close() waits for NATS to take this node's leave before closing the connection regardless. */
const CLOSE_GRACE_MS = 3000

/**
 * A router node's part of a cluster: its NATS connection, the shared log (JetStream stream), state (KV
 * buckets for apps, sessions and node heartbeats). The node keeps nothing of its own that another node needs.
 */
export class RouterCluster {
  private heartbeat: NodeJS.Timeout | undefined
  private readonly watches: Array<QueuedIterator<KvEntry>> = []
  /** Every node's last heartbeat, from a watch of the nodes bucket (expired keys are not announced: seen_at says). */
  private readonly nodeBeats = new Map<string, ClusterStatus['nodes'][number]>()
  private readonly startedAt = new Date().toISOString()
  private url = ''

  private constructor(
    readonly nc: NatsConnection,
    readonly engine: JetStreamLogEngine,
    readonly store: KvAppStore,
    private readonly sessions: KV,
    private readonly nodes: KV,
    readonly nodeId: string,
    private readonly handedOutSeq: () => number,
    readonly claims: LeaseKeeper,
  ) {}

  /** Connects and opens (creating) the stream and buckets. Fails when no server answers. */
  static async join(options: ClusterOptions, retention: Partial<RetentionPolicy> | undefined, handedOutSeq: () => number): Promise<RouterCluster> {
    const nc = await connect(await connectionOptions(options))
    try {
      const name = options.name ?? 'logsift'
      const replicas = options.replicas ?? defaultReplicas(nc, options.servers)
      const engine = await JetStreamLogEngine.open({name, nc, replicas, retention})
      const js = nc.jetstream()
      const store = await KvAppStore.open(js, name, replicas)
      const sessions = await js.views.kv(`${name}_sessions`, {history: 1, replicas, ttl: SESSION_SHARE_MS})
      const nodes = await js.views.kv(`${name}_nodes`, {history: 1, replicas, ttl: NODE_TTL_MS})
      const leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS
      const leases = await js.views.kv(`${name}_leases`, {history: 1, replicas, ttl: leaseTtlMs})
      const nodeId = `${hostname()}-${randomUUID().slice(0, 8)}`
      const claims = new LeaseKeeper(new Leases(leases, nodeId), leaseTtlMs)
      return new RouterCluster(nc, engine, store, sessions, nodes, nodeId, handedOutSeq, claims)
    } catch (error) {
      await nc.close()
      throw error
    }
  }

  /** Starts heartbeating under `url` (this node's HTTP address) so that `status` on any node lists it. */
  async startHeartbeat(url: string): Promise<void> {
    this.url = url
    await this.watch(this.nodes, (entry) => {
      if (entry.operation === 'PUT') this.nodeBeats.set(entry.key, JSON.parse(entry.string()))
      else this.nodeBeats.delete(entry.key)
    })
    const beat = (): void => {
      const value = {id: this.nodeId, seen_at: new Date().toISOString(), started_at: this.startedAt, stream_seq: this.handedOutSeq(), url: this.url}
      this.nodes.put(nameToken(this.nodeId), JSON.stringify(value)).catch(() => {})
    }

    beat()
    this.heartbeat = setInterval(beat, HEARTBEAT_MS).unref()
  }

  /** Shares sessions made here, and makes those of other nodes here, so a client may resume on any node. */
  async shareSessions(registry: SessionRegistry, revive: (appId: string, body: Record<string, unknown>) => SessionRequest | undefined): Promise<void> {
    registry.onCreated = (session) => {
      this.sessions.put(session.id, JSON.stringify(session)).catch(() => {})
    }

    await this.watch(this.sessions, (entry) => {
      if (entry.operation === 'PUT') registry.adopt(JSON.parse(entry.string()) as SavedSession, revive)
    })
  }

  async status(): Promise<ClusterStatus> {
    const info = await this.engine.jsm.streams.info(this.engine.streamName)
    const alive = Date.now() - NODE_TTL_MS
    const nodes = [...this.nodeBeats.values()].filter((node) => Date.parse(node.seen_at) >= alive)

    const server = this.nc.info!
    return {
      nats: {
        cluster: server.cluster ?? null,
        connected_url: this.nc.getServer(),
        server_name: server.server_name,
        servers: [...new Set([...(server.connect_urls ?? []).map((url) => `nats://${url}`)])].sort(),
        version: server.version,
      },
      node: this.nodeId,
      nodes: nodes.sort((a, b) => a.id.localeCompare(b.id)),
      stream: {
        bytes: info.state.bytes,
        first_seq: info.state.first_seq,
        last_seq: info.state.last_seq,
        leader: info.cluster?.leader ?? null,
        messages: info.state.messages,
        name: info.config.name,
        peers: (info.cluster?.replicas ?? []).map((peer) => ({current: peer.current, lag: peer.lag ?? 0, name: peer.name})),
        replicas: info.config.num_replicas,
      },
      tail_lag: Math.max(0, info.state.last_seq - this.handedOutSeq()),
    }
  }

  /** Calls `apply` with every entry of the bucket, then with each change; resolves once the entries there are applied. */
  private async watch(bucket: KV, apply: (entry: KvEntry) => void): Promise<void> {
    let loaded!: () => void
    const initialized = new Promise<void>((resolve) => {
      loaded = resolve
    })
    const watch = await bucket.watch({initializedFn: () => loaded()})
    this.watches.push(watch)
    ;(async () => {
      for await (const entry of watch) apply(entry)
    })().catch(() => {})
    await initialized
  }

  /**
   * Releases this node's leases, leaves the node list and flushes, within CLOSE_GRACE_MS: with NATS down, each
   * request would wait its own timeout and a drain would wait for a server forever. Then the connection closes,
   * which fails whatever is still waiting.
   */
  async close(): Promise<void> {
    clearInterval(this.heartbeat)
    for (const watch of this.watches) watch.stop()
    this.store.close()
    const orderly = Promise.all([
      this.claims.close(),
      this.nodes.delete(nameToken(this.nodeId)).catch(() => {}),
      this.engine.close(),
    ]).then(() => this.nc.drain())
    const left = await settlesWithin(orderly, CLOSE_GRACE_MS)
    // Already closed by the drain; otherwise (the drain failed or waits for a server) closed now.
    await this.nc.close()
    // What waited on NATS fails now; what does not is left behind.
    if (!left) await settlesWithin(orderly, 1000)
  }
}

/**
 * Reconnects forever: a node partitioned from NATS answers 503 and counts syslog drops meanwhile, and
 * recovers on its own when a server is back (docs/cluster.md).
 */
async function connectionOptions(options: ClusterOptions): Promise<ConnectionOptions> {
  const connection: ConnectionOptions = {
    maxReconnectAttempts: -1,
    name: `logsift router ${hostname()}`,
    pingInterval: 5000,
    reconnectTimeWait: 500,
    servers: [...options.servers],
  }
  if (options.credsFile !== undefined) connection.authenticator = credsAuthenticator(await readFile(options.credsFile))
  if (options.tls !== undefined) connection.tls = {...options.tls}
  return connection
}

/** 3 when the servers the client knows of (given and gossiped) are 3 or more, as R3 needs. */
function defaultReplicas(nc: NatsConnection, given: readonly string[]): number {
  const known = new Set([...given, ...(nc.info?.connect_urls ?? []).map((url) => `nats://${url}`)])
  return known.size >= 3 ? 3 : 1
}
