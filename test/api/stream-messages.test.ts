import assert from 'node:assert/strict'

import {encodeMessage, frameHeader} from '../../src/router/sessions/event-encoding.js'
import {EventMessages, FrameMessages, type MessageDecoder, opensHerokuLine, PlainMessages, WholeEventMessages} from '../../src/sources/stream-messages.js'

const L1 = '2024-05-01T12:00:01.000000+00:00 app[web.1]: Error: boom\n'
const L2 = '2024-05-01T12:00:02Z heroku[router]: at=info status=200\n'
const AT_A = '    at a (a.js:1:2)\n'
const AT_B = '    at b (b.js:3:4)\n'
const HUGE = 'x'.repeat(1024 * 1024) + '\n'
const SYSLOG_5424 = '<134>1 2024-05-01T12:00:01Z host app web.2 - - from syslog\n'
const SYSLOG_3164 = '<13>May  1 12:00:01 myhost myapp[123]: bsd line\n'

/** What a decoder passes on for each step: a chunk pushed, a flush after a quiet moment, or the end. */
function run(decoder: MessageDecoder, steps: Array<string | 'END' | 'FLUSH'>): Array<Array<[string, number | undefined]>> {
  return steps.map((step) => {
    const messages = step === 'END' ? decoder.end() : step === 'FLUSH' ? decoder.flush() : decoder.push(Buffer.from(step)).messages
    return messages.map(({pri, raw}) => [raw.toString(), pri])
  })
}

