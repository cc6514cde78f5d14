import {ERROR_CODES} from '../parse/error-codes.js'

/**
 * Known codes near one that is not known, best first: the same letter with the nearest numbers (`H30` → H31,
 * H28, H32), then the same number under another letter (`R11` → L11, H11). At most `limit`.
 */
export function closeCodes(wanted: string, limit = 3): string[] {
  const match = /^([A-Z])?(\d{1,2})$/.exec(wanted)
  if (match === null) return []
  const [, letter, digits] = match
  const number = Number(digits)
  const scored: Array<{code: string; score: number}> = []
  for (const code of ERROR_CODES.keys()) {
    const distance = Math.abs(Number(code.slice(1)) - number)
    if (code[0] === letter) scored.push({code, score: distance})
    else if (distance === 0) scored.push({code, score: 100})
  }

  return scored.sort((a, b) => a.score - b.score || a.code.localeCompare(b.code)).slice(0, limit).map(({code}) => code)
}
