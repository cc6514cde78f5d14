import assert from 'node:assert/strict'

import type {StoredMessage} from '../../src/router/log/engine.js'
import {CHUNK_MESSAGES, TimeChunks} from '../../src/router/sessions/time-chunks.js'

const T0 = Date.parse('2024-05-01T12:00:00Z')
/** A whole chunk from `offset`, one message a second, the sender's timestamps as given (undefined: receive time). */
function chunk(offset: number, timestamp: (i: number) => string | undefined = () => undefined): StoredMessage[] {
  return Array.from({length: CHUNK_MESSAGES}, (_, i) => ({dyno: 'web.1', offset: offset + i, receivedAt: T0 + i * 1000, source: 'app', text: 'x', timestamp: timestamp(i)}))
}

describe('TimeChunks (what history queries learn of the messages\' own times)', () => {
  it('keeps the span of a whole chunk\'s line times: the sender\'s RFC 3339 timestamps, else the receive time', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', 1, chunk(1), 1001)
    assert.deepEqual(chunks.at('a', 1), {earliest: T0, latest: T0 + 999_000, next: 1001})
    // A late sender: its own times are an hour before they were received.
    chunks.learn('a', 1001, chunk(1001, (i) => new Date(T0 - 3_600_000 + i).toISOString()), 2001)
    assert.deepEqual(chunks.at('a', 1001), {earliest: T0 - 3_600_000, latest: T0 - 3_600_000 + 999, next: 2001})
  })

  it('ignores times no window can match, and BSD dates that the line replaces by the receive time', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', 1, chunk(1, (i) => (i === 0 ? 'Dec  1 09:00:00' : i === 1 ? '2024-13-45T00:00:00Z' : '2024-05-01T12:00:05Z')), 1001)
    assert.deepEqual(chunks.at('a', 1), {earliest: T0, latest: T0 + 5000, next: 1001})
  })

  it('keeps nothing of a read of part of a chunk, or one that starts off a chunk\'s edge', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', 1, chunk(1).slice(0, 10), 11)
    chunks.learn('a', 2, chunk(2), 1002)
    assert.equal(chunks.at('a', 1), undefined)
    assert.equal(chunks.at('a', 2), undefined)
  })

  it('forgets what retention removed, per app', () => {
    const chunks = new TimeChunks()
    for (const offset of [1, 1001, 2001]) chunks.learn('a', offset, chunk(offset), offset + CHUNK_MESSAGES)
    chunks.learn('b', 1, chunk(1), 1001)
    chunks.forgetBefore('a', 1500)
    assert.deepEqual([1, 1001, 2001].map((offset) => chunks.at('a', offset) !== undefined), [false, false, true])
    assert.notEqual(chunks.at('b', 1), undefined)
  })
})
