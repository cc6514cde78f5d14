import assert from 'node:assert/strict'

import {EventMessages, type MessageDecoder, opensHerokuLine, PlainMessages} from '../../src/sources/stream-messages.js'

const L1 = '2024-05-01T12:00:01.000000+00:00 app[web.1]: Error: boom\n'
const L2 = '2024-05-01T12:00:02Z heroku[router]: at=info status=200\n'
const AT_A = '    at a (a.js:1:2)\n'
const AT_B = '    at b (b.js:3:4)\n'
const HUGE = 'x'.repeat(1024 * 1024) + '\n'

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
    it('from logsift\'s router (it answered the header): one event, one message, with its PRI', () => {
      const decoder = new EventMessages(true)
      const data = (line: string) => 'data: ' + line.slice(0, -1) + '\n'
      const stream = 'id: 1\npri: 131\n' + data(L1) + data(AT_A) + data(AT_B) + '\nid: 2\n' + data(L2) + '\n'
      const decoded = decoder.push(Buffer.from(stream))
      assert.deepEqual(decoded.messages.map(({pri, raw}) => [raw.toString(), pri]), [[L1 + AT_A + AT_B, 131], [L2, undefined]])
      assert.equal(decoded.eventId, '2')
    })

    it('from another server (Logplex): each data line a message, empty ones skipped', () => {
      const decoded = new EventMessages(false).push(Buffer.from('id: 5\ndata: a\ndata: \ndata: b\n\ndata: \n\n'))
      assert.deepEqual(decoded.messages.map(({pri, raw}) => [raw.toString(), pri]), [['a\n', undefined], ['b\n', undefined]])
      assert.equal(decoded.eventId, '5')
    })
  })
})
