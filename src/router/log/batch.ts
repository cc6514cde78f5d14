import {crc32} from 'node:zlib'

import {acceptsOccurrence, type LinePrefilter} from '../../parse/split.js'
import type {NewMessage, StoredBytesSink, StoredMessage, StoredMessageBytes} from './engine.js'

/**
 * The unit the file engine writes: one append's messages in one buffer, framed and checksummed as a whole,
 * so an append is stored entirely or (torn by a crash) detected and cut entirely. Layout in docs/log-format.md.
 *
 * Batch header, little-endian:
 *   0  u32 length of the batch, header included
 *   4  u32 CRC-32 of bytes 8 to the end of the batch
 *   8  u48 offset of the first message (the others follow, one apart)
 *   14 u16 format version (1)
 *   16 u32 message count
 *   20 u48 the latest receive time in the batch (epoch ms), so a time lookup can skip a batch unread
 *   26 u16 flags: 1 = every text byte is ASCII
 * Then one fixed-size header per message:
 *   0  u48 receive time (epoch ms)
 *   6  u8  syslog PRI, 255 when none
 *   7  u8  flags: 1 = has a timestamp, 2 = the PRI was stamped by Heroku (priIsLevel false)
 *   8  u16 source bytes, 10 u16 dyno bytes, 12 u16 timestamp bytes, 14 u32 text bytes
 * Then the text section: each message's source, dyno, timestamp and text, UTF-8, one after the other.
 *
 * The text section is written with one call for the whole batch, and read back (when ASCII, as router
 * lines are) as one string that each field is a slice of: per-field calls into the buffer would cost more
 * than everything else the engine does per message.
 */
export const BATCH_HEADER_BYTES = 28
const MESSAGE_HEADER_BYTES = 18
const VERSION = 1
const NO_PRIORITY = 255
const HAS_TIMESTAMP = 1
const STAMPED_PRIORITY = 2
const ASCII = 1
const MAX_FIELD_BYTES = 0xffff

export interface BatchHeader {
  readonly length: number
  readonly firstOffset: number
  readonly count: number
  readonly maxTime: number
}

/**
 * Encodes batches into one reused buffer, valid until the next call: the caller copies the result out (one
 * copy of the bytes) instead of allocating three bytes per character of text for each batch.
 */
export class BatchEncoder {
  private scratch = Buffer.allocUnsafe(256 * 1024)
  /** Over `scratch`: DataView setters compile to plain stores, Buffer's write methods check every argument. */
  private view = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length)

  /** The batch as bytes, valid until the next call. Throws RangeError for a value the format cannot hold. */
  encode(messages: readonly NewMessage[], firstOffset: number): Buffer {
    const textStart = BATCH_HEADER_BYTES + MESSAGE_HEADER_BYTES * messages.length
    let text = ''
    for (const message of messages) text += message.source + message.dyno + (message.timestamp ?? '') + message.text
    const bound = textStart + 3 * text.length
    if (bound > this.scratch.length) {
      this.scratch = Buffer.allocUnsafe(Math.max(bound, this.scratch.length * 2))
      this.view = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length)
    }

    const buffer = this.scratch
    const textBytes = buffer.write(text, textStart)
    // As many bytes as UTF-16 code units: every character is ASCII, so each field's length is its byte count.
    const ascii = textBytes === text.length
    let maxTime = 0
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]
      writeMessageHeader(this.view, BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES, message, ascii)
      if (message.receivedAt > maxTime) maxTime = message.receivedAt
    }

    const end = textStart + textBytes
    buffer.writeUInt32LE(end, 0)
    buffer.writeUIntLE(firstOffset, 8, 6)
    buffer.writeUInt16LE(VERSION, 14)
    buffer.writeUInt32LE(messages.length, 16)
    buffer.writeUIntLE(maxTime, 20, 6)
    buffer.writeUInt16LE(ascii ? ASCII : 0, 26)
    buffer.writeUInt32LE(crc32(buffer.subarray(8, end)), 4)
    return buffer.subarray(0, end)
  }
}

