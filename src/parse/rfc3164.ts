import type {RecordInit} from './record.js'
import {timestampEnd} from './timestamp.js'

/**
 * BSD syslog (RFC 3164), as `logger` without `--rfc5424` and older senders write it:
 * `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG` (`dd` is space-padded: `Oct  1`). TAG is the record's
 * `source`, PID its `dyno`, HOSTNAME its `host`.
 *
 * Variants accepted: an RFC 3339 timestamp instead of the BSD one (rsyslog's forwarding format); no
 * HOSTNAME (`logger` to a local socket: `<13>Oct 11 22:14:15 mytag: msg`), recognised when the first word
 * after the timestamp already has the TAG shape (ends with `:` or `]:`); no TAG (`<13>Oct 11 22:14:15 host
 * msg`), then source and dyno are undefined and MSG is everything after HOSTNAME; after HOSTNAME, `TAG[PID]`
 * without the colon (`host demo[4321] msg`, as rsyslog forwards a message that came as RFC 5424).
 *
 * No TIMESTAMP at all, as Python's `SysLogHandler` writes (`<PRI>TAG: MSG`, `<PRI>TAG[PID]: MSG`, or
 * `<PRI>MSG` without an `ident`): then there is no HOSTNAME either (RFC 3164 §4.3.3 takes all that follows
 * PRI as the content), and a first word of the TAG shape is the TAG.
 *
 * The BSD timestamp has no year or zone: it is kept as written and the record's `time` is NaN.
 */

const SPACE = 0x20
const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

/** Where a BSD timestamp (`Mmm dd hh:mm:ss`, 15 characters) starting at `start` ends, or -1. */
function bsdTimestampEnd(text: string, start: number): number {
  if (!MONTHS.has(text.slice(start, start + 3)) || text.charCodeAt(start + 3) !== SPACE) return -1
  const dayTens = text.charCodeAt(start + 4)
  if ((dayTens !== SPACE && !isDigit(dayTens)) || !isDigit(text.charCodeAt(start + 5))) return -1
  if (text.charCodeAt(start + 6) !== SPACE) return -1
  for (const offset of [7, 8, 10, 11, 13, 14]) if (!isDigit(text.charCodeAt(start + offset))) return -1
  if (text.charCodeAt(start + 9) !== 0x3a || text.charCodeAt(start + 12) !== 0x3a) return -1
  return start + 15
}

interface Tag {
  source: string
  dyno: string | undefined
  /** Where the message starts: after the `:` and one space. */
  messageStart: number
}

/**
 * The `TAG:` or `TAG[PID]:` at `start`, or undefined when the word there does not have that shape. With
 * `afterHost`, also `TAG[PID]` and a space: rsyslog relaying a message that came as RFC 5424 writes its
 * APP-NAME and PROCID so (`host demo[4321] msg`), and rsyslog and syslog-ng read it back as a TAG.
 */
function parseTag(text: string, start: number, afterHost = false): Tag | undefined {
  let i = start
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === SPACE || code === 0x5b || code === 0x3a) break // SP [ :
  }

  if (i === start) return undefined
  const source = text.slice(start, i)
  let dyno: string | undefined
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i + 1)
    if (close === -1 || close === i + 1 || text.slice(i + 1, close).includes(' ')) return undefined
    dyno = text.slice(i + 1, close)
    i = close + 1
    if (afterHost && text.charCodeAt(i) === SPACE) return {dyno, messageStart: i + 1, source}
  }

  if (text.charCodeAt(i) !== 0x3a) return undefined
  i++
  if (text.charCodeAt(i) === SPACE) i++
  else if (i < text.length) return undefined
  return {dyno, messageStart: i, source}
}

/**
 * Parses the part of an RFC 3164 message after `<PRI>` (starting at `start`). Returns undefined when nothing
 * follows PRI, or when a timestamp is followed by an empty HOSTNAME.
 */
export function parseRfc3164(text: string, start: number, pri: number): RecordInit | undefined {
  let end = bsdTimestampEnd(text, start)
  if (end === -1) end = timestampEnd(text, start)
  if (end === -1 || text.charCodeAt(end) !== SPACE) return parseContent(text, start, pri)
  const timestamp = text.slice(start, end)

  const wordStart = end + 1
  const tagHere = parseTag(text, wordStart)
  if (tagHere !== undefined) {
    return {dyno: tagHere.dyno, format: 'syslog', message: text.slice(tagHere.messageStart), pri, source: tagHere.source, timestamp}
  }

  let wordEnd = text.indexOf(' ', wordStart)
  if (wordEnd === -1) wordEnd = text.length
  if (wordEnd === wordStart) return undefined
  const host = text.slice(wordStart, wordEnd)
  const tag = parseTag(text, wordEnd + 1, true)
  if (tag === undefined) {
    return {format: 'syslog', host, message: text.slice(Math.min(wordEnd + 1, text.length)), pri, timestamp}
  }

  return {dyno: tag.dyno, format: 'syslog', host, message: text.slice(tag.messageStart), pri, source: tag.source, timestamp}
}

/** `TAG: MSG`, `TAG[PID]: MSG` or just MSG, right after PRI; undefined when PRI is all there is. */
function parseContent(text: string, start: number, pri: number): RecordInit | undefined {
  if (start >= text.length) return undefined
  const tag = parseTag(text, start)
  if (tag === undefined) return {format: 'syslog', message: text.slice(start), pri}
  return {dyno: tag.dyno, format: 'syslog', message: text.slice(tag.messageStart), pri, source: tag.source}
}
