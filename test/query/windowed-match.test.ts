import assert from 'node:assert/strict'

import {WINDOW_OVERLAP, WindowedMatch} from '../../src/query/windowed-match.js'

/** Whether `regex` matches `text` given to a WindowedMatch in pieces of `size` characters. */
function windowed(regex: RegExp, text: string, size: number): boolean {
  const match = new WindowedMatch([regex])
  for (let start = 0; start < text.length; start += size) {
    if (match.push(text.slice(start, start + size))) return true
  }

  return match.end()
}

const MiB = 1024 * 1024
const filler = 'x'.repeat(MiB)
const near = (at: number, word: string) => filler.slice(0, at) + word + filler.slice(at)

describe('WindowedMatch: regular expressions over a long text in pieces', () => {
  const cases: Array<[name: string, regex: RegExp, text: string, expected: boolean]> = [
    ['a word at the start', /NEEDLE/, 'NEEDLE' + filler, true],
    ['a word at the end', /NEEDLE/, filler + 'NEEDLE', true],
    ['a word across every window edge', /NEEDLE/, near(WINDOW_OVERLAP * 2 - 3, 'NEEDLE'), true],
    ['no such word', /NEEDLE/, filler, false],
    ['^ only at the text\'s start', /^x{10}y/, near(300 * 1024, 'y'), false],
    ['^ at the text\'s start', /^x{10}/, filler, true],
    ['$ only at the text\'s end', /x{10}NEEDLE$/, near(600 * 1024, 'NEEDLE'), false],
    ['$ at the end', /NEEDLE$/, filler + 'NEEDLE', true],
    ['a lookahead past a window edge', /xN(?!EEDLE)/, near(512 * 1024 - 1, 'NEEDLE'), false],
    ['a lookbehind', /(?<=y)NEEDLE/, near(700 * 1024, 'yNEEDLE'), true],
    ['a match 15,000 characters long', /a{15000}/, near(400 * 1024, 'a'.repeat(15_000)), true],
    ['case-insensitive', /needle/i, near(900 * 1024, 'NEEDLE'), true],
  ]
  for (const [name, regex, text, expected] of cases) {
    it(`${name}: ${expected}, whatever the pieces`, () => {
      for (const size of [1000, 64 * 1024, 300_001, text.length]) assert.equal(windowed(regex, text, size), expected, `pieces of ${size}`)
      assert.equal(regex.test(text), expected, 'as the whole text')
    })
  }
})