function writeMessageHeader(view: DataView, at: number, message: NewMessage, ascii: boolean): void {
  const {dyno, priIsLevel, priority, receivedAt, source, text, timestamp} = message
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 191)) throw new RangeError(`syslog PRI ${priority} is not 0-191`)
  if (!(Number.isInteger(receivedAt) && receivedAt >= 0 && receivedAt < 2 ** 48)) throw new RangeError(`receive time ${receivedAt} is not a whole number of ms since 1970`)
  const sourceBytes = ascii ? source.length : Buffer.byteLength(source)
  const dynoBytes = ascii ? dyno.length : Buffer.byteLength(dyno)
  const timestampBytes = timestamp === undefined ? 0 : ascii ? timestamp.length : Buffer.byteLength(timestamp)
  if (sourceBytes > MAX_FIELD_BYTES || dynoBytes > MAX_FIELD_BYTES || timestampBytes > MAX_FIELD_BYTES) {
    throw new RangeError(`source, dyno and timestamp are limited to ${MAX_FIELD_BYTES} bytes each`)
  }

  view.setUint32(at, receivedAt % 0x1_0000_0000, true)
  view.setUint16(at + 4, Math.floor(receivedAt / 0x1_0000_0000), true)
  view.setUint8(at + 6, priority ?? NO_PRIORITY)
  view.setUint8(at + 7, (timestamp === undefined ? 0 : HAS_TIMESTAMP) | (priIsLevel === false && priority !== undefined ? STAMPED_PRIORITY : 0))
  view.setUint16(at + 8, sourceBytes, true)
  view.setUint16(at + 10, dynoBytes, true)
  view.setUint16(at + 12, timestampBytes, true)
  view.setUint32(at + 14, ascii ? text.length : Buffer.byteLength(text), true)
}

/**
 * The header of the batch at `at` when `buffer` holds all of it and its checksum matches; undefined for
 * anything else (cut short, torn by a crash, overwritten): the caller cannot tell these apart, and need not.
 */
export function checkedBatch(buffer: Buffer, at: number, end = buffer.length): BatchHeader | undefined {
  const header = batchHeader(buffer, at, end)
  if (header === undefined || at + header.length > end) return undefined
  return crc32(buffer.subarray(at + 8, at + header.length)) === buffer.readUInt32LE(at + 4) ? header : undefined
}

/** The header of the batch at `at`, unchecked; undefined when the bytes cannot be one. */
export function batchHeader(buffer: Buffer, at: number, end = buffer.length): BatchHeader | undefined {
  if (end - at < BATCH_HEADER_BYTES) return undefined
  const length = buffer.readUInt32LE(at)
  const count = buffer.readUInt32LE(at + 16)
  if (length < BATCH_HEADER_BYTES + count * MESSAGE_HEADER_BYTES || buffer.readUInt16LE(at + 14) !== VERSION) return undefined
  return {count, firstOffset: buffer.readUIntLE(at + 8, 6), length, maxTime: buffer.readUIntLE(at + 20, 6)}
}

/**
 * Decodes the messages of a checked batch at `at` from offset `from` on, considering at most `budget` of
 * them, into `into`; returns how many it considered. With a prefilter, a message whose bytes cannot pass it
 * (batchCandidates) is considered but not decoded: a read with a narrow query decodes only what may match.
 */
export function decodeBatch(buffer: Buffer, at: number, header: BatchHeader, from: number, budget: number, into: StoredMessage[], prefilter?: LinePrefilter): number {
  const textStart = at + BATCH_HEADER_BYTES + header.count * MESSAGE_HEADER_BYTES
  if (prefilter !== undefined) {
    const found: number[] = []
    const considered = batchCandidates(buffer, at, header, prefilter, found, from, budget)
    // A few candidates are decoded field by field: the whole section as one string would be garbage.
    const field = fieldReader(buffer, at, header, found.length * 2 > header.count)
    for (let k = 0; k < found.length; k += 2) into.push(decodeMessage(buffer, at, header, found[k], found[k + 1], field))
    return considered
  }

  const field = fieldReader(buffer, at, header, true)
  let considered = 0
  let position = textStart
  for (let i = 0; i < header.count && considered < budget; i++) {
    if (header.firstOffset + i >= from) {
      considered++
      into.push(decodeMessage(buffer, at, header, i, position, field))
    }

    position = textEndOf(buffer, at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES, position)
  }

  return considered
}

/**
 * Makes a string of a batch's bytes [start, stop). With `many` fields to decode from an ASCII text section,
 * each is a slice of one string of the whole section, whose byte positions are its character positions.
 */
function fieldReader(buffer: Buffer, at: number, header: BatchHeader, many: boolean): (start: number, stop: number) => string {
  const ascii = (buffer[at + 26] & ASCII) !== 0
  if (!ascii || !many) {
    const encoding = ascii ? 'latin1' : 'utf8'
    return (start, stop) => buffer.toString(encoding, start, stop)
  }

  const textStart = at + BATCH_HEADER_BYTES + header.count * MESSAGE_HEADER_BYTES
  const section = buffer.toString('latin1', textStart, at + header.length)
  return (start, stop) => section.slice(start - textStart, stop - textStart)
}

