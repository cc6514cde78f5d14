import {ApiError} from '../api/http.js'
import {type LogEntry, toEntry} from '../message.js'
import {severityFromName} from '../../parse/level-names.js'
import {parsePayload} from '../../parse/payload.js'
import {type AnyValue, type ExportLogsRequest, ExportLogsServiceRequest, type KeyValue, type OtlpLogRecord, PLAIN, type ResourceLogs} from './schema.js'

export const OTLP_PROTOBUF = 'application/x-protobuf'
export const OTLP_JSON = 'application/json'

/** Syslog facility 1 (user-level): a PRI the level rules take as the sender's level (Heroku's own are ignored). */
const USER_FACILITY = 8
const DEFAULT_DYNO = 'otlp'
/** A Heroku platform service (`heroku-router`, `heroku-api`) is shown as `heroku[router]`, as on Cedar. */
const HEROKU_SERVICE = /^heroku-(.+)$/

type FieldValue = boolean | FieldValue[] | null | number | string | {[key: string]: FieldValue}

/**
 * An `ExportLogsServiceRequest` body as a plain object: protobuf (`application/x-protobuf`) or OTLP/JSON
 * (`application/json`: lowerCamelCase keys, enums as integers, trace and span ids in hex, 64-bit integers as
 * strings or numbers). Throws a 400 ApiError for a body that is neither.
 */
export function decodeExportRequest(body: Buffer, contentType: string): ExportLogsRequest {
  try {
    const message = contentType === OTLP_JSON
      ? ExportLogsServiceRequest.fromObject(jsonRequest(body))
      : ExportLogsServiceRequest.decode(body)
    return ExportLogsServiceRequest.toObject(message, PLAIN) as ExportLogsRequest
  } catch (error) {
    if (error instanceof ApiError) throw error
    const what = contentType === OTLP_JSON ? 'OTLP/JSON' : 'protobuf'
    throw new ApiError(400, 'bad_request', `The body is not an ExportLogsServiceRequest in ${what}: ${(error as Error).message}.`)
  }
}

/** OTLP/JSON as protobufjs's fromObject takes it: the ids it would read as base64 turned from hex into bytes. */
function jsonRequest(body: Buffer): Record<string, unknown> {
  const request: unknown = JSON.parse(body.toString('utf8'))
  if (!isObject(request)) throw new ApiError(400, 'bad_request', 'The body is not an ExportLogsServiceRequest in OTLP/JSON: not a JSON object.')
  for (const resourceLogs of arrayOf(request.resourceLogs)) {
    for (const scopeLogs of arrayOf(resourceLogs.scopeLogs)) {
      for (const record of arrayOf(scopeLogs.logRecords)) {
        for (const key of ['traceId', 'spanId']) {
          const id = record[key]
          if (id === undefined || id === '') continue
          if (typeof id !== 'string' || !/^(?:[\da-f]{2})+$/i.test(id)) throw new ApiError(400, 'bad_request', `The body is not OTLP/JSON: ${key} ${JSON.stringify(id)} is not hex.`)
          record[key] = Buffer.from(id, 'hex')
        }

        // fixed64: protobufjs would take "-5" as 2^64 - 5 (a time in 2554), and a word as 0.
        for (const key of ['timeUnixNano', 'observedTimeUnixNano']) {
          const nanos = record[key]
          if (nanos === undefined || (typeof nanos === 'string' && /^\d+$/.test(nanos)) || (Number.isInteger(nanos) && (nanos as number) >= 0)) continue
          throw new ApiError(400, 'bad_request', `The body is not OTLP/JSON: ${key} ${JSON.stringify(nanos)} is not nanoseconds since 1970 (an unsigned integer, as a string).`)
        }
      }
    }
  }

  return request
}

function arrayOf(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item) => isObject(item)) : []
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Where a resource's records go: an app by name or id, or undefined to refuse them with why. */
export type ResourceRouting = (resource: Readonly<Record<string, FieldValue>>) => {appId: string} | {refused: string}

export interface MappedLogs {
  /** Messages per app id, in the order they came. */
  readonly byApp: Map<string, LogEntry[]>
  readonly rejected: number
  /** Why the first refused record was refused; empty when none was. */
  readonly message: string
}

