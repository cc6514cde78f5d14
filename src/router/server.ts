import {mkdir, readFile} from 'node:fs/promises'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {type AddressInfo, createServer as createTcpServer, isIPv6, type Server} from 'node:net'
import {join} from 'node:path'
import {createSecureContext, createServer as createTlsServer} from 'node:tls'

import type {Redactor} from '../redact/redactor.js'
import {createRequestHandler, sessionRequest} from './api.js'
import {loadOrCreateApiKey} from './api-key.js'
import {type DrainDeliveryOptions, DrainDeliveries} from './drains/deliveries.js'
import type {DrainStatus} from './drains/delivery.js'
import {drainCertificates} from './drains/tls-options.js'
import {type DropCounts, DropCounter} from './drops.js'
import {LogHub} from './hub.js'
import type {RetentionPolicy} from './log/engine.js'
import {FileLogEngine, type FsyncPolicy} from './log/file-engine.js'
import {type AllowEntry, ReceiverAuth} from './receiver-auth.js'
import type {SessionStream} from './session-stream.js'
import {type SessionRequest, SessionRegistry} from './sessions.js'
import {AppStore} from './store.js'
import {SyslogInput} from './syslog-input.js'

export {StateFileError} from './store.js'

export interface RouterOptions {
  /** Address every listener binds to. Default 127.0.0.1. */
  host?: string
  /** HTTP (HTTPS with a certificate) port for the API, `POST /logs` and sessions. Default 5580; 0 picks a free one. */
  port?: number
  /** Syslog over TCP and UDP. Default 5514; 0 picks free ones (TCP and UDP may then differ). */
  syslogPort?: number
  /** PEM files: given both, HTTP becomes HTTPS and syslog over TLS listens on `syslogTlsPort`. */
  tlsCert?: string
  tlsKey?: string
  /** Default 6514; 0 picks a free one. */
  syslogTlsPort?: number
  /** Where state (apps, tokens, drains) and the API key file live; created if missing. */
  dataDir: string
  /** Use this key instead of `<dataDir>/api-key`. */
  apiKey?: string
  /** Recent messages kept per app. Default 1500, as Logplex. */
  bufferSize?: number
  /** Largest syslog message accepted, in bytes. Default 10240, as Logplex. */
  maxFrameBytes?: number
  /** Largest HTTP request body, after gunzip. Default 5 MiB (log-shuttle's 500 lines of up to 10 kB fit). */
  maxBodyBytes?: number
  /** Open connections per listener (HTTP, syslog TCP, syslog TLS); more are refused and counted. Default 512. */
  maxConnections?: number
  /** Default 6, as Logplex. */
  maxDrainsPerApp?: number
  /** A log session nobody reads for this long expires. Default 360 s, as Logplex. */
  sessionTtlMs?: number
  /** Bytes a slow session client may have waiting before its messages are dropped (and an L11 line sent). Default 1 MiB. */
  sessionQueueBytes?: number
  /** Drain delivery: queue size (default 1024), batch bytes, backoff, timeouts. */
  drains?: DrainDeliveryOptions
  /** A PEM file of CAs that syslog+tls and https drains trust besides Node's own and NODE_EXTRA_CA_CERTS. */
  drainCaFile?: string
  /** Per app, the drain tokens or Basic credentials `POST /logs` must match (see ReceiverAuth). */
  allow?: AllowEntry[]
  /** Where the router writes what it has to say (refused posts, a spool it could not read). Default: stderr. */
  log?: (line: string) => void
  /** `serve --redact`: secrets in every incoming message are masked before it is stored, tailed or drained. */
  redactor?: Redactor
  /** When each app's durable log (`<dataDir>/log`) reaches the disk. Default `interval`. */
  logFsync?: FsyncPolicy
  /** How much of each app's durable log is kept (age, size per app, size in all). */
  logRetention?: Partial<RetentionPolicy>
}

export interface RunningRouter {
  /** The HTTP(S) base URL, e.g. `http://127.0.0.1:5580` (a wildcard host is given as loopback). */
  readonly url: string
  readonly apiKey: string
  /** The file the key was read from or written to; undefined when `apiKey` was given. */
  readonly apiKeyFile: string | undefined
  readonly syslogTcpPort: number
  readonly syslogUdpPort: number
  /** Undefined without a certificate. */
  readonly syslogTlsPort: number | undefined
  readonly dataDir: string
  /** What was refused or dropped so far, by reason. */
  drops(): DropCounts
  /** How a drain is doing; undefined for a drain id the router does not deliver to. */
  drainStatus(drainId: string): DrainStatus | undefined
  /** Stops accepting, finishes accepted requests and connections, ends sessions cleanly, writes state. Idempotent. */
  close(): Promise<void>
}

