/** How the viewer reads and writes absolute times: their browser's zone, or UTC. */
export type ZoneChoice = 'local' | 'utc'

/** The IANA zone the formatter shows times in for a choice. */
export function timeZoneOf(choice: ZoneChoice): string {
  return choice === 'utc' ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone
}

const RELATIVE = /^\d+(\.\d+)?(ms|s|m|h|d|w)$/
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/

/**
 * A range bound as the user typed it, for the router: relative (`15m`) as it is, a time without an offset
 * (`2024-05-01 12:00`) read in the chosen zone, anything else (RFC 3339 with an offset) as it is.
 */
export function boundFor(text: string, zone: ZoneChoice): string | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (RELATIVE.test(trimmed)) return trimmed
  const match = WALL_CLOCK.exec(trimmed)
  if (match === null) return trimmed
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[]
  const time = zone === 'utc'
    ? Date.UTC(year, month - 1, day, hour, minute, second)
    : new Date(year, month - 1, day, hour, minute, second).getTime()
  return new Date(time).toISOString()
}

/** An instant as the viewer reads it in the chosen zone, for labels. */
export function showTime(iso: string | null, zone: ZoneChoice): string {
  if (iso === null) return 'now'
  return new Date(iso).toLocaleString(undefined, {hour12: false, timeZone: timeZoneOf(zone), timeZoneName: 'short'})
}