/**
 * Calls `sink.take` with the parts of each message of a checked batch from offset `from` on, at most `budget`
 * of them, as byte positions in `buffer` (one object, reused: read it within the call); returns how many it
 * took. For readers that copy a message's bytes out as they are instead of decoding them (StoredBytesSink).
 */
export function sinkBatch(buffer: Buffer, at: number, header: BatchHeader, from: number, budget: number, sink: StoredBytesSink): number {
  const first = Math.min(header.count, Math.max(0, from - header.firstOffset))
  const stop = Math.min(header.count, first + budget)
  let position = at + BATCH_HEADER_BYTES + header.count * MESSAGE_HEADER_BYTES
  for (let i = 0; i < first; i++) position = textEndOf(buffer, at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES, position)
  // Two searches of the whole text section spare a look at every byte of every message.
  const texts = buffer.subarray(position, at + header.length)
  const breaksLines = texts.indexOf(0x0a) !== -1 || texts.indexOf(0x0d) !== -1
  for (let i = first; i < stop; i++) {
    const parts = messageParts(buffer, at, header, i, position)
    parts.batchBreaksLines = breaksLines
    position = parts.textEnd
    sink.take(buffer, parts)
  }

  return stop - first
}

/** One object for messageParts to fill: its callers read it before the next call. */
const PARTS: StoredMessageBytes = {
  batchBreaksLines: true, dynoStart: 0, hasTimestamp: false, offset: 0, priStamped: false, priority: undefined, receivedAt: 0, sourceStart: 0, textEnd: 0, textStart: 0, timestampStart: 0,
}

/** Where the parts of message `i` of a batch lie, its source starting at `position` (in PARTS, reused). */
function messageParts(buffer: Buffer, at: number, header: BatchHeader, i: number, position: number): StoredMessageBytes {
  const headerAt = at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES
  const priority = buffer[headerAt + 6]
  const flags = buffer[headerAt + 7]
  const parts = PARTS
  parts.offset = header.firstOffset + i
  parts.receivedAt = u32(buffer, headerAt) + u16(buffer, headerAt + 4) * 0x1_0000_0000
  parts.priority = priority === NO_PRIORITY ? undefined : priority
  parts.priStamped = (flags & STAMPED_PRIORITY) !== 0
  parts.hasTimestamp = (flags & HAS_TIMESTAMP) !== 0
  parts.sourceStart = position
  parts.dynoStart = position + u16(buffer, headerAt + 8)
  parts.timestampStart = parts.dynoStart + u16(buffer, headerAt + 10)
  parts.textStart = parts.timestampStart + u16(buffer, headerAt + 12)
  parts.textEnd = parts.textStart + u32(buffer, headerAt + 14)
  return parts
}

/** The message whose parts are at `parts` in `buffer`, decoded (a StoredBytesSink that needs it whole). */
export function decodeMessageBytes(buffer: Buffer, parts: Readonly<StoredMessageBytes>): StoredMessage {
  return partsMessage(parts, (start, stop) => buffer.toString('utf8', start, stop))
}

/** The message `i` of a batch, whose source starts at `position`; `field` makes a string of bytes [start, stop). */
function decodeMessage(buffer: Buffer, at: number, header: BatchHeader, i: number, position: number, field: (start: number, stop: number) => string): StoredMessage {
  return partsMessage(messageParts(buffer, at, header, i, position), field)
}

function partsMessage(parts: Readonly<StoredMessageBytes>, field: (start: number, stop: number) => string): StoredMessage {
  const message: {-readonly [K in keyof StoredMessage]: StoredMessage[K]} = {
    dyno: field(parts.dynoStart, parts.timestampStart),
    offset: parts.offset,
    receivedAt: parts.receivedAt,
    source: field(parts.sourceStart, parts.dynoStart),
    text: field(parts.textStart, parts.textEnd),
  }
  if (parts.priority !== undefined) message.priority = parts.priority
  if (parts.hasTimestamp) message.timestamp = field(parts.timestampStart, parts.textStart)
  if (parts.priStamped) message.priIsLevel = false
  return message
}

/** Where the text of the message whose header is at `headerAt` and whose source starts at `position` ends. */
function textEndOf(buffer: Buffer, headerAt: number, position: number): number {
  return position + u16(buffer, headerAt + 8) + u16(buffer, headerAt + 10) + u16(buffer, headerAt + 12) + u32(buffer, headerAt + 14)
}

// Header fields read byte by byte: Buffer's read methods check their arguments on every call, and the walks
// over a batch's headers read four fields of every message a history query considers.
function u16(buffer: Buffer, at: number): number {
  return buffer[at] | (buffer[at + 1] << 8)
}

