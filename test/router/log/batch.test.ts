import assert from 'node:assert/strict'

import {compileLinePrefilter} from '../../../src/query/prefilter.js'
import {BatchEncoder, batchCandidates, batchHeader, checkedBatch, decodeBatch, firstOffsetAtTime} from '../../../src/router/log/batch.js'
import type {NewMessage, StoredMessage} from '../../../src/router/log/engine.js'

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0)

function roundTrip(messages: NewMessage[], first = 1, from = first, limit = Number.POSITIVE_INFINITY): StoredMessage[] {
  const bytes = Buffer.from(new BatchEncoder().encode(messages, first))
  const header = checkedBatch(bytes, 0)
  assert.ok(header !== undefined, 'the batch checks')
  const into: StoredMessage[] = []
  decodeBatch(bytes, 0, header, from, limit, into)
  return into
}

describe('log batches', () => {
  const cases: Array<{name: string; messages: NewMessage[]}> = [
    {messages: [{dyno: 'router', priority: 158, receivedAt: T0, source: 'heroku', text: 'at=info method=GET path="/"', timestamp: '2026-12-01T09:00:00.000000+00:00'}], name: 'a router line'},
    {messages: [{dyno: 'web.1', receivedAt: T0, source: 'app', text: 'Error\n  at x (a.js:1)\r\n'}], name: 'multi-line text, no PRI, no timestamp'},
    {messages: [{dyno: 'web.1', priority: 0, receivedAt: 0, source: 'app', text: '', timestamp: ''}], name: 'empty text and an empty timestamp (not none), PRI 0, time 0'},
    {messages: [{dyno: 'wéb.1', priority: 191, receivedAt: 2 ** 48 - 1, source: 'äpp', text: '日本語 🚀'}], name: 'non-ASCII fields, PRI 191, the latest time'},
    {
      messages: [
        {dyno: 'a', receivedAt: T0, source: 's', text: 'ascii'},
        {dyno: 'b', receivedAt: T0 + 1, source: 's', text: 'ünïcode'},
        {dyno: 'c', receivedAt: T0 - 5, source: 's', text: 'ascii again', timestamp: 'Dec  1 09:00:00'},
      ],
      name: 'ASCII and non-ASCII messages in one batch',
    },
  ]
  for (const {messages, name} of cases) {
    it(`decodes what it encoded: ${name}`, () => {
      assert.deepEqual(roundTrip(messages, 41), messages.map((message, i) => ({...message, offset: 41 + i})))
    })
  }

  it('decodes from an offset inside a batch, up to a limit', () => {
    const messages = Array.from({length: 10}, (_, i) => ({dyno: 'd', receivedAt: T0 + i, source: 's', text: `m${i}`}))
    assert.deepEqual(roundTrip(messages, 100, 103, 2).map((message) => [message.offset, message.text]), [[103, 'm3'], [104, 'm4']])
  })

  it('heads a batch with its offsets, count and latest receive time', () => {
    const bytes = new BatchEncoder().encode([{dyno: 'd', receivedAt: T0 + 9, source: 's', text: 'x'}, {dyno: 'd', receivedAt: T0, source: 's', text: 'y'}], 7)
    assert.deepEqual(batchHeader(bytes, 0), {count: 2, firstOffset: 7, length: bytes.length, maxTime: T0 + 9})
  })

  it('refuses a batch with any byte changed or missing', () => {
    const bytes = Buffer.from(new BatchEncoder().encode([{dyno: 'd', priority: 1, receivedAt: T0, source: 's', text: 'hello', timestamp: 't'}], 1))
    for (let at = 0; at < bytes.length; at++) {
      const damaged = Buffer.from(bytes)
      damaged[at] ^= 0x01
      assert.equal(checkedBatch(damaged, 0), undefined, `byte ${at} flipped`)
    }

    for (let length = 0; length < bytes.length; length++) assert.equal(checkedBatch(bytes.subarray(0, length), 0), undefined, `cut to ${length} bytes`)
  })

  const refused: Array<[string, Partial<NewMessage>]> = [
    ['PRI 192', {priority: 192}],
    ['PRI -1', {priority: -1}],
    ['PRI 1.5', {priority: 1.5}],
    ['a negative receive time', {receivedAt: -1}],
    ['a fractional receive time', {receivedAt: 1.5}],
    ['a receive time past 48 bits', {receivedAt: 2 ** 48}],
    ['a source over 65,535 bytes', {source: 'é'.repeat(40_000)}],
    ['a timestamp over 65,535 bytes', {timestamp: 'x'.repeat(65_536)}],
  ]
  for (const [what, change] of refused) {
    it(`refuses ${what} with a RangeError`, () => {
      assert.throws(() => new BatchEncoder().encode([{dyno: 'd', receivedAt: T0, source: 's', text: 'x', ...change}], 1), RangeError)
    })
  }

  it('finds the first message received at or after a time, whatever the order of times', () => {
    const times = [T0 + 5, T0 + 1, T0 + 9, T0 + 7]
    const bytes = new BatchEncoder().encode(times.map((receivedAt) => ({dyno: 'd', receivedAt, source: 's', text: 'x'})), 20)
    const header = checkedBatch(bytes, 0)!
    const table: Array<[number, number | undefined]> = [[T0, 20], [T0 + 5, 20], [T0 + 6, 22], [T0 + 9, 22], [T0 + 10, undefined]]
    for (const [time, offset] of table) assert.equal(firstOffsetAtTime(bytes, 0, header, time), offset, `time +${time - T0}`)
  })

  describe('candidates for a prefilter: the messages whose stored bytes may pass it', () => {
    const stamp = '2026-12-01T09:00:00.000000+00:00'
    const line = (text: string, extra: Partial<NewMessage> = {}): NewMessage => ({dyno: 'router', receivedAt: T0, source: 'heroku', text, timestamp: stamp, ...extra})
    const where = compileLinePrefilter({now: T0, where: ['status>=500']})!
    const grep = compileLinePrefilter({grep: ['timeout'], now: T0})!
    const table: Array<{name: string; messages: NewMessage[]; prefilter: typeof where; candidates: number[]}> = [
      {candidates: [0, 1, 1, 0], messages: [line('status=200'), line('status=503 bytes=1'), line('a status="x"'), line('status=404 status=')], name: 'a value that can hold, a quoted one, none that can', prefilter: where},
      {candidates: [1, 0], messages: [line('x status'), line('y', {source: '=200'})], name: "a needle at the very end of a text keeps its message, whatever the next message's bytes", prefilter: where},
      {candidates: [1, 0], messages: [line('ok status=503'), line('after', {source: 'app'})], name: "a value ends with its message, not in the next one's source", prefilter: where},
      {candidates: [1, 1, 0], messages: [line('x', {dyno: 'timeout.1'}), line('x', {source: 'timeout'}), line('time', {timestamp: 'out'})], name: 'in a source or dyno it passes; across two parts it does not', prefilter: grep},
      {candidates: [1, 0, 1], messages: [line('x', {timestamp: undefined}), line('y'), line('request timeout')], name: 'a message without a timestamp shows its receive time: it passes', prefilter: grep},
      {candidates: [0, 1, 1], messages: [line('none'), line('none', {timestamp: undefined}), line('none', {timestamp: undefined})], name: 'without the needle in the rest of the batch, only messages without a timestamp pass', prefilter: grep},
    ]
    for (const {candidates, messages, name, prefilter} of table) {
      it(name, () => {
        const bytes = new BatchEncoder().encode(messages, 1)
        const header = checkedBatch(bytes, 0)!
        const found: number[] = []
        assert.equal(batchCandidates(bytes, 0, header, prefilter, found), messages.length)
        const indexes = new Set(found.filter((_, k) => k % 2 === 0))
        assert.deepEqual(messages.map((_, i) => (indexes.has(i) ? 1 : 0)), candidates)
      })
    }

    it('from any offset and limit, decodes what the whole decode holds that may pass, and counts the same', () => {
      const messages = [
        line('status=503 é'), line('status=200'), line('x', {timestamp: undefined}), line('no needle'), line('status=500'),
        line('y', {source: 'status'}), line('status=200 status=502'), line('z', {timestamp: undefined}), line('ü status=404'),
      ]
      for (const ascii of [true, false]) {
        const bytes = new BatchEncoder().encode(ascii ? messages.map((m) => ({...m, text: m.text.replace(/[^\x00-\x7f]/g, '?')})) : messages, 40)
        const header = checkedBatch(bytes, 0)!
        for (let from = 40; from <= 50; from++) {
          for (let budget = 0; budget <= 10; budget++) {
            const all: StoredMessage[] = []
            const some: StoredMessage[] = []
            const considered = decodeBatch(bytes, 0, header, from, budget, all)
            assert.equal(decodeBatch(bytes, 0, header, from, budget, some, where), considered, `from ${from}, budget ${budget}`)
            const kept = all.filter((message) => message.timestamp === undefined || message.source === 'status' || /status=5\d\d/.test(message.text))
            assert.deepEqual(some, kept, `from ${from}, budget ${budget}, ${ascii ? 'ASCII' : 'UTF-8'}`)
          }
        }
      }
    })

    it('decodes only the candidates, counting the others as considered', () => {
      const messages = Array.from({length: 10}, (_, i) => line(`status=${i % 3 === 0 ? 503 : 200}`))
      const bytes = Buffer.from(new BatchEncoder().encode(messages, 100))
      const into: StoredMessage[] = []
      assert.equal(decodeBatch(bytes, 0, checkedBatch(bytes, 0)!, 102, 6, into, where), 6)
      assert.deepEqual(into.map((message) => [message.offset, message.text]), [[103, 'status=503'], [106, 'status=503']])
    })
  })
})
