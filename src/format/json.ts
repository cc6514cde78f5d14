import type {LogRecord} from '../parse/record.js'

/**
 * One JSON object per record, keys always in this order: `timestamp` (as written), `source`, `dyno`, `level`,
 * `message`, `fields`, and `host` for syslog records. Absent header parts are null so `jq` filters never have
 * to test for a missing key.
 */
export function formatJson(record: LogRecord): string {
  let json = '{"timestamp":' + stringOrNull(record.timestamp)
    + ',"source":' + stringOrNull(record.source)
    + ',"dyno":' + stringOrNull(record.dyno)
    + ',"level":"' + record.level
    + '","message":' + JSON.stringify(record.message)
    + ',"fields":' + JSON.stringify(record.fields)
  if (record.format === 'syslog') json += ',"host":' + stringOrNull(record.host)
  return json + '}'
}

function stringOrNull(value: string | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value)
}
