import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'

import type {RunningRouter} from '../../src/router/server.js'
import {tempDir} from '../helpers/cli.js'
import {drainRouter, StrictReceiver} from './drain-receivers.js'
import {call, createApp, createSession, postText, readSession, waitFor} from './helpers.js'
import {makeCertificates, type TlsFiles} from './rsyslog-peer.js'

const FAST = {backoff: {baseMs: 50, capMs: 400}, timeoutMs: 2000}

/** `count` heroku-format lines numbered from `from`, as one text body. */
function lines(from: number, count: number, text = 'message'): string {
  let body = ''
  for (let i = from; i < from + count; i++) body += `2024-05-01T12:00:00.${String(i % 1_000_000).padStart(6, '0')}+00:00 app[web.1]: ${text} ${i}\n`
  return body
}

function expected(from: number, count: number): string[] {
  return Array.from({length: count}, (_, k) => {
    const i = from + k
    return `<190>1 2024-05-01T12:00:00.${String(i % 1_000_000).padStart(6, '0')}+00:00 host app web.1 - message ${i}`
  })
}

async function addDrain(router: RunningRouter, app: string, url: string): Promise<{id: string; token: string}> {
  const reply = await call(router, 'POST', `/apps/${app}/log-drains`, {body: {url}})
  assert.equal(reply.status, 201, reply.text)
  return reply.json
}

