import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {RunningRouter} from '../../../src/router/server.js'
import {call, createApp, createSession, dataDir, postText, sseEvents, Tail, testRouter, waitFor} from '../helpers.js'
import {NatsCluster} from './nats-servers.js'

const API_KEY = 'cluster-test-key'
const HEROKU = process.env.LOGSIFT_HEROKU_CLI ?? join(homedir(), '.cache', 'logsift-heroku-cli', 'node_modules', 'heroku', 'bin', 'run.js')

/** `heroku ARGS` against one node; its stdout. */
function heroku(node: RunningRouter, ...args: string[]): Promise<string> {
  const env = {...process.env, DISABLE_TELEMETRY: 'true', HEROKU_API_KEY: API_KEY, HEROKU_COLOR: '0', HEROKU_HOST: node.url, HEROKU_LOGS_COLOR: '0', HOME: dataDir(), NO_COLOR: '1'}
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [HEROKU, ...args], {env}, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`heroku ${args.join(' ')}: ${stderr}`))))
  })
}

/** The session URL of one node, read through another (as a load balancer would send the client). */
const through = (url: string, node: RunningRouter): string => node.url + new URL(url).pathname

/** `waitFor` with this file's deadline. */
const waitForReply = (what: string, ask: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => waitFor(what, ask, timeoutMs)

describe('router nodes on a 3-server NATS cluster (R3)', function () {
  this.timeout(60_000)
  let nats: NatsCluster
  let a: RunningRouter
  let b: RunningRouter

  before(async () => {
    nats = await NatsCluster.three()
    a = await testRouter({apiKey: API_KEY, nats: {servers: [nats.urls[0]]}})
    b = await testRouter({apiKey: API_KEY, nats: {servers: [nats.urls[1]]}})
  })
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
    await nats?.stop()
  })

  it('keeps an app made on one node on every node, and a drain added on one in force on the other', async () => {
    await createApp(a, 'shared')
    await waitForReply('node b to know the app', async () => (await call(b, 'GET', '/apps/shared')).status === 200)
    const added = await call(a, 'POST', '/apps/shared/log-drains', {body: {url: 'syslog://127.0.0.1:1'}})
    assert.equal(added.status, 201, added.text)
    await waitForReply('node b to list the drain', async () => (await call(b, 'GET', '/apps/shared/log-drains')).json?.length === 1)
    assert.equal((await call(b, 'GET', '/apps/shared/log-drains')).json[0].url, 'syslog://127.0.0.1:1')
  })

  it('shows every message posted through either node to tails on both, and to the Heroku CLI from either, in the same order', async () => {
    await createApp(a, 'both')
    await waitForReply('node b to know the app', async () => (await call(b, 'GET', '/apps/both')).status === 200)
    const tails = [await Tail.open(await createSession(a, 'both', {lines: 0, tail: true})), await Tail.open(await createSession(b, 'both', {lines: 0, tail: true}))]
    const posts: Array<Promise<void>> = []
    for (let i = 0; i < 100; i++) posts.push(postText(i % 2 === 0 ? a : b, 'both', `line ${i} via ${i % 2 === 0 ? 'a' : 'b'}\nline ${i} again`))
    await Promise.all(posts)
    for (const tail of tails) await tail.waitFor('200 lines', () => tail.lines().length === 200, 20_000)
    const [seenOnA, seenOnB] = tails.map((tail) => tail.lines().map((line) => line.slice(line.indexOf(': ') + 2)))
    assert.deepEqual(seenOnB, seenOnA)
    assert.deepEqual([...seenOnA].sort(), Array.from({length: 100}, (_, i) => [`line ${i} via ${i % 2 === 0 ? 'a' : 'b'}`, `line ${i} again`]).flat().sort())
    for (let i = 0; i < 100; i++) assert.equal(seenOnA.indexOf(`line ${i} again`), seenOnA.indexOf(`line ${i} via ${i % 2 === 0 ? 'a' : 'b'}`) + 1, 'a post\'s lines stay together')
    for (const tail of tails) tail.close()

    // The official Heroku CLI, unchanged (installed by .ci/run), from each node: the same 200 lines, in the same order.
    const printed = await Promise.all([a, b].map((node) => heroku(node, 'logs', '-a', 'both', '-n', '200')))
    const [byA, byB] = printed.map((output) => output.split('\n').filter(Boolean).map((line) => line.slice(line.indexOf(': ') + 2)))
    assert.deepEqual(byA, seenOnA)
    assert.deepEqual(byB, seenOnA)
  })

  it('resumes a session of one node on the other by Last-Event-ID', async () => {
    await createApp(a, 'resume')
    await waitForReply('node b to know the app', async () => (await call(b, 'GET', '/apps/resume')).status === 200)
    const url = await createSession(a, 'resume', {lines: 0, tail: true})
    const first = await Tail.open(url, {accept: 'text/event-stream'})
    await postText(a, 'resume', 'one\ntwo')
    await first.waitFor('two events', (got) => sseEvents(got).length === 2)
    const lastId = sseEvents(first.text).at(-1)![0]
    first.close()
    await postText(b, 'resume', 'three')
    let second!: Tail
    await waitForReply('node b to know the session', async () => {
      second = await Tail.open(through(url, b), {accept: 'text/event-stream', 'last-event-id': lastId})
      if (second.status === 404) second.close()
      return second.status === 200
    })
    await second.waitFor('the missed line', (got) => sseEvents(got).length === 1)
    await postText(a, 'resume', 'four')
    await second.waitFor('the new line', (got) => sseEvents(got).length === 2)
    assert.deepEqual(sseEvents(second.text).map(([, data]) => data.slice(data.indexOf(': ') + 2)), ['three', 'four'])
    assert.deepEqual(sseEvents(second.text).map(([id]) => Number(id)), [Number(lastId) + 1, Number(lastId) + 2])
    second.close()
  })

  it('refuses to start a node whose API key is not the cluster\'s', async () => {
    await assert.rejects(testRouter({apiKey: 'another-key', nats: {servers: [nats.urls[2]]}}), /API key is not the cluster's/)
  })

  it('shows the cluster in status: both nodes, the NATS servers, the stream', async () => {
    const reply = await call(b, 'GET', '/status')
    const {cluster} = reply.json
    assert.equal(cluster.nodes.length, 2, JSON.stringify(cluster.nodes))
    assert.deepEqual(cluster.nodes.map((node: {url: string}) => node.url).sort(), [a.url, b.url].sort())
    assert.equal(cluster.stream.replicas, 3)
    assert.equal(cluster.stream.peers.length, 2)
    assert.deepEqual(cluster.nats.servers, [...nats.urls].sort())
    assert.ok(cluster.stream.last_seq > 0)
    await waitForReply('node b to have handed the whole stream to its tails', async () => (await call(b, 'GET', '/status')).json.cluster.tail_lag === 0)
  })
})
