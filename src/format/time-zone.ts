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
 * `2024-05-01T14:00:00.123456+02:00`. `time` is the instant in milliseconds (the record's parsed time); a
 * timestamp that did not parse (NaN) is returned as written.
 *
 * Intl's formatToParts costs microseconds, so its answer is kept for the minute: lines of a log arrive in
 * order, many to a minute, and every offset in use changes only on a minute boundary. A zone whose offset has
 * seconds (local mean time, before ~1900) is formatted for each line instead.
 */
export function createTimestampConverter(timeZone: string): (timestamp: string, time: number) => string {
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

  let cachedMinute = Number.NaN
  let minutePrefix = ''
  let offset = ''
  return (timestamp, time) => {
    if (Number.isNaN(time)) return timestamp
    const seconds = Math.floor(time / 1000)
    const minute = Math.floor(seconds / 60)
    if (minute !== cachedMinute) {
      const wall = wallClock(seconds * 1000)
      if (wall.offset.length > 6) return wall.minutePrefix + twoDigits(wall.second) + fractionOf(timestamp) + wall.offset
      cachedMinute = minute
      minutePrefix = wall.minutePrefix
      offset = wall.offset
    }

    return minutePrefix + twoDigits(seconds - minute * 60) + fractionOf(timestamp) + offset
  }
}

function twoDigits(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

/** `.123456` from a timestamp as written (`YYYY-MM-DDTHH:MM:SS.123456+00:00`), or '' without a fraction. */
function fractionOf(timestamp: string): string {
  if (timestamp.charCodeAt(19) !== 0x2E) return ''
  let end = 20
  while (end < timestamp.length) {
    const c = timestamp.charCodeAt(end)
    if (c < 0x30 || c > 0x39) break
    end++
  }

  return timestamp.slice(19, end)
}
