import assert from 'node:assert/strict'

import {PREFILTERED_READ_MAX_OFFSETS, PREFILTERED_READ_MESSAGES, prefilteredReadSize} from '../../src/router/sessions/session-stream.js'

describe('prefilteredReadSize (how many offsets the next prefiltered history read covers)', () => {
  const cases: Array<[string, number, number, number]> = [
    ['every message passed: as small as ever', 16_000, 16_000, PREFILTERED_READ_MESSAGES],
    ['half passed: twice the offsets, for as many messages', 16_000, 8000, 2 * PREFILTERED_READ_MESSAGES],
    ['one in eight passed: eight times the messages wanted', 16_000, 2000, 8 * PREFILTERED_READ_MESSAGES],
    ['a read ended early at its maxMessages: sized by what it covered', 3000, 16_000, PREFILTERED_READ_MESSAGES],
    ['2 % passed (the 10 M benchmark): the largest', 256_000, 5120, PREFILTERED_READ_MAX_OFFSETS],
    ['none passed: the largest', 16_000, 0, PREFILTERED_READ_MAX_OFFSETS],
  ]
  for (const [what, covered, found, expected] of cases) {
    it(what, () => assert.equal(prefilteredReadSize(covered, found), expected))
  }
})