describe('HTTPS drains', function () {
  this.timeout(30_000)
  let receiver: StrictReceiver

  beforeEach(async () => {
    receiver = new StrictReceiver()
    await receiver.start()
  })
  afterEach(() => receiver.stop())

  it('delivers every message in order as logplex-1 POSTs a strict receiver accepts', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'https-order')
    const drain = await addDrain(router, 'https-order', receiver.url('user:s%3Acret'))
    for (let i = 0; i < 5; i++) await postText(router, 'https-order', lines(i * 200, 200))
    await waitFor('1000 messages', () => receiver.messages.length >= 1000, 10_000)
    assert.deepEqual(receiver.faults, [])
    assert.deepEqual(receiver.messages, expected(0, 1000))
    for (const post of receiver.posts) {
      assert.equal(post.token, drain.token)
      assert.equal(post.authorization, 'Basic ' + Buffer.from('user:s:cret').toString('base64'))
    }

    await waitFor('the last answer to be counted', () => router.drainStatus(drain.id)!.delivered === 1000)
    const status = router.drainStatus(drain.id)!
    assert.equal(status.state, 'connected')
    assert.equal(status.delivered, 1000)
    assert.equal(status.inFlight, 0)
    assert.equal((await router.drainReport(drain.id))!.lag, 0)
  })

  it('sends a user given alone as Basic credentials (LogScale: https://INGEST_TOKEN@host/...)', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'logscale')
    await addDrain(router, 'logscale', receiver.url('ingest-token-123'))
    await postText(router, 'logscale', lines(0, 1))
    await waitFor('one POST', () => receiver.posts.length === 1)
    assert.equal(receiver.posts[0].authorization, 'Basic ' + Buffer.from('ingest-token-123:').toString('base64'))
  })

  it('turns line breaks inside a message into spaces and sends valid UTF-8', async () => {
    const router = await drainRouter({drains: FAST})
    const app = await createApp(router, 'breaks')
    await addDrain(router, 'breaks', receiver.url())
    // A logplex-1 input whose message holds a carriage return and a bare newline, and bytes that are not UTF-8.
    const message = Buffer.concat([Buffer.from('<190>1 2024-05-01T12:00:00+00:00 host app web.1 - one\rtwo\nthree '), Buffer.from([0xff, 0xfe])])
    const framed = Buffer.concat([Buffer.from(`${message.length + 1} `), message, Buffer.from('\n')])
    const reply = await call(router, 'POST', '/logs', {
      body: framed,
      headers: {authorization: 'Basic ' + Buffer.from(`token:${app.log_input_token}`).toString('base64'), 'content-type': 'application/logplex-1'},
      key: null,
    })
    assert.equal(reply.status, 204, reply.text)
    await waitFor('one message', () => receiver.messages.length === 1)
    assert.deepEqual(receiver.faults, [])
    assert.equal(receiver.messages[0], '<190>1 2024-05-01T12:00:00+00:00 host app web.1 - one two three \uFFFD\uFFFD')
  })

  it('keeps the frame id when it retries after 503, 429 and a dropped connection', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'retry')
    await addDrain(router, 'retry', receiver.url())
    const answers = [{status: 503}, {status: 429}, 'hang-up' as const, {status: 204}]
    receiver.answer = () => answers.shift() ?? {status: 204}
    await postText(router, 'retry', lines(0, 3))
    await waitFor('the batch accepted', () => receiver.posts.length === 1, 10_000)
    assert.equal(receiver.attempts.length, 4)
    assert.equal(new Set(receiver.attempts).size, 1)
    assert.deepEqual(receiver.messages, expected(0, 3))
  })

  it('drops and counts a batch the receiver refuses with 400, and says so in the drain state', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'refused')
    const drain = await addDrain(router, 'refused', receiver.url('u:hunter2'))
    receiver.answer = () => ({status: 400})
    await postText(router, 'refused', lines(0, 4))
    await waitFor('the refusal counted', () => router.drainStatus(drain.id)!.droppedRejected === 4)
    const status = router.drainStatus(drain.id)!
    assert.equal(status.state, 'failing')
    assert.equal(status.lastError, 'the receiver answered 400')
    assert.equal(status.dropped, 4)
    assert.equal(receiver.attempts.length, 1)
    // Once, with the password hidden.
    assert.deepEqual(router.logged, [
      `drain http://u:****@127.0.0.1:${receiver.port}/drain of refused: 4 messages dropped (the drain refused them); further drops from this sender are counted, see logsift status`,
    ])
  })

  it('after the receiver is down 5 s, delivers everything in order and nothing twice', async function () {
    this.timeout(40_000)
    const router = await drainRouter({drains: {...FAST, backoff: {baseMs: 100, capMs: 1000}}})
    await createApp(router, 'outage')
    await addDrain(router, 'outage', receiver.url())
    await postText(router, 'outage', lines(0, 100))
    await waitFor('the first 100', () => receiver.messages.length === 100)
    const {port} = receiver
    await receiver.stop()
    const downUntil = Date.now() + 5000
    let next = 100
    while (Date.now() < downUntil) {
      await postText(router, 'outage', lines(next, 50))
      next += 50
      await new Promise((resolve) => setTimeout(resolve, 250))
    }

    await receiver.start(port)
    await postText(router, 'outage', lines(next, 50))
    next += 50
    await waitFor(`${next} messages`, () => receiver.messages.length >= next, 15_000)
    assert.deepEqual(receiver.faults, [])
    assert.deepEqual(receiver.messages, expected(0, next))
  })

  it('a receiver that answers slowly does not slow ingest or sessions', async () => {
    const router = await drainRouter({drains: {...FAST, timeoutMs: 20_000}})
    await createApp(router, 'slow')
    await addDrain(router, 'slow', receiver.url())
    receiver.answer = () => ({delayMs: 3000, status: 204})
    const started = Date.now()
    for (let i = 0; i < 20; i++) await postText(router, 'slow', lines(i * 100, 100))
    const took = Date.now() - started
    assert.ok(took < 2000, `ingest took ${took} ms`)
    assert.ok(receiver.attempts.length <= 1)
    const session = await readSession(await createSession(router, 'slow', {lines: 1500}))
    assert.equal(session.text.split('\n').filter(Boolean).length, 1500)
  })

  it('stops delivering to a removed drain at once', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'removed')
    const drain = await addDrain(router, 'removed', receiver.url())
    await postText(router, 'removed', lines(0, 1))
    await waitFor('one message', () => receiver.messages.length === 1)
    const reply = await call(router, 'DELETE', `/apps/removed/log-drains/${drain.id}`)
    assert.equal(reply.status, 200)
    assert.equal(router.drainStatus(drain.id), undefined)
    await postText(router, 'removed', lines(1, 1))
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(receiver.messages.length, 1)
  })

  it('delivers to a second logsift router (router to router)', async () => {
    const sender = await drainRouter({drains: FAST})
    const target = await drainRouter()
    await createApp(sender, 'origin')
    const inbox = await createApp(target, 'inbox')
    const url = new URL(target.url)
    await addDrain(sender, 'origin', `http://token:${inbox.log_input_token}@${url.host}/logs`)
    await postText(sender, 'origin', lines(0, 300))
    let received: string[] = []
    for (let tries = 0; tries < 100 && received.length < 300; tries++) {
      received = (await readSession(await createSession(target, 'inbox', {lines: 1500}))).text.split('\n').filter(Boolean)
      if (received.length < 300) await new Promise((resolve) => setTimeout(resolve, 50))
    }

    assert.deepEqual(received, lines(0, 300).split('\n').filter(Boolean))
  })
})

