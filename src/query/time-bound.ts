import {QueryError} from './query-error.js'

const RELATIVE = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** RFC 3339, with the time (seconds, fraction, offset) optional, `T` or a space between date and time. */
const ABSOLUTE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/

const EXPECTED =
  'expected an RFC 3339 time (2024-05-01T12:00:00Z, 2024-05-01T12:00:00.5-07:00, 2024-05-01) ' +
  'or a duration before now (30s, 15m, 2h, 3d, 1w)'

/** A duration (`30s`, `15m`, `2h`, `1.5d`, `1w`) in milliseconds; NaN when the text is not one. */
export function parseDuration(text: string): number {
  const match = RELATIVE.exec(text.trim())
  return match === null ? Number.NaN : Number(match[1]) * MS_PER_UNIT[match[2]]
}

/**
 * A `--since`/`--until` value as epoch milliseconds. A relative value counts back from `now`. An absolute
 * time without an offset is UTC, and a date alone is UTC midnight, so a query means the same on every
 * machine; a fraction finer than milliseconds is truncated, as record times are.
 */
export function parseTimeBound(flag: string, text: string, now: number): number {
  const trimmed = text.trim()
  const duration = parseDuration(trimmed)
  if (!Number.isNaN(duration)) return now - duration
  const time = parseAbsolute(trimmed)
  if (Number.isNaN(time)) throw new QueryError(flag, text, EXPECTED)
  return time
}

function parseAbsolute(text: string): number {
  const match = ABSOLUTE.exec(text)
  if (match === null) return Number.NaN
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset = 'Z'] = match
  const fields = [year, month, day, hour, minute, second].map(Number)
  const [y, mo, d, h, mi, s] = fields
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.slice(0, 3).padEnd(3, '0')))
  const date = new Date(utc)
  // Date.UTC rolls over out-of-range parts (Feb 30 becomes Mar 2); a round trip catches them.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return Number.NaN
  if (h > 23 || mi > 59 || s > 59) return Number.NaN
  const offsetMinutes = parseOffset(offset)
  if (Number.isNaN(offsetMinutes)) return Number.NaN
  return utc - offsetMinutes * 60_000
}

/** Minutes east of UTC for `Z`, `+hh:mm` or `+hhmm`; NaN when out of range. */
function parseOffset(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0
  const digits = offset.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2))
  if (hours > 23 || minutes > 59) return Number.NaN
  const sign = offset.startsWith('-') ? -1 : 1
  return sign * (hours * 60 + minutes)
}