describe('log stream messages', () => {
  describe('opensHerokuLine', () => {
    const table: Array<[string, boolean]> = [
      [L1, true],
      [L2, true],
      ['2024-05-01T12:00:00Z ápp[wéb.1]:x\n', true],
      [AT_A, false],
      ['Caused by: java.io.IOException\n', false],
      ['', false],
      ['\n', false],
      ['12345 app[web.1]: x\n', false],
      ['2024-05-01 12:00:00Z app[web.1]: x\n', false],
      ['2024-05-01T12:00:00Z app web.1: x\n', false],
      ['2024-05-01T12:00:00Z [web.1]: x\n', false],
      ['2024-05-01T12:00:00Z app[]: x\n', false],
      ['2024-05-01T12:00:00Z app[web 1]: x\n', false],
      ['2024-05-01T12:00:00Z app[web.1] x\n', false],
      ['2024-05-01T12:00:00Z app[web.1]', false],
    ]
    for (const [line, opens] of table) it(`${JSON.stringify(line)}: ${opens}`, () => assert.equal(opensHerokuLine(Buffer.from(line)), opens))
  })

  describe('PlainMessages (text/plain)', () => {
    const table: Array<[string, Array<string | 'END' | 'FLUSH'>, string[][]]> = [
      ['further lines join the message before them; the last is held', [L1 + AT_A + AT_B + L2, 'END'], [[L1 + AT_A + AT_B], [L2]]],
      ['a further line in the next chunk joins the held message', [L1, AT_A, L2, 'END'], [[], [], [L1 + AT_A], [L2]]],
      ['a chunk may end inside a line', [L1 + '    at a (a.', 'js:1:2)\n' + L2, 'END'], [[], [L1 + AT_A], [L2]]],
      ['a quiet moment passes the held message on', [L1, 'FLUSH', AT_A], [[], [L1], [AT_A]]],
      ['lines that are not `heroku logs` lines, with none before them, are each a message', ['a\nb\n', 'END'], [['a\n', 'b\n'], []]],
      ['a last line without its newline', [L1 + '    at a', 'END'], [[], [L1 + '    at a\n']]],
      ['a syslog line (<PRI>) after a message is a message of its own', [L1 + SYSLOG_5424 + SYSLOG_3164 + L2, 'END'], [[L1, SYSLOG_5424, SYSLOG_3164], [L2]]],
      ['a further line that would make the message over 1 MiB is a message of its own', [L1 + HUGE + AT_A + L2], [[L1, HUGE, AT_A]]],
    ]
    for (const [name, steps, expected] of table) {
      it(name, () => assert.deepEqual(run(new PlainMessages(), steps), expected.map((raws) => raws.map((raw) => [raw, undefined]))))
    }

    it('holds only while a message may get more lines', () => {
      const decoder = new PlainMessages()
      decoder.push(Buffer.from('text\n'))
      assert.equal(decoder.holding, false)
      decoder.push(Buffer.from(L1))
      assert.equal(decoder.holding, true)
      decoder.flush()
      assert.equal(decoder.holding, false)
    })
  })

  describe('EventMessages (text/event-stream)', () => {
    it('from another server (Logplex): each data line a message, empty ones skipped', () => {
      const decoded = new EventMessages().push(Buffer.from('id: 5\ndata: a\ndata: \ndata: b\n\ndata: \n\n'))
      assert.deepEqual(decoded.messages.map(({pri, raw}) => [raw.toString(), pri]), [['a\n', undefined], ['b\n', undefined]])
      assert.equal(decoded.eventId, '5')
    })
  })

  describe('WholeEventMessages (logsift\'s router answered the header)', () => {
    const data = (line: string) => 'data: ' + line.slice(0, -1) + '\n'

    it('one event, one message, with its PRI and the last event id', () => {
      const decoder = new WholeEventMessages()
      const stream = 'id: 1\npri: 131\n' + data(L1) + data(AT_A) + data(AT_B) + '\nid: 2\n' + data(L2) + '\n'
      const decoded = decoder.push(Buffer.from(stream))
      assert.deepEqual(decoded.messages.map(({pri, raw}) => [raw.toString(), pri]), [[L1 + AT_A + AT_B, 131], [L2, undefined]])
      assert.equal(decoded.eventId, '2')
    })

    const table: Array<[string, string, Array<[string, number | undefined]>, string | undefined]> = [
      ['comments (keep-alives) and unknown fields are skipped', ': x\nevent: y\nid: 4\n' + data(L2) + ':\n\n', [[L2, undefined]], '4'],
      ['a PRI that is no syslog PRI is none', 'pri: 192\ndata: a\n\npri: 1e2\ndata: b\n\npri: 0\ndata: c\n\n', [['a\n', undefined], ['b\n', undefined], ['c\n', 0]], ''],
      ['an event of one empty data line, or none, carries no message', 'id: 1\ndata: \n\nid: 2\n\n', [], undefined],
      ['an empty line inside a message stays', 'data: a\ndata:\ndata: b\n\n', [['a\n\nb\n', undefined]], ''],
      ['CRLF line ends', 'id: 7\r\npri: 11\r\ndata: a\r\n\r\n', [['a\n', 11]], '7'],
      ['an id with NUL is ignored', 'id: 1\ndata: a\n\nid: 2\u0000\ndata: b\n\n', [['a\n', undefined], ['b\n', undefined]], '1'],
    ]
    for (const [name, stream, messages, eventId] of table) {
      it(name, () => {
        const decoded = new WholeEventMessages().push(Buffer.from(stream))
        assert.deepEqual(decoded.messages.map(({pri, raw}) => [raw.toString(), pri]), messages)
        assert.equal(decoded.eventId, eventId)
      })
    }

    it('gives the router\'s messages, in order, however its stream is cut into chunks', () => {
      const sent: Array<[string, number | undefined]> = [[L1 + AT_A, 131], [L2, undefined], ['2024-05-01T12:00:03Z app[web.1]: café ☕\n', 14], [L1, undefined]]
      const stream = Buffer.from(sent.map(([line, pri], i) => {
        const event = encodeMessage(i + 10, line.slice(0, -1), 'events')
        return (pri === undefined ? event : event.replace('\ndata: ', `\npri: ${pri}\ndata: `)) + (i === 1 ? ':\n' : '')
      }).join(''))
      for (let first = 0; first <= stream.length; first++) {
        for (const second of [first, Math.min(stream.length, first + 1), Math.min(stream.length, first + 7)]) {
          const decoder = new WholeEventMessages()
          const decoded = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)].map((chunk) => decoder.push(chunk))
          assert.deepEqual(decoded.flatMap(({messages}) => messages.map(({pri, raw}) => [raw.toString(), pri])), sent, `cut at ${first} and ${second}`)
          assert.equal(decoded.map(({eventId}) => eventId).filter((id) => id !== undefined).at(-1), '13')
        }
      }
    })
  })

  describe('FrameMessages (logsift\'s router answered with frames)', () => {
    const long = '2024-05-01T12:00:04Z app[web.1]: ' + 'y'.repeat(40) + '\n'
    const cafe = '2024-05-01T12:00:03Z app[web.1]: café ☕\n'
    const frameOf = (lastId: number, lines: string[]): string => frameHeader(lastId, lines.length, Buffer.byteLength(lines.join(''))) + lines.join('')
    // As the router sends them: runs of one-line messages, a multi-line one alone, keep-alives between.
    const stream = Buffer.from(frameOf(21, [L2, L1]) + ':\n' + frameOf(22, [L1 + AT_A]) + frameOf(25, [L2, cafe, L1]) + frameOf(27, [L2, long]) + ':\n')
    const read = (decoder: FrameMessages, chunks: Buffer[]) => chunks.map((chunk) => decoder.push(chunk))

    it('gives each frame whole, however the stream is cut: a run of one-line messages as one, the others alone', () => {
      for (let first = 0; first <= stream.length; first++) {
        for (const second of [first, Math.min(stream.length, first + 1), Math.min(stream.length, first + 9)]) {
          const decoded = read(new FrameMessages(60), [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)])
          const messages = decoded.flatMap((d) => d.messages)
          const cut = `cut at ${first} and ${second}`
          assert.deepEqual(messages.map(({joined, raw}) => [raw.toString(), joined]), [
            [L2 + L1, 2], [L1 + AT_A, undefined], [L2 + cafe + L1, 3],
            // The run holding a line over joinUpTo: each of its messages alone, for the reader to cut.
            [L2, undefined], [long, undefined],
          ], cut)
          assert.ok(messages.every(({matched, pri}) => matched === true && pri === undefined), cut)
          assert.equal(decoded.map(({eventId}) => eventId).filter((id) => id !== undefined).at(-1), '27', cut)
        }
      }
    })

    it('gives a frame\'s id only with the frame whole', () => {
      const decoder = new FrameMessages(60)
      const cutAt = stream.indexOf(L1) + 5
      assert.deepEqual(decoder.push(stream.subarray(0, cutAt)), {eventId: undefined, messages: []})
      assert.equal(decoder.push(stream.subarray(cutAt, stream.indexOf(':\n'))).eventId, '21')
    })

    it('passes a line that is no frame header on as a message, and goes on with the frames after it', () => {
      const decoded = new FrameMessages(60).push(Buffer.from('not a header\n1 2\n12 x 3\n' + frameOf(9, [L2])))
      assert.deepEqual(decoded.messages.map(({raw}) => raw.toString()), ['not a header\n', '1 2\n', '12 x 3\n', L2])
      assert.equal(decoded.eventId, '9')
    })
  })
})
