import {LogRecord, type FieldValue} from '../../parse/record.js'
import type {StoredMessage} from '../log/engine.js'
import {otlpSeverity} from './logs-input.js'
import type {AnyValue, ExportLogsRequest, KeyValue, OtlpLogRecord, ResourceLogs} from './schema.js'

const NO_BYTES = Buffer.alloc(0)
const TRACE_ID = /^[\da-f]{32}$/i
const SPAN_ID = /^[\da-f]{16}$/i
/** Fractional seconds and zone of an RFC 3339 timestamp: the digits past milliseconds that Date.parse drops. */
const FRACTION = /\.(\d+)/
export const SCOPE_NAME = 'logsift'

/**
 * Messages of an app's log as one ExportLogsServiceRequest (protobufjs's object form), by these rules:
 * - one resource per source and dyno, `service.name` the app's name, `service.instance.id` the dyno, and
 *   `heroku.source` and `heroku.dyno` (which logsift's OTLP input reads back to the same line);
 * - the body: the message text as it is;
 * - attributes: the message's payload fields (its trailing JSON object, or its logfmt pairs: a router line's
 *   `status`, `service`), but `trace_id` and `span_id` in hex become the record's trace and span ids, and
 *   `event_name` its event name;
 * - the severity: the level `logsift logs` gives the line, as the OTel severity it came from (otlpSeverity);
 * - the time: the message's timestamp to the nanosecond it was written with, else its receive time; the
 *   observed time is its receive time.
 */
export function exportRequest(appName: string, messages: readonly StoredMessage[]): ExportLogsRequest {
  const resources = new Map<string, {records: OtlpLogRecord[]; resourceLogs: ResourceLogs}>()
  for (const message of messages) {
    const key = message.source + '\n' + message.dyno
    let resource = resources.get(key)
    if (resource === undefined) {
      const records: OtlpLogRecord[] = []
      resource = {records, resourceLogs: {resource: {attributes: resourceAttributes(appName, message)}, scopeLogs: [{logRecords: records, scope: {name: SCOPE_NAME}}]}}
      resources.set(key, resource)
    }

    resource.records.push(logRecord(message))
  }

  return {resourceLogs: [...resources.values()].map((resource) => resource.resourceLogs)}
}

function resourceAttributes(appName: string, {dyno, source}: StoredMessage): KeyValue[] {
  return [
    {key: 'service.name', value: {stringValue: appName}},
    {key: 'service.instance.id', value: {stringValue: dyno}},
    {key: 'heroku.source', value: {stringValue: source}},
    {key: 'heroku.dyno', value: {stringValue: dyno}},
  ]
}

/** One message as a log record (see exportRequest). */
export function logRecord(message: StoredMessage): OtlpLogRecord {
  const parsed = new LogRecord(NO_BYTES, {dyno: message.dyno, format: 'heroku', message: message.text, pri: message.priority, source: message.source, timestamp: message.timestamp})
  const severity = otlpSeverity(parsed.severity)
  const record: OtlpLogRecord = {
    body: {stringValue: message.text},
    observedTimeUnixNano: String(BigInt(message.receivedAt) * 1_000_000n),
    severityNumber: severity.number,
    severityText: severity.text,
    timeUnixNano: timestampNanos(message.timestamp) ?? String(BigInt(message.receivedAt) * 1_000_000n),
  }
  const attributes: KeyValue[] = []
  for (const [key, value] of Object.entries(parsed.fields)) {
    if (key === 'trace_id' && typeof value === 'string' && TRACE_ID.test(value)) record.traceId = Buffer.from(value, 'hex')
    else if (key === 'span_id' && typeof value === 'string' && SPAN_ID.test(value)) record.spanId = Buffer.from(value, 'hex')
    else if (key === 'event_name' && typeof value === 'string' && value !== '') record.eventName = value
    else attributes.push({key, value: anyValueOf(value)})
  }

  if (attributes.length > 0) record.attributes = attributes
  return record
}

/** An RFC 3339 timestamp in nanoseconds since 1970, as a decimal string; undefined when it is not one. */
export function timestampNanos(timestamp: string | undefined): string | undefined {
  if (timestamp === undefined) return undefined
  const ms = Date.parse(timestamp)
  if (Number.isNaN(ms) || !/^\d{4}-\d\d-\d\dT/.test(timestamp)) return undefined
  const digits = (FRACTION.exec(timestamp)?.[1] ?? '').slice(0, 9).padEnd(9, '0')
  return String(BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(digits))
}

/** A payload field as an AnyValue: integers as intValue, other numbers as doubleValue, objects as key/value lists. */
export function anyValueOf(value: FieldValue): AnyValue {
  if (typeof value === 'string') return {stringValue: value}
  if (typeof value === 'boolean') return {boolValue: value}
  if (typeof value === 'number') return Number.isInteger(value) ? {intValue: value} : {doubleValue: value}
  if (value === null) return {}
  if (Array.isArray(value)) return {arrayValue: {values: value.map((item) => anyValueOf(item))}}
  return {kvlistValue: {values: Object.entries(value).map(([key, item]) => ({key, value: anyValueOf(item)}))}}
}
