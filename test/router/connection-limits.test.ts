import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {connect as connectTls} from 'node:tls'
import {promisify} from 'node:util'
import {Agent, getGlobalDispatcher, setGlobalDispatcher} from 'undici'

import {sourceAddress} from '../../src/router/ingest/admission.js'
import type {RunningRouter} from '../../src/router/server.js'
import {createApp, createSession, dataDir, frame, postText, readSession, testRouter, waitFor} from './helpers.js'

const run = promisify(execFile)
const ATTACKER = '127.0.0.2'

/** A client connection and whether the router has closed it. */
interface Held {
  socket: Socket
  closed: boolean
  received: string
}

/** Every client connection a test opens, destroyed after it whether it passed or not. */
const opened = new Set<Socket>()

/** Connects from `localAddress`; resolves once connected (with TLS, once the handshake is done). */
function hold(port: number, localAddress: string, secure?: {ca: Buffer}): Promise<Held> {
  return new Promise((resolve, reject) => {
    const tcp = connect({host: '127.0.0.1', localAddress, port})
    const socket = secure === undefined ? tcp : connectTls({ca: secure.ca, host: '127.0.0.1', socket: tcp})
    const held: Held = {closed: false, received: '', socket}
    opened.add(socket)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (held.received += chunk))
    socket.on('error', reject)
    socket.on('close', () => (held.closed = true))
    socket.once(secure === undefined ? 'connect' : 'secureConnect', () => resolve(held))
  })
}

async function holdMany(count: number, port: number, localAddress: string): Promise<Held[]> {
  const all: Held[] = []
  // One at a time: the order they were opened in is the order they are evicted in.
  for (let i = 0; i < count; i++) all.push(await hold(port, localAddress))
  return all
}

async function recentLines(router: RunningRouter, app: string): Promise<string> {
  return (await readSession(await createSession(router, app, {lines: 1500}))).text
}

