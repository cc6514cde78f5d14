import assert from 'node:assert/strict'

import {createRedactor} from '../../src/redact/redactor.js'
import {generate} from '../helpers/corpus.js'

/** The only thing in the generated corpus that the rules may touch: `--redact-email` addresses. */
const EMAIL = /\bdev\d@example\.com\b/g

describe('redactor on the generated corpus (no false positives)', function () {
  this.timeout(60_000)
  const lines = generate(50_000, 5)

  it('leaves every one of 50,000 lines as it was: request ids, dyno ids, paths, timestamps, durations, statuses', () => {
    const redact = createRedactor()
    const changed = lines.filter((line) => redact.text(line) !== line)
    assert.deepEqual(changed, [])
  })

  it('on lines that do hold a secret, changes the secret and nothing around it', () => {
    const redact = createRedactor()
    const secrets: Array<[string, string]> = [
      [' password=hunter2', ' password=[REDACTED]'],
      [' Authorization: Bearer 9f86d081884c7d65', ' Authorization: Bearer [REDACTED]'],
      [' db=postgres://u1:p4ss@db.example.com/d1', ' db=postgres://u1:[REDACTED]@db.example.com/d1'],
      [' card=4111-1111-1111-1111', ' card=[REDACTED]'],
    ]
    for (const [i, line] of lines.entries()) {
      if (i % 50 !== 0) continue
      const [secret, redacted] = secrets[(i / 50) % secrets.length]
      assert.equal(redact.text(line + secret), line + redacted)
    }
  })

  it('with --redact-email, changes exactly the lines with an address, and only the address', () => {
    const redact = createRedactor({email: true})
    let withEmail = 0
    for (const line of lines) {
      const expected = line.replaceAll(EMAIL, '[REDACTED]')
      if (expected !== line) withEmail++
      assert.equal(redact.text(line), expected)
    }

    assert.ok(withEmail > 100, `the corpus has ${withEmail} lines with an email`)
  })
})
