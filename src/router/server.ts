import {readFile} from 'node:fs/promises'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {type AddressInfo, createServer as createTcpServer, isIPv6, type Server} from 'node:net'
import {join} from 'node:path'
import {createSecureContext, createServer as createTlsServer} from 'node:tls'

import type {Redactor} from '../redact/redactor.js'
import {type ConnectionLimits, HttpAdmission, StreamAdmission} from './ingest/admission.js'
import {type AlertOptions, Alerts} from './alerts/alerts.js'
import {type ApiContext, appSessionRequest, createRequestHandler} from './api/api.js'
import {loadOrCreateApiKey} from './api/api-key.js'
import {type DataDirLock, lockDataDir, prepareDataDir} from './data-dir.js'
import {type DrainDeliveryOptions, DrainDeliveries, type DrainReport} from './drains/deliveries.js'
import type {DrainStatus} from './drains/delivery.js'
import {redactUrl} from './drains/redact.js'
import {drainCertificates} from './drains/tls-options.js'
import {type DropCounts, DropCounter} from './drops.js'
import {DropNotices} from './observability/drop-notices.js'
import type {RetentionPolicy} from './log/engine.js'
import {FileLogEngine, type FsyncPolicy} from './log/file-engine.js'
import {metricsRequestHandler, RouterMetrics} from './observability/metrics.js'
import {udpKernelDrops} from './observability/proc-net-udp.js'
import {type ListenerStatus, type RouterStatus, routerStatus} from './observability/status.js'
import {CountingHub, Traffic} from './observability/traffic.js'
import {type UdpReceiveBuffer, udpReceiveBuffer} from './observability/udp-buffer.js'
import {type AllowEntry, ReceiverAuth} from './ingest/receiver-auth.js'
import type {SessionStream} from './sessions/session-stream.js'
import {type SessionRequest, SessionRegistry} from './sessions/sessions.js'
import {type AppStore, FileAppStore} from './store.js'
import {SyslogInput} from './ingest/syslog-input.js'
import type {ClusterOptions} from './cluster/cluster.js'
import {joinCluster} from './cluster/router-node.js'
import {TelemetryDeliveries} from './otlp/exporter.js'
import {createWebHandler} from './web/web.js'
import {settlesWithin} from './settles-within.js'

