import assert from 'node:assert/strict'

import {ERROR_CODES, errorCodeOf} from '../../src/parse/error-codes.js'

/**
 * Every code Heroku documents, with its title as Heroku spells it, in Heroku's order
 * (https://devcenter.heroku.com/articles/error-codes). H16 is retired; Heroku still lists it.
 */
const HEROKU_CODES: Array<[code: string, title: string]> = [
  ['H10', 'App crashed'], ['H11', 'Backlog too deep'], ['H12', 'Request timeout'],
  ['H13', 'Connection closed without response'], ['H14', 'No web dynos running'], ['H15', 'Idle connection'],
  ['H16', '(No Longer in Use)'], ['H17', 'Poorly formatted HTTP response'], ['H18', 'Server Request Interrupted'],
  ['H19', 'Backend connection timeout'], ['H20', 'App boot timeout'], ['H21', 'Backend connection refused'],
  ['H22', 'Connection limit reached'], ['H23', 'Endpoint misconfigured'], ['H24', 'Forced close'],
  ['H25', 'HTTP Restriction'], ['H26', 'Request Error'], ['H27', 'Client Request Interrupted'],
  ['H28', 'Client Connection Idle'], ['H31', 'Misdirected Request'], ['H32', 'TLS Certificate Mismatch'],
  ['H80', 'Maintenance mode'], ['H81', 'Blank app'], ['H82', "You've used up your dyno hour pool"],
  ['H83', 'Planned Service Degradation'], ['H99', 'Platform error'],
  ['R10', 'Boot timeout'], ['R12', 'Exit timeout'], ['R13', 'Attach error'], ['R14', 'Memory quota exceeded'],
  ['R15', 'Memory quota vastly exceeded'], ['R16', 'Detached'], ['R17', 'Checksum error'], ['R99', 'Platform error'],
  ['L10', 'Drain buffer overflow'], ['L11', 'Tail buffer overflow'], ['L12', 'Local buffer overflow'],
  ['L13', 'Local delivery error'], ['L14', 'Certificate validation error'], ['L15', 'Tail buffer temporarily unavailable'],
]

describe('ERROR_CODES', () => {
  it('has every code Heroku documents, in order, with Heroku\'s title and a one-line cause', () => {
    assert.equal(HEROKU_CODES.length, 40)
    assert.deepEqual([...ERROR_CODES.keys()], HEROKU_CODES.map(([code]) => code))
    for (const [code, title] of HEROKU_CODES) {
      const entry = ERROR_CODES.get(code)
      assert.equal(entry?.code, code)
      assert.equal(entry.title, title, code)
      assert.ok(entry.cause.length > 10 && !entry.cause.includes('\n'), code)
    }
  })

  it('explains H12 and R14 as the issue puts it', () => {
    assert.deepEqual(ERROR_CODES.get('H12'), {cause: 'the app took longer than 30 s to answer a request', code: 'H12', title: 'Request timeout'})
    assert.match(ERROR_CODES.get('R14')?.cause ?? '', /memory.*quota.*swapping/)
  })
})

describe('errorCodeOf', () => {
  const rows: Array<[string, string | undefined]> = [
    ['at=error code=H12 desc="Request timeout" method=GET path="/" status=503', 'H12'],
    ['at=error code="H10" desc="App crashed"', 'H10'],
    ['Error H12 (Request timeout) -> GET app.herokuapp.com/ dyno=web.1 service=30000ms status=503', 'H12'],
    ['Error R14 (Memory quota exceeded)', 'R14'],
    ['Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch', 'R10'],
    ['Error L10 (output buffer overflow): 500 messages dropped since 2024-05-01T12:00:00+00:00.', 'L10'],
    ['at=info method=GET path="/" status=200', undefined],
    ['Error H123 is not a code', undefined],
    ['Error H1 is not a code', undefined],
    ['Error X12 (nope)', undefined],
    ['errcode=H12 is another key', undefined],
    ['Error: something went wrong', undefined],
    ['request for /H12 failed', undefined],
    ['', undefined],
  ]
  for (const [message, code] of rows) {
    it(`${JSON.stringify(message)} → ${code}`, () => assert.equal(errorCodeOf(message), code))
  }
})
