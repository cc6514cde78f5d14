import assert from 'node:assert/strict'

import {JetStreamLogEngine} from '../../../src/router/cluster/jetstream-engine.js'
import type {NewMessage, StoredMessage} from '../../../src/router/log/engine.js'
import {waitFor} from '../helpers.js'
import {logEngineConformance, routerMessage} from '../log/conformance.js'
import {NatsCluster} from './nats-servers.js'

let single: NatsCluster
let three: NatsCluster
let streams = 0
before(async function () {
  this.timeout(60_000)
  ;[single, three] = await Promise.all([NatsCluster.single(), NatsCluster.three()])
})
after(() => Promise.all([single?.stop(), three?.stop()]))

// Each case its own stream and bucket on the servers; opening again finds them.
logEngineConformance('JetStream engine, one nats-server', {durable: true}, () => {
  const name = `conf${++streams}`
  return {open: ({now, retention}) => JetStreamLogEngine.open({connection: {servers: single.urls}, name, now, retention})}
})

logEngineConformance('JetStream engine, three nats-servers, three replicas', {durable: true}, () => {
  const name = `conf${++streams}`
  return {open: ({now, retention}) => JetStreamLogEngine.open({connection: {servers: three.urls}, name, now, replicas: 3, retention})}
})

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0)
const batch = (from: number, count: number, extra: Partial<NewMessage> = {}): NewMessage[] => Array.from({length: count}, (_, i) => routerMessage(from + i, T0, extra))

describe('JetStreamLogEngine across nodes', () => {
  let engines: JetStreamLogEngine[] = []
  const node = async (cluster: NatsCluster, name: string, serverIndex: number, options: {maxChunkBytes?: number} = {}): Promise<JetStreamLogEngine> => {
    const engine = await JetStreamLogEngine.open({connection: {servers: [cluster.urls[serverIndex]]}, name, replicas: cluster.servers.length, ...options})
    engines.push(engine)
    return engine
  }

  afterEach(async () => {
    await Promise.all(engines.map((engine) => engine.close()))
    engines = []
  })

  it('numbers one app\'s appends from two nodes without a gap or a repeat, and both follows see one order', async () => {
    const name = `nodes${++streams}`
    const [a, b] = [await node(three, name, 0), await node(three, name, 2)]
    const seen: StoredMessage[][] = [[], []]
    const controller = new AbortController()
    const follows = [a, b].map(async (engine, i) => {
      for await (const messages of engine.app('web').follow(1, {signal: controller.signal})) seen[i].push(...messages)
    })
    const appends = Array.from({length: 40}, (_, i) => (i % 2 === 0 ? a : b).app('web').append(batch(i * 5, 5, {dyno: i % 2 === 0 ? 'a' : 'b'})))
    const results = await Promise.all(appends)
    const firsts = results.map((result) => result.first).sort((x, y) => x - y)
    assert.deepEqual(firsts, Array.from({length: 40}, (_, i) => 1 + i * 5))
    await waitFor('both follows to see 200 messages', () => seen[0].length === 200 && seen[1].length === 200)
    controller.abort()
    await Promise.all(follows)
    assert.deepEqual(seen[0].map((message) => message.offset), Array.from({length: 200}, (_, i) => i + 1))
    assert.deepEqual(seen[1], seen[0])
    assert.deepEqual((await b.app('web').read({offset: 1}, 1000)).messages, seen[0])
  })

  it('splits an append larger than a NATS message over several, numbered on', async () => {
    const engine = await node(single, `split${++streams}`, 0, {maxChunkBytes: 4096})
    const log = engine.app('web')
    const messages = batch(0, 100)
    assert.deepEqual(await log.append(messages), {first: 1, next: 101})
    const {messages: read} = await log.read({offset: 1}, 1000)
    assert.deepEqual(read.map((message) => message.text), messages.map((message) => message.text))
    const info = await engine.jsm.streams.info(engine.streamName)
    assert.ok(info.state.messages > 5, `${info.state.messages} NATS messages for 100 log messages`)
    await assert.rejects(log.append([routerMessage(0, T0, {text: 'x'.repeat(5000)})]), /does not fit in a NATS message/)
  })

  it('deletes a cursor', async () => {
    const log = (await node(single, `cursors${++streams}`, 0)).app('web')
    await log.setCursor('drain-1', 9)
    await log.deleteCursor('drain-1')
    assert.equal(await log.cursor('drain-1'), undefined)
    await log.deleteCursor('never-set')
  })
})
