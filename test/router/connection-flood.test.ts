import assert from 'node:assert/strict'
import {type ChildProcess, execFile, execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {request} from 'undici'

import {BIN, cliEnv, ROOT} from '../helpers/cli.js'
import {dataDir, freePort, waitFor} from './helpers.js'
import {accepts} from './rsyslog-peer.js'

const run = promisify(execFile)
const RSYSLOGD = '/usr/sbin/rsyslogd'
const FLOOD = join(ROOT, 'scripts', 'flood.mjs')
const API_KEY = 'flood-test-key'
/** What a user waits for at most, attack or not. */
const ANSWER_MS = 1000

/** A child process and what it has printed. */
class Child {
  stdout = ''
  stderr = ''
  readonly exit: Promise<number | null>

  constructor(readonly process: ChildProcess) {
    process.stdout?.on('data', (chunk) => (this.stdout += chunk))
    process.stderr?.on('data', (chunk) => (this.stderr += chunk))
    this.exit = new Promise((resolve) => process.on('close', resolve))
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGTERM')
    await this.exit
  }
}

/** The hard limit on open files: Node raises its own soft limit to it, and the flood needs one per connection. */
function openFileLimit(): number {
  const limit = execFileSync('sh', ['-c', 'ulimit -Hn'], {encoding: 'utf8'}).trim()
  return limit === 'unlimited' ? Number.POSITIVE_INFINITY : Number(limit)
}

/**
 * `/proc/net/tcp`'s established connections from 127.0.0.1 to `port`, as their local ports: a connection that
 * survives keeps its port, one that was closed and opened again does not.
 */
function establishedTo(port: number): number[] {
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 3 && fields[3] === '01' && fields[1].startsWith('0100007F:') && fields[2].endsWith(`:${port.toString(16).toUpperCase().padStart(4, '0')}`))
    .map((fields) => Number.parseInt(fields[1].split(':')[1], 16))
}

describe('a connection flood from one address (logsift serve, rsyslog and scripts/flood.mjs)', function () {
  this.timeout(60_000)
  const children: Child[] = []
  after(() => Promise.all(children.map((child) => child.stop())))

  it('leaves other senders, the API and an idle rsyslog connection working', async () => {
    if (!existsSync(RSYSLOGD)) throw new Error('rsyslogd is not installed; install it with: apt-get install -y --no-install-recommends rsyslog')
    // The flood needs a file descriptor per connection: where the limit is lower, the attack is scaled to it.
    const scale = Math.min(1, (openFileLimit() - 300) / 2600)
    const [syslogFlood, slowloris] = [Math.floor(2000 * scale), Math.floor(600 * scale)]

    const serve = new Child(spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dataDir()], {
      cwd: ROOT, env: cliEnv({LOGSIFT_API_KEY: API_KEY}),
    }))
    children.push(serve)
    await waitFor(`the router to start (stderr: ${serve.stderr})`, () => serve.stdout.includes('\n'), 15_000)
    const [, url, syslogPort] = / on (http:\/\/\S+) .*syslog tcp:\/\/[\d.]+:(\d+) /.exec(serve.stdout)!

    /** An API call on a connection of its own, that must be answered within ANSWER_MS. */
    async function api(method: 'GET' | 'POST', path: string, body?: object): Promise<any> {
      const started = Date.now()
      const response = await request(url + path, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${API_KEY}`, connection: 'close', 'content-type': 'application/json'},
        method,
      })
      const json = await response.body.json()
      const took = Date.now() - started
      assert.ok(took < ANSWER_MS, `${method} ${path} took ${took} ms`)
      return json
    }

    async function waitForStored(text: string): Promise<void> {
      const deadline = Date.now() + 10_000
      for (;;) {
        const {logplex_url: session} = await api('POST', '/apps/demo/log-sessions', {lines: 1500})
        if ((await (await request(session)).body.text()).includes(text)) return
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} to be stored`)
      }
    }

    await api('POST', '/apps', {name: 'demo'})

    // rsyslog forwards what logger sends it over one TCP connection, which it then holds open, idle.
    const dir = dataDir()
    mkdirSync(join(dir, 'work'))
    const rsyslogPort = await freePort()
    const config = join(dir, 'rsyslog.conf')
    writeFileSync(config, `
global(workDirectory="${join(dir, 'work')}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${rsyslogPort}" ruleset="forward")
ruleset(name="forward") { action(type="omfwd" target="127.0.0.1" port="${syslogPort}" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted") }
`)
    await run(RSYSLOGD, ['-N1', '-f', config])
    children.push(new Child(spawn(RSYSLOGD, ['-n', '-f', config, '-i', join(dir, 'rsyslog.pid')], {stdio: 'ignore'})))
    const deadline = Date.now() + 10_000
    while (!(await accepts(rsyslogPort))) {
      if (Date.now() > deadline) throw new Error('rsyslog did not start listening')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const viaRsyslog = (message: string) => run('logger', ['--server', '127.0.0.1', '--port', String(rsyslogPort), '--tcp', '--rfc5424', '--octet-count', '--tag', 'demo', message])
    await viaRsyslog('via rsyslog before the flood')
    await waitForStored('via rsyslog before the flood')
    const rsyslogConnection = establishedTo(Number(syslogPort))
    assert.equal(rsyslogConnection.length, 1, 'rsyslog holds one connection to the router')

    const flood = new Child(spawn(process.execPath, [
      FLOOD, '--from', '127.0.0.2', '--http-port', new URL(url).port, '--syslog-port', syslogPort,
      '--syslog', String(syslogFlood), '--slowloris', String(slowloris),
    ]))
    children.push(flood)
    await waitFor(`the flood to open ${syslogFlood + slowloris} connections (stderr: ${flood.stderr})`, () => flood.stdout.includes('ready'), 20_000)

    // During it: a new syslog sender is taken at once, and every API call is answered within a second.
    const sender = connect(Number(syslogPort), '127.0.0.1')
    await new Promise((resolve, reject) => sender.once('connect', resolve).once('error', reject))
    sender.end(`<13>1 ${new Date().toISOString()} host demo web.2 - sent during the flood\n`)
    await waitForStored('sent during the flood')
    for (let i = 0; i < 10; i++) await api('GET', '/apps/demo')

    await flood.stop()
    const [, opened, closed] = /opened (\d+) closed (\d+)/.exec(flood.stdout)!.map(Number)
    // It was a flood: the router had to close nearly all it asked for to make room (it keeps 64 per listener).
    assert.ok(closed >= syslogFlood - 64, `the router closed ${closed} of the ${opened} flood connections`)

    // rsyslog's connection, idle all along, is still the same one and still carries its messages.
    await viaRsyslog('via rsyslog after the flood')
    await waitForStored('via rsyslog after the flood')
    assert.deepEqual(establishedTo(Number(syslogPort)), rsyslogConnection)
  })
})
