import assert from 'node:assert/strict'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import type {RunningRouter} from '../../src/router/server.js'
import {tempDir} from '../helpers/cli.js'
import {drainRouter} from './drain-receivers.js'
import {call, createApp, createSession, postText, readSession, waitFor} from './helpers.js'
import {makeCertificates, Rsyslog, type TlsFiles} from './rsyslog-peer.js'

const FAST = {backoff: {baseMs: 50, capMs: 400}, certificateNoticeMs: 60_000, timeoutMs: 3000}

function lines(from: number, count: number): string {
  let body = ''
  for (let i = from; i < from + count; i++) body += `2024-05-01T12:00:00.${String(i).padStart(6, '0')}+00:00 app[web.${i % 3}]: syslog ${i} ünïcode\n`
  return body
}

function expected(token: string, from: number, count: number): string[] {
  return Array.from({length: count}, (_, k) => {
    const i = from + k
    return `<190>1 2024-05-01T12:00:00.${String(i).padStart(6, '0')}+00:00 ${token} app web.${i % 3} - - syslog ${i} ünïcode`
  })
}

async function addDrain(router: RunningRouter, app: string, url: string): Promise<{id: string; token: string}> {
  const reply = await call(router, 'POST', `/apps/${app}/log-drains`, {body: {url}})
  assert.equal(reply.status, 201, reply.text)
  return reply.json
}

describe('syslog drains to rsyslog', function () {
  this.timeout(30_000)
  let dir: string
  let certificates: {ca: string; good: TlsFiles; wrong: TlsFiles}
  const peers: Rsyslog[] = []

  async function rsyslog(name: string, tls?: TlsFiles): Promise<Rsyslog> {
    const peerDir = join(dir, name)
    mkdirSync(peerDir)
    const peer = await Rsyslog.start(peerDir, tls)
    peers.push(peer)
    return peer
  }

  before(async () => {
    dir = tempDir('logsift-rsyslog-')
    certificates = await makeCertificates(dir)
  })
  after(async () => {
    for (const peer of peers) await peer.stop()
  })

  it('syslog:// delivers octet-counted RFC 5424 frames that arrive byte-exact, HOSTNAME the drain token', async () => {
    const peer = await rsyslog('plain')
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'plain')
    const drain = await addDrain(router, 'plain', `syslog://127.0.0.1:${peer.port}`)
    for (let i = 0; i < 4; i++) await postText(router, 'plain', lines(i * 250, 250))
    await waitFor('1000 lines in rsyslog', () => peer.lines().length >= 1000, 10_000)
    assert.deepEqual(peer.lines(), expected(drain.token, 0, 1000))
    assert.equal(router.drainStatus(drain.id)!.delivered, 1000)
  })

  it('syslog:// reconnects after the receiver restarts', async () => {
    const peer = await rsyslog('restart')
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'restart')
    const drain = await addDrain(router, 'restart', `syslog://127.0.0.1:${peer.port}`)
    await postText(router, 'restart', lines(0, 10))
    await waitFor('10 lines', () => peer.lines().length === 10)
    await peer.stop()
    await peer.resume()
    // The first write after the restart may go into the old, dead connection: syslog has no acknowledgement.
    await waitFor('a new connection and the later lines', () => {
      void postText(router, 'restart', lines(10, 1))
      return peer.lines().some((line) => line.includes(' syslog 10 '))
    }, 10_000)
    assert.equal(router.drainStatus(drain.id)!.state, 'connected')
  })

  it('syslog+tls:// verifies the receiver against --ca and delivers', async () => {
    const peer = await rsyslog('tls', certificates.good)
    const router = await drainRouter({drainCaFile: certificates.ca, drains: FAST})
    await createApp(router, 'tls')
    const drain = await addDrain(router, 'tls', `syslog+tls://127.0.0.1:${peer.port}`)
    await postText(router, 'tls', lines(0, 100))
    await waitFor('100 lines over TLS', () => peer.lines().length >= 100, 10_000)
    assert.deepEqual(peer.lines(), expected(drain.token, 0, 100))
  })

  it('syslog+tls:// refuses a certificate for another host and writes L14 into the app log', async () => {
    const peer = await rsyslog('wrong', certificates.wrong)
    const router = await drainRouter({drainCaFile: certificates.ca, drains: FAST})
    await createApp(router, 'wrong')
    const url = `syslog+tls://127.0.0.1:${peer.port}`
    const drain = await addDrain(router, 'wrong', url)
    await postText(router, 'wrong', lines(0, 3))
    let log = ''
    for (let tries = 0; tries < 100 && !log.includes('L14'); tries++) {
      log = (await readSession(await createSession(router, 'wrong'))).text
      if (!log.includes('L14')) await new Promise((resolve) => setTimeout(resolve, 50))
    }

    assert.match(log, new RegExp(`heroku\\[logplex\\]: Error L14 \\(certificate validation\\): error="[^"]*(altnames|IP)[^"]*" uri="syslog\\+tls://127\\.0\\.0\\.1:${peer.port}"`))
    const status = router.drainStatus(drain.id)!
    assert.equal(status.state, 'failing')
    assert.equal(status.delivered, 0)
    assert.deepEqual(peer.lines(), [])
  })

  it('syslog+tls:// with #insecure delivers to that host anyway, still over TLS', async () => {
    const peer = await rsyslog('insecure', certificates.wrong)
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'insecure')
    const drain = await addDrain(router, 'insecure', `syslog+tls://127.0.0.1:${peer.port}#insecure`)
    await postText(router, 'insecure', lines(0, 5))
    await waitFor('5 lines', () => peer.lines().length >= 5, 10_000)
    assert.deepEqual(peer.lines(), expected(drain.token, 0, 5))
  })

  it('syslog+tls:// without --ca does not trust a private CA', async () => {
    const peer = await rsyslog('untrusted', certificates.good)
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'untrusted')
    const drain = await addDrain(router, 'untrusted', `syslog+tls://127.0.0.1:${peer.port}`)
    await postText(router, 'untrusted', lines(0, 1))
    await waitFor('a certificate failure', () => router.drainStatus(drain.id)!.state === 'failing', 10_000)
    assert.match(router.drainStatus(drain.id)!.lastError!, /certificate/i)
  })
})
