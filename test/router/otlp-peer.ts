import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
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
    return this.requests.flatMap(({body}) => (body.resourceLogs ?? []).flatMap((resourceLogs: any) => {
      const resource = Object.fromEntries((resourceLogs.resource?.attributes ?? []).map((kv: any) => [kv.key, Object.values(kv.value)[0]]))
      return (resourceLogs.scopeLogs ?? []).flatMap((scope: any) => (scope.logRecords ?? []).map((record: any) => ({record, resource})))
    }))
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
