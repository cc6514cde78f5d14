import type {IncomingMessage} from 'node:http'

import {parseFrame} from '../parse/line.js'
import type {LogRecord} from '../parse/record.js'
import {UnitSplitter} from '../parse/split.js'
import {ApiError} from './http.js'

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
 * A logplex-1 body as records, all or nothing: every unit must be an octet-counted frame (`LEN SP MSG`)
 * holding a syslog message of at most `maxFrameBytes`, and their number must equal `Logplex-Msg-Count` when
 * the header is sent. The first fault throws an ApiError naming the frame, so nothing of a bad request is kept.
 */
export function decodeLogplexBody(body: Buffer, msgCount: string | undefined, maxFrameBytes: number): LogRecord[] {
  const records: LogRecord[] = []
  let fault: ApiError | undefined
  // The splitter's own limit is the body: a frame over maxFrameBytes must be measured to be refused with 413.
  const splitter = new UnitSplitter((raw, framed) => {
    if (fault !== undefined) return
    const number = records.length + 1
    if (!framed) {
      fault = new ApiError(400, 'bad_request', `Frame ${number} is not an octet-counted frame (LEN SP MSG), or its LEN runs past the body.`)
      return
    }

    const size = raw.length - raw.indexOf(0x20) - 1
    if (size > maxFrameBytes) {
      fault = new ApiError(413, 'payload_too_large', `Frame ${number} has ${size} bytes; the limit is ${maxFrameBytes}.`)
      return
    }

    const record = parseFrame(raw)
    if (record.format !== 'syslog') {
      fault = new ApiError(400, 'bad_request', `Frame ${number} is not an RFC 5424 syslog message.`)
      return
    }

    records.push(record)
  }, undefined, Math.max(body.length, 1))
  splitter.push(body)
  splitter.end()
  if (fault !== undefined) throw fault

  if (msgCount !== undefined) {
    const expected = /^\d+$/.test(msgCount.trim()) ? Number(msgCount) : Number.NaN
    if (expected !== records.length) {
      throw new ApiError(400, 'bad_request', `Message count mismatch: Logplex-Msg-Count is ${msgCount}, the body has ${records.length} frames.`)
    }
  }

  return records
}