describe('HTTPS drains over TLS', function () {
  this.timeout(30_000)
  let certificates: {ca: string; good: TlsFiles; wrong: TlsFiles}
  const receivers: StrictReceiver[] = []

  async function receiver(files: TlsFiles): Promise<StrictReceiver> {
    const started = new StrictReceiver({cert: readFileSync(files.cert), key: readFileSync(files.key)})
    await started.start()
    receivers.push(started)
    return started
  }

  before(async () => {
    certificates = await makeCertificates(tempDir('logsift-https-certs-'))
  })
  after(async () => {
    for (const each of receivers) await each.stop()
  })

  it('verifies the receiver against --ca and delivers', async () => {
    const peer = await receiver(certificates.good)
    const router = await drainRouter({drainCaFile: certificates.ca, drains: FAST})
    await createApp(router, 'verified')
    await addDrain(router, 'verified', peer.url('user:pass'))
    await postText(router, 'verified', lines(0, 10))
    await waitFor('10 messages', () => peer.messages.length === 10)
    assert.deepEqual(peer.messages, expected(0, 10))
  })

  it('refuses a certificate for another host: L14 in the app log, the URL without its password', async () => {
    const peer = await receiver(certificates.wrong)
    const router = await drainRouter({drainCaFile: certificates.ca, drains: FAST})
    await createApp(router, 'mismatch')
    const drain = await addDrain(router, 'mismatch', peer.url('user:hunter2'))
    await postText(router, 'mismatch', lines(0, 1))
    await waitFor('a certificate failure', () => router.drainStatus(drain.id)!.state === 'failing', 10_000)
    const log = (await readSession(await createSession(router, 'mismatch'))).text
    assert.match(log, new RegExp(`heroku\\[logplex\\]: Error L14 \\(certificate validation\\): error="[^"]+" uri="https://user:\\*\\*\\*\\*@127\\.0\\.0\\.1:${peer.port}/drain"`))
    assert.doesNotMatch(log + JSON.stringify(router.drainStatus(drain.id)) + router.logged.join('\n'), /hunter2/)
    assert.deepEqual(peer.attempts, [])
  })

  it('delivers to that host anyway with #insecure', async () => {
    const peer = await receiver(certificates.wrong)
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'insecure-https')
    await addDrain(router, 'insecure-https', peer.url() + '#insecure')
    await postText(router, 'insecure-https', lines(0, 2))
    await waitFor('2 messages', () => peer.messages.length === 2)
  })

  it('never echoes a password in an error about the URL', async () => {
    const router = await drainRouter()
    await createApp(router, 'bad-url')
    const reply = await call(router, 'POST', '/apps/bad-url/log-drains', {body: {url: 'https://user:hunter2@/path'}})
    assert.equal(reply.status, 422)
    assert.doesNotMatch(reply.text, /hunter2/)
  })
})
