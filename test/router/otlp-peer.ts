import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttp2Server, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream} from 'node:http2'
import type {AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

import protobuf from 'protobufjs'

/**
 * The OTLP side of the tests, built on its own from the official definitions: the vendored .proto files,
 * loaded here with protobufjs (not the router's generated descriptor), so a sender and a receiver that
 * speak OTLP as the specification writes it, whatever the router does.
 */
const PROTO_DIR = fileURLToPath(new URL('../../src/router/otlp/proto/', import.meta.url))
const root = new protobuf.Root()
root.resolvePath = (_origin, target) => PROTO_DIR + target
root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto')
export const Request = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
export const Response = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse')

/** A request (protobufjs object form: camelCase, bytes as Buffers, 64-bit integers as strings) as protobuf. */
export function encodeRequest(request: object): Buffer {
  return Buffer.from(Request.encode(Request.fromObject(request)).finish())
}

export function decodeRequest(body: Buffer): any {
  return Request.toObject(Request.decode(body), {bytes: String, enums: Number, longs: String})
}

export function decodeResponse(body: Buffer): any {
  return Response.toObject(Response.decode(body), {longs: Number})
}

/** `{stringValue}` and friends for an attribute list. */
export function attributes(values: Record<string, boolean | number | string>): Array<{key: string; value: object}> {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === 'string' ? {stringValue: value} : typeof value === 'boolean' ? {boolValue: value} : Number.isInteger(value) ? {intValue: value} : {doubleValue: value},
  }))
}

/** One log record as a request from one resource. */
export function oneResource(resource: Record<string, string>, logRecords: object[]): {resourceLogs: object[]} {
  return {resourceLogs: [{resource: {attributes: attributes(resource)}, scopeLogs: [{logRecords, scope: {name: 'test'}}]}]}
}

/** An OTLP/HTTP logs receiver: keeps every request it took (decoded), answers as `answer` says. */
export class OtlpReceiver {
  readonly requests: Array<{body: any; headers: IncomingMessage['headers']}> = []
  /** The status to answer with; 200 takes the request. */
  answer: () => number = () => 200
  private readonly server: Server

