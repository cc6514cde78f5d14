import {ERROR_CODES} from '../parse/error-codes.js'

const WELL_FORMED = /^([A-Z])?(\d{1,2})$/
/** Title words shorter than this are not looked for (`of`, `to`, a stray letter). */
const MIN_WORD = 3

/**
 * Codes to suggest for `input`, which names no code: the codes close to it (`closeCodes`), then the codes
 * whose title has its words (`codesTitled`), at most `limit`, without repeats.
 */
export function suggestCodes(input: string, limit = 5): string[] {
  return [...new Set([...closeCodes(input), ...codesTitled(input)])].slice(0, limit)
}

/**
 * Known codes near `input` (any case), best first, at most `limit`. A code with a letter and one or two
 * digits (or the digits alone) gets the same letter with the nearest numbers (`H30` → H31, H28, H32), then
 * the same number under another letter (`R11` → L11, H11; `12` → H12, L12, R12). Anything else is compared
 * by edit distance, up to 2 edits and 2 fewer than its length (`H99x` → H99, R99; `h12x` → H12, H11, H13; not
 * `503`), ties going to the nearest number, where another letter counts as 10 off.
 */
export function closeCodes(input: string, limit = 3): string[] {
  const wanted = input.trim().toUpperCase()
  const match = WELL_FORMED.exec(wanted)
  const scored = match === null ? byEditDistance(wanted.replaceAll(/[^A-Z\d]/g, '')) : byNumber(match[1], Number(match[2]))
  return scored.sort((a, b) => a.score - b.score || a.code.localeCompare(b.code)).slice(0, limit).map(({code}) => code)
}

/**
 * Codes whose title has a word starting with one of `input`'s words (3 letters or more, any case), the ones
 * matching more words first, then in table order: `timeout` → H12 Request timeout, H19, H20, R10 Boot timeout, R12.
 */
export function codesTitled(input: string, limit = 5): string[] {
  const words = input.toLowerCase().split(/[^a-z]+/).filter((word) => word.length >= MIN_WORD)
  if (words.length === 0) return []
  const matched: Array<{code: string; hits: number}> = []
  for (const {code, title} of ERROR_CODES.values()) {
    const titleWords = title.toLowerCase().split(/[^a-z]+/)
    const hits = words.filter((word) => titleWords.some((titleWord) => titleWord.startsWith(word))).length
    if (hits > 0) matched.push({code, hits})
  }

  // A stable sort keeps table order among codes matching as many words.
  return matched.sort((a, b) => b.hits - a.hits).slice(0, limit).map(({code}) => code)
}

function byNumber(letter: string | undefined, number: number): Array<{code: string; score: number}> {
  const scored: Array<{code: string; score: number}> = []
  for (const code of ERROR_CODES.keys()) {
    const distance = Math.abs(Number(code.slice(1)) - number)
    if (code[0] === letter) scored.push({code, score: distance})
    else if (distance === 0) scored.push({code, score: 100})
  }

  return scored
}

/** Scores sort by edits first; within as many edits, by nearness to the input's number and letter. */
function byEditDistance(wanted: string): Array<{code: string; score: number}> {
  if (wanted === '') return []
  const digits = /\d+/.exec(wanted)
  const number = digits === null ? Number.NaN : Number(digits[0])
  const scored: Array<{code: string; score: number}> = []
  for (const code of ERROR_CODES.keys()) {
    const edits = editDistance(wanted, code)
    if (edits > 2 || edits > wanted.length - 2) continue
    const otherLetter = code[0] === wanted[0] ? 0 : 10
    const numberDistance = Number.isNaN(number) ? 0 : Math.min(99, Math.abs(Number(code.slice(1)) - number))
    scored.push({code, score: edits * 1000 + otherLetter + numberDistance})
  }

  return scored
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each count one. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }

    previous = current
  }

  return previous[b.length]
}