export {DataDirError, DataDirInUseError, DataDirOpenError} from './data-dir.js'
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
  /** Where state (apps, tokens, drains) and the API key file live; created if missing, made 0700 if open to others. */
  dataDir: string
  /** Use this key instead of `<dataDir>/api-key`. */
  apiKey?: string
  /** Recent messages kept per app. Default 1500, as Logplex. */
  bufferSize?: number
  /** Largest syslog message accepted, in bytes. Default 10240, as Logplex. */
  maxFrameBytes?: number
  /** Largest HTTP request body, after gunzip. Default 5 MiB (log-shuttle's 500 lines of up to 10 kB fit). */
  maxBodyBytes?: number
  /**
   * Open connections per listener (HTTP, syslog TCP, syslog TLS). Default 512. At the limit the longest idle
   * connection of the address holding the most is closed for a new one (see admission.ts).
   */
  maxConnections?: number
  /** Open connections per listener from one source address; over it, its own longest idle one is closed. Default 64. */
  maxConnectionsPerAddress?: number
  /** HTTP: a request's headers (and a new connection's first request) must arrive within this. Default 10 s. */
  headersTimeoutMs?: number
  /** HTTP: a whole request, body included, must arrive within this. Default 30 s. Answers (sessions) are not timed. */
  requestTimeoutMs?: number
  /** Default 6, as Logplex. */
  maxDrainsPerApp?: number
  /** `POST /v1/logs` requests taken in at once; more are answered 429 with Retry-After. Default 32. */
  otlpInFlight?: number
  /** A log session nobody reads for this long expires. Default 360 s, as Logplex. */
  sessionTtlMs?: number
  /** Bytes a slow session client may have waiting before its messages are dropped (and an L11 line sent). Default 1 MiB. */
  sessionQueueBytes?: number
  /** Drain delivery: batch bytes, backoff, timeouts. */
  drains?: DrainDeliveryOptions
  /** A PEM file of CAs that syslog+tls and https drains trust besides Node's own and NODE_EXTRA_CA_CERTS. */
  drainCaFile?: string
  /** Per app, the drain tokens or Basic credentials `POST /logs` must match (see ReceiverAuth). */
  allow?: AllowEntry[]
  /** Where the router writes what it has to say (refused posts, a log it repaired). Default: stderr. */
  log?: (line: string) => void
  /** `serve --redact`: secrets in every incoming message are masked before it is stored, tailed or drained. */
  redactor?: Redactor
  /** SO_RCVBUF asked for the syslog UDP socket: a burst up to this size waits in the kernel. Default 8 MiB. */
  udpReceiveBufferBytes?: number
  /** A listener of its own for `GET /metrics` without the API key (it is also on the main port, with it). */
  metricsPort?: number
  /** Default: `host`. */
  metricsHost?: string
  /** The router's log says the first drop of each cause from each sender in this time. Default 60 s. */
  dropNoticeMs?: number
  /** When each app's durable log (`<dataDir>/log`) reaches the disk. Default `interval`. */
  logFsync?: FsyncPolicy
  /** Worker threads for large filtered reads of the log (FileEngineOptions.readThreads). */
  logReadThreads?: number
  /** How much of each app's durable log is kept (age, size per app, size in all). */
  logRetention?: Partial<RetentionPolicy>
  /** Alert evaluation and notification: the clock, tick, webhook retries (see src/router/alerts). */
  alerts?: AlertOptions
  /** `serve --nats`: apps, drains, sessions and the log live in this NATS JetStream cluster, shared with other nodes. */
  nats?: ClusterOptions
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
  /** `serve --nats`: the NATS server this node is connected to; undefined on a single router. */
  readonly cluster: string | undefined
  /** What was refused or dropped so far, by reason. */
  drops(): DropCounts
  /** What `GET /status` answers. */
  status(): Promise<RouterStatus>
  /** The syslog UDP socket's receive buffer: asked and granted. */
  readonly udpReceiveBuffer: UdpReceiveBuffer
  /** `http://host:port/metrics` with `metricsPort`; undefined without. */
  readonly metricsUrl: string | undefined
  /** How a drain is doing; undefined for a drain id the router does not deliver to. */
  drainStatus(drainId: string): DrainStatus | undefined
  /** The same with the drain's lag (messages between its position and the end of its app's log). */
  drainReport(drainId: string): Promise<DrainReport | undefined>
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

/** The TLS certificate or key file cannot be read, or the two are not a PEM certificate and its key. */
export class TlsFilesError extends Error {}

/** Room for a burst of about 50,000 small syslog datagrams while the router catches up. */
const DEFAULT_UDP_RECEIVE_BUFFER = 8 * 1024 * 1024

/** How long close() lets senders and in-flight requests finish before cutting them off. */
const CLOSE_GRACE_MS = 2000
/** How long close() lets a reader of the log (a drain, an alert, the recent buffers) save where it is: a NATS request's timeout (5 s), and a little. */
const READERS_CLOSE_MS = 6000

/**
 * Starts a router on its data directory, which it holds (lockDataDir) until it closes: a second router on the
 * same directory is refused before it reads or writes anything there.
 */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  await prepareDataDir(options.dataDir, routerLog(options))
  const lock = await lockDataDir(options.dataDir)
  try {
    return await openRouter(options, lock)
  } catch (error) {
    await lock.release()
    throw error
  }
}

function routerLog(options: RouterOptions): (line: string) => void {
  return options.log ?? ((line: string) => process.stderr.write(`logsift router: ${line}\n`))
}

