import {priSeverity} from '../../parse/level.js'
import {decodeMessageBytes} from '../log/batch.js'
import type {StoredBytesSink, StoredMessageBytes} from '../log/engine.js'
import {READ_CHUNK_BYTES} from '../log/segment.js'
import {herokuTimestamp, storedMessage} from '../message.js'
import {encodeLogMessage, frameHeader, type StreamFormat} from './event-encoding.js'

const NEWLINE = 0x0a
const RETURN = 0x0d
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
/** Room for what a message's event adds to its parts: the field names, an id, a PRI and a receive-time stamp. */
const EVENT_EXTRA_BYTES = 96
const MIN_ROOM_BYTES = 64 * 1024
const EMPTY = Buffer.alloc(0)

/** Events flushed, in parts to write in order, and what to call once they are written. */
export interface FlushedEvents {
  parts: Buffer[]
  /** Their buffer takes later events: call it once the parts are written out (or the client has gone). */
  written: () => void
}

/**
 * The session's events (encodeLogMessage, byte for byte) of messages read from the log as stored bytes
 * (ReadOptions.sink): their parts are copied from the log's buffer into the response's, with no string made
 * of them and none encoded back into bytes — for a one-minute window of 51,752 messages that was ~2 µs a
 * message of the router's ~3. A message whose parts hold a line break (its event has several data lines) is
 * decoded and encoded as sessions do. As frames (MESSAGE_FRAMES_TYPE), the one-line messages taken in a row
 * make one frame, and each message with a line break one of its own.
 */
export class StoredEvents implements StoredBytesSink {
  /** Events taken. */
  count = 0
  private bytes: Buffer
  private length = 0
  /**
   * A buffer whose events were written out, for the next ones: a read's events need a new one only while
   * the last's are still on their way (each allocation adds to what the garbage collector is asked to free,
   * and at ~20 MB a one-minute window it ran a full collection a window).
   */
  private spare: Buffer | undefined
  private nextRoom = MIN_ROOM_BYTES
  /** Frames closed so far, four numbers each: start and end in `bytes`, messages, the last one's offset. */
  private readonly frames: number[] = []
  private frameStart = 0
  private frameCount = 0
  private frameLastOffset = 0

  private ownReadBuffer: Buffer | undefined

  constructor(private readonly format: StreamFormat) {
    this.bytes = EMPTY
  }

  /** Made on the first read into this sink: a session whose reads are all filtered never needs it. */
  get readBuffer(): Buffer {
    return (this.ownReadBuffer ??= Buffer.allocUnsafe(READ_CHUNK_BYTES))
  }

  take(buffer: Buffer, parts: Readonly<StoredMessageBytes>): void {
    this.count++
    const {dynoStart, sourceStart, textEnd, textStart, timestampStart} = parts
    // Source, dyno and text, not the timestamp: what the line's `singleLine` looks at.
    if (parts.batchBreaksLines && (holdsBreak(buffer, sourceStart, timestampStart) || holdsBreak(buffer, textStart, textEnd))) {
      const frames = this.format === 'frames'
      const event = Buffer.from(encodeLogMessage(storedMessage(decodeMessageBytes(buffer, parts)), frames ? 'plain' : this.format))
      if (frames) this.closeFrame()
      this.room(event.length)
      this.length += event.copy(this.bytes, this.length)
      if (frames) {
        this.frames.push(this.frameStart, this.length, 1, parts.offset)
        this.frameStart = this.length
      }

      return
    }

    this.room(textEnd - sourceStart + EVENT_EXTRA_BYTES)
    if (this.format === 'frames') {
      this.frameCount++
      this.frameLastOffset = parts.offset
    } else if (this.format !== 'plain') {
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
    this.ascii(this.format === 'plain' || this.format === 'frames' ? '\n' : '\n\n')
  }

  /** The events taken so far, in parts to write in order (frames: each one's header, then its bytes), and a fresh start. */
  flush(): FlushedEvents {
    const {bytes, length} = this
    const events = bytes.subarray(0, length)
    let parts = [events]
    if (this.format === 'frames') {
      this.closeFrame()
      const {frames} = this
      parts = []
      for (let i = 0; i < frames.length; i += 4) {
        parts.push(Buffer.from(frameHeader(frames[i + 3], frames[i + 2], frames[i + 1] - frames[i])), events.subarray(frames[i], frames[i + 1]))
      }

      frames.length = 0
      this.frameStart = 0
    }

    // The next events get room for as much as these, so that a read of as many does not grow it copy by copy.
    this.nextRoom = Math.max(MIN_ROOM_BYTES, length + (length >> 3))
    this.bytes = EMPTY
    this.length = 0
    this.count = 0
    return {parts, written: () => {
      this.spare = bytes
    }}
  }

  /** Ends the frame of one-line messages taken since the last one ended, if any. */
  private closeFrame(): void {
    if (this.frameCount > 0) this.frames.push(this.frameStart, this.length, this.frameCount, this.frameLastOffset)
    this.frameStart = this.length
    this.frameCount = 0
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return
    const size = Math.max(this.length === 0 ? this.nextRoom : 2 * this.bytes.length, this.length + bytes)
    // Taken when the first event after a flush comes: by then the last read's events are often written out.
    // (One too small for the events to come is let go; growing mid-read keeps it for the next flush.)
    let larger: Buffer | undefined
    if (this.length === 0) {
      if (this.spare !== undefined && this.spare.length >= size) larger = this.spare
      this.spare = undefined
    }

    larger ??= Buffer.allocUnsafe(size)
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