/**
 * A port could not be listened on; the message names it and what it was for. `blame` says which input to
 * change: the port (in use, privileged) or the host (not an address of this machine, or no address at all).
 */
export class ListenError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly code: string | undefined,
    message: string,
    readonly blame: 'host' | 'port' = 'port',
  ) {
    super(message)
  }
}

/** The data directory cannot be created or used (a file is in the way, no permission). */
export class DataDirError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`cannot use ${dir} as the data directory: ${reason}`)
  }
}

/** The TLS certificate or key file cannot be read, or the two are not a PEM certificate and its key. */
export class TlsFilesError extends Error {}

/** How long close() lets senders and in-flight requests finish before cutting them off. */
const CLOSE_GRACE_MS = 2000

export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const host = options.host ?? '127.0.0.1'
  const {dataDir} = options
  const bufferSize = options.bufferSize ?? 1500
  const maxConnections = options.maxConnections ?? 512
  const maxFrameBytes = options.maxFrameBytes ?? 10_240

  await mkdir(dataDir, {mode: 0o700, recursive: true}).catch((error: NodeJS.ErrnoException) => {
    throw new DataDirError(dataDir, dataDirProblem(error))
  })
  const store = await AppStore.open(dataDir)
  const key = options.apiKey === undefined ? await loadOrCreateApiKey(dataDir) : {file: undefined, key: options.apiKey}
  const tls = await readTlsFiles(options)
  const log = options.log ?? ((line: string) => process.stderr.write(`logsift router: ${line}\n`))
  const drainCa = await drainCertificates(options.drainCaFile)

  const drops = new DropCounter()
  const engine = await openLog(dataDir, options, log)
  const hub = new LogHub(bufferSize, engine, drops, options.redactor)
  await hub.warm()
  const sessions = new SessionRegistry(options.sessionTtlMs ?? 360_000, join(dataDir, 'sessions.json'))
  const sessionsProblem = await sessions.restore((appId, body) => reviveSession(store, appId, body, bufferSize))
  if (sessionsProblem !== undefined) log(sessionsProblem)
  const streams = new Set<SessionStream>()
  const deliveries = new DrainDeliveries(hub, store, dataDir, {...options.drains, ca: drainCa ?? options.drains?.ca})
  store.onDrainsChanged((app) => deliveries.sync(app))
  const spoolProblem = await deliveries.start()
  if (spoolProblem !== undefined) log(spoolProblem)
  const handler = createRequestHandler({
    apiKey: key.key,
    drainStatus: (drainId) => deliveries.status(drainId),
    drops,
    hub,
    limits: {
      bufferSize,
      maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
      maxDrainsPerApp: options.maxDrainsPerApp ?? 6,
      maxFrameBytes,
      sessionQueueBytes: options.sessionQueueBytes ?? 1024 * 1024,
    },
    receiver: new ReceiverAuth(store, options.allow ?? [], log),
    sessions,
    store,
    streams,
  })

  const http: HttpServer = tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler)
  http.maxConnections = maxConnections
  http.on('drop', () => drops.count('connections'))
  const syslog = new SyslogInput({apps: store, drops, hub, maxFrameBytes})
  const tcp = createTcpServer()
  tcp.maxConnections = maxConnections
  syslog.attach(tcp, 'connection')
  const syslogTls = tls === undefined ? undefined : createTlsServer({...tls, minVersion: 'TLSv1.2'})
  if (syslogTls !== undefined) {
    syslogTls.maxConnections = maxConnections
    syslog.attach(syslogTls, 'secureConnection')
  }

  const listening: Server[] = []
  let udp: Awaited<ReturnType<SyslogInput['listenUdp']>> | undefined
  try {
    const httpPort = await listen(http, host, options.port ?? 5580, tls === undefined ? 'HTTP' : 'HTTPS', listening)
    const syslogTcpPort = await listen(tcp, host, options.syslogPort ?? 5514, 'syslog TCP', listening)
    const udpPort = options.syslogPort ?? 5514
    udp = await syslog.listenUdp(host, udpPort).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, udpPort, 'syslog UDP', host)
    })
    const syslogTlsPort = syslogTls === undefined ? undefined : await listen(syslogTls, host, options.syslogTlsPort ?? 6514, 'syslog TLS', listening)
    const running = udp
    const url = `${tls === undefined ? 'http' : 'https'}://${urlHost(host)}:${httpPort}`

    let closing: Promise<void> | undefined
    const shutdown = async (): Promise<void> => {
      const sessionsSaved = sessions.close()
      const closed = listening.map((server) => new Promise((resolve) => server.close(resolve)))
      running.close()
      for (const stream of streams) stream.end()
      // In-flight requests finish; keep-alive connections are closed as soon as they are idle.
      const idle = setInterval(() => http.closeIdleConnections(), 20)
      const cutOff = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS)
      http.closeIdleConnections()
      await syslog.close(CLOSE_GRACE_MS)
      await Promise.all(closed)
      clearInterval(idle)
      clearTimeout(cutOff)
      // After the inputs: everything accepted is either delivered or spooled.
      await deliveries.close().catch((error: Error) => log(`could not write undelivered drain messages to ${dataDir}: ${error.message}`))
      await store.flush()
      await sessionsSaved
      await engine.close()
    }

    return {
      apiKey: key.key,
      apiKeyFile: key.file,
      close: () => (closing ??= shutdown()),
      dataDir,
      drainStatus: (drainId) => deliveries.status(drainId),
      drops: () => drops.snapshot(),
      syslogTcpPort,
      syslogTlsPort,
      syslogUdpPort: running.address().port,
      url,
    }
  } catch (error) {
    udp?.close()
    await sessions.close()
    await deliveries.close()
    await Promise.all(listening.map((server) => new Promise((resolve) => server.close(resolve))))
    await engine.close()
    throw error
  }
}

