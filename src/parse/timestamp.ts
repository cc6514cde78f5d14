/**
 * RFC 3339 timestamps as Heroku and syslog senders write them:
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`.
 *
 * Accepted beyond what Heroku emits, because it costs nothing: 1 to 9 fraction digits (Go's RFC3339Nano),
 * lower-case `t` and `z`, and `±HHMM` offsets. Not accepted: a space instead of `T` (it would make a
 * `heroku logs` line ambiguous), a missing offset, or a `.` without digits.
 *
 * Parsed by hand rather than with `Date.parse`, for strictness first (`Date.parse` also takes
 * `2024-05-01`, `2024-05-01T12:00:00` in local time, `May 1 2024`...) and speed second: over the timestamps
 * of a 1M-line generated corpus (Node 20) this took ~100-110 ns each against ~140 ns for `Date.parse`.
 */

const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9
}

function twoDigits(s: string, i: number): number {
  return (s.charCodeAt(i) - DIGIT_0) * 10 + s.charCodeAt(i + 1) - DIGIT_0
}

/**
 * The shape timestampEnd accepts, sticky (matched at `lastIndex` only). `\d` is ASCII digits alone without
 * the `u` flag. A regular expression rather than a `charCodeAt` per character: V8 compiles it to machine code,
 * ~50 ns a call against ~85 for the character checks (it runs once per message parsed: every line read, every
 * message the router takes in).
 */
const TIMESTAMP_SHAPE = /\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d{1,9}(?!\d))?(?:[Zz]|[+-]\d\d(?::\d\d|\d\d))/y

/**
 * Where the RFC 3339 timestamp starting at `start` ends (the index just past it), or -1 when `s` has no
 * timestamp of that shape there. Checks the shape only (digits and separators); `parseTimestamp` checks
 * the ranges. Used by the line parsers to recognise a timestamp without computing the instant.
 */
export function timestampEnd(s: string, start: number): number {
  TIMESTAMP_SHAPE.lastIndex = start
  return TIMESTAMP_SHAPE.test(s) ? TIMESTAMP_SHAPE.lastIndex : -1
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

// Lines of one file mostly share a date: remembering the last one saves the calendar arithmetic.
let lastDate = -1
let lastDays = 0

function daysSinceEpoch(year: number, month: number, day: number): number {
  const date = (year * 100 + month) * 100 + day
  if (date !== lastDate) {
    lastDays = daysFromCivil(year, month, day)
    lastDate = date
  }

  return lastDays
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

// Timestamps of one stream mostly share their minute and offset: when a timestamp has the last fully parsed
// one's length, `YYYY-MM-DDTHH:MM:` and offset, only its seconds and fraction are read (readers parse one or
// two per line: the query's time bounds, stats, a history read's checks).
let cachedLength = -1
let cachedMinute = ''
let cachedZone = ''
let cachedMinuteStart = 0

/**
 * The nanoseconds within its millisecond that an RFC 3339 timestamp's fraction gives beyond `parseTimestamp`
 * (`.000500` → 500,000): digits 4 to 9 of the fraction, 0 without them. Only meaningful where parseTimestamp
 * is not NaN; a time bound with a finer fraction compares records of its own millisecond by it.
 */
export function subMillisecondNanos(ts: string | undefined): number {
  // A fraction of fewer than four digits has no part below a millisecond.
  if (ts === undefined || ts.charCodeAt(19) !== 0x2e || !isDigit(ts.charCodeAt(20)) || !isDigit(ts.charCodeAt(21)) || !isDigit(ts.charCodeAt(22))) return 0
  let nanos = 0
  let i = 23
  for (; i < 29 && isDigit(ts.charCodeAt(i)); i++) nanos = nanos * 10 + ts.charCodeAt(i) - DIGIT_0
  return nanos * 10 ** (29 - i)
}

/**
 * Milliseconds since the epoch for an RFC 3339 timestamp, or NaN when `ts` is missing, not of that shape
 * or out of range (month 13, February 30, hour 24...). Fraction digits beyond milliseconds are truncated,
 * as `Date.parse` does. A leap second (`:60`) counts as the first millisecond of the next minute.
 */
export function parseTimestamp(ts: string | undefined): number {
  if (ts === undefined) return Number.NaN
  if (ts.length === cachedLength && ts.startsWith(cachedMinute) && ts.endsWith(cachedZone)) {
    const millis = millisOfMinute(ts, ts.length - cachedZone.length)
    if (!Number.isNaN(millis)) return cachedMinuteStart + millis
  }

  if (timestampEnd(ts, 0) !== ts.length) return Number.NaN
  const year = twoDigits(ts, 0) * 100 + twoDigits(ts, 2)
  const month = twoDigits(ts, 5)
  const day = twoDigits(ts, 8)
  const hour = twoDigits(ts, 11)
  const minute = twoDigits(ts, 14)
  const second = twoDigits(ts, 17)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return Number.NaN
  if (day > DAYS_IN_MONTH[month - 1] && !(month === 2 && day === 29 && isLeapYear(year))) return Number.NaN

  let i = 19
  let millis = 0
  if (ts.charCodeAt(i) === 0x2e) {
    const end = ts.length
    let digits = 0
    for (i++; i < end && isDigit(ts.charCodeAt(i)); i++) {
      if (digits++ < 3) millis = millis * 10 + ts.charCodeAt(i) - DIGIT_0
    }

    if (digits < 3) millis *= digits === 1 ? 100 : 10
  }

  let offsetMinutes = 0
  const sign = ts.charCodeAt(i)
  if (sign === 0x2b || sign === 0x2d) {
    const offsetHours = twoDigits(ts, i + 1)
    const offsetMins = twoDigits(ts, ts.charCodeAt(i + 3) === 0x3a ? i + 4 : i + 3)
    if (offsetHours > 23 || offsetMins > 59) return Number.NaN
    offsetMinutes = (offsetHours * 60 + offsetMins) * (sign === 0x2d ? -1 : 1)
  }

  const minuteStart = ((daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000
  // A leap second is left to this full parse every time.
  if (second < 60) {
    cachedLength = ts.length
    cachedMinute = ts.slice(0, 17)
    cachedZone = ts.slice(i)
    cachedMinuteStart = minuteStart
  }

  return minuteStart + second * 1000 + millis
}

/**
 * `SS[.fraction]` of a timestamp (from its 18th character up to `zoneAt`) in milliseconds, fraction truncated;
 * NaN unless it is of that shape and under 60 seconds.
 */
function millisOfMinute(ts: string, zoneAt: number): number {
  const tens = ts.charCodeAt(17) - DIGIT_0
  const units = ts.charCodeAt(18) - DIGIT_0
  if (!(tens >= 0 && tens <= 5 && units >= 0 && units <= 9)) return Number.NaN
  let millis = 0
  if (zoneAt > 19) {
    if (ts.charCodeAt(19) !== 0x2e || zoneAt === 20) return Number.NaN
    let digits = 0
    for (let i = 20; i < zoneAt; i++) {
      const digit = ts.charCodeAt(i) - DIGIT_0
      if (!(digit >= 0 && digit <= 9)) return Number.NaN
      if (digits++ < 3) millis = millis * 10 + digit
    }

    if (digits < 3) millis *= digits === 1 ? 100 : 10
  }

  return (tens * 10 + units) * 1000 + millis
}
