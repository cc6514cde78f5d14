import {LogRecord} from './record.js'
import {parseSyslog} from './rfc5424.js'
import {timestampEnd} from './timestamp.js'

/**
 * One input unit to a record. Three shapes, tried by the first character:
 * - `<` : a syslog message (RFC 5424, or RFC 3164), see rfc5424.ts;
 * - a digit: a `heroku logs` line, `TIMESTAMP SP SOURCE[DYNO]: MESSAGE`, where TIMESTAMP must have the
 *   RFC 3339 shape, SOURCE and DYNO are non-empty and contain no space (nor `[` / `]` respectively), and one
 *   space after the `:` is dropped if present (so `app[web.1]:` and `app[web.1]: ` both have an empty
 *   message, and `app[web.1]:x` has `x`);
 * - anything that is not one of those, or fails to parse as one: a `text` record whose message is the
 *   whole line, with no timestamp, source or dyno.
 *
 * The unit is decoded as UTF-8 once, without its terminator (invalid bytes become U+FFFD); a BOM at the
 * very start (the first line of a file saved with one) is skipped. Never throws.
 *
 * Hot path: this runs on every line of multi-GB files, so the Heroku shape is checked with `charCodeAt`
 * and no regular expression, and the only strings made are the slices the record keeps.
 */

const SPACE = 0x20
const LF = 0x0a
const CR = 0x0d
const BOM = 0xfe_ff

/** Length of `raw` without a trailing `\n` and a `\r` before it (or a lone trailing `\r`). */
function contentEnd(raw: Buffer): number {
  let end = raw.length
  if (end > 0 && raw[end - 1] === LF) end--
  if (end > 0 && raw[end - 1] === CR) end--
  return end
}

function textRecord(raw: Buffer, text: string, start: number): LogRecord {
  return new LogRecord(raw, {format: 'text', message: start === 0 ? text : text.slice(start)})
}

/** `text` from `start` as a `heroku logs` line, or undefined when it does not have that shape. */
function parseHerokuLine(raw: Buffer, text: string, start: number): LogRecord | undefined {
  const tsEnd = timestampEnd(text, start)
  if (tsEnd === -1 || text.charCodeAt(tsEnd) !== SPACE) return undefined

  const sourceStart = tsEnd + 1
  let i = sourceStart
  let code = text.charCodeAt(i)
  while (code !== 0x5b && code !== SPACE && i < text.length) code = text.charCodeAt(++i) // [
  if (code !== 0x5b || i === sourceStart) return undefined
  const sourceEnd = i

  const dynoStart = i + 1
  code = text.charCodeAt(++i)
  while (code !== 0x5d && code !== SPACE && i < text.length) code = text.charCodeAt(++i) // ]
  if (code !== 0x5d || i === dynoStart || text.charCodeAt(i + 1) !== 0x3a) return undefined // :
  const dynoEnd = i

  // The `:` is normally followed by a space (`heroku logs` writes one even before an empty message).
  let messageStart = i + 2
  if (text.charCodeAt(messageStart) === SPACE) messageStart++

  return new LogRecord(raw, {
    dyno: text.slice(dynoStart, dynoEnd),
    format: 'heroku',
    message: text.slice(messageStart),
    source: text.slice(sourceStart, sourceEnd),
    timestamp: text.slice(start, tsEnd),
  })
}

function parseText(raw: Buffer, text: string): LogRecord {
  const start = text.charCodeAt(0) === BOM ? 1 : 0
  const first = text.charCodeAt(start)
  if (first >= 0x30 && first <= 0x39) return parseHerokuLine(raw, text, start) ?? textRecord(raw, text, start)
  if (first === 0x3c) { // <
    const init = parseSyslog(text, start)
    if (init !== undefined) return new LogRecord(raw, init)
  }

  return textRecord(raw, text, start)
}

/** A line (with its `\n` or `\r\n`, or none for the last line) as a record. */
export function parseLine(raw: Buffer): LogRecord {
  return parseText(raw, raw.toString('utf8', 0, contentEnd(raw)))
}

/**
 * An octet-counted frame (`LEN SP MSG`, LEN already checked by the splitter) as a record. MSG is parsed as
 * syslog; if it is not well formed the record is `text` with MSG (without LEN and its newline) as message.
 */
export function parseFrame(raw: Buffer): LogRecord {
  const space = raw.indexOf(SPACE)
  const text = raw.toString('utf8', space + 1, Math.max(space + 1, contentEnd(raw)))
  const init = parseSyslog(text, 0)
  return init === undefined ? new LogRecord(raw, {format: 'text', message: text}) : new LogRecord(raw, init)
}

/**
 * A line as a record, levelled by a syslog PRI that came beside it rather than in it (logsift's router sends
 * the sender's PRI with a `heroku logs` line when it tells the level); parseLine alone without one.
 */
export function parseLineWithPri(raw: Buffer, pri: number | undefined): LogRecord {
  const record = parseLine(raw)
  if (pri === undefined) return record
  const {dyno, format, host, message, source, timestamp} = record
  return new LogRecord(raw, {dyno, format, host, message, pri, source, timestamp})
}
