import {createSocket, type Socket as UdpSocket} from 'node:dgram'
import {isIPv6, type Server, type Socket} from 'node:net'

import {parseFrame, parseLine} from '../parse/line.js'
import type {LogRecord} from '../parse/record.js'
import {UnitSplitter} from '../parse/split.js'
import type {DropCounter} from './drops.js'
import type {LogHub} from './hub.js'
import {type LogEntry, toEntry} from './message.js'
import {type AppLookup, routeSyslog} from './placement.js'

export interface SyslogDeps {
  apps: AppLookup
  drops: DropCounter
  hub: LogHub
  maxFrameBytes: number
}

/** Room for `LEN SP` and a line terminator around a message of the largest size accepted. */
const FRAMING_SLACK = 16

/**
 * Syslog input over TCP (and TLS: the same handler on a tls.Server), octet counting or newlines detected
 * per connection, and over UDP, one message per datagram. Messages are routed by `routeSyslog`; those that
 * are not syslog, name no app, or are over `maxFrameBytes` are dropped and counted (syslog has no way to
 * answer). A connection that sends more than that without ending a message is cut: its buffer stays bounded.
 */
export class SyslogInput {
  private readonly connections = new Map<Socket, Connection>()

  constructor(private readonly deps: SyslogDeps) {}

  /** Serves the connections of a net.Server, or the decrypted ones of a tls.Server. */
  attach(server: Server, event: 'connection' | 'secureConnection'): void {
    server.on(event, (socket: Socket) => this.accept(socket))
  }

  /** A UDP socket for `host`, bound to `port` (0: a free one); resolves with it listening. */
  async listenUdp(host: string, port: number): Promise<UdpSocket> {
    const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
    udp.on('message', (datagram) => {
      if (datagram.length > this.deps.maxFrameBytes + FRAMING_SLACK) {
        this.deps.drops.count('syslog_too_large')
        return
      }

      const batch = new Batch()
      this.route(parseLine(datagram), batch, Date.now())
      batch.publish(this.deps.hub)
    })
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(port, host, () => {
        udp.off('error', reject)
        resolve()
      })
    })
    // After binding, a socket error (ICMP noise) must not crash the router.
    udp.on('error', () => {})
    return udp
  }

  /**
   * Ends every connection after what it has sent so far has been read; those still open after `graceMs` are
   * destroyed. Their unfinished last message is kept, as at a normal end.
   */
  async close(graceMs: number): Promise<void> {
    const open = [...this.connections.keys()]
    const closed = open.map((socket) => new Promise((resolve) => socket.once('close', resolve)))
    for (const socket of open) socket.end()
    const timer = setTimeout(() => {
      for (const socket of open) this.finish(socket)
    }, graceMs)
    await Promise.all(closed)
    clearTimeout(timer)
  }

  private accept(socket: Socket): void {
    const connection = new Connection((record, batch, now) => this.route(record, batch, now), this.deps)
    this.connections.set(socket, connection)
    socket.on('data', (chunk: Buffer) => {
      if (connection.push(chunk) > this.deps.maxFrameBytes + FRAMING_SLACK) {
        this.deps.drops.count('syslog_too_large')
        this.connections.delete(socket)
        socket.destroy()
      }
    })
    socket.on('end', () => this.finish(socket))
    // A peer that resets the connection needs no answer; 'close' follows.
    socket.on('error', () => {})
    socket.on('close', () => this.connections.delete(socket))
  }

  /** Takes the unfinished last message of `socket`, if any, and closes it. */
  private finish(socket: Socket): void {
    this.connections.get(socket)?.end()
    this.connections.delete(socket)
    socket.destroy()
  }

  private route(record: LogRecord, batch: Batch, now: number): void {
    if (record.format !== 'syslog') {
      // A blank keep-alive line is not a message.
      if (record.message.trim() !== '') this.deps.drops.count('syslog_malformed')
      return
    }

    const routed = routeSyslog(record, this.deps.apps)
    if (routed === undefined) {
      this.deps.drops.count('syslog_unknown_app')
      return
    }

    batch.add(routed.app.id, toEntry(record, routed.placement, now))
  }
}

/** Entries by app, published together: a session then gets one write per read, not one per message. */
class Batch {
  private readonly byApp = new Map<string, LogEntry[]>()

  add(appId: string, entry: LogEntry): void {
    const entries = this.byApp.get(appId)
    if (entries === undefined) this.byApp.set(appId, [entry])
    else entries.push(entry)
  }

  publish(hub: LogHub): void {
    for (const [appId, entries] of this.byApp) hub.publish(appId, entries)
    this.byApp.clear()
  }
}

type Route = (record: LogRecord, batch: Batch, now: number) => void

/** One TCP or TLS connection: its splitter and the bytes it holds of an unfinished message. */
class Connection {
  private readonly batch = new Batch()
  private held = 0
  private now = 0
  private readonly splitter: UnitSplitter

  constructor(route: Route, private readonly deps: SyslogDeps) {
    this.splitter = new UnitSplitter((raw, framed) => {
      this.held -= raw.length
      route(framed ? parseFrame(raw) : parseLine(raw), this.batch, this.now)
    }, undefined, deps.maxFrameBytes)
  }

  /** Splits and publishes what `chunk` completes; returns the bytes still held for an unfinished message. */
  push(chunk: Buffer): number {
    this.held += chunk.length
    this.now = Date.now()
    this.splitter.push(chunk)
    this.batch.publish(this.deps.hub)
    return this.held
  }

  /** The sender is done: an unfinished last message is taken as it is. */
  end(): void {
    this.now = Date.now()
    this.splitter.end()
    this.batch.publish(this.deps.hub)
  }
}
