import assert from 'node:assert/strict'
import {connect} from 'node:net'

import type {RunningRouter} from '../../../src/router/server.js'
import {settlesWithin} from '../../../src/router/settles-within.js'
import {StrictReceiver} from '../drain-receivers.js'
import {call, createApp, createSession, type Reply, Tail, testRouter, waitFor} from '../helpers.js'
import {NatsCluster} from './nats-servers.js'

const API_KEY = 'cluster-test-key'

/** `waitFor` with this file's deadline. */
const waitForReply = (what: string, ask: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => waitFor(what, ask, timeoutMs)

function postLine(router: RunningRouter, app: string, text: string): Promise<Reply> {
  return call(router, 'POST', `/apps/${app}/logs`, {body: text, headers: {'content-type': 'text/plain'}})
}

/** One RFC 5424 line over syslog TCP, octet-counted, to the app named by its app-name. */
function sendSyslog(router: RunningRouter, app: string, text: string): Promise<void> {
  const line = `<190>1 2026-12-01T09:00:00Z host ${app} web.1 - - ${text}`
  return new Promise((resolve, reject) => {
    const socket = connect(router.syslogTcpPort, '127.0.0.1', () => socket.end(`${Buffer.byteLength(line)} ${line}`))
    socket.on('close', () => resolve())
    socket.on('error', reject)
  })
}

const textOf = (line: string): string => line.slice(line.indexOf(': ') + 2)

describe('a router node cut off from NATS', function () {
  this.timeout(60_000)
  let nats: NatsCluster
  let router: RunningRouter

  before(async () => {
    nats = await NatsCluster.single()
    router = await testRouter({apiKey: API_KEY, nats: {servers: nats.urls}})
    await createApp(router, 'cut')
  })
  after(async () => {
    await router?.close()
    await nats?.stop()
  })

  it('answers 503 with Retry-After, counts syslog drops, and recovers on its own when NATS is back', async () => {
    assert.equal((await postLine(router, 'cut', 'before')).status, 204)
    const tail = await Tail.open(await createSession(router, 'cut', {lines: 10, tail: true}))
    await tail.waitFor('the line from before', (text) => text.includes('before'))

    await nats.servers[0].kill()
    let refused: Reply | undefined
    await waitForReply('a 503', async () => {
      refused = await postLine(router, 'cut', 'while cut off')
      return refused.status === 503
    })
    assert.equal(refused!.headers['retry-after'], '5')
    const dropsBefore = router.drops().log_write_failed ?? 0
    await sendSyslog(router, 'cut', 'syslog while cut off')
    await waitForReply('the syslog drop to be counted', async () => (router.drops().log_write_failed ?? 0) > dropsBefore)

    await nats.servers[0].start()
    await waitForReply('ingest to be accepted again', async () => (await postLine(router, 'cut', 'after')).status === 204, 30_000)
    await tail.waitFor('the line from after, on the tail opened before', (text) => text.includes(': after'), 15_000)
    assert.ok(tail.lines().map((line) => textOf(line)).every((text) => text !== 'while cut off'), 'a refused post is not stored')
    tail.close()
  })
})

describe('a router node told to stop while its NATS server is down', function () {
  this.timeout(60_000)

  /** Each step has its own deadline, so that a step that waits for ever names itself. */
  const step = async <T>(what: string, doing: Promise<T>, timeoutMs = 15_000): Promise<T> => {
    if (!(await settlesWithin(doing, timeoutMs))) throw new Error(`${what}: not done after ${timeoutMs} ms`)
    return doing
  }

  it('stops within its grace, without waiting for NATS to come back', async () => {
    const nats = await step('starting nats-server', NatsCluster.single())
    after(() => nats.stop())
    const router = await step('starting the router', testRouter({apiKey: API_KEY, nats: {servers: nats.urls}}))
    await step('creating the app', createApp(router, 'orphan'))
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    assert.equal((await step('adding a drain', call(router, 'POST', '/apps/orphan/log-drains', {body: {url: receiver.url()}}))).status, 201)
    assert.equal((await step('posting a line', postLine(router, 'orphan', 'before'))).status, 204)
    const tail = await step('opening a tail', createSession(router, 'orphan', {lines: 1, tail: true}).then((url) => Tail.open(url)))
    await tail.waitFor('the line from before', (text) => text.includes('before'))

    await step('killing nats-server', nats.servers[0].kill())
    await step('a 503 once NATS is gone', waitForReply('the node to see NATS gone', async () => (await postLine(router, 'orphan', 'cut off')).status === 503), 20_000)
    const startedAt = Date.now()
    await step('closing the router', router.close(), 30_000)
    const tookMs = Date.now() - startedAt
    // The log's readers (a drain saving its position) get 6 s, the node's leave 3 s and 1 s more once its
    // connection is closed; before, the leave waited a NATS timeout per request and its drain waited for ever.
    assert.ok(tookMs < 13_000, `close took ${tookMs} ms`)
    tail.close()
  })
})

describe('a steady stream through two router nodes while a NATS server of three dies and comes back', function () {
  this.timeout(90_000)
  let nats: NatsCluster
  let a: RunningRouter
  let b: RunningRouter

  before(async () => {
    nats = await NatsCluster.three()
    a = await testRouter({apiKey: API_KEY, nats: {servers: [nats.urls[0]]}})
    b = await testRouter({apiKey: API_KEY, nats: {servers: [nats.urls[1]]}})
    await createApp(a, 'steady')
    await waitForReply('node b to know the app', async () => (await call(b, 'GET', '/apps/steady')).status === 200)
  })
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
    await nats?.stop()
  })

  it('loses nothing that got a 2xx: both tails see it all in one order, and a drain delivers it in that order, none twice after frame-id dedupe', async () => {
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    const drain = await call(a, 'POST', '/apps/steady/log-drains', {body: {url: receiver.url()}})
    assert.equal(drain.status, 201, drain.text)
    const tails = [await Tail.open(await createSession(a, 'steady', {lines: 0, tail: true})), await Tail.open(await createSession(b, 'steady', {lines: 0, tail: true}))]
    const accepted: string[] = []
    let refused = 0
    let sent = 0
    let running = true
    const sender = async (node: RunningRouter, name: string): Promise<void> => {
      while (running) {
        const text = `${name} ${sent++}`
        const reply = await postLine(node, 'steady', text)
        if (reply.status === 204) accepted.push(text)
        else refused++
      }
    }

    const senders = [sender(a, 'a'), sender(b, 'b')]
    await waitForReply('a steady stream', async () => accepted.length >= 100)
    // The server node a connected to: its client moves to another of the cluster.
    await nats.servers[0].kill()
    const atKill = accepted.length
    await waitForReply('the stream to go on without the dead server', async () => accepted.length >= atKill + 200, 30_000)
    await nats.servers[0].start()
    const atRestart = accepted.length
    await waitForReply('the stream to go on with the server back', async () => accepted.length >= atRestart + 100, 30_000)
    running = false
    await Promise.all(senders)

    for (const tail of tails) await tail.waitFor('every accepted line', (text) => accepted.every((line) => text.includes(`: ${line}\n`)), 30_000)
    const [onA, onB] = tails.map((tail) => tail.lines().map((line) => textOf(line)))
    assert.deepEqual(onA, onB, 'both tails in one order')
    assert.equal(new Set(onA).size, onA.length, 'nothing twice')
    assert.ok(refused < sent, `${refused} of ${sent} refused`)
    for (const tail of tails) tail.close()
    await waitForReply('the drain to deliver every stored line', async () => receiver.dedupedTexts().length >= onA.length, 30_000)
    assert.deepEqual(receiver.dedupedTexts(), onA, 'the drain delivers the stream in its order, each line once after dedupe')
    assert.deepEqual(receiver.faults, [])
  })
})
