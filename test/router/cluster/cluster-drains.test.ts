import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {alertState} from '../../../src/api/alert-text.js'
import {deliveryRows, deliveryStateCell} from '../../../src/api/drain-delivery.js'
import {statusLines} from '../../../src/router/observability/status-text.js'
import type {RunningRouter} from '../../../src/router/server.js'
import {StrictReceiver} from '../drain-receivers.js'
import {call, createApp, createSession, dataDir, type Reply, sseEvents, Tail, testRouter, waitFor} from '../helpers.js'
import {WebhookReceiver} from '../alerts/webhook-receiver.js'
import {webCall, webLogin} from '../web/web-client.js'
import {NatsCluster} from './nats-servers.js'

const API_KEY = 'cluster-drains-key'
/** Short leases, so a dead node's drains move within seconds. */
const LEASE_TTL_MS = 1500
const FAST = {backoff: {baseMs: 20, capMs: 200}}

function postLine(router: Pick<RunningRouter, 'apiKey' | 'url'>, app: string, text: string): Promise<Reply> {
  return call(router as RunningRouter, 'POST', `/apps/${app}/logs`, {body: text, headers: {'content-type': 'text/plain'}})
}

async function addDrain(router: Pick<RunningRouter, 'apiKey' | 'url'>, app: string, url: string): Promise<string> {
  const reply = await call(router as RunningRouter, 'POST', `/apps/${app}/log-drains`, {body: {url}})
  assert.equal(reply.status, 201, reply.text)
  return reply.json.id
}

/** `waitFor` with this file's deadline. */
const waitUntil = (what: string, ask: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => waitFor(what, ask, timeoutMs)

/** Which node delivers the drain, from `GET /status` of `router`. */
async function drainNode(router: Pick<RunningRouter, 'apiKey' | 'url'>, drainId: string): Promise<string | null | undefined> {
  const status = (await call(router as RunningRouter, 'GET', '/status')).json
  return status.apps.flatMap((app: any) => app.drains).find((drain: any) => drain.id === drainId)?.node
}

/** A router node in a child process (router-process.ts), to be killed with SIGKILL. */
async function routerProcess(servers: string[]): Promise<{child: ChildProcess; url: string; apiKey: string}> {
  const script = fileURLToPath(new URL('router-process.ts', import.meta.url))
  const options = {apiKey: API_KEY, dataDir: dataDir(), drains: FAST, nats: {leaseTtlMs: LEASE_TTL_MS, servers}, port: 0, syslogPort: 0}
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {stdio: ['ignore', 'pipe', 'pipe']})
  after(() => child.kill('SIGKILL'))
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  await waitUntil('the node process to listen', () => output.includes('"url"') || child.exitCode !== null, 30_000)
  assert.equal(child.exitCode, null, output)
  return {apiKey: API_KEY, child, url: JSON.parse(output.slice(output.indexOf('{'), output.indexOf('}') + 1)).url}
}

