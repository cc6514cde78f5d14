import assert from 'node:assert/strict'

import {ApiError} from '../../src/router/api/http.js'
import {decodeLogplexBody, quoteBytes} from '../../src/router/ingest/logplex-input.js'
import {frame} from './helpers.js'

const message = (n: number) => `<190>1 2024-05-01T12:00:0${n}+00:00 host app web.1 - line ${n}`
const NOW = Date.UTC(2024, 4, 1, 12, 30)

function fault(body: string, count?: string, max = 10_240): ApiError {
  try {
    decodeLogplexBody(Buffer.from(body), count, max, NOW)
  } catch (error) {
    assert.ok(error instanceof ApiError)
    return error
  }

  assert.fail('expected the body to be refused')
}

describe('decodeLogplexBody', () => {
  const lines = (body: Buffer | string, count?: string) => decodeLogplexBody(Buffer.from(body), count, 10_240, NOW).map((entry) => entry.line)

  it('reads every frame as a `heroku logs` line, in order', () => {
    const entries = decodeLogplexBody(Buffer.from(frame(message(1)) + frame(message(2))), '2', 10_240, NOW)
    const fields = entries.map(({dyno, line, pri, priIsLevel, receivedAt, singleLine, source, text, timestamp}) => ({dyno, line, pri, priIsLevel, receivedAt, singleLine, source, text, timestamp}))
    assert.deepEqual(fields, [
      {
        dyno: 'web.1', line: '2024-05-01T12:00:01+00:00 app[web.1]: line 1', pri: 190, priIsLevel: false, receivedAt: NOW, singleLine: true, source: 'app',
        text: 'line 1', timestamp: '2024-05-01T12:00:01+00:00',
      },
      {
        dyno: 'web.1', line: '2024-05-01T12:00:02+00:00 app[web.1]: line 2', pri: 190, priIsLevel: false, receivedAt: NOW, singleLine: true, source: 'app',
        text: 'line 2', timestamp: '2024-05-01T12:00:02+00:00',
      },
    ])
  })

  it('accepts frames without structured data and with it', () => {
    const body = frame('<190>1 2024-05-01T12:00:00Z host app web.1 - no sd') + frame('<190>1 2024-05-01T12:00:00Z host app web.1 - - nil sd')
    assert.deepEqual(lines(body), ['2024-05-01T12:00:00Z app[web.1]: no sd', '2024-05-01T12:00:00Z app[web.1]: nil sd'])
  })

  it('reads UTF-8 beyond ASCII, and invalid bytes as U+FFFD, as a line parser would', () => {
    const utf8 = frame('<190>1 2024-05-01T12:00:00Z host app web.1 - [origin@1 x="é"] café ✓') + frame(message(1))
    assert.deepEqual(lines(utf8), ['2024-05-01T12:00:00Z app[web.1]: café ✓', '2024-05-01T12:00:01+00:00 app[web.1]: line 1'])
    const msg = Buffer.concat([Buffer.from('<190>1 2024-05-01T12:00:00Z host app web.1 - a'), Buffer.from([0xff]), Buffer.from('b\n')])
    const invalid = Buffer.concat([Buffer.from(`${msg.length} `), msg])
    assert.deepEqual(lines(invalid), ['2024-05-01T12:00:00Z app[web.1]: a\uFFFDb'])
  })

  it('places log-shuttle frames as app output, fills in a missing dyno, and stamps a BSD date with now', () => {
    const body = frame('<190>1 2024-05-01T12:00:00Z shuttle t.01234567-89ab-4def-8123-456789abcdef web.2 - - x')
      + frame('<190>1 2024-05-01T12:00:00Z host heroku - - y') + frame('<13>May  1 12:00:00 host app[worker.3]: z')
    assert.deepEqual(lines(body), [
      '2024-05-01T12:00:00Z app[web.2]: x', '2024-05-01T12:00:00Z heroku[web.1]: y', '2024-05-01T12:30:00.000000+00:00 app[worker.3]: z',
    ])
  })

  it('marks a message with a line break in it', () => {
    const [entry] = decodeLogplexBody(Buffer.from(frame('<190>1 2024-05-01T12:00:00Z host app web.1 - a\rb')), '1', 10_240, NOW)
    assert.equal(entry.singleLine, false)
  })

  it('keeps each frame\'s PRI; it tells the level unless Heroku stamped the frame', () => {
    const body = frame('<131>1 2024-05-01T12:00:00Z myhost app web.1 - - a') + frame('<134>1 2024-05-01T12:00:00Z host app web.1 - b')
      + frame('<172>1 2024-05-01T12:00:00Z myhost heroku logplex - - c')
    const entries = decodeLogplexBody(Buffer.from(body), '3', 10_240, NOW)
    assert.deepEqual(entries.map(({pri, priIsLevel}) => [pri, priIsLevel]), [[131, true], [134, false], [172, false]])
  })

  it('an empty body is no messages', () => {
    assert.deepEqual(decodeLogplexBody(Buffer.alloc(0), '0', 10_240, NOW), [])
  })

  it('refuses a count mismatch with 400, naming both numbers', () => {
    const error = fault(frame(message(1)) + frame(message(2)), '3')
    assert.equal(error.status, 400)
    assert.match(error.message, /Message count mismatch: Logplex-Msg-Count is 3, the body has 2 frames/)
    assert.equal(fault(frame(message(1)), 'two').status, 400)
  })

  it('refuses lines that are not frames, a LEN past the end, and frames that are not syslog', () => {
    assert.match(fault(message(1) + '\n').message, /Frame 1 is not an octet-counted syslog frame/)
    assert.match(fault(frame(message(1)) + '500 ' + message(2) + '\n').message, /Frame 2 is not an octet-counted syslog frame/)
    // A right LEN before a message that is not syslog: it is the syslog that is missing.
    assert.match(fault('11 hello world').message, /^Frame 1 is not an octet-counted syslog frame \(LEN SP <PRI>/)
    assert.match(fault(frame(message(1)) + frame('just text')).message, /Frame 2 is not an RFC 5424 syslog message/)
    assert.equal(fault(frame(message(1)) + frame('just text')).status, 400)
  })

  it('quotes the refused frame in its 400: the first 80 bytes, escaped', () => {
    assert.equal(fault(frame(message(1)) + frame('just text')).message, 'Frame 2 is not an RFC 5424 syslog message: "10 just text\\n".')
    assert.equal(
      fault('oops "quoted"\tand \\ \r\n').message,
      'Frame 1 is not an octet-counted syslog frame (LEN SP <PRI>..., LEN the bytes of the message after the space), or its LEN runs past the body: "oops \\"quoted\\"\\tand \\\\ \\r\\n".',
    )
    const long = `<190>1 2024-05-01T12:00:00Z host app web.1 - ${'y'.repeat(200)}`
    assert.equal(
      fault(frame(message(1)) + '999 ' + long + '\n').message,
      `Frame 2 is not an octet-counted syslog frame (LEN SP <PRI>..., LEN the bytes of the message after the space), or its LEN runs past the body: "999 ${long.slice(0, 76)}"… (the first 80 of ${long.length + 5} bytes).`,
    )
  })

  it('quoteBytes keeps printable ASCII and escapes every other byte', () => {
    const cases: Array<[Buffer | string, string]> = [
      ['', '""'],
      ['plain text 123', '"plain text 123"'],
      ['a"b\\c', '"a\\"b\\\\c"'],
      ['\t\r\n', '"\\t\\r\\n"'],
      [Buffer.from([0x00, 0x1b, 0x7f, 0xff]), '"\\x00\\x1b\\x7f\\xff"'],
      ['café', '"caf\\xc3\\xa9"'],
      ['x'.repeat(80), `"${'x'.repeat(80)}"`],
      ['x'.repeat(81), `"${'x'.repeat(80)}"… (the first 80 of 81 bytes)`],
    ]
    for (const [bytes, quoted] of cases) assert.equal(quoteBytes(Buffer.from(bytes)), quoted, JSON.stringify(bytes.toString()))
  })

  it('refuses a frame over the limit with 413', () => {
    const error = fault(frame(message(1)) + frame(`<190>1 2024-05-01T12:00:00Z host app web.1 - ${'x'.repeat(200)}`), undefined, 100)
    assert.equal(error.status, 413)
    assert.match(error.message, /Frame 2 has \d+ bytes; the limit is 100/)
  })
})
