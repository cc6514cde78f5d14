import assert from 'node:assert/strict'

import {connect, type NatsConnection} from 'nats'

import {Leases} from '../../../src/router/cluster/lease.js'
import {NatsCluster} from './nats-servers.js'

const TTL_MS = 1500

async function waitForLease(what: string, acquire: () => Promise<unknown>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await acquire()) === undefined) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('drain leases on a NATS KV bucket', function () {
  this.timeout(30_000)
  let nats: NatsCluster
  let connections: NatsConnection[] = []
  let buckets = 0

  before(async () => {
    nats = await NatsCluster.single()
  })
  after(async () => {
    await Promise.all(connections.map((nc) => nc.close()))
    await nats?.stop()
  })

  /** Two nodes, each its own connection, on a fresh bucket whose keys live TTL_MS after their last write. */
  async function twoNodes(): Promise<[Leases, Leases]> {
    const bucket = `leases${++buckets}`
    const nodes: Leases[] = []
    for (const name of ['node-a', 'node-b']) {
      const nc = await connect({servers: nats.urls})
      connections.push(nc)
      nodes.push(new Leases(await nc.jetstream().views.kv(bucket, {history: 1, ttl: TTL_MS}), name))
    }

    return nodes as [Leases, Leases]
  }

  it('grants a key to one holder at a time, and renews only for it', async () => {
    const [a, b] = await twoNodes()
    const lease = await a.acquire('drain-1')
    assert.ok(lease !== undefined)
    assert.equal(await b.acquire('drain-1'), undefined)
    assert.equal(await a.holderOf('drain-1'), 'node-a')
    const renewed = await a.renew(lease)
    assert.ok(renewed !== undefined && renewed.revision > lease.revision)
    assert.equal(await a.renew(lease), undefined, 'a stale revision is refused')
    assert.ok((await b.acquire('drain-2')) !== undefined, 'other keys are free')
  })

  it('lets another holder take over once the holder stops renewing, and tells the old holder it lost', async () => {
    const [a, b] = await twoNodes()
    const lease = (await a.acquire('drain-1'))!
    const started = Date.now()
    await waitForLease('node b to take the lease over', () => b.acquire('drain-1'))
    assert.ok(Date.now() - started >= TTL_MS - 100, `taken over after ${Date.now() - started} ms`)
    assert.equal(await b.holderOf('drain-1'), 'node-b')
    assert.equal(await a.renew(lease), undefined)
    await a.release(lease)
    assert.equal(await a.holderOf('drain-1'), 'node-b', 'a stale release leaves the new holder alone')
  })

  it('hands a released lease over at once', async () => {
    const [a, b] = await twoNodes()
    const lease = (await a.acquire('drain-1'))!
    await a.release(lease)
    const started = Date.now()
    assert.ok((await b.acquire('drain-1')) !== undefined)
    assert.ok(Date.now() - started < TTL_MS)
  })
})