/**
 * The request's log records as messages of the durable log, by these rules:
 * - the app: `route` decides per resource (the input token's app, or the app `service.name` names);
 * - source and dyno: `heroku.source` and `heroku.dyno` (record, then resource attributes: logsift's own, what
 *   its exporter writes) when set; else a `service.name` of `heroku-X` is `heroku[X]` (Heroku's router and
 *   platform services); else source `app` and dyno `service.instance.id` (a Fir dyno, `web-58f4b7c6d-x2k9p`),
 *   or `otlp` without one;
 * - the level: `severityNumber` as a syslog PRI of facility 1 (user), or `severityText` when the number is 0;
 * - the timestamp: `timeUnixNano`, else `observedTimeUnixNano`, to the microsecond; else the receive time;
 * - the text: the body (a string as it is, any other value as JSON), then, when the record has any, one JSON
 *   object of its fields: a key/value body's entries, the attributes, `event_name`, `trace_id` and `span_id` in hex (none
 *   when the body's own payload holds them all already, as a parsed line's attributes). The
 *   fields are thus stored in the message itself, where every reader of the log finds them (`-o json`'s
 *   `fields`, `--where`), with nothing added to the stored form.
 * A record whose text is over `maxTextBytes` is refused (counted, not stored); the others are kept.
 */
export function mapLogs(request: ExportLogsRequest, route: ResourceRouting, maxTextBytes: number, now: number): MappedLogs {
  const byApp = new Map<string, LogEntry[]>()
  let rejected = 0
  let message = ''
  const refuse = (count: number, why: string) => {
    rejected += count
    if (message === '') message = why
  }

  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = attributeFields(resourceLogs.resource?.attributes)
    const records = recordsOf(resourceLogs)
    if (records.length === 0) continue
    const routed = route(resource)
    if ('refused' in routed) {
      refuse(records.length, routed.refused)
      continue
    }

    let entries = byApp.get(routed.appId)
    if (entries === undefined) byApp.set(routed.appId, (entries = []))
    for (const record of records) {
      const entry = recordEntry(record, resource, now)
      if (Buffer.byteLength(entry.text) > maxTextBytes) {
        refuse(1, `a log record's text is over the ${maxTextBytes}-byte limit`)
        continue
      }

      entries.push(entry)
    }
  }

  return {byApp, message, rejected}
}

function recordsOf(resourceLogs: ResourceLogs): OtlpLogRecord[] {
  return (resourceLogs.scopeLogs ?? []).flatMap((scope) => scope.logRecords ?? [])
}

/** One log record as an entry (see mapLogs). */
export function recordEntry(record: OtlpLogRecord, resource: Readonly<Record<string, FieldValue>>, now: number): LogEntry {
  const attributes = attributeFields(record.attributes)
  const {dyno, source} = placement(attributes, resource)
  const body = record.body === undefined ? undefined : anyValue(record.body)
  const fields: Record<string, FieldValue> = isObject(body) ? {...(body as Record<string, FieldValue>), ...attributes} : attributes
  const traceId = hexId(record.traceId)
  const spanId = hexId(record.spanId)
  // An event's name (OpenTelemetry's Events API) says what the record is: often all there is besides attributes.
  if (record.eventName !== undefined && record.eventName !== '') fields.event_name = record.eventName
  if (traceId !== undefined) fields.trace_id = traceId
  if (spanId !== undefined) fields.span_id = spanId
  const head = body === undefined || body === null || isObject(body) ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  const tail = Object.keys(fields).length === 0 || saysAlready(head, fields) ? '' : JSON.stringify(fields)
  const text = head === '' || tail === '' ? head + tail : head + ' ' + tail
  const timestamp = nanosTimestamp(record.timeUnixNano) ?? nanosTimestamp(record.observedTimeUnixNano)
  return toEntry({message: text, pri: recordPri(record), timestamp}, {dyno, source}, now)
}

/**
 * The body's own payload holds every field with the same value: a line a collector parsed into attributes, or
 * a router's telemetry drain (whose attributes are its messages' payload fields). A tail would say it twice.
 */
