import {crc32} from 'node:zlib'

import type {NewMessage, StoredMessage} from './engine.js'

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
 *   26 u16 zero
 * Each message:
 *   0  u48 receive time (epoch ms)
 *   6  u8  syslog PRI, 255 when none
 *   7  u8  flags: 1 = has a timestamp
 *   8  u16 source bytes, 10 u16 dyno bytes, 12 u16 timestamp bytes, 14 u32 text bytes
 *   18 source, dyno, timestamp, text (UTF-8)
 */
export const BATCH_HEADER_BYTES = 28
const MESSAGE_HEADER_BYTES = 18
const VERSION = 1
const NO_PRIORITY = 255
const HAS_TIMESTAMP = 1
const MAX_FIELD_BYTES = 0xffff

export interface BatchHeader {
  readonly length: number
  readonly firstOffset: number
  readonly count: number
  readonly maxTime: number
}

/**
 * Encodes batches into one reused buffer: the caller writes the result before encoding the next (the file
 * engine writes synchronously), so ingest allocates nothing per message here.
 */
export class BatchEncoder {
  private scratch = Buffer.allocUnsafe(256 * 1024)

  /** The batch as bytes, valid until the next call. Throws RangeError for a field the format cannot hold. */
  encode(messages: readonly NewMessage[], firstOffset: number): Buffer {
    let bound = BATCH_HEADER_BYTES
    for (const message of messages) bound += MESSAGE_HEADER_BYTES + 3 * (message.text.length + message.source.length + message.dyno.length + (message.timestamp?.length ?? 0))
    if (bound > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(bound, this.scratch.length * 2))
    const buffer = this.scratch
    let at = BATCH_HEADER_BYTES
    let maxTime = 0
    for (const message of messages) {
      at = encodeMessage(buffer, at, message)
      if (message.receivedAt > maxTime) maxTime = message.receivedAt
    }

    buffer.writeUInt32LE(at, 0)
    buffer.writeUIntLE(firstOffset, 8, 6)
    buffer.writeUInt16LE(VERSION, 14)
    buffer.writeUInt32LE(messages.length, 16)
    buffer.writeUIntLE(maxTime, 20, 6)
    buffer.writeUInt16LE(0, 26)
    buffer.writeUInt32LE(crc32(buffer.subarray(8, at)), 4)
    return buffer.subarray(0, at)
  }
}

function encodeMessage(buffer: Buffer, start: number, message: NewMessage): number {
  const {priority, receivedAt, timestamp} = message
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 191)) throw new RangeError(`syslog PRI ${priority} is not 0-191`)
  if (!(Number.isInteger(receivedAt) && receivedAt >= 0)) throw new RangeError(`receive time ${receivedAt} is not a whole number of ms since 1970`)
  let at = start + MESSAGE_HEADER_BYTES
  const sourceBytes = buffer.write(message.source, at)
  at += sourceBytes
  const dynoBytes = buffer.write(message.dyno, at)
  at += dynoBytes
  const timestampBytes = timestamp === undefined ? 0 : buffer.write(timestamp, at)
  at += timestampBytes
  const textBytes = buffer.write(message.text, at)
  at += textBytes
  if (sourceBytes > MAX_FIELD_BYTES || dynoBytes > MAX_FIELD_BYTES || timestampBytes > MAX_FIELD_BYTES) {
    throw new RangeError(`source, dyno and timestamp are limited to ${MAX_FIELD_BYTES} bytes each`)
  }

  buffer.writeUIntLE(receivedAt, start, 6)
  buffer[start + 6] = priority ?? NO_PRIORITY
  buffer[start + 7] = timestamp === undefined ? 0 : HAS_TIMESTAMP
  buffer.writeUInt16LE(sourceBytes, start + 8)
  buffer.writeUInt16LE(dynoBytes, start + 10)
  buffer.writeUInt16LE(timestampBytes, start + 12)
  buffer.writeUInt32LE(textBytes, start + 14)
  return at
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
  if (length < BATCH_HEADER_BYTES || buffer.readUInt16LE(at + 14) !== VERSION) return undefined
  return {count: buffer.readUInt32LE(at + 16), firstOffset: buffer.readUIntLE(at + 8, 6), length, maxTime: buffer.readUIntLE(at + 20, 6)}
}

/**
 * The messages of a checked batch at `at` from offset `from` on, appended to `into` until it holds `limit`.
 */
export function decodeBatch(buffer: Buffer, at: number, header: BatchHeader, from: number, limit: number, into: StoredMessage[]): void {
  let position = at + BATCH_HEADER_BYTES
  for (let i = 0; i < header.count && into.length < limit; i++) {
    const receivedAt = buffer.readUIntLE(position, 6)
    const sourceBytes = buffer.readUInt16LE(position + 8)
    const dynoBytes = buffer.readUInt16LE(position + 10)
    const timestampBytes = buffer.readUInt16LE(position + 12)
    const textBytes = buffer.readUInt32LE(position + 14)
    const next = position + MESSAGE_HEADER_BYTES + sourceBytes + dynoBytes + timestampBytes + textBytes
    const offset = header.firstOffset + i
    if (offset >= from) into.push(decodeMessage(buffer, position, offset, receivedAt, sourceBytes, dynoBytes, timestampBytes, next))
    position = next
  }
}

function decodeMessage(buffer: Buffer, at: number, offset: number, receivedAt: number, sourceBytes: number, dynoBytes: number, timestampBytes: number, end: number): StoredMessage {
  let position = at + MESSAGE_HEADER_BYTES
  const source = buffer.toString('utf8', position, (position += sourceBytes))
  const dyno = buffer.toString('utf8', position, (position += dynoBytes))
  const timestamp = buffer[at + 7] & HAS_TIMESTAMP ? buffer.toString('utf8', position, position + timestampBytes) : undefined
  position += timestampBytes
  const text = buffer.toString('utf8', position, end)
  const priority = buffer[at + 6]
  const message: {-readonly [K in keyof StoredMessage]: StoredMessage[K]} = {dyno, offset, receivedAt, source, text}
  if (priority !== NO_PRIORITY) message.priority = priority
  if (timestamp !== undefined) message.timestamp = timestamp
  return message
}

/** The offset of the first message in a checked batch received at or after `time`; undefined when none is. */
export function firstOffsetAtTime(buffer: Buffer, at: number, header: BatchHeader, time: number): number | undefined {
  if (header.maxTime < time) return undefined
  let position = at + BATCH_HEADER_BYTES
  for (let i = 0; i < header.count; i++) {
    if (buffer.readUIntLE(position, 6) >= time) return header.firstOffset + i
    position += MESSAGE_HEADER_BYTES + buffer.readUInt16LE(position + 8) + buffer.readUInt16LE(position + 10) + buffer.readUInt16LE(position + 12) + buffer.readUInt32LE(position + 14)
  }

  return undefined
}
