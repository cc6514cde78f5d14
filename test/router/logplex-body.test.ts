import assert from 'node:assert/strict'

import {ApiError} from '../../src/router/http.js'
import {decodeLogplexBody} from '../../src/router/logplex-input.js'
import {frame} from './helpers.js'

const message = (n: number) => `<190>1 2024-05-01T12:00:0${n}+00:00 host app web.1 - line ${n}`

function fault(body: string, count?: string, max = 10_240): ApiError {
  try {
    decodeLogplexBody(Buffer.from(body), count, max)
  } catch (error) {
    assert.ok(error instanceof ApiError)
    return error
  }

  assert.fail('expected the body to be refused')
}

describe('decodeLogplexBody', () => {
  it('reads every frame as a record, in order', () => {
    const records = decodeLogplexBody(Buffer.from(frame(message(1)) + frame(message(2))), '2', 10_240)
    assert.deepEqual(records.map((record) => record.message), ['line 1', 'line 2'])
  })

  it('accepts frames without structured data and with it', () => {
    const body = frame('<190>1 2024-05-01T12:00:00Z host app web.1 - no sd') + frame('<190>1 2024-05-01T12:00:00Z host app web.1 - - nil sd')
    assert.deepEqual(decodeLogplexBody(Buffer.from(body), undefined, 10_240).map((record) => record.message), ['no sd', 'nil sd'])
  })

  it('an empty body is no messages', () => {
    assert.deepEqual(decodeLogplexBody(Buffer.alloc(0), '0', 10_240), [])
  })

  it('refuses a count mismatch with 400, naming both numbers', () => {
    const error = fault(frame(message(1)) + frame(message(2)), '3')
    assert.equal(error.status, 400)
    assert.match(error.message, /Message count mismatch: Logplex-Msg-Count is 3, the body has 2 frames/)
    assert.equal(fault(frame(message(1)), 'two').status, 400)
  })

  it('refuses lines that are not frames, a LEN past the end, and frames that are not syslog', () => {
    assert.match(fault(message(1) + '\n').message, /Frame 1 is not an octet-counted frame/)
    assert.match(fault(frame(message(1)) + '500 ' + message(2) + '\n').message, /Frame 2 is not an octet-counted frame/)
    assert.match(fault(frame(message(1)) + frame('just text')).message, /Frame 2 is not an RFC 5424 syslog message/)
    assert.equal(fault(frame(message(1)) + frame('just text')).status, 400)
  })

  it('refuses a frame over the limit with 413', () => {
    const error = fault(frame(message(1)) + frame(`<190>1 2024-05-01T12:00:00Z host app web.1 - ${'x'.repeat(200)}`), undefined, 100)
    assert.equal(error.status, 413)
    assert.match(error.message, /Frame 2 has \d+ bytes; the limit is 100/)
  })
})
