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
    chunks.learn('a', chunk(1), 1001)
    assert.deepEqual(chunks.at('a', 1), {allTimed: true, earliest: T0, latest: T0 + 999_000, next: 1001})
    // A late sender: its own times are an hour before they were received.
    chunks.learn('a', chunk(1001, (i) => new Date(T0 - 3_600_000 + i).toISOString()), 2001)
    assert.deepEqual(chunks.at('a', 1001), {allTimed: true, earliest: T0 - 3_600_000, latest: T0 - 3_600_000 + 999, next: 2001})
  })

  it('ignores times no window can match, and BSD dates that the line replaces by the receive time', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', chunk(1, (i) => (i === 0 ? 'Dec  1 09:00:00' : i === 1 ? '2024-13-45T00:00:00Z' : '2024-05-01T12:00:05Z')), 1001)
    assert.deepEqual(chunks.at('a', 1), {allTimed: false, earliest: T0, latest: T0 + 5000, next: 1001})
  })

  it('keeps each whole chunk of a read, and nothing of part of one or of one with an offset missing', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', chunk(1).slice(0, 10), 11)
    assert.equal(chunks.at('a', 1), undefined)
    chunks.learn('a', [...chunk(500), ...chunk(1500), ...chunk(2500)].slice(0, 2600), 3100)
    assert.deepEqual([1, 1001, 2001].map((offset) => chunks.at('a', offset)?.next), [undefined, 2001, 3001])
    const gap = chunk(3001).filter((message) => message.offset !== 3500)
    chunks.learn('a', [...gap, ...chunk(4001)], 5001)
    assert.equal(chunks.at('a', 3001), undefined)
  })

  it('skips a chunk only when all its times fall outside the window', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', chunk(1), 1001)
    const last = T0 + 999_000
    assert.equal(chunks.skip('a', 1, last + 1, undefined), 1001)
    assert.equal(chunks.skip('a', 1, last, undefined), undefined)
    assert.equal(chunks.skip('a', 1, undefined, T0 - 1), 1001)
    assert.equal(chunks.skip('a', 1, T0 - 10, T0), undefined)
    assert.equal(chunks.skip('a', 1001, undefined, undefined), undefined)
  })

  it('finds a chunk inside the window only when every time is in [since, until)', () => {
    const chunks = new TimeChunks()
    chunks.learn('a', chunk(1), 1001)
    const last = T0 + 999_000
    assert.equal(chunks.inside('a', 1, T0, last + 1), true)
    assert.equal(chunks.inside('a', 1, T0 + 1, last + 1), false)
    assert.equal(chunks.inside('a', 1, T0, last), false)
    assert.equal(chunks.inside('a', 1001, T0, last + 1), false)
    // One message without a valid time matches no window, so its chunk is not inside one.
    chunks.learn('b', chunk(1, (i) => (i === 500 ? '2024-13-45T00:00:00Z' : undefined)), 1001)
    assert.equal(chunks.inside('b', 1, T0 - 1, last + 1), false)
  })

  it('forgets what retention removed, per app', () => {
    const chunks = new TimeChunks()
    for (const offset of [1, 1001, 2001]) chunks.learn('a', chunk(offset), offset + CHUNK_MESSAGES)
    chunks.learn('b', chunk(1), 1001)
    chunks.forgetBefore('a', 1500)
    assert.deepEqual([1, 1001, 2001].map((offset) => chunks.at('a', offset) !== undefined), [false, false, true])
    assert.notEqual(chunks.at('b', 1), undefined)
  })
})
