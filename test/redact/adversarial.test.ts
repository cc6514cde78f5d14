import assert from 'node:assert/strict'

import {createRedactor} from '../../src/redact/redactor.js'

const R = '[REDACTED]'
const MEGABYTE = 1_000_000
/**
 * Generous: the suite runs files in parallel on two busy cores. A linear redactor takes well under 200 ms on
 * each of these lines (bench/redact.mjs); the quadratic one took 22 s on 400 KB of `token`.
 */
const DEADLINE_MS = 2000

/** `unit` repeated to `length` characters. */
function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
}

/**
 * Each repetition that used to make a rule rescan the rest of the line from every occurrence, with a short
 * line of it that must still be redacted as before: [unit, short input, expected].
 */
const REPETITIONS: Array<[string, string, string]> = [
  ['token', 'tokentokentoken=abc', `tokentokentoken=${R}`],
  ['Password', 'PasswordPasswordPassword: hunter2', `PasswordPasswordPassword: ${R}`],
  ['session_', 'session_session_session_id=8f14e45f', `session_session_session_id=${R}`],
  ['api-key-', 'api-key-api-key-api-key-1=k1', `api-key-api-key-api-key-1=${R}`],
  ['Bearer ', 'Bearer Bearer Bearer 2YotnFZFEjr1zCsicMWpAA', `Bearer Bearer Bearer ${R}`],
  ['Basic ', 'Basic Basic Basic  proxy Basic dXNlcjpwYXNzd29yZA==', `Basic Basic Basic  proxy Basic ${R}`],
  ['secret=', 'secret=secret=secret=x', `secret=${R}`],
  ['://user:', '://user:://user:://user:pw@db.example.com', `://user:://user:://user:${R}@db.example.com`],
  ['4', '4444444444444444444444444444444444444444 card 4111111111111111', `4444444444444444444444444444444444444444 card ${R}`],
  ['eyJ', 'eyJeyJeyJeyJ jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', `eyJeyJeyJeyJ jwt ${R}`],
  ['eyJ-', 'eyJ-eyJ-eyJ- eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', `eyJ-eyJ-eyJ- ${R}`],
  ['AKIA', 'AKIAAKIAAKIAAKIAAKIA and AKIAAKIAAKIAAKIAAKIAAKIA', `${R} and AKIAAKIAAKIAAKIAAKIAAKIA`],
]

/** With --redact-email: [unit, short input, expected]. */
const EMAIL_REPETITIONS: Array<[string, string, string]> = [
  ['@', '@@@@@@ mail dev@example.com', `@@@@@@ mail ${R}`],
  ['a@', 'a@a@a@a@ mail dev@example.com', `a@a@a@a@ mail ${R}`],
  ['a.', 'a.a.a.a.a. mail dev@example.com', `a.a.a.a.a. mail ${R}`],
  ['x@y.', 'x@y.x@y.x@y. mail dev@example.com', `x@y.x@y.x@y. mail ${R}`],
]

describe('redactor on adversarial lines (linear time)', () => {
  const redact = createRedactor()
  const redactEmail = createRedactor({email: true})

  const cases: Array<[string, ReturnType<typeof createRedactor>, typeof REPETITIONS]> = [
    ['', redact, REPETITIONS],
    ['with --redact-email, ', redactEmail, EMAIL_REPETITIONS],
  ]
  for (const [label, redactor, repetitions] of cases) {
    for (const [unit, input, expected] of repetitions) {
      it(`${label}redacts a 1 MB line of ${JSON.stringify(unit)} within the deadline, and short ones as before`, () => {
        assert.equal(redactor.text(input), expected)
        const line = repeatTo(unit, MEGABYTE)
        const started = performance.now()
        redactor.text(line)
        const elapsed = performance.now() - started
        assert.ok(elapsed < DEADLINE_MS, `${elapsed.toFixed(0)} ms on 1 MB of ${JSON.stringify(unit)}`)
      })
    }
  }

  it('still finds the key after many secret words in one run, and a JWT after a dash', () => {
    assert.equal(redact.text('x-tokentoken_session.id: abc'), `x-tokentoken_session.id: ${R}`)
    assert.equal(redact.text('token token token=abc'), `token token token=${R}`)
    assert.equal(redact.text('id=x-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'), `id=x-${R}`)
  })
})
