import assert from 'node:assert/strict'

import type {LogRecord} from '../../src/parse/record.js'

import {formatJson, formatJsonParts} from '../../src/format/json.js'
import {formatLogfmt, formatLogfmtParts} from '../../src/format/logfmt.js'
import {MESSAGE_SLICE, messageSlices} from '../../src/format/message-slices.js'
import {heroku, syslog, text} from './records.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
/** A high surrogate as the last character of the first slice: the pair must not be cut. */
const PAIR_AT_CUT = 'x'.repeat(MESSAGE_SLICE - 1) + '😀' + 'y'.repeat(10)

/** Long messages of every kind the escapes treat differently, as records of each shape. */
const RECORDS: Array<[string, LogRecord]> = [
  ['plain letters', text('a'.repeat(3 * MESSAGE_SLICE + 5))],
  ['NULs', text('\u0000'.repeat(2 * MESSAGE_SLICE + 1))],
  ['spaces', text('word '.repeat(MESSAGE_SLICE))],
  ['an `=` only', text('k=' + 'v'.repeat(2 * MESSAGE_SLICE))],
  ['quotes and backslashes', text('say "hi" \\ '.repeat(MESSAGE_SLICE / 4))],
  ['controls without a space', text('a\tb\u0007c\r\u007F'.repeat(MESSAGE_SLICE / 2))],
  ['a surrogate pair across the cut', text(PAIR_AT_CUT)],
  ['a lone surrogate', text('\uD800'.repeat(MESSAGE_SLICE + 3))],
  ['a heroku line with fields', heroku(`${TS} app[web.1]: at=info msg="${'m'.repeat(2 * MESSAGE_SLICE)}" status=200 404=x level=warn`)],
  ['a JSON payload', heroku(`${TS} app[web.1]: {"err":{"type":"E"},"msg":"${'\\u0000'.repeat(MESSAGE_SLICE)}"}`)],
  ['a syslog record', syslog({host: 'h', message: 'é'.repeat(MESSAGE_SLICE + 1), source: 'app', timestamp: TS})],
  ['a short message', text('short')],
]

describe('formatJsonParts and formatLogfmtParts', () => {
  for (const [name, record] of RECORDS) {
    it(`join to the same line as the whole-line formatters: ${name}`, () => {
      assert.equal([...formatJsonParts(record)].join(''), formatJson(record))
      assert.equal([...formatLogfmtParts(record)].join(''), formatLogfmt(record))
    })
  }

  it('escape a long message in parts of bounded size', () => {
    const parts = [...formatLogfmtParts(text('\u0000'.repeat(10 * MESSAGE_SLICE)))]
    assert.ok(parts.length >= 10)
    assert.ok(parts.every((part) => part.length <= 7 * MESSAGE_SLICE), String(Math.max(...parts.map((part) => part.length))))
  })
})

describe('messageSlices', () => {
  it('keeps a surrogate pair in one slice', () => {
    const slices = [...messageSlices(PAIR_AT_CUT)]
    assert.equal(slices.join(''), PAIR_AT_CUT)
    assert.equal(slices[0].length, MESSAGE_SLICE - 1)
    assert.ok(slices[1].startsWith('😀'))
  })
})