describe('drains and alerts on a cluster of two router nodes (3 NATS servers, R3)', function () {
  this.timeout(120_000)
  let nats: NatsCluster
  // Every node started here; they stay up to the end (a later test's drain may move to an earlier one's).
  const nodes: RunningRouter[] = []

  before(async () => {
    nats = await NatsCluster.three()
  })
  after(async () => {
    // The nodes first: with the NATS servers gone, their connections would try to reconnect forever.
    await Promise.all(nodes.map((router) => router.close()))
    await nats?.stop()
  })

  const node = async (at: number, extra: object = {}): Promise<RunningRouter> => {
    const router = await testRouter({apiKey: API_KEY, drains: FAST, nats: {leaseTtlMs: LEASE_TTL_MS, servers: [nats.urls[at]]}, ...extra})
    nodes.push(router)
    return router
  }

  it('delivers a drain from one node: every message once, though both nodes take messages in', async () => {
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    const [a, b] = [await node(0), await node(1)]
    await createApp(a, 'once')
    await waitUntil('node b to know the app', async () => (await call(b, 'GET', '/apps/once')).status === 200)
    const drainId = await addDrain(a, 'once', receiver.url())
    await waitUntil('a node to hold the drain', async () => typeof (await drainNode(a, drainId)) === 'string')

    const sent: string[] = []
    for (let i = 0; i < 200; i++) {
      const text = `line ${i}`
      assert.equal((await postLine(i % 2 === 0 ? a : b, 'once', text)).status, 204)
      sent.push(text)
    }

    await waitUntil('every line at the receiver', () => receiver.messages.length >= sent.length, 30_000)
    const texts = receiver.messages.map((line) => line.slice(line.lastIndexOf(' - ') + 3))
    assert.deepEqual(texts, sent, 'each line once, in order, without dedupe')
    assert.equal([a, b].filter((router) => router.drainStatus(drainId) !== undefined).length, 1, 'one node delivers')
    const holder = await drainNode(b, drainId)
    assert.equal(await drainNode(a, drainId), holder, 'both nodes name the same holder')
    assert.equal(receiver.faults.length, 0, receiver.faults.join('\n'))

    // drains:info through either node: the holder tells its counts, the other names the holder instead of
    // showing an idle drain that never delivered.
    const deliveries = await Promise.all([a, b].map(async (router) => (await call(router, 'GET', `/apps/once/log-drains/${drainId}`)).json.delivery))
    const [here, elsewhere] = a.drainStatus(drainId) === undefined ? [...deliveries].reverse() : deliveries
    assert.deepEqual([here.delivered_here, here.node, here.delivered, here.state], [true, holder, 200, 'connected'])
    assert.deepEqual([elsewhere.delivered_here, elsewhere.node, elsewhere.position], [false, holder, here.position])
    assert.deepEqual(deliveryRows(elsewhere), [
      ['State', `delivered by node ${holder} (its state and counts: drains:info through that node; logsift status lists the nodes)`],
      ['Position', String(here.position)],
      ['Lag', '0 messages behind'],
    ])
    assert.deepEqual(deliveryRows(here).at(-1), ['Node', `${holder} (this one)`])

    // logsift status and the page through either node: the state of the holder's own, the other names the
    // holder instead of calling the drain idle.
    const [delivering, other] = a.drainStatus(drainId) === undefined ? [b, a] : [a, b]
    const statusRow = async (router: RunningRouter) => {
      const lines = statusLines((await call(router, 'GET', '/status')).json)
      return lines.slice(lines.indexOf('=== Drains')).find((line) => line.startsWith('once ')) ?? lines.join('\n')
    }

    assert.match(await statusRow(delivering), new RegExp(`^once +\\S+ +${holder} +connected +200 `))
    assert.match(await statusRow(other), new RegExp(`^once +\\S+ +${holder} +on ${holder} +`))
    const pageDelivery = async (router: RunningRouter) => {
      const apps = (await webCall(router, 'GET', '/web/api/apps', {cookie: await webLogin(router)})).json
      return apps.find((app: any) => app.name === 'once').drains[0].delivery
    }

    assert.equal(deliveryStateCell(await pageDelivery(delivering)), 'connected')
    assert.equal(deliveryStateCell(await pageDelivery(other)), `on ${holder}`)
  })

  it('moves a drain to the other node when its node is killed, and a tail on it resumes on the other; the node restarted joins again: every 2xx line arrives, none twice after frame-id dedupe, in order', async () => {
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    const doomed = await routerProcess([nats.urls[2]])
    await createApp(doomed as unknown as RunningRouter, 'failover')
    const drainId = await addDrain(doomed, 'failover', receiver.url())
    await waitUntil('the node process to hold the drain', async () => typeof (await drainNode(doomed, drainId)) === 'string')
    const doomedId = await drainNode(doomed, drainId)
    const survivor = await node(0)
    await waitUntil('the survivor to know the app', async () => (await call(survivor, 'GET', '/apps/failover')).status === 200)
    assert.equal(await drainNode(survivor, drainId), doomedId, 'the first node keeps the drain')
    // A tail on the node that will die, as `logs -a -t` through a load balancer that sent it there.
    const session = await createSession(doomed as unknown as RunningRouter, 'failover', {lines: 0, tail: true})
    const firstTail = await Tail.open(session, {accept: 'text/event-stream'})

    const accepted: string[] = []
    let running = true
    let sent = 0
    const sender = (async () => {
      while (running) {
        const text = `steady ${sent++}`
        if ((await postLine(survivor, 'failover', text)).status === 204) accepted.push(text)
      }
    })()
    let secondTail: Tail | undefined
    try {
      await waitUntil('the killed node to deliver some', () => receiver.messages.length >= 100, 30_000)
      doomed.child.kill('SIGKILL')
      const atKill = accepted.length
      await waitUntil('the tail on the killed node to end', () => firstTail.ended, 10_000)
      const lastId = sseEvents(firstTail.text).at(-1)![0]
      await waitUntil('the tail to resume on the survivor', async () => {
        secondTail = await Tail.open(survivor.url + new URL(session).pathname, {accept: 'text/event-stream', 'last-event-id': lastId})
        if (secondTail.status !== 200) secondTail.close()
        return secondTail.status === 200
      })
      // Another node (the survivor, or one of the earlier tests') takes the drain over.
      await waitUntil('another node to take the drain over', async () => ![doomedId, null, undefined].includes(await drainNode(survivor, drainId)), 30_000)
      await waitUntil('the stream to go on', () => accepted.length >= atKill + 200, 30_000)
      const restarted = await routerProcess([nats.urls[2]])
      after(() => restarted.child.kill('SIGKILL'))
      await waitUntil('the restarted node in the survivor\'s status', async () => (await call(survivor, 'GET', '/status')).json.cluster.nodes.some((each: {url: string}) => each.url === restarted.url), 30_000)
      const atRestart = accepted.length
      await waitUntil('the stream to go on after the restart', () => accepted.length >= atRestart + 100, 30_000)
    } finally {
      running = false
      await sender
    }

    await waitUntil('every accepted line at the receiver', () => receiver.dedupedTexts().length >= accepted.length, 30_000)
    assert.deepEqual(receiver.dedupedTexts(), accepted, 'every accepted line once after dedupe, in order')
    assert.equal(receiver.faults.length, 0, receiver.faults.join('\n'))
    // The two tails together: every line, in order, by contiguous event ids (no gap, no repeat).
    await secondTail!.waitFor('the last line on the resumed tail', (text) => text.includes(`data: ${accepted.at(-1)}`) || text.endsWith(`${accepted.at(-1)}\n\n`), 15_000)
    secondTail!.close()
    const events = [...sseEvents(firstTail.text), ...sseEvents(secondTail!.text)]
    assert.deepEqual(events.map(([, data]) => data.slice(data.lastIndexOf(': ') + 2)), accepted, 'the tail saw every line once, in order')
    assert.deepEqual(events.map(([id]) => Number(id) - Number(events[0][0])), events.map((_, i) => i), 'event ids without a gap or a repeat')
  })

  it('notifies an alert once, from the node holding the app\'s alerts', async () => {
    const hooks = new WebhookReceiver()
    await hooks.start()
    after(() => hooks.stop())
    const [a, b] = [await node(0, {alerts: {tickMs: 50}}), await node(1, {alerts: {tickMs: 50}})]
    await createApp(a, 'alerted')
    await waitUntil('node b to know the app', async () => (await call(b, 'GET', '/apps/alerted')).status === 200)
    const reply = await call(a, 'POST', '/apps/alerted/alerts', {body: {grep: 'ERROR', name: 'errors', notify: [hooks.url()], resolve_after: '1s', when: 'count >= 3 in 2s'}})
    assert.equal(reply.status, 201, reply.text)
    for (let i = 0; i < 3; i++) assert.equal((await postLine(i % 2 === 0 ? a : b, 'alerted', `ERROR ${i}`)).status, 204)

    // Once the window has passed and the alert resolved, both firings would have been sent by any node that fired.
    await waitUntil('the resolve', () => hooks.taken('resolved').length >= 1, 30_000)
    assert.deepEqual(hooks.taken().map((body) => body.status), ['firing', 'resolved'])

    // alerts through either node: the one running the rules reports their state, the other names it.
    const shown = await Promise.all([a, b].map(async (router) => (await call(router, 'GET', '/apps/alerted/alerts/errors')).json))
    const [running, other] = shown[0].status === null ? [shown[1], shown[0]] : shown
    assert.equal(running.status.state, 'ok')
    assert.equal(typeof running.node, 'string')
    assert.deepEqual([other.status, other.node], [null, running.node])
    assert.equal(alertState(other.status, other.node), `on node ${running.node} (ask that node; logsift status lists the nodes)`)
  })
})
