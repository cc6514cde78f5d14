import type {IncomingMessage, Server as HttpServer, ServerResponse} from 'node:http'
import {isIPv6, type Server, type Socket} from 'node:net'

import type {DropCounter} from '../drops.js'

/** How many connections one listener keeps open. */
export interface ConnectionLimits {
  /** Open connections on the listener. */
  maxConnections: number
  /** Open connections from one source address (an IPv6 /64 is one address: anyone has a whole /64). */
  maxPerAddress: number
}

/** How often idle times are brought up to date and HTTP connections that send no request are closed. */
const SWEEP_MS = 1000

/** One open connection as admission sees it. */
interface Tracked {
  readonly socket: Socket
  /** Its connectionKey, taken at accept: a closed socket no longer knows its remote end. */
  readonly key: string
  readonly source: string
  /** Since when it has done nothing: its connect, the last bytes it sent (syslog), the end of its last answer (HTTP). */
  idleSince: number
  /** `socket.bytesRead` at the last sweep. */
  bytesRead: number
  /** HTTP: the request being answered; undefined while the connection waits for one. */
  request?: IncomingMessage
  /** HTTP: it has had an answer, so Node's keep-alive timeout closes it when idle. */
  answered?: true
}

/**
 * Admission for one listener. A new connection is always taken while there is an idle one to evict for it:
 * over its address's limit, its own address's longest idle connection goes; over the listener's limit, the
 * longest idle one of the address holding the most. Only when nothing can be evicted is the new one refused.
 * Both are counted as `connections` drops. So many idle connections from one place cost that place its own
 * connections, never a sender elsewhere its slot, and a sender that keeps one idle connection open for
 * hours (rsyslog does) keeps it unless its own address is over the limit.
 */
abstract class ConnectionPool {
  protected readonly connections = new Map<string, Tracked>()
  private readonly bySource = new Map<string, Set<Tracked>>()
  private readonly sweeper: NodeJS.Timeout

  constructor(server: Server, private readonly limits: ConnectionLimits, private readonly drops: DropCounter) {
    server.on('connection', (socket: Socket) => this.admit(socket))
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS).unref()
  }

  /** Stops the sweep; the connections are the server's to close. */
  stop(): void {
    clearInterval(this.sweeper)
  }

  /** Whether the connection may be closed to make room: it is not in the middle of an answer. */
  protected abstract evictable(connection: Tracked): boolean

  protected abstract sweep(now: number): void

  /** The connection `socket` (the one accepted, or the TLS socket over it) belongs to. */
  protected find(socket: Socket): Tracked | undefined {
    return this.connections.get(connectionKey(socket))
  }

  protected close(connection: Tracked): void {
    this.untrack(connection)
    connection.socket.destroy()
  }

  private admit(socket: Socket): void {
    // A peer that reset the connection before it was handed over has no address any more.
    if (socket.remoteAddress === undefined) {
      socket.destroy()
      return
    }

    const source = sourceAddress(socket.remoteAddress)
    const own = this.bySource.get(source)
    const room = own !== undefined && own.size >= this.limits.maxPerAddress
      ? this.evictFrom(own)
      : this.connections.size < this.limits.maxConnections || this.evictFromLargest()
    if (!room) {
      this.drops.count('connections', 1, undefined, {key: source, sender: `client ${socket.remoteAddress}:${socket.remotePort}`})
      socket.destroy()
      return
    }

    this.track(socket, source)
  }

  private track(socket: Socket, source: string): void {
    const connection: Tracked = {bytesRead: socket.bytesRead, idleSince: Date.now(), key: connectionKey(socket), socket, source}
    this.connections.set(connection.key, connection)
    let own = this.bySource.get(source)
    if (own === undefined) this.bySource.set(source, (own = new Set()))
    own.add(connection)
    socket.once('close', () => this.untrack(connection))
  }

  private untrack(connection: Tracked): void {
    const own = this.bySource.get(connection.source)
    if (own === undefined || !own.delete(connection)) return
    if (own.size === 0) this.bySource.delete(connection.source)
    this.connections.delete(connection.key)
  }

  /** The address holding the most connections gives up its longest idle one; the next one if it has none. */
  private evictFromLargest(): boolean {
    let largest: Set<Tracked> | undefined
    for (const own of this.bySource.values()) if (largest === undefined || own.size > largest.size) largest = own
    if (largest !== undefined && this.evictFrom(largest)) return true
    const bySize = [...this.bySource.values()].sort((a, b) => b.size - a.size)
    return bySize.some((own) => own !== largest && this.evictFrom(own))
  }

  private evictFrom(own: Set<Tracked>): boolean {
    let oldest: Tracked | undefined
    for (const connection of own) {
      if (this.evictable(connection) && (oldest === undefined || connection.idleSince < oldest.idleSince)) oldest = connection
    }

    if (oldest === undefined) return false
    const {remoteAddress, remotePort} = oldest.socket
    this.drops.count('connections', 1, undefined, {key: oldest.source, sender: `client ${remoteAddress}:${remotePort}`})
    this.close(oldest)
    return true
  }
}

