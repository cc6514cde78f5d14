import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ERROR_CODES, errorCodeOf} from '../../src/parse/error-codes.js'
import {ROOT} from '../helpers/cli.js'

/** `H12 Request timeout` pairs from the spec's error-code section. */
function specCodes(): Map<string, string> {
  const spec = readFileSync(join(ROOT, '..', 'shared', 'spec', 'heroku-log-format.md'), 'utf8')
  const section = spec.slice(spec.indexOf('## Error codes'), spec.indexOf('## Levels'))
  const codes = new Map<string, string>()
  for (const match of section.matchAll(/([HRL]\d\d) ([^·\n]+?)\s*(?:·|$)/gm)) codes.set(match[1], match[2].trim())
  return codes
}

describe('ERROR_CODES', () => {
  it('has every code of the spec, with the spec title and a one-line cause', () => {
    const spec = specCodes()
    assert.equal(spec.size, 40)
    assert.deepEqual([...ERROR_CODES.keys()], [...spec.keys()])
    for (const [code, title] of spec) {
      const entry = ERROR_CODES.get(code)
      assert.equal(entry?.code, code)
      assert.equal(entry?.title, title, code)
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
