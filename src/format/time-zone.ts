import {parseTimestamp} from '../parse/timestamp.js'

/** `--tz local`: the zone of the machine (TZ, else the system's). */
export const LOCAL_ZONE = 'local'

/** A `--tz` or LOGSIFT_TZ value that names no time zone Intl knows. */
export class TimeZoneError extends Error {
  constructor(readonly zone: string) {
    super(`${zone} is not a time zone`)
  }
}

/** The IANA name of a `--tz` value: `local`, `UTC` or an Area/City name, in any case. Throws TimeZoneError. */
export function resolveTimeZone(zone: string): string {
  if (zone.toLowerCase() === LOCAL_ZONE) return new Intl.DateTimeFormat().resolvedOptions().timeZone
  try {
    return new Intl.DateTimeFormat('en-US', {timeZone: zone}).resolvedOptions().timeZone
  } catch (error) {
    if (error instanceof RangeError) throw new TimeZoneError(zone)
    throw error
  }
}

/** A zone's wall clock at an instant: `YYYY-MM-DDTHH:MM:`, the second, and the offset as `±HH:MM`. */
interface WallClock {
  minutePrefix: string
  second: number
  offset: string
}

/**
 * Rewrites an RFC 3339 timestamp as the same instant in `timeZone`, with that zone's offset and the fraction
 * digits exactly as written: `2024-05-01T12:00:00.123456+00:00` in Europe/Paris is
 * `2024-05-01T14:00:00.123456+02:00`. A timestamp that does not parse is returned as written.
 *
 * Intl's formatToParts costs microseconds, so its answer is kept for the minute: lines of a log arrive in
 * order, many to a minute, and every offset in use changes only on a minute boundary. A line whose minute
 * (`YYYY-MM-DDTHH:MM:`) and offset are written as the previous line's is the same minute in the zone too: it
 * takes the cached parts around its own seconds and fraction, without being parsed. A zone whose offset has
 * seconds (local mean time, before ~1900) is formatted for each line instead.
 */
export function createTimestampConverter(timeZone: string): (timestamp: string) => string {
  const formatter = new Intl.DateTimeFormat('en-US', {
    day: '2-digit', hour: '2-digit', hourCycle: 'h23', minute: '2-digit', month: '2-digit', second: '2-digit',
    timeZone, timeZoneName: 'longOffset', year: 'numeric',
  })
  const wallClock = (instant: number): WallClock => {
    const part: Record<string, string> = {}
    for (const {type, value} of formatter.formatToParts(instant)) part[type] = value
    // longOffset is `GMT+02:00`, `GMT-03:30`, or a bare `GMT` for a zero offset.
    const offset = part.timeZoneName === 'GMT' ? '+00:00' : part.timeZoneName.slice(3)
    return {minutePrefix: `${part.year.padStart(4, '0')}-${part.month}-${part.day}T${part.hour}:${part.minute}:`, offset, second: Number(part.second)}
  }

  // The last minute converted: as written (its first 17 characters, and its offset) and in the zone.
  let writtenMinute = ''
  let writtenOffset = ''
  let zonedMinute = ''
  let zonedOffset = ''
  return (timestamp) => {
    const secondsEnd = fractionEnd(timestamp)
    if (
      writtenMinute !== ''
      && timestamp.startsWith(writtenMinute)
      && timestamp.length - secondsEnd === writtenOffset.length
      && timestamp.endsWith(writtenOffset)
      && isSecond(timestamp)
    ) return zonedMinute + timestamp.slice(17, secondsEnd) + zonedOffset

    const time = parseTimestamp(timestamp)
    if (Number.isNaN(time)) return timestamp
    const wall = wallClock(Math.floor(time / 1000) * 1000)
    const converted = wall.minutePrefix + twoDigits(wall.second) + timestamp.slice(19, secondsEnd) + wall.offset
    // A leap second (:60) parses as the next minute, and an offset with seconds moves the seconds: neither is
    // the same minute with the seconds as written, so neither is kept.
    if (wall.offset.length === 6 && wall.second === twoDigitsAt(timestamp, 17)) {
      writtenMinute = timestamp.slice(0, 17)
      writtenOffset = timestamp.slice(secondsEnd)
      zonedMinute = wall.minutePrefix
      zonedOffset = wall.offset
    }

    return converted
  }
}

function twoDigits(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

function twoDigitsAt(s: string, i: number): number {
  return (s.charCodeAt(i) - 0x30) * 10 + s.charCodeAt(i + 1) - 0x30
}

/** Seconds `00`–`59` at index 17, as parseTimestamp requires of a timestamp it would accept. */
function isSecond(timestamp: string): boolean {
  const tens = timestamp.charCodeAt(17)
  const units = timestamp.charCodeAt(18)
  return tens >= 0x30 && tens <= 0x35 && units >= 0x30 && units <= 0x39
}

/**
 * Where the seconds and fraction of `YYYY-MM-DDTHH:MM:SS[.fraction]…` end, that is where the offset starts.
 * A `.` needs 1 to 9 digits, as parseTimestamp requires; otherwise the answer is 0, which no offset matches.
 */
function fractionEnd(timestamp: string): number {
  if (timestamp.charCodeAt(19) !== 0x2E) return 19
  let end = 20
  while (end < timestamp.length && end < 29) {
    const c = timestamp.charCodeAt(end)
    if (c < 0x30 || c > 0x39) break
    end++
  }

  return end === 20 ? 0 : end
}
