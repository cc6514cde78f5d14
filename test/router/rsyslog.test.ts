import assert from 'node:assert/strict'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'

import type {RunningRouter} from '../../src/router/server.js'
import {createApp, createSession, dataDir, freePort, readSession, testRouter} from './helpers.js'
import {accepts} from './rsyslog-peer.js'

const run = promisify(execFile)
const RSYSLOGD = '/usr/sbin/rsyslogd'
const INSTALL = 'apt-get install -y --no-install-recommends rsyslog rsyslog-gnutls'

/**
 * rsyslog as a sender: it receives from `logger` on its own ports and forwards to the router, once per way
 * rsyslog forwards (RFC 5424 octet-counted over TCP, RFC 5424 over UDP, its RFC 3164 forward format over TCP
 * with newlines).
 */
describe('syslog input from rsyslog', function () {
  this.timeout(20_000)
  let router: RunningRouter
  let rsyslog: ChildProcess | undefined
  const ports = {tcp3164: 0, tcp5424: 0, tcpTraditional: 0, udp5424: 0}

  before(async () => {
    if (!existsSync(RSYSLOGD)) throw new Error(`rsyslogd is not installed; install it with: ${INSTALL}`)
    router = await testRouter()
    await createApp(router, 'demo')

    const dir = dataDir()
    mkdirSync(join(dir, 'work'))
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort()
    const forward = (protocol: string, template: string, framing = '') =>
      `action(type="omfwd" target="127.0.0.1" port="${protocol === 'udp' ? router.syslogUdpPort : router.syslogTcpPort}" protocol="${protocol}" template="${template}"${framing})`
    const config = join(dir, 'rsyslog.conf')
    writeFileSync(config, `
global(workDirectory="${join(dir, 'work')}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${ports.tcp5424}" ruleset="tcp5424")
input(type="imtcp" address="127.0.0.1" port="${ports.udp5424}" ruleset="udp5424")
input(type="imtcp" address="127.0.0.1" port="${ports.tcp3164}" ruleset="tcp3164")
input(type="imtcp" address="127.0.0.1" port="${ports.tcpTraditional}" ruleset="tcpTraditional")
ruleset(name="tcp5424") { ${forward('tcp', 'RSYSLOG_SyslogProtocol23Format', ' TCP_Framing="octet-counted"')} }
ruleset(name="udp5424") { ${forward('udp', 'RSYSLOG_SyslogProtocol23Format')} }
ruleset(name="tcp3164") { ${forward('tcp', 'RSYSLOG_ForwardFormat')} }
ruleset(name="tcpTraditional") { ${forward('tcp', 'RSYSLOG_TraditionalForwardFormat')} }
`)
    await run(RSYSLOGD, ['-N1', '-f', config])
    rsyslog = spawn(RSYSLOGD, ['-n', '-f', config, '-i', join(dir, 'rsyslog.pid')], {stdio: 'ignore'})
    const deadline = Date.now() + 10_000
    while (!(await accepts(ports.tcp3164))) {
      if (Date.now() > deadline) throw new Error('rsyslog did not start listening')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })

  after(async () => {
    if (rsyslog?.exitCode !== null) return
    const exited = new Promise((resolve) => rsyslog!.once('exit', resolve))
    rsyslog.kill('SIGTERM')
    await exited
  })

  async function waitForLine(pattern: RegExp): Promise<string> {
    let lines: string[] = []
    const deadline = Date.now() + 10_000
    for (;;) {
      lines = (await readSession(await createSession(router, 'demo', {lines: 1500}))).text.split('\n')
      const found = lines.find((line) => pattern.test(line))
      if (found !== undefined) return found
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; have ${JSON.stringify(lines.slice(-5))}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  const ways = [
    ['RFC 5424, octet-counted TCP', 'tcp5424', '--rfc5424'],
    ['RFC 5424, UDP', 'udp5424', '--rfc5424'],
    ['RFC 3164, newline TCP', 'tcp3164', '--rfc3164'],
    // A message that came as RFC 5424 goes out in 3164 with its APP-NAME as a TAG without the colon (`vm demo msg`).
    ['RFC 3164 from an RFC 5424 sender', 'tcp3164', '--rfc5424'],
    ['RFC 3164 (omfwd\'s default, traditional) from an RFC 5424 sender', 'tcpTraditional', '--rfc5424'],
  ] as const
  for (const [way, key, format] of ways) {
    it(`takes what rsyslog forwards as ${way}`, async () => {
      await run('logger', ['--server', '127.0.0.1', '--port', String(ports[key]), '--tcp', format, '--octet-count', '--tag', 'demo', `via rsyslog ${key} ${format}`])
      const line = await waitForLine(new RegExp(`via rsyslog ${key} ${format}$`))
      assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ app\\[web\\.1\\]: via rsyslog ${key} ${format}$`))
    })
  }

  it('takes an RFC 5424 PROCID that rsyslog forwards in 3164 as TAG[PID] without the colon, as the dyno', async () => {
    await run('logger', ['--server', '127.0.0.1', '--port', String(ports.tcpTraditional), '--tcp', '--rfc5424', '--octet-count', '--tag', 'demo', '--id=4321', 'with a procid'])
    const line = await waitForLine(/with a procid$/)
    assert.match(line, /^\d{4}-\d\d-\d\dT\S+ app\[4321\]: with a procid$/)
  })
})
