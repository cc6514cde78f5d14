import assert from 'node:assert/strict'

import {BatchEncoder, batchHeader, decodeBatch, sinkBatch} from '../../src/router/log/batch.js'
import type {NewMessage, StoredMessage} from '../../src/router/log/engine.js'
import {storedMessage} from '../../src/router/message.js'
import {encodeLogMessage, encodeLogMessages, type StreamFormat} from '../../src/router/sessions/event-encoding.js'
import {StoredEvents} from '../../src/router/sessions/stored-events.js'

const T0 = Date.parse('2024-05-01T12:00:00.123Z')
// PRI 187 (local7.err) tells a level; 190 is one Heroku stamps, which tells none (level.ts rule 4).
const at = (text: string, extra: Partial<NewMessage> = {}): NewMessage => ({dyno: 'web.1', priority: 187, receivedAt: T0, source: 'app', text, timestamp: '2024-05-01T12:00:00.123456+00:00', ...extra})

/** Messages of every shape a line or an event can take. */
const MESSAGES: Array<[string, NewMessage]> = [
  ['a plain one', at('at=info status=200')],
  ['no timestamp: the receive time', at('no stamp', {timestamp: undefined})],
  ['an empty timestamp', at('empty stamp', {timestamp: ''})],
  ['a BSD date: the receive time', at('bsd', {timestamp: 'Dec  1 09:00:00'})],
  ['a timestamp with a line break', at('odd stamp', {timestamp: '2024-05-01T12:00:00Z\nx'})],
  ['text over lines', at('one\ntwo\nthree')],
  ['CRLF and CR in the text', at('one\r\ntwo\rthree')],
  ['a trailing line break', at('ends\n')],
  ['a line break in the source', at('x', {source: 'a\nb'})],
  ['a line break in the dyno', at('x', {dyno: 'web\r1'})],
  ['unicode text', at('café ☕ 日本 🎉')],
  ['a non-ASCII dyno', at('x', {dyno: 'wéb.1'})],
  ['no PRI', at('no pri', {priority: undefined})],
  ['a PRI stamped by Heroku', at('stamped', {priIsLevel: false})],
  ['a PRI Heroku uses for its own frames', at('heroku pri', {priority: 190})],
  ['PRI 0', at('emergency', {priority: 0})],
  ['empty text', at('')],
  ['a large offset-worthy receive time', at('late', {receivedAt: 2 ** 47, timestamp: undefined})],
]
const FORMATS: StreamFormat[] = ['plain', 'events', 'events-with-pri', 'frames']

function storedBatch(messages: readonly NewMessage[], firstOffset: number): Buffer {
  return Buffer.from(new BatchEncoder().encode(messages, firstOffset))
}

describe('StoredEvents (a session\'s events copied from the log\'s bytes)', () => {
  for (const format of FORMATS) {
    for (const [what, message] of MESSAGES) {
      it(`${format}: ${what} — byte for byte what encodeLogMessage gives`, () => {
        const bytes = storedBatch([message], 123_456_789)
        const header = batchHeader(bytes, 0)!
        const decoded: StoredMessage[] = []
        decodeBatch(bytes, 0, header, header.firstOffset, 1, decoded)
        const events = new StoredEvents(format)
        assert.equal(sinkBatch(bytes, 0, header, header.firstOffset, 1, events), 1)
        assert.equal(events.count, 1)
        assert.equal(Buffer.concat(events.flush().parts).toString(), encodeLogMessage(storedMessage(decoded[0]), format))
      })
    }
  }

  it('takes a batch from an offset within it, up to a budget, and goes on after a flush, across buffer growth', () => {
    const messages = Array.from({length: 3000}, (_, i) => MESSAGES[i % MESSAGES.length][1])
    const bytes = storedBatch(messages, 1000)
    const header = batchHeader(bytes, 0)!
    const decoded: StoredMessage[] = []
    decodeBatch(bytes, 0, header, 1010, 2500, decoded)
    const events = new StoredEvents('events-with-pri')
    assert.equal(sinkBatch(bytes, 0, header, 1010, 1000, events), 1000)
    const first = events.flush().parts
    assert.equal(sinkBatch(bytes, 0, header, 2010, 1500, events), 1500)
    const expected = decoded.map((message) => encodeLogMessage(storedMessage(message), 'events-with-pri'))
    assert.equal(Buffer.concat(first).toString(), expected.slice(0, 1000).join(''))
    assert.equal(Buffer.concat(events.flush().parts).toString(), expected.slice(1000).join(''))
  })

  it('frames: the one-line messages in a row as one frame, each message with a line break as one of its own', () => {
    const messages = Array.from({length: 300}, (_, i) => MESSAGES[i % MESSAGES.length][1])
    const bytes = storedBatch(messages, 500)
    const header = batchHeader(bytes, 0)!
    const decoded: StoredMessage[] = []
    decodeBatch(bytes, 0, header, 500, 300, decoded)
    const events = new StoredEvents('frames')
    assert.equal(sinkBatch(bytes, 0, header, 500, 300, events), 300)
    const {parts} = events.flush()
    const text = Buffer.concat(parts).toString()
    assert.equal(text, encodeLogMessages(decoded.map((message) => storedMessage(message)), 'frames'))
    assert.ok(text.split('\n').filter((line) => / 1 \d+$/.test(line)).length > 20, 'messages with line breaks have frames of their own')
  })

  it('takes the next events into a buffer only once its events were written out', () => {
    const bytes = storedBatch(Array.from({length: 30}, (_, i) => at(`message ${i}`)), 0)
    const header = batchHeader(bytes, 0)!
    const events = new StoredEvents('plain')
    const flushOf = (from: number) => {
      sinkBatch(bytes, 0, header, from, 10, events)
      return events.flush()
    }

    const first = flushOf(0)
    const firstText = Buffer.concat(first.parts).toString()
    const second = flushOf(10)
    // The first is not written yet: the second's events went elsewhere, and the first's bytes are intact.
    assert.ok(second.parts[0].buffer !== first.parts[0].buffer)
    assert.equal(Buffer.concat(first.parts).toString(), firstText)
    first.written()
    const third = flushOf(20)
    assert.ok(third.parts[0].buffer === first.parts[0].buffer, 'the written buffer taken again')
    assert.match(Buffer.concat(third.parts).toString(), /^[^\n]*message 20\n[^]*message 29\n$/)
    assert.match(Buffer.concat(second.parts).toString(), /^[^\n]*message 10\n[^]*message 19\n$/)
  })

  it('encodeLogMessages as frames: the one-line messages in a row together, ID the last one\'s offset', () => {
    const [a, b, trace, d] = [at('a'), at('b'), at('one\ntwo'), at('d')].map((message, i) => storedMessage({...message, offset: 5 + i}))
    const line = (text: string) => `2024-05-01T12:00:00.123456+00:00 app[web.1]: ${text}\n`
    assert.equal(encodeLogMessages([a, b, trace, d], 'frames'), [
      `6 2 ${2 * line('a').length}\n${line('a')}${line('b')}`,
      `7 1 ${line('one\ntwo').length}\n${line('one\ntwo')}`,
      `8 1 ${line('d').length}\n${line('d')}`,
    ].join(''))
    assert.equal(encodeLogMessages([a, b], 'events'), encodeLogMessage(a, 'events') + encodeLogMessage(b, 'events'))
  })
})