/**
 * Syslog over TCP or TLS: a connection is idle since the last bytes it sent (seen by the sweep, to the
 * second), and it is never closed for being idle, only evicted when a new connection needs its place.
 */
export class StreamAdmission extends ConnectionPool {
  protected evictable(): boolean {
    return true
  }

  protected sweep(now: number): void {
    for (const connection of this.connections.values()) {
      const {bytesRead} = connection.socket
      if (bytesRead === connection.bytesRead) continue
      connection.bytesRead = bytesRead
      connection.idleSince = now
    }
  }
}

/**
 * HTTP and HTTPS: a connection waiting for a request, or still receiving one, is idle since its connect or
 * the end of its last answer. One that has not sent a whole first request `headersTimeoutMs` after its
 * connect is closed (Node times out a request once its first byte came, but never a connection that sends
 * nothing); later waits are Node's keep-alive and headers timeouts. One whose request is in and being
 * answered (a log session streaming for hours) is neither closed nor evicted; it counts toward the limits.
 */
export class HttpAdmission extends ConnectionPool {
  constructor(server: HttpServer, limits: ConnectionLimits, drops: DropCounter, private readonly headersTimeoutMs: number) {
    super(server, limits, drops)
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answering(req, res))
  }

  protected evictable(connection: Tracked): boolean {
    return connection.request === undefined || !connection.request.complete
  }

  protected sweep(now: number): void {
    for (const connection of this.connections.values()) {
      if (connection.request === undefined && connection.answered === undefined && now - connection.idleSince > this.headersTimeoutMs) {
        this.close(connection)
      }
    }
  }

  private answering(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.find(req.socket)
    if (connection === undefined) return
    connection.request = req
    res.once('close', () => {
      if (connection.request !== req) return
      connection.request = undefined
      connection.answered = true
      connection.idleSince = Date.now()
    })
  }
}

/** A connection's remote end, the same for an accepted socket and the TLS socket over it. */
function connectionKey(socket: Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`
}

/**
 * The address limits are counted by: an IPv4 address (also when written IPv4-mapped, `::ffff:a.b.c.d`), or
 * the /64 an IPv6 address is in, written as its first four groups.
 */
export function sourceAddress(remoteAddress: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)
  if (mapped !== null) return mapped[1]
  if (!isIPv6(remoteAddress)) return remoteAddress
  const [head, tail = ''] = remoteAddress.toLowerCase().split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === '' ? [] : tail.split(':')
  const groups = remoteAddress.includes('::')
    ? [...headGroups, ...Array.from({length: 8 - headGroups.length - tailGroups.length}, () => '0'), ...tailGroups]
    : headGroups
  return groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':') + '::/64'
}
