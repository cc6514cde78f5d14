import type {LogRecord} from '../parse/record.js'
import type {LongLineFormatter} from './index.js'

import {messageSlices} from './message-slices.js'

/**
 * One JSON object per record, keys always in this order: `timestamp` (as written), `source`, `dyno`, `level`,
 * `message`, `fields`, and `host` for syslog records. Absent header parts are null so `jq` filters never have
 * to test for a missing key.
 */
export function formatJson(record: LogRecord): string {
  return jsonHead(record) + JSON.stringify(record.message) + jsonTail(record)
}

/**
 * The line `formatJson` makes, in parts that join to it: the message escaped a slice at a time. A long message
 * (a piece of an endless line) would otherwise be escaped into one string up to six times its size (`\u0000`
 * for each NUL), then copied again to be joined to the rest of the line.
 */
export function * formatJsonParts(record: LogRecord): Generator<string> {
  yield jsonHead(record) + '"'
  for (const slice of messageSlices(record.message)) yield JSON.stringify(slice).slice(1, -1)
  yield '"' + jsonTail(record)
}

/** formatJson for a line too long to hold (see LongLineFormatter): the message is one JSON string written in slices. */
export const jsonLongLine: LongLineFormatter = {
  head: (record) => jsonHead(record) + '"',
  message: (_record, slice) => JSON.stringify(slice).slice(1, -1),
  tail: (record) => '"' + jsonTail(record),
}

function jsonHead(record: LogRecord): string {
  return '{"timestamp":' + stringOrNull(record.timestamp)
    + ',"source":' + stringOrNull(record.source)
    + ',"dyno":' + stringOrNull(record.dyno)
    + ',"level":"' + record.level
    + '","message":'
}

function jsonTail(record: LogRecord): string {
  const tail = ',"fields":' + JSON.stringify(record.fields)
  return record.format === 'syslog' ? tail + ',"host":' + stringOrNull(record.host) + '}' : tail + '}'
}

function stringOrNull(value: string | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value)
}
