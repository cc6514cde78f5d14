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
 * A `--since`/`--until` instant: epoch milliseconds and the nanoseconds within that millisecond a finer
 * fraction gave (Heroku writes microseconds: `.000500` is 500,000 ns), 0 without one.
 */
export interface TimeBound {
  ms: number
  nanos: number
}

/**
 * A `--since`/`--until` value as epoch milliseconds (any finer fraction cut off: see parseExactTimeBound). A
 * relative value counts back from `now`. An absolute time without an offset is UTC, and a date alone is UTC
 * midnight, so a query means the same on every machine.
 */
export function parseTimeBound(flag: string, text: string, now: number): number {
  return parseExactTimeBound(flag, text, now).ms
}

/** A `--since`/`--until` value to the nanosecond its fraction gives (parseTimeBound). */
export function parseExactTimeBound(flag: string, text: string, now: number): TimeBound {
  const trimmed = text.trim()
  const duration = parseDuration(trimmed)
  if (!Number.isNaN(duration)) return {ms: now - duration, nanos: 0}
  const time = parseAbsolute(trimmed)
  if (Number.isNaN(time.ms)) throw new QueryError(flag, text, EXPECTED)
  return time
}

/** The first whole millisecond past an until bound (its own when it has a fraction below one): what a window read in milliseconds must reach. */
export function untilMs({ms, nanos}: TimeBound): number {
  return nanos > 0 ? ms + 1 : ms
}

/** The bound in RFC 3339, UTC, with its fraction to the nanosecond when it has one below the millisecond. */
export function formatTimeBound({ms, nanos}: TimeBound): string {
  const iso = new Date(ms).toISOString()
  return nanos === 0 ? iso : `${iso.slice(0, -1)}${String(nanos).padStart(6, '0').replace(/0+$/, '')}Z`
}

function parseAbsolute(text: string): TimeBound {
  const invalid = {ms: Number.NaN, nanos: 0}
  const match = ABSOLUTE.exec(text)
  if (match === null) return invalid
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset = 'Z'] = match
  const fields = [year, month, day, hour, minute, second].map(Number)
  const [y, mo, d, h, mi, s] = fields
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.slice(0, 3).padEnd(3, '0')))
  const date = new Date(utc)
  // Date.UTC rolls over out-of-range parts (Feb 30 becomes Mar 2); a round trip catches them.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return invalid
  if (h > 23 || mi > 59 || s > 59) return invalid
  const offsetMinutes = parseOffset(offset)
  if (Number.isNaN(offsetMinutes)) return invalid
  return {ms: utc - offsetMinutes * 60_000, nanos: Number(fraction.slice(3, 9).padEnd(6, '0'))}
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
