import {priSeverity} from '../../parse/level.js'
import {decodeMessageBytes} from '../log/batch.js'
import type {StoredBytesSink, StoredMessageBytes} from '../log/engine.js'
import {herokuTimestamp, storedMessage} from '../message.js'
import {encodeLogMessage, type StreamFormat} from './event-encoding.js'

const NEWLINE = 0x0a
const RETURN = 0x0d
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
/** Room for what a message's event adds to its parts: the field names, an id, a PRI and a receive-time stamp. */
const EVENT_EXTRA_BYTES = 96
const MIN_ROOM_BYTES = 64 * 1024

/**
 * The session's events (encodeLogMessage, byte for byte) of messages read from the log as stored bytes
 * (ReadOptions.sink): their parts are copied from the log's buffer into the response's, with no string made
 * of them and none encoded back into bytes — for a one-minute window of 51,752 messages that was ~2 µs a
 * message of the router's ~3. A message whose parts hold a line break (its event has several data lines) is
 * decoded and encoded as sessions do.
 */
export class StoredEvents implements StoredBytesSink {
  /** Events taken. */
  count = 0
  private bytes: Buffer
  private length = 0

  constructor(private readonly format: StreamFormat) {
    this.bytes = Buffer.allocUnsafe(MIN_ROOM_BYTES)
  }

  take(buffer: Buffer, parts: Readonly<StoredMessageBytes>): void {
    this.count++
    const {dynoStart, sourceStart, textEnd, textStart, timestampStart} = parts
    // Source, dyno and text, not the timestamp: what the line's `singleLine` looks at.
    if (parts.batchBreaksLines && (holdsBreak(buffer, sourceStart, timestampStart) || holdsBreak(buffer, textStart, textEnd))) {
      const event = Buffer.from(encodeLogMessage(storedMessage(decodeMessageBytes(buffer, parts)), this.format))
      this.room(event.length)
      this.length += event.copy(this.bytes, this.length)
      return
    }

    this.room(textEnd - sourceStart + EVENT_EXTRA_BYTES)
    if (this.format !== 'plain') {
      this.ascii('id: ')
      this.ascii(String(parts.offset))
      if (this.format === 'events-with-pri' && !parts.priStamped && parts.priority !== undefined && priSeverity(parts.priority, undefined) !== undefined) {
        this.ascii('\npri: ')
        this.ascii(String(parts.priority))
      }

      this.ascii('\ndata: ')
    }

    // The line's timestamp: the sender's when RFC 3339 (message.ts lineTimestamp), else the receive time.
    if (parts.hasTimestamp && timestampStart < textStart && buffer[timestampStart] >= DIGIT_0 && buffer[timestampStart] <= DIGIT_9) this.copy(buffer, timestampStart, textStart)
    else this.ascii(herokuTimestamp(parts.receivedAt))
    this.ascii(' ')
    this.copy(buffer, sourceStart, dynoStart)
    this.ascii('[')
    this.copy(buffer, dynoStart, timestampStart)
    this.ascii(']: ')
    // The text, the bulk of it, in one native copy; the short parts above byte by byte, cheaper than a call each.
    this.length += buffer.copy(this.bytes, this.length, textStart, textEnd)
    this.ascii(this.format === 'plain' ? '\n' : '\n\n')
  }

  /** The events taken so far, and a fresh start. */
  flush(): Buffer {
    const events = this.bytes.subarray(0, this.length)
    // What is left of the buffer takes the next events: the response may still hold these.
    this.bytes = this.bytes.length - this.length >= MIN_ROOM_BYTES ? this.bytes.subarray(this.length) : Buffer.allocUnsafe(MIN_ROOM_BYTES)
    this.length = 0
    this.count = 0
    return events
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return
    const larger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + bytes))
    this.bytes.copy(larger, 0, 0, this.length)
    this.bytes = larger
  }

  private copy(from: Buffer, start: number, end: number): void {
    const {bytes} = this
    let at = this.length
    for (let i = start; i < end; i++) bytes[at++] = from[i]
    this.length = at
  }

  /** Writes ASCII text: a field name, a Heroku timestamp. */
  private ascii(text: string): void {
    const {bytes} = this
    let at = this.length
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i)
    this.length = at
  }
}

function holdsBreak(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (buffer[i] === NEWLINE || buffer[i] === RETURN) return true
  }

  return false
}
