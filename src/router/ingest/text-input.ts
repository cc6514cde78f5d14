import {parseFrame, parseLine} from '../../parse/line.js'
import {UnitSplitter} from '../../parse/split.js'
import {ApiError} from '../api/http.js'
import {type LogEntry, toEntry} from '../message.js'
import {DEFAULT_DYNO, DEFAULT_SOURCE, placeFrame} from './placement.js'

/** A source or dyno given in the query string must fit between `source[` and `]:`. */
const NAME = /^[^\s[\]]{1,64}$/

/**
 * `POST /apps/{app}/logs` for scripts and curl: each line is a `heroku logs` line (kept as it is), a syslog
 * message (APP-NAME the source, PROCID the dyno), or plain text, which is stamped now and shown as
 * `?source=` (default `app`) and `?dyno=` (default `web.1`). Octet-counted frames are detected as well.
 * Blank lines are skipped; a line over `maxLineBytes` refuses the whole request with 413.
 */
export function decodeTextBody(body: Buffer, query: URLSearchParams, maxLineBytes: number, now: number): LogEntry[] {
  const source = queryName(query, 'source') ?? DEFAULT_SOURCE
  const dyno = queryName(query, 'dyno') ?? DEFAULT_DYNO
  const entries: LogEntry[] = []
  let fault: ApiError | undefined
  let number = 0
  const splitter = new UnitSplitter((raw, framed) => {
    number++
    if (fault !== undefined) return
    if (raw.length > maxLineBytes + 2) {
      fault = new ApiError(413, 'payload_too_large', `Line ${number} has ${raw.length} bytes; the limit is ${maxLineBytes}.`)
      return
    }

    const record = framed ? parseFrame(raw) : parseLine(raw)
    switch (record.format) {
      case 'heroku': {
        entries.push(toEntry(record, {dyno: record.dyno!, source: record.source!}, now))
        break
      }

      case 'syslog': {
        entries.push(toEntry(record, placeFrame(record), now))
        break
      }

      case 'text': {
        if (record.message.trim() !== '') entries.push(toEntry(record, {dyno, source}, now))
        break
      }
    }
  }, undefined, maxLineBytes)
  splitter.push(body)
  splitter.end()
  if (fault !== undefined) throw fault
  return entries
}

function queryName(query: URLSearchParams, key: 'dyno' | 'source'): string | undefined {
  const value = query.get(key)
  if (value === null) return undefined
  if (!NAME.test(value)) throw new ApiError(422, 'invalid_params', `${key} must be 1 to 64 characters without spaces or brackets.`)
  return value
}
