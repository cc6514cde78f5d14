import {parseLineWithPri} from '../../parse/line.js'
import {type FieldValue, LogRecord} from '../../parse/record.js'
import {timestampEnd} from '../../parse/timestamp.js'
import {herokuTimestamp, type LogMessage} from '../message.js'

/**
 * The message as `logs -a` reads it from a session: its line, levelled by the PRI when that tells the level.
 * A message whose header the line writes plainly is read from its parts, as parsing its line would give them,
 * without building and parsing the line; any other is parsed.
 */
export function recordOf(message: LogMessage): LogRecord {
  const pri = message.priIsLevel ? message.pri : undefined
  const {dyno, source, text} = message
  // The line's timestamp: the sender's when it is RFC 3339 (it starts with a digit), else the arrival (message.ts).
  const first = message.timestamp?.charCodeAt(0) ?? 0
  const timestamp = first >= 0x30 && first <= 0x39 ? message.timestamp! : herokuTimestamp(message.receivedAt)
  if (timestampEnd(timestamp, 0) === timestamp.length && PLAIN_NAME.test(source) && PLAIN_NAME.test(dyno) && !TRAILING_BREAK.test(text)) {
    return new SharedFieldsRecord(NO_BYTES, {dyno, format: 'heroku', message: text, pri, source, timestamp})
  }

  const record = parseLineWithPri(Buffer.from(message.line), pri)
  return new SharedFieldsRecord(record.raw, record)
}

/** A source or dyno the heroku line parser reads back as it is: no space, no brackets. */
const PLAIN_NAME = /^[^\s[\]]+$/
/** The line parser drops a line break at the end of a line. */
const TRAILING_BREAK = /[\n\r]$/
const NO_BYTES = Buffer.alloc(0)

/** A record whose fields are scanned once per key, however many rules read them. */
class SharedFieldsRecord extends LogRecord {
  private readonly read = new Map<string, FieldValue | undefined>()

  override field(key: string): FieldValue | undefined {
    if (this.read.has(key)) return this.read.get(key)
    const value = super.field(key)
    this.read.set(key, value)
    return value
  }
}
