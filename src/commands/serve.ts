import {Command, Flags} from '@oclif/core'

import {redactFlags} from '../cli/redaction.js'
import {redactorFor} from '../redact/flags.js'
import {parseDuration} from '../query/time-bound.js'
import {parseByteSize} from '../query/units.js'
import {type AllowEntry, parseAllowEntry} from '../router/ingest/receiver-auth.js'
import type {FsyncPolicy} from '../router/log/file-engine.js'
import {clusterOptions, clusterSuggestions, natsFlags} from '../cli/nats-flags.js'
import {describeUdpBuffer} from '../router/observability/udp-buffer.js'
import {DataDirError, DataDirInUseError, DataDirOpenError, ListenError, type RunningRouter, startRouter, StateFileError, TlsFilesError} from '../router/server.js'

export default class Serve extends Command {
  static override description = `Runs a small Logplex on this machine: the Heroku Platform API subset for apps, log sessions and drains (so \`logsift logs -a APP --tail\`, \`logsift drains\` and the Heroku CLI work against it), log input over HTTP (application/logplex-1 as log-shuttle and Heroku's drains send it, or plain text lines) and over syslog (TCP, UDP, and TLS with a certificate).

Apps, input tokens and drains are kept in the data directory and survive a restart; every message is appended to its app's log in the data directory (kept --retain long, at most --retain-size per app), which sessions and history queries (--since) read; the recent messages of each app (--buffer) are also kept in memory. The API key is created in the data directory at first start, or taken from LOGSIFT_API_KEY. Each drain reads its app's log from a position kept in the data directory: a drain whose receiver is slow or down falls behind (as far as --retain and --retain-size keep messages) and catches up, also after a restart. SIGINT or SIGTERM stops it cleanly.`

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'Listen on 127.0.0.1:5580 (HTTP) and 127.0.0.1:5514 (syslog)'},
    {command: '<%= config.bin %> <%= command.id %> --port 0 --syslog-port 0', description: 'Pick free ports'},
    {command: 'logger --server 127.0.0.1 --port 5514 --tcp --rfc5424 --octet-count --tag demo "hello"', description: 'Send a line to the app demo over syslog'},
    {command: '<%= config.bin %> <%= command.id %> --redact --redact-key pin', description: 'Mask secrets before messages are kept, tailed or drained'},
    {command: '<%= config.bin %> <%= command.id %> --tls-cert cert.pem --tls-key key.pem --syslog-tls-port 6514', description: 'HTTPS, and syslog over TLS'},
  ]

  static override flags = {
    allow: Flags.string({
      description: 'let POST /logs into APP only with this Logplex-Drain-Token, or with these Basic credentials (repeat for more): APP=d.TOKEN or APP=USER:PASSWORD',
      multiple: true,
    }),
    buffer: Flags.integer({default: 1500, description: 'recent messages kept per app', min: 1}),
    ca: Flags.file({description: 'PEM file of CAs that syslog+tls and https drains trust besides the usual ones (and NODE_EXTRA_CA_CERTS)', exists: true}),
    'data-dir': Flags.directory({description: 'where apps, tokens, drains and the API key are kept [default: logsift\'s data directory]'}),
    fsync: Flags.string({
      default: 'interval',
      description: 'when each app\'s log reaches the disk: always (before input is answered), interval (within a second), never (when the OS writes it)',
      options: ['always', 'interval', 'never'],
    }),
    host: Flags.string({default: '127.0.0.1', description: 'address to listen on'}),
    'max-connections': Flags.integer({default: 512, description: 'open connections per listener (HTTP, syslog TCP, syslog TLS); when full, the longest idle one of the address holding the most makes room', min: 1}),
    'max-connections-per-address': Flags.integer({default: 64, description: 'open connections per listener from one address (IPv6: a /64); over it, its own longest idle one makes room', min: 1}),
    'metrics-host': Flags.string({dependsOn: ['metrics-port'], description: 'address for --metrics-port [default: --host]'}),
    'metrics-port': Flags.integer({description: 'also serve GET /metrics (Prometheus) without the API key on this port; 0 picks a free one', max: 65_535, min: 0}),
    ...natsFlags,
    ...redactFlags,
    port: Flags.integer({default: 5580, description: 'HTTP port (API, log input, sessions); 0 picks a free one', max: 65_535, min: 0}),
    'read-threads': Flags.integer({description: 'worker threads reading the log for a history query with a filter; 1 reads on the router\'s own thread [default: the cores available, at most 4]', min: 1}),
    retain: Flags.string({default: '7d', description: 'how long each app\'s log is kept: a duration (12h, 7d, 2w)'}),
    'retain-size': Flags.string({default: '1GiB', description: 'most each app\'s log keeps, oldest removed first: bytes, or with KiB, MiB, GiB'}),
    'syslog-port': Flags.integer({default: 5514, description: 'syslog port, TCP and UDP; 0 picks free ones', max: 65_535, min: 0}),
    'syslog-tls-port': Flags.integer({dependsOn: ['tls-cert'], description: 'syslog over TLS port [default: 6514]', max: 65_535, min: 0}),
    'tls-cert': Flags.file({dependsOn: ['tls-key'], description: 'PEM certificate: serve HTTPS and syslog over TLS', exists: true}),
    'tls-key': Flags.file({dependsOn: ['tls-cert'], description: 'PEM private key for --tls-cert', exists: true}),
    'udp-receive-buffer': Flags.integer({default: 8 * 1024 * 1024, description: 'bytes of syslog UDP datagrams the kernel may hold while the router catches up (Linux grants at most net.core.rmem_max)', min: 1024}),
  }

  static override summary = 'Run the embedded log router (a local Logplex)'

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    let allow: AllowEntry[]
    try {
      allow = (flags.allow ?? []).map((entry) => parseAllowEntry(entry))
    } catch (error) {
      this.error((error as Error).message, {exit: 2})
    }

    const redactor = redactorFor(flags, (message, options) => this.error(message, options))
    const maxAgeMs = parseDuration(flags.retain)
    if (!(maxAgeMs > 0)) this.error(`--retain ${flags.retain}: expected a duration (12h, 7d, 2w)`, {exit: 2})
    const appMaxBytes = parseByteSize(flags['retain-size'].trim())
    if (!(appMaxBytes > 0)) this.error(`--retain-size ${flags['retain-size']}: expected bytes, or a number with a unit: KiB, MiB, GiB, KB, MB, GB (500MiB)`, {exit: 2})
    // Listened for before the router starts, and so before the start line: a SIGTERM sent as soon as that line
    // is read (under load, before a listener added after it) killed the process unclean; one during the start
    // (recovery of a large log) stops it once it has started.
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }

      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    const router = await this.start({
      allow,
      apiKey: process.env.LOGSIFT_API_KEY || undefined,
      bufferSize: flags.buffer,
      dataDir: flags['data-dir'] ?? this.config.dataDir,
      drainCaFile: flags.ca,
      host: flags.host,
      logFsync: flags.fsync as FsyncPolicy,
      logReadThreads: flags['read-threads'],
      logRetention: {appMaxBytes, maxAgeMs},
      maxConnections: flags['max-connections'],
      maxConnectionsPerAddress: flags['max-connections-per-address'],
      metricsHost: flags['metrics-host'],
      metricsPort: flags['metrics-port'],
      nats: clusterOptions(flags),
      port: flags.port,
      redactor,
      syslogPort: flags['syslog-port'],
      syslogTlsPort: flags['syslog-tls-port'],
      tlsCert: flags['tls-cert'],
      tlsKey: flags['tls-key'],
      udpReceiveBufferBytes: flags['udp-receive-buffer'],
    })
    this.log(describe(router))
    await stopped
    await router.close()
  }

  private async start(options: Parameters<typeof startRouter>[0]): Promise<RunningRouter> {
    try {
      return await startRouter(options)
    } catch (error) {
      if (error instanceof ListenError && error.blame === 'host') {
        this.error(`--host ${error.message}`, {exit: 2, suggestions: ['--host 127.0.0.1 for this machine only, or --host 0.0.0.0 for every interface']})
      }

      if (error instanceof ListenError) {
        const flag = error.what.startsWith('HTTP') ? '--port' : error.what === 'syslog TLS' ? '--syslog-tls-port' : error.what === 'metrics' ? '--metrics-port' : '--syslog-port'
        this.error(error.message, {exit: 2, suggestions: [`choose another with ${flag}, or ${flag} 0 for a free one`]})
      }

      if (error instanceof DataDirOpenError) {
        this.error(`--data-dir ${error.dir}: ${error.reason}; as its owner run chmod 700 ${error.dir}, or choose another --data-dir`, {exit: 2})
      }

      if (error instanceof DataDirInUseError) {
        this.error(`--data-dir ${error.dir}: ${error.reason}`, {exit: 2, suggestions: ['one router to a data directory: give this one its own --data-dir']})
      }

      if (error instanceof DataDirError) {
        this.error(`--data-dir ${error.dir}: ${error.reason}`, {exit: 2, suggestions: ['--data-dir a directory, or a path where one can be created']})
      }

      if (error instanceof TlsFilesError) {
        this.error(`--tls-cert ${options.tlsCert} --tls-key ${options.tlsKey}: ${error.message}`, {exit: 2, suggestions: ['--tls-cert cert.pem --tls-key key.pem, e.g. from: openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -keyout key.pem -out cert.pem']})
      }

      if (error instanceof StateFileError) this.error(error.message, {exit: 2})
      if (options.nats !== undefined) this.error(`--nats ${options.nats.servers.join(',')}: ${(error as Error).message}`, {exit: 2, suggestions: clusterSuggestions(error)})
      // The API key file and the CA file: their messages name the file.
      this.error(`cannot start: ${(error as Error).message}`, {exit: 2})
    }
  }
}

/** The one line printed at start: every address, and where the state and the key are. */
function describe(router: RunningRouter): string {
  const syslogHost = new URL(router.url).hostname
  const syslog = [`syslog tcp://${syslogHost}:${router.syslogTcpPort}`, `udp://${syslogHost}:${router.syslogUdpPort}`]
  if (router.syslogTlsPort !== undefined) syslog.push(`tls://${syslogHost}:${router.syslogTlsPort}`)
  const data = router.cluster === undefined ? `data in ${router.dataDir}` : `apps, drains, sessions and the log in NATS (${router.cluster})`
  const key = router.apiKeyFile === undefined ? 'API key from LOGSIFT_API_KEY' : `API key in ${router.apiKeyFile}`
  const metrics = router.metricsUrl === undefined ? '' : `; metrics on ${router.metricsUrl}`
  return `logsift router on ${router.url} (API, log input, sessions), ${syslog.join(' ')} (${describeUdpBuffer(router.udpReceiveBuffer)})${metrics}; ${data}; ${key}`
}
