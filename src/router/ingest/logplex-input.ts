import {isAscii} from 'node:buffer'
import type {IncomingMessage} from 'node:http'

import {parseSyslog} from '../../parse/rfc5424.js'
import {UnitSplitter} from '../../parse/split.js'
import {ApiError} from '../api/http.js'
import {type LogEntry, toEntry} from '../message.js'
import {placeFrame} from './placement.js'

const SPACE = 0x20
const LF = 0x0a
const CR = 0x0d
/** How much of a refused frame its error quotes: enough to recognise it, little enough for a log line. */
const QUOTED_BYTES = 80

export const LOGPLEX_CONTENT_TYPES = new Set(['application/logplex-1', 'application/x-logplex-1'])

/** The input token from `Authorization: Basic base64(user:t.UUID)`; the user part is ignored, as Logplex did. */
export function basicPassword(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (header === undefined || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon === -1 ? undefined : decoded.slice(colon + 1)
}

/**
 * A logplex-1 body as entries, all or nothing: every unit must be an octet-counted frame (`LEN SP MSG`)
 * holding a syslog message of at most `maxFrameBytes`, and their number must equal `Logplex-Msg-Count` when
 * the header is sent. The first fault throws an ApiError naming the frame, so nothing of a bad request is kept.
 * Each message is placed by its header (see placeFrame) and stamped `now` when it has no RFC 3339 timestamp.
 *
 * What parseFrame would do per frame is done here with the same syslog parser, minus the record: the entry
 * needs only the header values and the message. A body that is all ASCII (the usual case) is decoded once,
 * and each frame's text is a slice of it, since its byte offsets are then its character offsets. The lines
 * kept in an app's buffer then hold on to their body's text: beyond the lines themselves, at most the rest of
 * the oldest body whose messages are partly evicted (at most maxBodyBytes).
 */
export function decodeLogplexBody(body: Buffer, msgCount: string | undefined, maxFrameBytes: number, now: number): LogEntry[] {
  const entries: LogEntry[] = []
  const ascii = isAscii(body) ? body.toString('latin1') : undefined
  let fault: ApiError | undefined
  // The splitter's own limit is the body: a frame over maxFrameBytes must be measured to be refused with 413.
  const splitter = new UnitSplitter((raw, framed) => {
    if (fault !== undefined) return
    const number = entries.length + 1
    if (!framed) {
      fault = new ApiError(400, 'bad_request', `Frame ${number} is not an octet-counted syslog frame (LEN SP <PRI>..., LEN the bytes of the message after the space), or its LEN runs past the body: ${quoteBytes(raw)}.`)
      return
    }

    const msgStart = raw.indexOf(SPACE) + 1
    const size = raw.length - msgStart
    if (size > maxFrameBytes) {
      fault = new ApiError(413, 'payload_too_large', `Frame ${number} has ${size} bytes; the limit is ${maxFrameBytes}.`)
      return
    }

    // As parseFrame: MSG without its trailing newline (and a carriage return before it).
    const msgEnd = Math.max(msgStart, contentEnd(raw))
    const offset = raw.byteOffset - body.byteOffset
    const text = ascii === undefined ? raw.toString('utf8', msgStart, msgEnd) : ascii.slice(offset + msgStart, offset + msgEnd)
    const init = parseSyslog(text, 0)
    if (init === undefined) {
      fault = new ApiError(400, 'bad_request', `Frame ${number} is not an RFC 5424 syslog message: ${quoteBytes(raw)}.`)
      return
    }

    entries.push(toEntry(init, placeFrame(init), now))
  }, undefined, Math.max(body.length, 1))
  splitter.push(body)
  splitter.end()
  if (fault !== undefined) throw fault

  if (msgCount !== undefined) {
    const expected = /^\d+$/.test(msgCount.trim()) ? Number(msgCount) : Number.NaN
    if (expected !== entries.length) {
      throw new ApiError(400, 'bad_request', `Message count mismatch: Logplex-Msg-Count is ${msgCount}, the body has ${entries.length} frames.`)
    }
  }

  return entries
}

/**
 * The first QUOTED_BYTES of `raw` in double quotes, every byte that is not printable ASCII escaped (`\n`,
 * `\xff`), so the message stays one line of plain text whatever the sender sent; when longer, how much it is.
 */
export function quoteBytes(raw: Buffer): string {
  let text = ''
  for (const byte of raw.subarray(0, QUOTED_BYTES)) text += escapeByte(byte)
  return raw.length > QUOTED_BYTES ? `"${text}"… (the first ${QUOTED_BYTES} of ${raw.length} bytes)` : `"${text}"`
}

const ESCAPES: Record<number, string> = {0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\'}

function escapeByte(byte: number): string {
  const escape = ESCAPES[byte]
  if (escape !== undefined) return escape
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte)
  return `\\x${byte.toString(16).padStart(2, '0')}`
}

/** The length of `raw` without a trailing `\n` and a `\r` before it (or a lone trailing `\r`). */
function contentEnd(raw: Buffer): number {
  let end = raw.length
  if (end > 0 && raw[end - 1] === LF) end--
  if (end > 0 && raw[end - 1] === CR) end--
  return end
}