/** A session of the sessions file as it was created, or undefined when its app is gone. */
function reviveSession(store: AppStore, appId: string, body: Record<string, unknown>, bufferSize: number): SessionRequest | undefined {
  if (store.find(appId) === undefined) return undefined
  try {
    return sessionRequest(body, bufferSize)
  } catch {
    return undefined
  }
}

/** Opens the apps' durable logs, saying what recovery repaired (a crash's torn tail, damaged batches). */
async function openLog(dataDir: string, options: RouterOptions, log: (line: string) => void): Promise<FileLogEngine> {
  const engine = await FileLogEngine.open({dir: join(dataDir, 'log'), fsync: options.logFsync, retention: options.logRetention})
  for (const repair of engine.recovery.repairs) {
    const skipped = repair.skipped.map(({from, to}) => `${from}-${to}`).join(', ')
    const damage = skipped === '' ? '' : `, damaged offsets ${skipped} skipped`
    log(`repaired the log of app ${repair.appId}: ${repair.cut} bytes of a torn write cut from ${repair.segment}${damage}`)
  }

  return engine
}

function listen(server: Server, host: string, port: number, what: string, listening: Server[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, port, what, host))
    server.once('error', failed)
    server.listen(port, host, () => {
      server.off('error', failed)
      listening.push(server)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** Errors that mean the host is wrong, not the port: a name that does not resolve, an address not on this machine. */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENOTFOUND'])

function listenError(error: NodeJS.ErrnoException, port: number, what: string, host: string): ListenError {
  if (error.code !== undefined && HOST_ERRORS.has(error.code)) {
    const reason = error.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : 'is neither an address nor a name that resolves to one'
    return new ListenError(port, what, error.code, `${host} ${reason} (${error.code})`, 'host')
  }

  const reason = error.code === 'EADDRINUSE'
    ? 'is already in use'
    : error.code === 'EACCES' ? 'needs more privileges' : `cannot be used (${error.message})`
  return new ListenError(port, what, error.code, `${what} port ${port} on ${host} ${reason}`)
}

async function readTlsFiles(options: RouterOptions): Promise<{cert: Buffer; key: Buffer} | undefined> {
  if (options.tlsCert === undefined && options.tlsKey === undefined) return undefined
  if (options.tlsCert === undefined || options.tlsKey === undefined) throw new Error('TLS needs both a certificate and a key')
  const read = (file: string) => readFile(file).catch((error: Error) => {
    throw new TlsFilesError(`cannot read ${file}: ${error.message}`)
  })
  const files = {cert: await read(options.tlsCert), key: await read(options.tlsKey)}
  try {
    createSecureContext(files)
  } catch (error) {
    // OpenSSL's reason ("no start line", "key values mismatch") is the useful part of its message.
    const reason = (error as Error).message.replace(/^error:[\dA-F]+:[^:]*::/, '')
    throw new TlsFilesError(`not a PEM certificate and its private key (${reason})`)
  }

  return files
}

function dataDirProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      return 'a file is in the way, not a directory'
    }

    case 'EACCES':
    case 'EPERM':
    case 'EROFS': {
      return `no permission to create it (${error.code})`
    }

    default: {
      return error.message
    }
  }
}

/** The host as a client should write it in a URL: loopback for a wildcard address, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return isIPv6(host) ? `[${host}]` : host
}
