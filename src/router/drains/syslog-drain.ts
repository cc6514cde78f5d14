import {connect as connectTcp, type Socket} from 'node:net'
import {connect as connectTls} from 'node:tls'

import {octetCounted, syslogMessage} from './frames.js'
import {drainTlsOptions, hostOf} from './tls-options.js'
import {networkFailure, type OutgoingBatch, type Transport} from './transport.js'

/** Logplex's defaults: 601 for syslog over TCP, 6514 over TLS. */
export const DEFAULT_PORTS = {'syslog+tls:': 6514, 'syslog:': 601}

export interface SyslogDrainOptions {
  token: string
  ca: string[] | undefined
  /** A connection that is not up (TLS included) in this time has failed. */
  connectTimeoutMs: number
  /** A batch the socket has not flushed in this time has failed (a receiver that stopped reading). */
  writeTimeoutMs: number
}

/**
 * `syslog://` and `syslog+tls://`: one long-lived connection, octet-counted RFC 5424 frames. A batch counts
 * as delivered once the socket has flushed it: syslog has no acknowledgement, so what a receiver that dies
 * loses from its own buffers is lost (as with any syslog sender). A broken connection is replaced on the
 * next attempt.
 */
export class SyslogTransport implements Transport {
  private socket: Socket | undefined
  private readonly host: string
  private readonly port: number
  private readonly tls: boolean

  constructor(private readonly url: URL, private readonly options: SyslogDrainOptions) {
    this.host = hostOf(url)
    this.tls = url.protocol === 'syslog+tls:'
    this.port = url.port === '' ? DEFAULT_PORTS[url.protocol as keyof typeof DEFAULT_PORTS] : Number(url.port)
  }

  async send(batch: OutgoingBatch): Promise<void> {
    const socket = this.socket ?? (this.socket = await this.connect())
    const body = octetCounted(batch.messages.map((message) => syslogMessage(message, this.options.token)))
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup()
        this.drop(socket)
        reject(networkFailure(error))
      }

      const closed = () => fail(new Error('the receiver closed the connection'))
      const timer = setTimeout(() => fail(new Error(`the receiver did not read ${body.length} bytes in ${this.options.writeTimeoutMs} ms`)), this.options.writeTimeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        socket.off('error', fail)
        socket.off('close', closed)
      }

      socket.once('error', fail)
      socket.once('close', closed)
      socket.write(body, (error) => {
        if (error) return fail(error)
        cleanup()
        resolve()
      })
    })
  }

  close(): void {
    if (this.socket !== undefined) this.drop(this.socket)
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined
    socket.destroy()
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.tls
        ? connectTls({...drainTlsOptions(this.url, this.options.ca), host: this.host, port: this.port})
        : connectTcp({host: this.host, port: this.port})
      // A plain syslog port takes the TCP connection and then says nothing to a TLS hello.
      let tcpConnected = false
      if (this.tls) socket.once('connect', () => (tcpConnected = true))
      const timer = setTimeout(() => {
        const {connectTimeoutMs} = this.options
        fail(new Error(tcpConnected
          ? `connected to ${this.host}:${this.port}, but no TLS handshake in ${connectTimeoutMs} ms: is it a port without TLS (syslog://)?`
          : `no connection to ${this.host}:${this.port} in ${connectTimeoutMs} ms`))
      }, this.options.connectTimeoutMs)
      const fail = (error: Error) => {
        clearTimeout(timer)
        socket.destroy()
        reject(networkFailure(error))
      }

      socket.once('error', fail)
      socket.once(this.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', fail)
        socket.setNoDelay(true)
        socket.setKeepAlive(true, 60_000)
        // Between batches nothing listens: an error or a close just retires the socket.
        socket.on('error', () => this.drop(socket))
        socket.on('close', () => this.drop(socket))
        // Receivers send nothing; reading keeps an `end` from them from going unnoticed.
        socket.on('data', () => {})
        socket.on('end', () => this.drop(socket))
        resolve(socket)
      })
    })
  }
}

export function isSyslogDrain(url: URL): boolean {
  return url.protocol === 'syslog:' || url.protocol === 'syslog+tls:'
}