function u32(buffer: Buffer, at: number): number {
  return (buffer[at] | (buffer[at + 1] << 8) | (buffer[at + 2] << 16)) + buffer[at + 3] * 0x100_0000
}

/**
 * Which messages of a checked batch, from offset `from` on and at most `budget` of them, may pass the
 * prefilter (split.ts `isCandidate`, on the message's stored parts rather than its line): the needle in its
 * source, dyno or timestamp, or in its text with a value that can hold. Pushes each one's index in the batch
 * and the position of its source onto `found`, and returns how many messages it considered. A message without
 * a timestamp shows its receive time in its line, which the bytes do not hold: it is a candidate. A needle
 * holding a character that joins a line's parts may cross from one part to the next: the caller passes no
 * prefilter for such a needle (history-filter.ts).
 */
export function batchCandidates(buffer: Buffer, at: number, header: BatchHeader, prefilter: LinePrefilter, found: number[], from = header.firstOffset, budget = header.count): number {
  const {needle} = prefilter
  // Searched up to the batch's end only: the buffer may hold the batches after it.
  const batch = buffer.subarray(0, at + header.length)
  const first = Math.min(header.count, Math.max(0, from - header.firstOffset))
  const stop = Math.min(header.count, first + budget)
  let position = at + BATCH_HEADER_BYTES + header.count * MESSAGE_HEADER_BYTES
  for (let i = 0; i < first; i++) position = textEndOf(buffer, at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES, position)
  let hit = first < stop ? batch.indexOf(needle, position) : -1
  for (let i = first; i < stop; i++) {
    const headerAt = at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES
    const timestampEnd = position + u16(buffer, headerAt + 8) + u16(buffer, headerAt + 10) + u16(buffer, headerAt + 12)
    const textEnd = timestampEnd + u32(buffer, headerAt + 14)
    if ((buffer[headerAt + 7] & HAS_TIMESTAMP) === 0) found.push(i, position)
    else if (hit !== -1 && hit < textEnd) {
      if (hit < position) hit = batch.indexOf(needle, position)
      for (; hit !== -1 && hit + needle.length <= textEnd; hit = batch.indexOf(needle, hit + 1)) {
        if (hit < timestampEnd ? hit + needle.length <= timestampEnd : acceptsOccurrence(buffer, hit, prefilter, textEnd)) {
          found.push(i, position)
          break
        }
      }
    }

    if (hit === -1) {
      // No needle in the rest of the batch: only messages without a timestamp can still pass.
      for (let j = i + 1; j < stop; j++) {
        const headerAt = at + BATCH_HEADER_BYTES + j * MESSAGE_HEADER_BYTES
        position = textEndOf(buffer, headerAt - MESSAGE_HEADER_BYTES, position)
        if ((buffer[headerAt + 7] & HAS_TIMESTAMP) === 0) found.push(j, position)
      }

      break
    }

    position = textEnd
  }

  return stop - first
}

/**
 * Calls `visit` with each message's timestamp (undefined when it has none) and receive time, decoding nothing
 * else: what an own-time span needs. A timestamp is read as latin1: one that is not ASCII is no RFC 3339 time
 * either way.
 */
export function forEachTimestamp(buffer: Buffer, at: number, header: BatchHeader, visit: (timestamp: string | undefined, receivedAt: number) => void): void {
  let position = at + BATCH_HEADER_BYTES + header.count * MESSAGE_HEADER_BYTES
  for (let i = 0; i < header.count; i++) {
    const headerAt = at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES
    const timestampStart = position + buffer.readUInt16LE(headerAt + 8) + buffer.readUInt16LE(headerAt + 10)
    const timestampEnd = timestampStart + buffer.readUInt16LE(headerAt + 12)
    const timestamp = buffer[headerAt + 7] & HAS_TIMESTAMP ? buffer.toString('latin1', timestampStart, timestampEnd) : undefined
    visit(timestamp, buffer.readUIntLE(headerAt, 6))
    position = timestampEnd + buffer.readUInt32LE(headerAt + 14)
  }
}

/** The offset of the first message in a checked batch received at or after `time`; undefined when none is. */
export function firstOffsetAtTime(buffer: Buffer, at: number, header: BatchHeader, time: number): number | undefined {
  if (header.maxTime < time) return undefined
  for (let i = 0; i < header.count; i++) {
    if (buffer.readUIntLE(at + BATCH_HEADER_BYTES + i * MESSAGE_HEADER_BYTES, 6) >= time) return header.firstOffset + i
  }

  return undefined
}
