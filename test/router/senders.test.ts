import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import type {RunningRouter} from '../../src/router/server.js'
import {createApp, createSession, dataDir, readSession, testRouter, waitFor} from './helpers.js'

const run = promisify(execFile)

/** syslog-ng, unpacked beside rsyslog by scripts/test-peers.sh (their Debian packages conflict). */
const SYSLOG_NG_DIR = process.env.LOGSIFT_SYSLOG_NG_DIR ?? join(homedir(), '.cache', 'logsift-syslog-ng')
const SYSLOG_NG_INSTALL = `scripts/test-peers.sh (as root), or: apt-get download syslog-ng-core && dpkg -x syslog-ng-core_*.deb ${SYSLOG_NG_DIR}`

/**
 * Python's standard SysLogHandler, as applications use it: `<PRI>IDENT MESSAGE` then NUL, over UDP or TCP
 * (there without LF or length). Sends `count` messages `message I of COUNT`, then an exception's traceback.
 * Over UDP it logs at most about 2,000 a second: the kernel's default receive buffer holds only some 200
 * small datagrams, and what overflows it is lost before the router sees it.
 */
const PYTHON_SENDER = `
import logging, logging.handlers, socket, sys, time
port, transport, ident, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
handler = logging.handlers.SysLogHandler(('127.0.0.1', port), socktype=socket.SOCK_STREAM if transport == 'tcp' else socket.SOCK_DGRAM)
if ident:
    handler.ident = ident
log = logging.getLogger('sender')
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(handler)
for i in range(count):
    log.info('message %d of %d', i, count)
    if transport == 'udp':
        time.sleep(0.0005)
try:
    raise ValueError('bad value')
except ValueError:
    log.exception('boom')
handler.close()
`

function python(port: number, transport: 'tcp' | 'udp', ident: string, count: number): Promise<unknown> {
  return run('python3', ['-c', PYTHON_SENDER, String(port), transport, ident, String(count)])
}

