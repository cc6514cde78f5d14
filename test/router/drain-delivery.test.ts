import assert from 'node:assert/strict'

import {DrainDelivery, drainCursorNames} from '../../src/router/drains/delivery.js'
import type {OutgoingBatch, Transport} from '../../src/router/drains/transport.js'
import type {AppLog} from '../../src/router/log/engine.js'
import {MemoryLogEngine} from '../../src/router/log/memory-engine.js'
import {waitFor} from './helpers.js'

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

describe('DrainDelivery when the log fails for a moment', () => {
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
      await log.append(Array.from({length: 10}, (_, i) => ({dyno: 'web.1', receivedAt: Date.UTC(2026, 11, 1) + i, source: 'app', text: `line ${i}`})))
      await waitFor('all ten delivered', () => sent.length >= 10)
      assert.deepEqual(sent, Array.from({length: 10}, (_, i) => `line ${i}`))
      assert.ok(problems.length > 0 && problems.every((message) => message === 'TIMEOUT'), problems.join(', '))
      await waitFor('the position saved at last', () => delivery.snapshot().position === 11)
    } finally {
      await delivery.stop()
    }

    assert.equal(await log.cursor(drainCursorNames('d1').position), 11)
  })
})
