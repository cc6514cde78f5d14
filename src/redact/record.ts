import type {Redactor} from './redactor.js'

import {LogRecord} from '../parse/record.js'

const SPACE = 0x20

/**
 * The record with its secrets replaced: the message, the raw bytes (so `-o raw` prints the input with only the
 * secrets changed) and, through the message, the fields. A record whose message holds no secret is returned
 * as it is, after one scan of the message: headers (timestamp, source, dyno, syslog host) never carry one.
 */
export function redactRecord(redactor: Redactor, record: LogRecord): LogRecord {
  const message = redactor.text(record.message)
  if (message === record.message) return record
  return new LogRecord(redactRaw(redactor, record.raw), {
    dyno: record.dyno,
    format: record.format,
    host: record.host,
    message,
    pri: record.pri,
    source: record.source,
    timestamp: record.timestamp,
  })
}

/**
 * The input unit with secrets replaced and every other byte kept. Bytes that are not valid UTF-8 are kept too:
 * such a unit is redacted as Latin-1, one character per byte. An octet-counted frame gets its new length.
 */
function redactRaw(redactor: Redactor, raw: Buffer): Buffer {
  const text = raw.toString('utf8')
  const redacted = redactor.text(text)
  if (redacted === text) return raw
  const bytes = Buffer.from(text, 'utf8').equals(raw)
    ? Buffer.from(redacted, 'utf8')
    : Buffer.from(redactor.text(raw.toString('latin1')), 'latin1')
  return withFrameLength(raw, bytes)
}

/** `LEN SP MSG` again with the length of the redacted MSG, when `raw` was such a frame; otherwise `bytes`. */
function withFrameLength(raw: Buffer, bytes: Buffer): Buffer {
  const space = raw.indexOf(SPACE)
  if (space < 1 || space > 10) return bytes
  for (let i = 0; i < space; i++) {
    if (raw[i] < 0x30 || raw[i] > 0x39) return bytes
  }

  if (Number(raw.toString('latin1', 0, space)) !== raw.length - space - 1) return bytes
  const body = bytes.subarray(bytes.indexOf(SPACE) + 1)
  return Buffer.concat([Buffer.from(`${body.length} `), body])
}