describe('syslog from real senders', () => {
  let router: RunningRouter

  before(async () => {
    router = await testRouter()
  })

  /** The app's recent messages, as a session without tail prints them. */
  async function recent(app: string): Promise<string> {
    return (await readSession(await createSession(router, app, {lines: 1500}))).text
  }

  /** Waits until the app's recent messages satisfy `condition`; returns them. */
  async function waitForRecent(app: string, what: string, condition: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = await recent(app)
      if (condition(text)) return text
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in ${app}; have ${JSON.stringify(text.slice(-400))}`)
    }
  }

  const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'gm'))?.length ?? 0

  describe('Python\'s logging.handlers.SysLogHandler', () => {
    for (const transport of ['udp', 'tcp'] as const) {
      it(`over ${transport.toUpperCase()}: all 1,000 messages of ident 'APP: ' reach the app, and a traceback stays whole`, async () => {
        const app = `py-${transport}`
        await createApp(router, app)
        const port = transport === 'tcp' ? router.syslogTcpPort : router.syslogUdpPort
        await python(port, transport, `${app}: `, 1000)
        const text = await waitForRecent(app, '1,000 messages and the traceback', (t) => count(t, /app\[web\.1\]: message \d+ of 1000$/) === 1000 && t.includes('boom'))
        for (let i = 0; i < 1000; i += 111) assert.match(text, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ app\\[web\\.1\\]: message ${i} of 1000$`, 'm'))
        assert.match(text, /app\[web\.1\]: boom\nTraceback \(most recent call last\):\n {2}File "<string>", line \d+, in <module>\nValueError: bad value\n/)
      })
    }

    it('takes a PID in the ident as the dyno', async () => {
      await createApp(router, 'py-pid')
      await python(router.syslogUdpPort, 'udp', 'py-pid[4242]: ', 3)
      await waitForRecent('py-pid', 'three messages under app[4242]', (t) => count(t, /app\[4242\]: message \d of 3$/) === 3)
    })

    it('drops and counts messages without an ident: they name no app', async () => {
      const before = router.drops().syslog_unknown_app
      await python(router.syslogUdpPort, 'udp', '', 10)
      await python(router.syslogTcpPort, 'tcp', '', 10)
      // Ten messages and a traceback per transport, none kept, every one counted.
      await waitFor('22 messages counted', () => router.drops().syslog_unknown_app >= before + 22)
      assert.equal(router.drops().syslog_unknown_app, before + 22)
    })
  })

  describe('util-linux logger', () => {
    before(() => createApp(router, 'lgr'))

    const variants: Array<[string, string[]]> = [
      ['RFC 5424 over UDP', ['--udp']],
      ['RFC 3164 over UDP, with a PID', ['--udp', '--rfc3164', '--id=42']],
      ['RFC 5424 over TCP, LF after each', ['--tcp']],
      ['RFC 3164 over TCP, LF after each', ['--tcp', '--rfc3164']],
      ['RFC 5424 over TCP, octet-counted', ['--tcp', '--octet-count']],
      ['RFC 3164 over TCP, octet-counted', ['--tcp', '--rfc3164', '--octet-count']],
    ]
    for (const [name, flags] of variants) {
      it(`takes ${name}, several lines as several messages`, async () => {
        const port = flags.includes('--udp') ? router.syslogUdpPort : router.syslogTcpPort
        const tag = name.replaceAll(/\W+/g, '-')
        const child = execFile('logger', ['--server', '127.0.0.1', '--port', String(port), ...flags, '--tag', 'lgr'])
        child.stdin!.end(`${tag} one\n${tag} two 200\n${tag} three\n`)
        await new Promise((resolve) => child.once('exit', resolve))
        const dyno = flags.includes('--id=42') ? '42' : 'web\\.1'
        await waitForRecent('lgr', `three lines from ${name}`, (t) => ['one', 'two 200', 'three'].every((word) => new RegExp(`app\\[${dyno}\\]: ${tag} ${word}$`, 'm').test(t)))
      })
    }
  })

  describe('syslog-ng', () => {
    let workDir: string

    before(async () => {
      const binary = join(SYSLOG_NG_DIR, 'usr', 'sbin', 'syslog-ng')
      if (!existsSync(binary)) throw new Error(`syslog-ng is not unpacked at ${SYSLOG_NG_DIR}; run ${SYSLOG_NG_INSTALL}`)
      workDir = dataDir()
      await createApp(router, 'sng')
    })

    /** Runs syslog-ng in the foreground with one destination; it sends the lines of its stdin and exits at its end. */
    async function syslogNg(destination: string, lines: string): Promise<void> {
      const libraries = join(SYSLOG_NG_DIR, 'usr', 'lib', 'syslog-ng')
      const modules = join(libraries, readdirSync(libraries).find((name) => /^\d/.test(name))!)
      const config = join(workDir, 'syslog-ng.conf')
      writeFileSync(config, `@version: 3.38\nsource s { stdin(); };\ndestination d { ${destination}; };\nlog { source(s); destination(d); };\n`)
      const child = execFile(join(SYSLOG_NG_DIR, 'usr', 'sbin', 'syslog-ng'), [
        `--module-path=${modules}`, '-F', '-f', config, '-R', join(workDir, 'persist'), '-p', join(workDir, 'pid'), '-c', join(workDir, 'ctl'),
      ], {env: {...process.env, LD_LIBRARY_PATH: libraries}})
      child.stdin!.end(lines)
      const code = await new Promise((resolve) => child.once('exit', resolve))
      assert.equal(code, 0)
    }

    const destinations: Array<[string, string]> = [
      ['syslog() over TCP: RFC 5424, octet-counted', 'syslog("127.0.0.1" port(PORT) transport("tcp"))'],
      ['network() over TCP: RFC 3164, LF after each', 'network("127.0.0.1" port(PORT) transport("tcp"))'],
      ['network() over UDP: RFC 3164', 'network("127.0.0.1" port(PORT) transport("udp"))'],
    ]
    for (const [name, destination] of destinations) {
      it(`takes ${name}, the program naming the app and its PID the dyno`, async () => {
        const port = destination.includes('udp') ? router.syslogUdpPort : router.syslogTcpPort
        const label = name.split(':')[0].replaceAll(/\W+/g, '-')
        await syslogNg(destination.replace('PORT', String(port)), `<13>sng[7]: ${label} one\n<13>sng: ${label} two 200\n`)
        await waitForRecent('sng', `two lines from ${name}`, (t) => t.includes(`app[7]: ${label} one\n`) && t.includes(`app[web.1]: ${label} two 200\n`))
      })
    }
  })

  describe('a raw socket', () => {
    before(() => createApp(router, 'raw'))

    const octets = (message: string) => `${Buffer.byteLength(message)} ${message}`
    const miscounted = (message: string, error: number) => `${Buffer.byteLength(message) + error} ${message}`
    const message = (label: string, i: number) => `<13>1 2024-05-01T12:00:0${i}Z host raw ${i} - - ${label} ${i}`

    async function send(stream: string | Buffer, chunkSize = Number.POSITIVE_INFINITY): Promise<void> {
      const socket: Socket = connect(router.syslogTcpPort, '127.0.0.1')
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.setNoDelay(true)
      const bytes = Buffer.from(stream)
      for (let i = 0; i < bytes.length; i += chunkSize) {
        await new Promise((resolve) => socket.write(bytes.subarray(i, i + chunkSize), resolve))
      }

      socket.end()
      await new Promise((resolve) => socket.once('close', resolve))
    }

    async function waitForAll(label: string, numbers: number[]): Promise<string> {
      return waitForRecent('raw', `${label} ${numbers.join(', ')}`, (t) => numbers.every((i) => t.includes(`app[${i}]: ${label} ${i}\n`)))
    }

    it('stores the frames after one whose LEN is too small, and counts the bytes skipped', async () => {
      const before = router.drops().syslog_malformed
      await send(octets(message('small', 1)) + miscounted(message('small', 2), -2) + octets(message('small', 3)) + octets(message('small', 4)))
      const text = await waitForAll('small', [1, 3, 4])
      assert.match(text, /app\[2\]: small$/m)
      assert.equal(router.drops().syslog_malformed, before + 1)
    })

    it('stores the frames after one whose LEN is too large, the bad one too, with nothing skipped', async () => {
      const before = router.drops()
      await send(octets(message('large', 1)) + miscounted(message('large', 2), 1) + octets(message('large', 3))
        + miscounted(message('large', 4), 25) + octets(message('large', 5)) + octets(message('large', 6)))
      await waitForAll('large', [1, 2, 3, 4, 5, 6])
      assert.deepEqual(router.drops(), before)
    })

    it('stores the frames after garbage on the same connection', async () => {
      const before = router.drops().syslog_malformed
      await send(octets(message('garbage', 1)) + 'this is 12 no frame\n' + octets(message('garbage', 2)))
      await waitForAll('garbage', [1, 2])
      assert.equal(router.drops().syslog_malformed, before + 1)
    })

    const trailers: Array<[string, (message: string) => string]> = [
      ['LF', (m) => m + '\n'],
      ['CRLF', (m) => m + '\r\n'],
      ['NUL', (m) => m + '\0'],
      ['octet counting', octets],
      ['octet counting with LF', (m) => octets(m) + '\n'],
    ]
    for (const [name, framed] of trailers) {
      it(`takes messages ended by ${name}, sent whole and one byte at a time`, async () => {
        const label = name.replaceAll(' ', '-')
        await send([1, 2, 3].map((i) => framed(message(`${label}-whole`, i))).join(''))
        await send([1, 2, 3].map((i) => framed(message(`${label}-bytes`, i))).join(''), 1)
        await waitForAll(`${label}-whole`, [1, 2, 3])
        await waitForAll(`${label}-bytes`, [1, 2, 3])
      })
    }

    it('takes the first LF-ended message of a connection that stays open', async () => {
      const socket = connect(router.syslogTcpPort, '127.0.0.1')
      socket.write(message('open', 1) + '\n')
      await waitForAll('open', [1])
      socket.destroy()
    })

    it('takes a datagram of several messages, continuation lines kept with theirs', async () => {
      const udp = createSocket('udp4')
      const datagram = `<13>raw[1]: batch first\n<13>raw[2]: batch second\n  continued\n<13>raw[3]: batch third\r\n`
      await new Promise((resolve) => udp.send(datagram, router.syslogUdpPort, '127.0.0.1', resolve))
      udp.close()
      await waitForRecent('raw', 'the batch', (t) => t.includes('app[1]: batch first\n') && t.includes('app[2]: batch second\n  continued\n') && t.includes('app[3]: batch third\n'))
    })
  })
})