function saysAlready(body: string, fields: Record<string, FieldValue>): boolean {
  if (body === '') return false
  const own = parsePayload(body)
  return Object.entries(fields).every(([key, value]) => Object.hasOwn(own, key) && JSON.stringify(own[key]) === JSON.stringify(value))
}

function placement(attributes: Record<string, FieldValue>, resource: Readonly<Record<string, FieldValue>>): {dyno: string; source: string} {
  const named = (key: string): string | undefined => {
    const value = attributes[key] ?? resource[key]
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  const service = HEROKU_SERVICE.exec(typeof resource['service.name'] === 'string' ? resource['service.name'] : '')
  const source = named('heroku.source') ?? (service === null ? 'app' : 'heroku')
  const dyno = named('heroku.dyno') ?? (service === null ? named('service.instance.id') : service[1]) ?? DEFAULT_DYNO
  return {dyno: withoutLineBreaks(dyno), source: withoutLineBreaks(source)}
}

/** A source or dyno sits in a `heroku logs` line between `source[` and `]:`. */
function withoutLineBreaks(name: string): string {
  return name.replaceAll(/[\s[\]]+/g, '_')
}

/**
 * OTel severity numbers (1–24: TRACE, DEBUG, INFO, WARN, ERROR, FATAL, four each) as syslog severities. INFO2–4
 * are notice and FATAL2–4 alert and emerg, so each syslog severity maps back (otlpSeverity) to where it came from.
 */
const SYSLOG_SEVERITY = [
  undefined, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 1, 0, 0,
] as const

function recordPri(record: OtlpLogRecord): number | undefined {
  const number = record.severityNumber ?? 0
  const severity = number > 0 && number < SYSLOG_SEVERITY.length
    ? SYSLOG_SEVERITY[number]
    : (record.severityText === undefined ? undefined : severityFromName(record.severityText.trim().replace(/\d+$/, '')))
  return severity === undefined ? undefined : USER_FACILITY + severity
}

/** A syslog severity (0–7) as the OTel severity number and text it came from (see SYSLOG_SEVERITY). */
export function otlpSeverity(severity: number): {number: number; text: string} {
  return [
    {number: 23, text: 'FATAL3'}, {number: 22, text: 'FATAL2'}, {number: 21, text: 'FATAL'}, {number: 17, text: 'ERROR'},
    {number: 13, text: 'WARN'}, {number: 10, text: 'INFO2'}, {number: 9, text: 'INFO'}, {number: 5, text: 'DEBUG'},
  ][severity]
}

/** Nanoseconds since 1970 as `2024-12-01T13:20:00.123456+00:00` (Heroku's form, to the microsecond); undefined for 0 or none. */
export function nanosTimestamp(nanos: number | string | undefined): string | undefined {
  if (nanos === undefined) return undefined
  const value = BigInt(nanos)
  if (value <= 0n) return undefined
  const micros = value / 1000n
  const seconds = Number(micros / 1_000_000n)
  const fraction = String(micros % 1_000_000n).padStart(6, '0')
  return new Date(seconds * 1000).toISOString().slice(0, 19) + '.' + fraction + '+00:00'
}

function hexId(id: Uint8Array | string | undefined): string | undefined {
  if (id === undefined || id.length === 0) return undefined
  const hex = Buffer.from(id as Uint8Array).toString('hex')
  return /^0+$/.test(hex) ? undefined : hex
}

/** Attributes as one object; a repeated key keeps its last value. */
export function attributeFields(attributes: readonly KeyValue[] | undefined): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {}
  for (const {key, value} of attributes ?? []) if (key !== undefined && key !== '') fields[key] = value === undefined ? null : anyValue(value)
  return fields
}

/** An AnyValue as JSON: a 64-bit integer past 2^53 as its decimal string, bytes as base64. */
export function anyValue(value: AnyValue): FieldValue {
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) {
    const number = Number(value.intValue)
    return Number.isSafeInteger(number) ? number : String(value.intValue)
  }

  if (value.doubleValue !== undefined) return Number.isFinite(value.doubleValue) ? value.doubleValue : String(value.doubleValue)
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map((item) => anyValue(item))
  if (value.kvlistValue !== undefined) return attributeFields(value.kvlistValue.values)
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue as Uint8Array).toString('base64')
  return null
}
