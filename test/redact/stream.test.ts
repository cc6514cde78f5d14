import assert from 'node:assert/strict'

import {createRedactor} from '../../src/redact/redactor.js'

/** A redactor's stream over `text` in pieces of `size` characters, joined. */
function streamed(text: string, size: number, options = {}): string {
  const stream = createRedactor(options).stream()
  let output = ''
  for (let start = 0; start < text.length; start += size) output += stream.push(text.slice(start, start + size))
  return output + stream.end()
}

const secrets = [
  'password=hunter2', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
  'https://user:pa55@db.example.com', '"api_key":"abc123"', 'card 4111 1111 1111 1111', 'AKIAABCDEFGHIJKLMNOP',
]

describe('Redactor.stream: a long text redacted a window at a time', () => {
  // Secrets every ~100 KiB, so some straddle every window and piece edge.
  const text = Array.from({length: 40}, (_, i) => 'é'.repeat(50_000 + i * 7) + ' ' + secrets[i % secrets.length] + ' 😀').join('')

  for (const size of [4096, 65_536, 300_007, text.length]) {
    it(`gives what text() gives on the whole, in pieces of ${size}`, () => {
      assert.equal(streamed(text, size), createRedactor().text(text))
    })
  }

  it('applies --redact-pattern and --redact-key the same way', () => {
    const options = {keys: ['pin'], patterns: ['SECRET-[0-9]+']}
    const withExtras = text.replaceAll('😀', 'pin=1234 SECRET-42')
    assert.equal(streamed(withExtras, 65_536, options), createRedactor(options).text(withExtras))
  })
})
