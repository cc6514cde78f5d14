import assert from 'node:assert/strict'

import {DrainDelivery, drainCursorNames} from '../../src/router/drains/delivery.js'
import {TelemetryDeliveries, telemetryCursor} from '../../src/router/otlp/exporter.js'
import type {App, AppStore} from '../../src/router/store.js'
import type {OutgoingBatch, Transport} from '../../src/router/drains/transport.js'
import type {AppLog} from '../../src/router/log/engine.js'
import {MemoryLogEngine} from '../../src/router/log/memory-engine.js'
import {waitFor} from './helpers.js'
import {OtlpReceiver} from './otlp-peer.js'

/** An app's log whose cursor writes fail the first `failures` times, as a NATS KV put times out while a server dies. */
function flakyCursors(log: AppLog, failures: number): AppLog {
  let left = failures
  return Object.assign(Object.create(log) as AppLog, {
    setCursor(name: string, offset: number) {
      if (left-- > 0) return Promise.reject(new Error('TIMEOUT'))
      return log.setCursor(name, offset)
    },
  })
}

const T0 = Date.UTC(2026, 11, 1)
const lines = (count: number) => Array.from({length: count}, (_, i) => ({dyno: 'web.1', receivedAt: T0 + i, source: 'app', text: `line ${i}`}))

describe('drain deliveries when the log fails for a moment', () => {
  it('retries a position it could not save, with backoff, and delivers everything once, in order', async () => {
    const log = new MemoryLogEngine().app('app')
    await log.setCursor(drainCursorNames('d1').position, 1)
    const sent: string[] = []
    const transport: Transport = {
      close() {},
      async send(batch: OutgoingBatch) {
        sent.push(...batch.messages.map((message) => message.line.slice(message.line.indexOf(': ') + 2)))
      },
    }
    const problems: string[] = []
    const delivery = new DrainDelivery('d1', flakyCursors(log, 3), transport, {batchBytes: 100_000, backoff: {baseMs: 5, capMs: 20}, onCursorError: (message) => problems.push(message)})
    delivery.start()
    try {
      await log.append(lines(10))
      await waitFor('all ten delivered', () => sent.length >= 10)
      assert.deepEqual(sent, Array.from({length: 10}, (_, i) => `line ${i}`))
      assert.ok(problems.length > 0 && problems.every((message) => message === 'TIMEOUT'), problems.join(', '))
      await waitFor('the position saved at last', () => delivery.snapshot().position === 11)
    } finally {
      await delivery.stop()
    }

    assert.equal(await log.cursor(drainCursorNames('d1').position), 11)
  })

  it('a telemetry drain retries a cursor it could not save, with backoff, and exports everything once, in order', async () => {
    const engine = new MemoryLogEngine()
    const log = engine.app('app-id')
    await log.setCursor(telemetryCursor('t1'), 1)
    const flaky = flakyCursors(log, 3)
    const receiver = await OtlpReceiver.start()
    const app = {id: 'app-id', name: 'demo', telemetryDrains: [{createdAt: '', exporter: {endpoint: receiver.url, headers: {}, type: 'otlphttp'}, id: 't1', signals: ['logs'], updatedAt: ''}]} as unknown as App
    const deliveries = new TelemetryDeliveries(Object.assign(Object.create(engine), {app: () => flaky}), {list: () => [app]} as unknown as AppStore, {backoff: {baseMs: 5, capMs: 20}})
    deliveries.start()
    try {
      await log.append(lines(10))
      await waitFor('all ten exported', () => receiver.records().length >= 10)
      assert.deepEqual(receiver.records().map(({record}) => record.body.stringValue), lines(10).map(({text}) => text))
      await waitFor('the cursor saved at last', () => deliveries.status('t1')?.cursor === 11)
    } finally {
      await deliveries.close()
      await receiver.close()
    }

    assert.equal(await log.cursor(telemetryCursor('t1')), 11)
  })
})
