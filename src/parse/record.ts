import {detectLevel} from './level.js'
import {lookupField, parsePayload, scanField, UNSCANNABLE} from './payload.js'
import {parseTimestamp} from './timestamp.js'

/** Syslog severities, most severe first (RFC 5424 §6.2.1). The number is the severity. */
export const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'] as const
export type LevelName = (typeof LEVEL_NAMES)[number]
/** 0 (emerg) .. 7 (debug): a smaller number is more severe. */
export type Severity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7

export type FieldValue = boolean | FieldValue[] | null | number | string | {[key: string]: FieldValue}
export type Fields = {[key: string]: FieldValue}

/**
 * How the record was read:
 * - `heroku`: a `heroku logs` line, `TIMESTAMP SOURCE[DYNO]: MESSAGE`
 * - `syslog`: an RFC 5424 message, on its own line or in an octet-counted frame
 * - `text`: anything else; the whole line is the message
 */
export type RecordFormat = 'heroku' | 'syslog' | 'text'

export interface RecordInit {
  format: RecordFormat
  host?: string
  message: string
  pri?: number
  source?: string
  dyno?: string
  timestamp?: string
  /** `parseTimestamp(timestamp)`, when the maker of the record has it already. */
  time?: number
}

/**
 * The one record every stage shares: parsers make it, queries test it, formatters print it.
 *
 * Header fields are split eagerly because every line needs them. The payload (`fields`), the level and the
 * parsed instant are computed on first use and cached: a query that only needs `status` never parses the rest
 * of the line, which is what keeps `--where status>=500` near the speed of awk.
 */
export class LogRecord {
  readonly format: RecordFormat
  /** Syslog HOSTNAME (`host` on HTTPS drains, the drain token on syslog drains). */
  readonly host: string | undefined
  readonly message: string
  /** Syslog PRI (facility * 8 + severity), for frames only. */
  readonly pri: number | undefined
  /**
   * The input unit byte for byte, terminator included: a line with its `\n` (and a `\r` before it, if any),
   * or a whole octet-counted frame with its length prefix. Writing the `raw` of every record in order
   * reproduces the input.
   */
  readonly raw: Buffer
  readonly source: string | undefined
  readonly dyno: string | undefined
  /** The timestamp exactly as written, or undefined when the line had none. */
  readonly timestamp: string | undefined

  private cachedFields: Fields | undefined
  private cachedSeverity: Severity | undefined
  private cachedTime: number | undefined

  constructor(raw: Buffer, init: RecordInit) {
    this.raw = raw
    this.format = init.format
    this.timestamp = init.timestamp
    this.source = init.source
    this.dyno = init.dyno
    this.host = init.host
    this.pri = init.pri
    this.message = init.message
    this.cachedTime = init.time
  }

  /** The payload's fields: logfmt values as strings (bare keys `true`), JSON values with their JSON types. */
  get fields(): Fields {
    if (this.cachedFields === undefined) this.cachedFields = parsePayload(this.message)
    return this.cachedFields
  }

  get level(): LevelName {
    return LEVEL_NAMES[this.severity]
  }

  get severity(): Severity {
    if (this.cachedSeverity === undefined) this.cachedSeverity = detectLevel(this)
    return this.cachedSeverity
  }

  /** Milliseconds since the epoch, or NaN when the record has no valid timestamp. */
  get time(): number {
    if (this.cachedTime === undefined) this.cachedTime = parseTimestamp(this.timestamp)
    return this.cachedTime
  }

  /**
   * One field by key; a dotted key (`err.type`) reaches into nested JSON. Uses the parsed fields when they
   * exist, otherwise scans the message for just this key.
   */
  field(key: string): FieldValue | undefined {
    if (this.cachedFields === undefined) {
      const scanned = scanField(this.message, key)
      if (scanned !== UNSCANNABLE) return scanned
    }

    return lookupField(this.fields, key)
  }

  /** A copy that no longer shares memory with the read buffer, for records kept after the chunk is gone. */
  detach(): LogRecord {
    const copy = new LogRecord(Buffer.from(this.raw), this)
    copy.cachedFields = this.cachedFields
    copy.cachedSeverity = this.cachedSeverity
    copy.cachedTime = this.cachedTime
    return copy
  }
}
