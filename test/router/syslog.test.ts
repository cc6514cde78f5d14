import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {connect as connectTls} from 'node:tls'
import {promisify} from 'node:util'
import {Agent, request} from 'undici'

import type {RunningRouter} from '../../src/router/server.js'
import {createApp, createSession, dataDir, frame, readSession, testRouter, waitFor} from './helpers.js'

const run = promisify(execFile)

describe('syslog input', () => {
  let router: RunningRouter
  let token: string

  before(async () => {
    router = await testRouter({maxFrameBytes: 2000})
    token = (await createApp(router, 'demo')).log_input_token
  })

  async function recent(): Promise<string[]> {
    return (await readSession(await createSession(router, 'demo', {lines: 1500}))).text.split('\n').filter(Boolean)
  }

  async function waitForLine(pattern: RegExp): Promise<string> {
    let found: string | undefined
    const deadline = Date.now() + 5000
    while (found === undefined) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for a line matching ${pattern}; have ${JSON.stringify((await recent()).slice(-5))}`)
      found = (await recent()).find((line) => pattern.test(line))
    }

    return found
  }

  const logger = (...args: string[]) => run('logger', ['--server', '127.0.0.1', ...args])

  it('takes RFC 5424 over TCP with octet counting from logger, the tag naming the app', async () => {
    await logger('--port', String(router.syslogTcpPort), '--tcp', '--rfc5424', '--octet-count', '--tag', 'demo', '--msgid', 'ID', 'octets from logger')
    assert.match(await waitForLine(/octets from logger/), /^\d{4}-\d\d-\d\dT\S+ app\[web\.1\]: octets from logger$/)
  })

  it('takes newline-framed TCP, with the input token as the tag', async () => {
    await logger('--port', String(router.syslogTcpPort), '--tcp', '--rfc5424', '--tag', token, 'newline from logger')
    await waitForLine(/app\[web\.1\]: newline from logger$/)
  })

  it('takes UDP, one message per datagram, and RFC 3164', async () => {
    await logger('--port', String(router.syslogUdpPort), '--udp', '--tag', 'demo', 'datagram from logger')
    await logger('--port', String(router.syslogUdpPort), '--udp', '--rfc3164', '--tag', 'demo', 'bsd from logger')
    await waitForLine(/app\[web\.1\]: datagram from logger$/)
    // The BSD date has no year or zone: the router stamps it on arrival.
    assert.match(await waitForLine(/bsd from logger/), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 app\[web\.1\]: bsd from logger$/)
  })

  it('keeps Heroku-style frames as sent: HOSTNAME the token, APP-NAME the source, PROCID the dyno', async () => {
    const socket = connect(router.syslogTcpPort, '127.0.0.1')
    socket.end(frame(`<158>1 2024-05-01T12:00:00.000001+00:00 ${token} heroku router - at=info path="/tcp"`)
      + frame(`<190>1 2024-05-01T12:00:00.000002+00:00 ${token} app worker.2 - - half`).slice(0, 20))
    await waitForLine(/^2024-05-01T12:00:00\.000001\+00:00 heroku\[router\]: at=info path="\/tcp"$/)
  })

  it('drops and counts messages for no app, and ones that are not syslog', async () => {
    const before = router.drops()
    await logger('--port', String(router.syslogTcpPort), '--tcp', '--rfc5424', '--octet-count', '--tag', 'nobody', 'lost')
    const socket = connect(router.syslogTcpPort, '127.0.0.1')
    socket.end('not syslog at all\n')
    await waitFor('the drops to be counted', () => {
      const now = router.drops()
      return now.syslog_unknown_app > before.syslog_unknown_app && now.syslog_malformed > before.syslog_malformed
    })
  })

  it('skips and counts a newline-framed message over maxFrameBytes, written whole or in pieces, and reads on over the same connection', async () => {
    const before = router.drops().syslog_too_large
    const socket = connect(router.syslogTcpPort, '127.0.0.1')
    const long = '<13>1 2024-05-01T12:00:00Z host demo - - ' + 'x'.repeat(10_000) + '\n'
    socket.write('<13>1 2024-05-01T12:00:00Z host demo - - before the long ones\n')
    for (let at = 0; at < long.length; at += 1000) socket.write(long.slice(at, at + 1000))
    socket.write(long)
    socket.end('<13>1 2024-05-01T12:00:00Z host demo - - after the long ones\n')
    await waitForLine(/after the long ones/)
    assert.equal(router.drops().syslog_too_large, before + 2)
    const lines = await recent()
    assert.ok(lines.some((line) => line.endsWith('before the long ones')))
    assert.ok(!lines.some((line) => line.includes('xxx')))
  })

  describe('over TLS, with HTTPS', () => {
    let secure: RunningRouter
    let ca: Buffer

    before(async () => {
      const dir = dataDir()
      const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert])
      ca = readFileSync(cert)
      secure = await testRouter({syslogTlsPort: 0, tlsCert: cert, tlsKey: key})
    })

    it('serves the API over HTTPS and takes syslog over TLS', async () => {
      assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      const dispatcher = new Agent({connect: {ca}})
      const created = await request(`${secure.url}/apps`, {
        body: JSON.stringify({name: 'secure'}), dispatcher, headers: {authorization: `Bearer ${secure.apiKey}`}, method: 'POST',
      })
      assert.equal(created.statusCode, 201)
      await created.body.dump()

      const socket = connectTls({ca, host: '127.0.0.1', port: secure.syslogTlsPort!})
      await new Promise((resolve) => socket.once('secureConnect', resolve))
      socket.end(frame('<13>1 2024-05-01T12:00:00Z host secure 7 - over tls'))

      const session = await request(`${secure.url}/apps/secure/log-sessions`, {
        body: '{}', dispatcher, headers: {authorization: `Bearer ${secure.apiKey}`}, method: 'POST',
      })
      const {logplex_url: url} = (await session.body.json()) as {logplex_url: string}
      assert.match(url, /^https:/)
      let text = ''
      const deadline = Date.now() + 5000
      while (!text.includes('app[7]: over tls')) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for the TLS line; the session has ${JSON.stringify(text)}`)
        text = await (await request(url, {dispatcher})).body.text()
      }

      assert.equal(text, '2024-05-01T12:00:00Z app[7]: over tls\n')
      await dispatcher.close()
    })
  })
})
