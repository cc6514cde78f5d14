import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {freePort} from './helpers.js'

const run = promisify(execFile)
const RSYSLOGD = '/usr/sbin/rsyslogd'
const INSTALL = 'apt-get install -y --no-install-recommends rsyslog rsyslog-gnutls'

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

export interface TlsFiles {
  ca: string
  cert: string
  key: string
}

/**
 * rsyslog as a syslog (or, with certificate files, syslog over TLS) receiver on 127.0.0.1 that writes each
 * message's raw bytes, one per line, to `file`.
 */
export class Rsyslog {
  readonly file: string
  private process: ChildProcess | undefined

  private constructor(private readonly dir: string, readonly port: number) {
    this.file = join(dir, 'received.log')
  }

  static async start(dir: string, tls?: TlsFiles): Promise<Rsyslog> {
    if (!existsSync(RSYSLOGD)) throw new Error(`rsyslogd is not installed; install it with: ${INSTALL}`)
    mkdirSync(join(dir, 'work'), {recursive: true})
    const rsyslog = new Rsyslog(dir, await freePort())
    const driver = tls === undefined
      ? ''
      : ` DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${tls.ca}" DefaultNetstreamDriverCertFile="${tls.cert}" DefaultNetstreamDriverKeyFile="${tls.key}"`
    const module = tls === undefined ? 'module(load="imtcp")' : 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")'
    writeFileSync(join(dir, 'rsyslog.conf'), `
global(workDirectory="${join(dir, 'work')}"${driver})
${module}
input(type="imtcp" address="127.0.0.1" port="${rsyslog.port}" ruleset="toFile")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="toFile") { action(type="omfile" file="${rsyslog.file}" template="raw") }
`)
    await run(RSYSLOGD, ['-N1', '-f', join(dir, 'rsyslog.conf')])
    await rsyslog.resume()
    return rsyslog
  }

  /** Starts it (again), on the same port. */
  async resume(): Promise<void> {
    this.process = spawn(RSYSLOGD, ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslog.pid')], {stdio: 'ignore'})
    const deadline = Date.now() + 10_000
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error('rsyslog did not start listening')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  lines(): string[] {
    return existsSync(this.file) ? readFileSync(this.file, 'utf8').split('\n').filter(Boolean) : []
  }

  async stop(): Promise<void> {
    const child = this.process
    this.process = undefined
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}

/**
 * A CA and two certificates it signed, made with openssl: one for 127.0.0.1 and localhost, one for a name
 * that is not this host.
 */
export async function makeCertificates(dir: string): Promise<{ca: string; good: TlsFiles; wrong: TlsFiles}> {
  const ca = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca-key.pem')
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=logsift test CA'])
  const issue = async (name: string, altNames: string): Promise<TlsFiles> => {
    const key = join(dir, `${name}-key.pem`)
    const csr = join(dir, `${name}.csr`)
    const cert = join(dir, `${name}.pem`)
    const ext = join(dir, `${name}.ext`)
    writeFileSync(ext, `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`)
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`])
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext])
    return {ca, cert, key}
  }

  return {ca, good: await issue('localhost', 'IP:127.0.0.1,DNS:localhost'), wrong: await issue('wrong.example', 'DNS:wrong.example')}
}
