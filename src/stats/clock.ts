import type {LogRecord} from '../parse/record.js'

import {parseTimestamp} from '../parse/timestamp.js'

const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
/** `YYYY-MM-DDTHH:MM:` — what consecutive timestamps of one minute share. */
const MINUTE_PREFIX = 17

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9
}

/**
 * `record.time` for a stream of records whose timestamps mostly share their minute and offset, as log lines
 * do. A `heroku logs` line starts with its timestamp, so its bytes are compared in the record's raw buffer
 * (byte reads are far cheaper than `charCodeAt` on the sliced strings a parser makes): when the length, the
 * `YYYY-MM-DDTHH:MM:` and the offset match the last timestamp fully parsed, only the seconds and fraction are
 * read. Same results as `parseTimestamp`; anything else (syslog frames, a new minute) goes through it.
 */
export class TimestampClock {
  private readonly prefix = new Uint8Array(MINUTE_PREFIX)
  private suffix = new Uint8Array(0)
  private length = -1
  /** The instant of `prefix` + `00` in the cached offset. */
  private minuteStart = 0

  time(record: LogRecord): number {
    const ts = record.timestamp
    if (ts === undefined) return Number.NaN
    const {raw} = record
    if (record.format === 'heroku' && ts.length === this.length && raw.length > ts.length && this.sameMinuteAndOffset(raw)) {
      const millis = secondsAndFraction(raw, ts.length - this.suffix.length)
      if (!Number.isNaN(millis)) return this.minuteStart + millis
    }

    const time = parseTimestamp(ts)
    if (Number.isNaN(time) || record.format !== 'heroku' || raw[0] !== ts.charCodeAt(0)) return time
    let offsetAt = 19
    if (raw[offsetAt] === 0x2e) do offsetAt++; while (isDigit(raw[offsetAt]))
    const millis = secondsAndFraction(raw, offsetAt)
    // A leap second (`:60`) is left to parseTimestamp every time.
    if (!Number.isNaN(millis) && millis < 60_000) {
      this.prefix.set(raw.subarray(0, MINUTE_PREFIX))
      this.suffix = Uint8Array.from(raw.subarray(offsetAt, ts.length))
      this.length = ts.length
      this.minuteStart = time - millis
    }

    return time
  }

  /** The minute's last digit first, since it is the one that changes. */
  private sameMinuteAndOffset(raw: Buffer): boolean {
    const {prefix, suffix} = this
    for (let i = MINUTE_PREFIX - 2; i >= 0; i--) if (raw[i] !== prefix[i]) return false
    const suffixStart = this.length - suffix.length
    for (let i = 0; i < suffix.length; i++) if (raw[suffixStart + i] !== suffix[i]) return false
    return true
  }
}

/** `SS[.fraction]` from byte 17 up to `end`, as ms (fraction truncated to ms); NaN when not that shape. */
function secondsAndFraction(raw: Buffer, end: number): number {
  const tens = raw[17]
  const units = raw[18]
  if (!isDigit(tens) || !isDigit(units)) return Number.NaN
  const seconds = (tens - DIGIT_0) * 10 + units - DIGIT_0
  if (seconds > 59) return Number.NaN
  let millis = 0
  if (end > 19) {
    if (raw[19] !== 0x2e || end === 20) return Number.NaN
    let digits = 0
    for (let i = 20; i < end; i++) {
      const code = raw[i]
      if (!isDigit(code)) return Number.NaN
      if (digits++ < 3) millis = millis * 10 + code - DIGIT_0
    }

    if (digits < 3) millis *= digits === 1 ? 100 : 10
  }

  return seconds * 1000 + millis
}