async function waitForStored(router: RunningRouter, app: string, text: string): Promise<void> {
  let recent = ''
  const deadline = Date.now() + 5000
  while (!recent.includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} in ${app}; have ${JSON.stringify(recent.slice(-300))}`)
    recent = await recentLines(router, app)
  }
}

describe('connection admission', function () {
  this.timeout(20_000)
  afterEach(() => {
    for (const socket of opened) socket.destroy()
    opened.clear()
  })

  describe('syslog', () => {
    let ca: Buffer
    let tlsFiles: {tlsCert: string; tlsKey: string}

    before(async () => {
      const dir = dataDir()
      tlsFiles = {tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem')}
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', tlsFiles.tlsKey, '-out', tlsFiles.tlsCert])
      ca = readFileSync(tlsFiles.tlsCert)
      // The API is HTTPS too, and the helpers call it with the global dispatcher.
      const dispatcher = getGlobalDispatcher()
      setGlobalDispatcher(new Agent({connect: {ca}}))
      after(() => setGlobalDispatcher(dispatcher))
    })

    /** A router of its own for each test: what the last one left open is not this one's business. */
    async function syslogRouter(): Promise<RunningRouter> {
      const router = await testRouter({maxConnections: 6, maxConnectionsPerAddress: 3, syslogTlsPort: 0, ...tlsFiles})
      await createApp(router, 'demo')
      return router
    }

    for (const transport of ['TCP', 'TLS'] as const) {
      it(`over ${transport}: an address over its limit loses its own longest idle connections, not another sender's`, async () => {
        const router = await syslogRouter()
        const port = transport === 'TCP' ? router.syslogTcpPort : router.syslogTlsPort!
        // The sender's connection is the oldest and idle: only its address decides whether it is evicted.
        const sender = await hold(port, '127.0.0.1', transport === 'TLS' ? {ca} : undefined)
        // The attacker never even starts TLS: a connection is counted from its accept.
        const attacker = await holdMany(8, port, ATTACKER)
        await waitFor('the attacker\'s five oldest connections to be closed', () => attacker.filter((held) => held.closed).length === 5)
        assert.deepEqual(attacker.map((held) => held.closed), [true, true, true, true, true, false, false, false])
        assert.equal(router.drops().connections, 5)

        sender.socket.write(frame(`<13>1 2024-05-01T12:00:00Z host demo web.1 - still connected over ${transport}`))
        await waitForStored(router, 'demo', `still connected over ${transport}`)
        assert.equal(sender.closed, false)
      })
    }

    it('at the listener limit, the address holding the most gives up its longest idle connection', async () => {
      const port = (await syslogRouter()).syslogTcpPort
      const sender = await hold(port, '127.0.0.1')
      const attacker = await holdMany(3, port, ATTACKER)
      const others = await holdMany(2, port, '127.0.0.3')
      // Six open, the limit: a seventh from a fourth address makes 127.0.0.2 (three) give up its oldest.
      const newcomer = await hold(port, '127.0.0.4')
      await waitFor('one attacker connection to be closed', () => attacker.some((held) => held.closed))
      assert.deepEqual(attacker.map((held) => held.closed), [true, false, false])
      assert.equal(sender.closed, false)
      assert.equal(others.some((held) => held.closed), false)
      assert.equal(newcomer.closed, false)
    })
  })

  describe('HTTP', () => {
    let router: RunningRouter

    beforeEach(async () => {
      router = await testRouter({headersTimeoutMs: 300, maxConnectionsPerAddress: 3, requestTimeoutMs: 300})
      await createApp(router, 'demo')
    })

    const port = () => Number(new URL(router.url).port)

    /** A tail session read over a raw connection from `localAddress`, as `heroku logs -t` reads one. */
    async function tail(localAddress: string): Promise<Held> {
      const url = new URL(await createSession(router, 'demo', {lines: 0, tail: true}))
      const held = await hold(port(), localAddress)
      held.socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: router\r\nAccept: text/event-stream\r\n\r\n`)
      await waitFor('the session to start', () => held.received.includes('200 OK'))
      return held
    }

    it('evicts slow and idle connections for new ones, but never a tail session, which outlives every timeout', async () => {
      const session = await tail(ATTACKER)
      const slow = await holdMany(2, port(), ATTACKER)
      const drip = setInterval(() => {
        for (const held of slow) held.socket.write('X-Slow: 1\r\n')
      }, 100)
      try {
        for (const held of slow) held.socket.write('GET /apps HTTP/1.1\r\nHost: router\r\n')
        // The address is at its limit of three: a fourth connection evicts the oldest slow one, not the session.
        const silent = await hold(port(), ATTACKER)
        await waitFor('the oldest slow connection to be evicted', () => slow[0].closed)
        assert.equal(router.drops().connections, 1)
        // The headers timeout ends the other slow one; the connection that never sent a byte is closed too.
        await waitFor('the slow request to time out', () => slow[1].closed)
        await waitFor('the silent connection to be closed', () => silent.closed)
      } finally {
        clearInterval(drip)
      }

      // The session has been open longer than both timeouts, and still streams.
      assert.equal(session.closed, false)
      await postText(router, 'demo', '2024-05-01T12:00:00.000000+00:00 app[web.1]: after the timeouts')
      await waitFor('the line on the session', () => session.received.includes('app[web.1]: after the timeouts'))
    })

    it('refuses, and counts, a new connection from an address whose connections are all busy answering', async () => {
      const sessions = [await tail(ATTACKER), await tail(ATTACKER), await tail(ATTACKER)]
      const refused = await hold(port(), ATTACKER)
      await waitFor('the fourth connection to be refused', () => refused.closed)
      assert.equal(router.drops().connections, 1)
      assert.equal(sessions.some((held) => held.closed), false)
      // Another address is served as usual.
      await postText(router, 'demo', '2024-05-01T12:00:00.000000+00:00 app[web.1]: served')
      assert.match(await recentLines(router, 'demo'), /served/)
    })
  })

  it('counts an address as IPv4, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.2', '127.0.0.2'],
      ['::ffff:127.0.0.2', '127.0.0.2'],
      ['::1', '0:0:0:0::/64'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
      ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
      ['2001:db8::1', '2001:db8:0:0::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ]
    for (const [address, expected] of cases) assert.equal(sourceAddress(address), expected, address)
  })
})
