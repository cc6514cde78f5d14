import {isIPv6, type Server, type Socket} from 'node:net'

import {parseFrame, parseLine} from '../../parse/line.js'
import type {LogRecord} from '../../parse/record.js'
import {splitDatagram, SyslogStreamSplitter} from '../../parse/syslog-framing.js'
import type {DropCounter, DropOrigin, DropReason} from '../drops.js'
import type {LogHub} from '../hub.js'
import {type LogEntry, toEntry} from '../message.js'
import {type AppLookup, routeSyslog} from './placement.js'
import {startUdpReader, type UdpReader} from './udp-reader.js'

export interface SyslogDeps {
  apps: AppLookup
  drops: DropCounter
  hub: LogHub
  maxFrameBytes: number
}

/** UDP datagrams read but not yet routed, at most: beyond this the router is not keeping up and drops them. */
const UDP_BACKLOG_BYTES = 64 * 1024 * 1024

/** Room for `LEN SP` and a line terminator around a message of the largest size accepted. */
const FRAMING_SLACK = 16
/** How long a connection may be quiet before what waited for its next bytes is decided without them. */
const SETTLE_MS = 100

/**
 * Syslog input over TCP (and TLS: the same handler on a tls.Server), octet counting or LF/CRLF/NUL trailers
 * detected per connection, and over UDP, one or more messages per datagram (see syslog-framing.ts). Messages
 * are routed by `routeSyslog`; those that are not syslog, name no app, or are over `maxFrameBytes` are dropped
 * and counted (syslog has no way to answer), as are bytes skipped to find the next frame; a stream reads on
 * after a message over the limit. A connection that still holds more than twice that without ending a message
 * is cut: its buffer stays bounded.
 */
export class SyslogInput {
  private readonly connections = new Map<Socket, Connection>()

  constructor(private readonly deps: SyslogDeps) {}

  /** Serves the connections of a net.Server, or the decrypted ones of a tls.Server. */
  attach(server: Server, event: 'connection' | 'secureConnection'): void {
    server.on(event, (socket: Socket) => this.accept(socket))
  }

  /**
   * A UDP socket for `host`, bound to `port` (0: a free one), read on a thread of its own; resolves with it
   * listening. `receiveBufferBytes` is asked of the kernel (SO_RCVBUF), which may grant less: a burst larger
   * than the buffer is lost there (the kernel counts it, see udpKernelDrops).
   */
  async listenUdp(host: string, port: number, receiveBufferBytes?: number): Promise<UdpReader> {
    // Datagrams read in one turn of the reader's event loop are published together.
    const batch = new Batch()
    return startUdpReader({
      host,
      maxBacklogBytes: UDP_BACKLOG_BYTES,
      onBacklogDrops: (count) => this.deps.drops.count('udp_backlog', count, undefined, {key: 'udp', sender: `syslog over UDP on port ${port}`}),
      onDatagram: (datagram, peer) => {
        if (datagram.length > this.deps.maxFrameBytes + FRAMING_SLACK) this.drop('syslog_too_large', peer)
        else {
          const now = Date.now()
          splitDatagram(datagram, (unit) => this.route(parseLine(unit), batch, now, peer))
        }
      },
      onRunEnd: () => batch.publish(this.deps.hub),
      port,
      receiveBufferBytes,
    }, isIPv6(host) ? 'udp6' : 'udp4')
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
    const peer = {address: socket.remoteAddress, port: socket.remotePort}
    const connection = new Connection((record, batch, now) => this.route(record, batch, now, peer), this.deps, (reason) => this.drop(reason, peer))
    this.connections.set(socket, connection)
    socket.on('data', (chunk: Buffer) => {
      // Two messages' worth: a whole frame may wait for the next one to show that its LEN was right.
      if (connection.push(chunk) > 2 * (this.deps.maxFrameBytes + FRAMING_SLACK)) {
        this.drop('syslog_too_large', peer)
        this.connections.delete(socket)
        connection.stop()
        socket.destroy()
      }
    })
    socket.on('end', () => this.finish(socket))
    // A peer that resets the connection needs no answer; 'close' follows.
    socket.on('error', () => {})
    socket.on('close', () => {
      connection.stop()
      this.connections.delete(socket)
    })
  }

  /** Takes the unfinished last message of `socket`, if any, and closes it. */
  private finish(socket: Socket): void {
    this.connections.get(socket)?.end()
    this.connections.delete(socket)
    socket.destroy()
  }

  private route(record: LogRecord, batch: Batch, now: number, peer: Peer): void {
    if (record.format !== 'syslog') {
      // A blank keep-alive line is not a message.
      if (record.message.trim() !== '') this.drop('syslog_malformed', peer)
      return
    }

    const routed = routeSyslog(record, this.deps.apps)
    if (routed === undefined) {
      this.drop('syslog_unknown_app', peer, record.source ?? record.host)
      return
    }

    const {app, message, placement} = routed
    batch.add(app.id, toEntry(message === undefined ? record : {...record, message}, placement, now))
  }

  /** Counts an app-less drop, router-wide, naming its sender for the router's log. */
  private drop(reason: DropReason, peer: Peer, detail?: string): void {
    const {address = 'unknown', port} = peer
    const origin: DropOrigin = {detail, key: address, sender: `syslog from ${port === undefined ? address : `${address}:${port}`}`}
    this.deps.drops.count(reason, 1, undefined, origin)
  }
}

/** Who sent a message: a datagram's sender, a connection's peer (undefined once it has gone). */
interface Peer {
  address?: string
  port?: number
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
  private now = 0
  private readonly splitter: SyslogStreamSplitter
  /** Decides, once the peer is quiet, what waits only for its next bytes (see SyslogStreamSplitter.settle). */
  private settleTimer: NodeJS.Timeout | undefined

  constructor(route: Route, private readonly deps: SyslogDeps, drop: (reason: DropReason) => void) {
    this.splitter = new SyslogStreamSplitter({
      message: (unit, framed) => route(framed ? parseFrame(unit) : parseLine(unit), this.batch, this.now),
      skipped: (reason) => drop(reason === 'too_large' ? 'syslog_too_large' : 'syslog_malformed'),
    }, deps.maxFrameBytes)
  }

  /** Splits and publishes what `chunk` completes; returns the bytes still held for an unfinished message. */
  push(chunk: Buffer): number {
    this.now = Date.now()
    this.splitter.push(chunk)
    this.batch.publish(this.deps.hub)
    if (this.splitter.pendingBytes > 0) {
      if (this.settleTimer === undefined) this.settleTimer = setTimeout(() => this.settle(), SETTLE_MS).unref()
      else this.settleTimer.refresh()
    }

    return this.splitter.pendingBytes
  }

  /** The sender is done: an unfinished last message is taken as it is. */
  end(): void {
    this.stop()
    this.now = Date.now()
    this.splitter.end()
    this.batch.publish(this.deps.hub)
  }

  /** No more bytes will come: the connection was cut or closed. */
  stop(): void {
    clearTimeout(this.settleTimer)
    this.settleTimer = undefined
  }

  private settle(): void {
    this.now = Date.now()
    this.splitter.settle()
    this.batch.publish(this.deps.hub)
  }
}