  private constructor(server: Server) {
    this.server = server
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver: OtlpReceiver = new OtlpReceiver(createServer((req, res) => receiver.take(req, res)))
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
    return receiver
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Every record taken, in order, with its resource's attributes. */
  records(): Array<{record: any; resource: Record<string, unknown>}> {
    return recordsIn(this.requests)
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private async take(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const status = this.answer()
    if (status !== 200) {
      res.writeHead(status, {'Content-Type': 'application/x-protobuf'}).end()
      return
    }

    let body = Buffer.concat(chunks)
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
    this.requests.push({body: decodeRequest(body), headers: req.headers})
    const response = Buffer.from(Response.encode(Response.fromObject({})).finish())
    res.writeHead(200, {'Content-Type': 'application/x-protobuf'}).end(response)
  }
}

/** An OTLP/gRPC logs receiver over cleartext HTTP/2 (h2c): the Export method, gRPC framing, status in trailers. */
export class GrpcOtlpReceiver {
  readonly requests: Array<{body: any; headers: Record<string, unknown>}> = []
  /** The gRPC status to answer with; 0 takes the request. */
  answer: () => number = () => 0
  private readonly server: Http2Server
  private readonly sessions = new Set<ServerHttp2Session>()

  private constructor(server: Http2Server) {
    this.server = server
  }

  static async start(): Promise<GrpcOtlpReceiver> {
    const receiver: GrpcOtlpReceiver = new GrpcOtlpReceiver(createHttp2Server())
    receiver.server.on('stream', (stream, headers) => receiver.take(stream, headers))
    receiver.server.on('session', (session) => {
      receiver.sessions.add(session)
      session.on('close', () => receiver.sessions.delete(session))
    })
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
    return receiver
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  records(): Array<{record: any; resource: Record<string, unknown>}> {
    return recordsIn(this.requests)
  }

  close(): Promise<void> {
    for (const session of this.sessions) session.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private take(stream: ServerHttp2Stream, headers: Record<string, unknown>): void {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      const status = this.answer()
      const frame = Buffer.concat(chunks)
      if (headers[':path'] !== '/opentelemetry.proto.collector.logs.v1.LogsService/Export' || frame[0] !== 0) {
        stream.respond({':status': 200, 'content-type': 'application/grpc'}, {waitForTrailers: true})
        stream.on('wantTrailers', () => stream.sendTrailers({'grpc-message': 'unknown method', 'grpc-status': '12'}))
        stream.end()
        return
      }

      if (status === 0) this.requests.push({body: decodeRequest(frame.subarray(5, 5 + frame.readUInt32BE(1))), headers})
      stream.respond({':status': 200, 'content-type': 'application/grpc'}, {waitForTrailers: true})
      stream.on('wantTrailers', () => stream.sendTrailers({'grpc-status': String(status)}))
      if (status === 0) {
        const message = Buffer.from(Response.encode(Response.fromObject({})).finish())
        const reply = Buffer.alloc(5 + message.length)
        reply.writeUInt32BE(message.length, 1)
        message.copy(reply, 5)
        stream.end(reply)
      } else {
        stream.end()
      }
    })
  }
}

/** Every record of the requests, in order, with its resource's attributes as plain values. */
export function recordsIn(requests: ReadonlyArray<{body: any}>): Array<{record: any; resource: Record<string, unknown>}> {
  return requests.flatMap(({body}) => (body.resourceLogs ?? []).flatMap((resourceLogs: any) => {
    const resource = Object.fromEntries((resourceLogs.resource?.attributes ?? []).map((kv: any) => [kv.key, Object.values(kv.value)[0]]))
    return (resourceLogs.scopeLogs ?? []).flatMap((scope: any) => (scope.logRecords ?? []).map((record: any) => ({record, resource})))
  }))
}

/** Severity numbers 1–24 and the level `logs -o json` gives each (TRACE/DEBUG debug, INFO info, INFO2–4 notice, ...). */
export const SEVERITY_LEVELS = ['debug', 'debug', 'debug', 'debug', 'debug', 'debug', 'debug', 'debug', 'info', 'notice', 'notice', 'notice',
  'warn', 'warn', 'warn', 'warn', 'error', 'error', 'error', 'error', 'crit', 'alert', 'emerg', 'emerg']
export const TRACE_ID = '5b8efff798038103d269b633813fc60c'
export const SPAN_ID = 'eee19b7ec3c1b174'

/**
 * What `logs -a -o json` prints for the 24 records both OTLP senders of the tests send (severities 1–24, the
 * first with a kvlist body, each with the same attributes and trace context): checked record by record.
 */
export function assertSeverityRecords(stdout: string): void {
  const read = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line))
  assert.equal(read.length, 24)
  assert.deepEqual(read.map((record) => record.level), SEVERITY_LEVELS)
  assert.deepEqual(read[0], {
    dyno: 'web-58f4b7c6d-x2k9p', fields: {event: 'signup', 'http.route': '/pay', n: 1, ok: true, plan: 'pro', ratio: 0.5, span_id: SPAN_ID, trace_id: TRACE_ID},
    level: 'debug', message: `{"event":"signup","plan":"pro","http.route":"/pay","n":1,"ok":true,"ratio":0.5,"trace_id":"${TRACE_ID}","span_id":"${SPAN_ID}"}`,
    source: 'app', timestamp: '2024-12-01T13:20:00.123456+00:00',
  })
  assert.deepEqual(read[16].fields, {'http.route': '/pay', n: 17, ok: true, ratio: 0.5, span_id: SPAN_ID, trace_id: TRACE_ID})
  assert.ok(read[16].message.startsWith('record 17 {'))
}
