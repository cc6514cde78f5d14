import {Chalk} from 'chalk'

import {createFormatter} from '../format/index.js'
import {priSeverity} from '../parse/level.js'
import {LogRecord, type RecordInit} from '../parse/record.js'
import type {StoredMessage} from './log/engine.js'

/** A message as an app's log keeps it: the two header values sessions filter on, and its `heroku logs` line. */
export interface LogEntry {
  readonly source: string
  readonly dyno: string
  readonly line: string
  /** `line` holds no `\n` or `\r`, so a server-sent event carries it in one data field as it is. */
  readonly singleLine: boolean
  /** The syslog PRI the message came with, which drains forward; undefined for a message sent without one. */
  readonly pri: number | undefined
  /**
   * `pri` tells the message's severity (level.ts rule 4: the sender set it, Heroku did not stamp the frame),
   * so sessions that ask for it are sent it, and `logs -a` levels the message by it.
   */
  readonly priIsLevel: boolean
  /** The message text alone, the end of `line`: what the app's durable log stores with the fields. */
  readonly text: string
  /** The timestamp as the sender wrote it; undefined when it wrote none. */
  readonly timestamp: string | undefined
  /** When the router received it, epoch ms (`line`'s timestamp when the sender's is not RFC 3339). */
  readonly receivedAt: number
}

/**
 * A LogEntry once it is in an app's log: `seq` is its offset there (the SSE event id). It is also what the
 * durable log stores (NewMessage), so ingest builds one object per message.
 */
export interface LogMessage extends LogEntry {
  readonly seq: number
  /** `pri`, under the name the durable log reads. */
  readonly priority: number | undefined
}

/** Where a message goes: the app, and the source and dyno it is shown under. */
export interface Placement {
  source: string
  dyno: string
}

const formatLine = createFormatter('pretty', new Chalk({level: 0}))
const NO_BYTES = Buffer.alloc(0)

/** `2024-05-01T12:00:00.123000+00:00`: how Logplex stamps what it generates. */
export function herokuTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '000+00:00'
}

/**
 * A parsed record as an entry, under the given source and dyno. The timestamp is kept as the sender wrote it
 * when it is RFC 3339; otherwise (none, or a BSD syslog date without a year) it is `now`, so every line a
 * session prints parses again as a `heroku logs` line.
 *
 * The line is the uncoloured pretty format of a `heroku` record with all three header values, written out
 * here rather than through a formatter: this runs for every message the router takes in.
 */
export function toEntry(record: Pick<RecordInit, 'host' | 'message' | 'pri' | 'timestamp'>, placement: Placement, now: number): LogEntry {
  const {pri} = record
  return new RouterMessage(placement.source, placement.dyno, record.message, record.timestamp, pri, priSeverity(pri, record.host) !== undefined, now)
}

/**
 * A message read back from the durable log, as sessions and drains take it: its line is built as toEntry's.
 * The sender's host is not stored, but whether it made the PRI Heroku's is (`priIsLevel` false).
 */
export function storedMessage(stored: StoredMessage): LogMessage {
  const {dyno, offset, priority, receivedAt, source, text, timestamp} = stored
  const priIsLevel = stored.priIsLevel !== false && priSeverity(priority, undefined) !== undefined
  const message = new RouterMessage(source, dyno, text, timestamp, priority, priIsLevel, receivedAt)
  message.seq = offset
  return message
}

/**
 * A message as ingest and the log build it: shaped as the numbered message it becomes (seq 0 until the log
 * numbers it), so the hub and the log take it with no copy. Its `heroku logs` line, and whether that is one
 * line, are worked out when first asked for: only sessions and drains ask, and most messages meet neither.
 */
class RouterMessage implements LogMessage {
  seq = 0
  /** `pri`, under the name the durable log reads: an own field, as engines may copy messages by spreading. */
  readonly priority: number | undefined
  private builtLine: string | undefined
  private lineBreaks: boolean | undefined

  constructor(
    readonly source: string,
    readonly dyno: string,
    readonly text: string,
    readonly timestamp: string | undefined,
    readonly pri: number | undefined,
    readonly priIsLevel: boolean,
    readonly receivedAt: number,
  ) {
    this.priority = pri
  }

  get line(): string {
    return (this.builtLine ??= lineTimestamp(this.timestamp, this.receivedAt) + ' ' + this.source + '[' + this.dyno + ']: ' + this.text)
  }

  get singleLine(): boolean {
    this.lineBreaks ??= hasLineBreak(this.text) || hasLineBreak(this.source) || hasLineBreak(this.dyno)
    return !this.lineBreaks
  }
}

/** A line the router writes into an app's log itself (L14, from logplexLine): Heroku's, with no PRI of a sender. */
export function routerEntry(line: string): LogEntry {
  const timestamp = line.slice(0, line.indexOf(' '))
  const text = line.slice(line.indexOf(']: ') + 3)
  return {
    dyno: 'logplex', line, pri: undefined, priIsLevel: false, receivedAt: Date.parse(timestamp), singleLine: true, source: 'heroku', text, timestamp,
  }
}

/** The timestamp a message's `heroku logs` line opens with: the sender's when RFC 3339, else the receive time. */
export function lineTimestamp(timestamp: string | undefined, receivedAt: number): string {
  return isRfc3339(timestamp) ? timestamp : herokuTimestamp(receivedAt)
}

/** Checked on the parts, which are slices of one decoded text, rather than on the line they are joined into. */
function hasLineBreak(text: string): boolean {
  return text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1
}

/**
 * The parsers only take a timestamp of RFC 3339 shape, except RFC 3164's `Mmm dd hh:mm:ss`: a leading digit
 * tells them apart without parsing the instant again (ingest's hot path).
 */
function isRfc3339(timestamp: string | undefined): timestamp is string {
  if (timestamp === undefined) return false
  const first = timestamp.charCodeAt(0)
  return first >= 0x30 && first <= 0x39
}

/** A line Logplex itself writes into a stream (`heroku[logplex]: Error L11 ...`), stamped `now`. */
export function logplexLine(message: string, now: number): string {
  return formatLine(new LogRecord(NO_BYTES, {dyno: 'logplex', format: 'heroku', message, source: 'heroku', timestamp: herokuTimestamp(now)}))
}
