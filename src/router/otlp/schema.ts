import protobuf from 'protobufjs'

import {OTLP_DESCRIPTOR} from './descriptor.js'

/**
 * The OTLP logs messages, from the official definitions (proto/, v1.11.0) through protobufjs: nothing here
 * reads protobuf by hand. Field names are protobufjs's camelCase ones, which are also OTLP/JSON's.
 */
const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as protobuf.INamespace)
/**
 * `google.rpc.Status`, the body OTLP/HTTP answers a refused request with: its first two fields, as
 * googleapis defines them (`details` is left out, it is never sent).
 */
root.add(new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string')))

const PACKAGE = 'opentelemetry.proto.collector.logs.v1.'
export const ExportLogsServiceRequest = root.lookupType(PACKAGE + 'ExportLogsServiceRequest')
export const ExportLogsServiceResponse = root.lookupType(PACKAGE + 'ExportLogsServiceResponse')
export const RpcStatus = root.lookupType('Status')

/** How decoded messages are turned into plain objects: 64-bit integers as decimal strings, bytes as Buffers, enums as numbers. */
export const PLAIN: protobuf.IConversionOptions = {arrays: false, bytes: Buffer as unknown as StringConstructor, defaults: false, enums: Number, longs: String}

/** An OTLP `AnyValue` as a plain object: at most one of these is set. */
export interface AnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: number | string
  doubleValue?: number
  arrayValue?: {values?: AnyValue[]}
  kvlistValue?: {values?: KeyValue[]}
  bytesValue?: Uint8Array | string
}

export interface KeyValue {
  key?: string
  value?: AnyValue
}

export interface OtlpLogRecord {
  timeUnixNano?: number | string
  observedTimeUnixNano?: number | string
  severityNumber?: number
  severityText?: string
  body?: AnyValue
  attributes?: KeyValue[]
  traceId?: Uint8Array | string
  spanId?: Uint8Array | string
  eventName?: string
}

export interface ResourceLogs {
  resource?: {attributes?: KeyValue[]}
  scopeLogs?: Array<{scope?: {name?: string}; logRecords?: OtlpLogRecord[]}>
}

export interface ExportLogsRequest {
  resourceLogs?: ResourceLogs[]
}
