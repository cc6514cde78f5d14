import assert from 'node:assert/strict'

import {EventStreamDecoder, type ServerSentEvent} from '../../src/sources/event-stream.js'

/** Decodes `chunks` in order with one decoder, returning every event. */
function decode(...chunks: Array<string | Uint8Array>): ServerSentEvent[] {
  const decoder = new EventStreamDecoder()
  return chunks.flatMap((chunk) => decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk))
}

const message = (data: string, id = '') => ({data, id, type: 'message'})

describe('EventStreamDecoder (text/event-stream)', () => {
  const cases: Array<[string, string[], ServerSentEvent[]]> = [
    ['one event per blank line', ['data: a\n\ndata: b\n\n'], [message('a'), message('b')]],
    ['data lines joined by newlines', ['data: a\ndata: b\n\n'], [message('a\nb')]],
    ['an id carried to the events after it', ['id: 7\ndata: a\n\ndata: b\n\nid: 9\ndata: c\n\n'], [message('a', '7'), message('b', '7'), message('c', '9')]],
    ['CRLF and CR line ends', ['data: a\r\n\r\ndata: b\r\rdata: c\n\n'], [message('a'), message('b'), message('c')]],
    ['a CRLF split between chunks is one line end', ['data: a\r', '\n\r', '\n'], [message('a')]],
    ['comments, retry, unknown fields and no space after the colon', [': keep-alive\nretry: 3000\nfoo: bar\ndata:x\n\n'], [message('x')]],
    ['an event type', ['event: log\ndata: a\n\n'], [{data: 'a', id: '', type: 'log'}]],
    ['a field without a colon', ['data\n\n'], [message('')]],
    ['nothing for an event without data', ['id: 3\n\n'], []],
    ['an event split anywhere', ['da', 'ta: he', 'llo\n', '\n'], [message('hello')]],
    ['an id with NUL is ignored', ['id: 1\ndata: a\n\nid: 2\u0000\ndata: b\n\n'], [message('a', '1'), message('b', '1')]],
    ['an unfinished event is not dispatched', ['data: a\n\ndata: b\n'], [message('a')]],
  ]
  for (const [name, chunks, events] of cases) it(name, () => assert.deepEqual(decode(...chunks), events))

  it('a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('data: café ☕\n\n')
    assert.deepEqual(decode(bytes.subarray(0, 10), bytes.subarray(10, 14), bytes.subarray(14)), [message('café ☕')])
  })

  it('keeps the last id, even one whose event has not arrived yet', () => {
    const decoder = new EventStreamDecoder()
    decoder.push(Buffer.from('id: 42\ndata: a\n\nid: 43\n'))
    assert.equal(decoder.lastEventId, '43')
  })

  it('gives the same events however the stream is cut in two, with LF, CRLF or CR line ends', () => {
    const lf = 'id: 1\npri: 131\ndata: first\ndata: line two\n\n: keep-alive\nid: 2\ndata:x\n\nid: 3\ndata: café\n\n'
    const whole = decode(lf)
    assert.equal(whole.length, 3)
    for (const text of [lf, lf.replaceAll('\n', '\r\n'), lf.replaceAll('\n', '\r')]) {
      const bytes = Buffer.from(text)
      for (let cut = 0; cut <= bytes.length; cut++) assert.deepEqual(decode(bytes.subarray(0, cut), bytes.subarray(cut)), whole, `${JSON.stringify(text.slice(0, 12))}... cut at ${cut}`)
    }
  })
})