async function openRouter(options: RouterOptions, lock: DataDirLock): Promise<RunningRouter> {
  const host = options.host ?? '127.0.0.1'
  const {dataDir} = options
  const bufferSize = options.bufferSize ?? 1500
  const limits: ConnectionLimits = {maxConnections: options.maxConnections ?? 512, maxPerAddress: options.maxConnectionsPerAddress ?? 64}
  const headersTimeout = options.headersTimeoutMs ?? 10_000
  const maxFrameBytes = options.maxFrameBytes ?? 10_240

  const log = routerLog(options)
  const key = options.apiKey === undefined ? await loadOrCreateApiKey(dataDir) : {file: undefined, key: options.apiKey}
  const tls = await readTlsFiles(options)
  const drainCa = await drainCertificates(options.drainCaFile)

  const startedAt = Date.now()
  const drops = new DropCounter(new DropNotices(log, {windowMs: options.dropNoticeMs}).notice)
  const traffic = new Traffic()
  const node = options.nats === undefined ? undefined : await joinCluster(options.nats, {apiKey: key.key, bufferSize, drops, redactor: options.redactor, retention: options.logRetention, traffic})
  const store: AppStore = node?.cluster.store ?? await FileAppStore.open(dataDir)
  const engine = node?.cluster.engine ?? await openLog(dataDir, options, log)
  const hub = node?.hub ?? new CountingHub(traffic, bufferSize, engine, drops, options.redactor)
  if (node === undefined) await hub.warm()
  const sessions = new SessionRegistry(options.sessionTtlMs ?? 360_000, join(dataDir, 'sessions.json'))
  const sessionsProblem = await sessions.restore((appId, body) => reviveSession(store, appId, body, bufferSize))
  if (sessionsProblem !== undefined) log(sessionsProblem)
  await node?.cluster.shareSessions(sessions, (appId, body) => reviveSession(store, appId, body, bufferSize))
  const streams = new Set<SessionStream>()
  // On a cluster each drain, telemetry drain and app's alerts run on the one node holding its lease.
  const claims = node?.cluster.claims
  const deliveries = new DrainDeliveries(hub, store, {...options.drains, ca: drainCa ?? options.drains?.ca, claims, drops, log, traffic})
  store.onDrainsChanged((app) => deliveries.sync(app))
  deliveries.start()
  const alerts = new Alerts(hub, store, dataDir, log, {ca: drainCa, claims, redactor: options.redactor, ...options.alerts})
  store.onAlertsChanged((app) => {
    alerts.sync(app).catch((error: Error) => log(`alerts of ${app.name}: ${error.message}`))
  })
  await alerts.start()
  const telemetry = new TelemetryDeliveries(engine, store, {backoff: options.drains?.backoff, ca: drainCa ?? options.drains?.ca, claims, drops, traffic})
  store.onDrainsChanged((app) => telemetry.sync(app))
  telemetry.start()
  let status: () => Promise<RouterStatus> = () => Promise.reject(new Error('the router is starting'))
  const metrics = new RouterMetrics(() => status())
  const apiContext: ApiContext = {
    alerts,
    apiKey: key.key,
    drains: deliveries,
    drops,
    hub,
    observability: {metrics, status: () => status()},
    traffic,
    limits: {
      bufferSize,
      maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
      maxDrainsPerApp: options.maxDrainsPerApp ?? 6,
      maxFrameBytes,
      otlpInFlight: options.otlpInFlight,
      sessionQueueBytes: options.sessionQueueBytes ?? 1024 * 1024,
    },
    receiver: new ReceiverAuth(store, options.allow ?? [], log),
    sessions,
    store,
    streams,
    telemetryStatus: (drainId) => telemetry.status(drainId),
  }
  // The page (`/web/...`) in front of the API.
  const handler = createWebHandler(apiContext, createRequestHandler(apiContext))

  const timeouts = {
    // Node checks the two timeouts this often (30 s by default, which would let a slow client hold on for 40 s).
    connectionsCheckingInterval: 1000, headersTimeout, keepAliveTimeout: 5000, requestTimeout: options.requestTimeoutMs ?? 30_000,
  }
  const http: HttpServer = tls === undefined ? createHttpServer(timeouts, handler) : createHttpsServer({...tls, ...timeouts}, handler)
  const admissions: Array<HttpAdmission | StreamAdmission> = [new HttpAdmission(http, limits, drops, headersTimeout)]
  const syslog = new SyslogInput({apps: store, drops, hub, maxFrameBytes})
  const tcp = createTcpServer()
  admissions.push(new StreamAdmission(tcp, limits, drops))
  syslog.attach(tcp, 'connection')
  const syslogTls = tls === undefined ? undefined : createTlsServer({...tls, handshakeTimeout: headersTimeout, minVersion: 'TLSv1.2'})
  if (syslogTls !== undefined) {
    admissions.push(new StreamAdmission(syslogTls, limits, drops))
    syslog.attach(syslogTls, 'secureConnection')
  }

  const listening: Server[] = []
  let udp: Awaited<ReturnType<SyslogInput['listenUdp']>> | undefined
  try {
    const httpPort = await listen(http, host, options.port ?? 5580, tls === undefined ? 'HTTP' : 'HTTPS', listening)
    const syslogTcpPort = await listen(tcp, host, options.syslogPort ?? 5514, 'syslog TCP', listening)
    const udpPort = options.syslogPort ?? 5514
    const udpBufferBytes = options.udpReceiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER
    udp = await syslog.listenUdp(host, udpPort, udpBufferBytes).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, udpPort, 'syslog UDP', host)
    })
    const syslogTlsPort = syslogTls === undefined ? undefined : await listen(syslogTls, host, options.syslogTlsPort ?? 6514, 'syslog TLS', listening)
    const running = udp
    const url = `${tls === undefined ? 'http' : 'https'}://${urlHost(host)}:${httpPort}`
    const metricsHost = options.metricsHost ?? host
    const metricsServer = options.metricsPort === undefined ? undefined : createHttpServer(metricsRequestHandler(metrics))
    const metricsPort = metricsServer === undefined ? undefined : await listen(metricsServer, metricsHost, options.metricsPort!, 'metrics', listening)
    const metricsUrl = metricsPort === undefined ? undefined : `http://${urlHost(metricsHost)}:${metricsPort}/metrics`
    const udpBuffer = await udpReceiveBuffer(running.receiveBufferSize, udpBufferBytes)
    const syslogUrl = (scheme: string, port: number) => `${scheme}://${urlHost(host)}:${port}`
    const listeners = async (): Promise<ListenerStatus[]> => [
      {connections: await connectionsOf(http), name: tls === undefined ? 'http' : 'https', url},
      {connections: await connectionsOf(tcp), name: 'syslog_tcp', url: syslogUrl('tcp', syslogTcpPort)},
      {name: 'syslog_udp', url: syslogUrl('udp', running.address().port)},
      ...(syslogTls === undefined ? [] : [{connections: await connectionsOf(syslogTls), name: 'syslog_tls' as const, url: syslogUrl('tls', syslogTlsPort!)}]),
      ...(metricsServer === undefined ? [] : [{connections: await connectionsOf(metricsServer), name: 'metrics' as const, url: metricsUrl!}]),
    ]
    await node?.cluster.startHeartbeat(url)
    const singleStatus = () => routerStatus({
      alerts: (appId) => alerts.summary(appId),
      apps: () => store.list(),
      drains: async (appId) => (await deliveries.reports(appId)).map(({drain, report}) => ({
        delivered: report.delivered, dropped: report.dropped, id: drain.id, lag: report.lag ?? null, position: report.position ?? null, state: report.state,
        url: redactUrl(drain.url),
        ...(claims === undefined ? {} : {delivered_here: report.deliveredHere, node: report.node ?? null}),
      })),
      drops,
      listeners,
      sessions: () => streams.size,
      startedAt,
      traffic,
      udpBuffer,
      udpKernelDrops: () => udpKernelDrops(running.address().address, running.address().port),
    })
    status = node === undefined ? singleStatus : async () => ({...await singleStatus(), cluster: await node.cluster.status()})

    let closing: Promise<void> | undefined
    const shutdown = async (): Promise<void> => {
      const sessionsSaved = sessions.close()
      const closed = listening.map((server) => new Promise((resolve) => server.close(resolve)))
      const udpClosed = running.close()
      for (const stream of streams) stream.end()
      // In-flight requests finish; keep-alive connections are closed as soon as they are idle.
      const idle = setInterval(() => http.closeIdleConnections(), 20)
      const cutOff = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS)
      http.closeIdleConnections()
      await syslog.close(CLOSE_GRACE_MS)
      await Promise.all([...closed, udpClosed])
      clearInterval(idle)
      clearTimeout(cutOff)
      for (const admission of admissions) admission.stop()
      // After the inputs; before the log closes, so that the drains' positions are saved in it. Each reader gets
      // a grace: one waiting on a log that cannot answer (NATS gone) resumes from its last saved position.
      const readers = {alerts: alerts.close(), drains: deliveries.close(), 'telemetry drains': telemetry.close(), 'the recent buffers': node?.hub.close()}
      const late = new Set(Object.keys(readers))
      const stopped = Object.entries(readers).map(([what, closing]) => Promise.resolve(closing).catch(() => {}).finally(() => late.delete(what)))
      if (!(await settlesWithin(Promise.all(stopped), READERS_CLOSE_MS))) log(`stopping: ${[...late].join(', ')} did not stop within ${READERS_CLOSE_MS / 1000} s (the log not answering); going on`)

      await store.flush()
      await sessionsSaved
      await (node === undefined ? engine.close() : node.cluster.close())
      await lock.release()
    }

    return {
      apiKey: key.key,
      apiKeyFile: key.file,
      close: () => (closing ??= shutdown()),
      cluster: node?.cluster.nc.getServer(),
      dataDir,
      drainReport: (drainId) => deliveries.report(drainId),
      drainStatus: (drainId) => deliveries.status(drainId),
      drops: () => drops.snapshot(),
      metricsUrl,
      status: () => status(),
      syslogTcpPort,
      syslogTlsPort,
      syslogUdpPort: running.address().port,
      udpReceiveBuffer: udpBuffer,
      url,
    }
  } catch (error) {
    for (const admission of admissions) admission.stop()
    await udp?.close()
    await sessions.close()
    await deliveries.close()
    await alerts.close()
    await telemetry.close()
    await Promise.all(listening.map((server) => new Promise((resolve) => server.close(resolve))))
    await node?.hub.close()
    await (node === undefined ? engine.close() : node.cluster.close())
    throw error
  }
}

function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)))
}

/** A session of the sessions file as it was created, or undefined when its app is gone. */
function reviveSession(store: AppStore, appId: string, body: Record<string, unknown>, bufferSize: number): SessionRequest | undefined {
  const app = store.find(appId)
  if (app === undefined) return undefined
  try {
    return appSessionRequest(app, body, bufferSize)
  } catch {
    return undefined
  }
}

/** Opens the apps' durable logs, saying what recovery repaired (a crash's torn tail, damaged batches). */
async function openLog(dataDir: string, options: RouterOptions, log: (line: string) => void): Promise<FileLogEngine> {
  const engine = await FileLogEngine.open({dir: join(dataDir, 'log'), fsync: options.logFsync, readThreads: options.logReadThreads, retention: options.logRetention})
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

/** The host as a client should write it in a URL: loopback for a wildcard address, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return isIPv6(host) ? `[${host}]` : host
}
