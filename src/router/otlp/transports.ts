import {connect as connectHttp2, constants, type ClientHttp2Session} from 'node:http2'
import {promisify} from 'node:util'
import {gzip} from 'node:zlib'

import {Pool} from 'undici'

import {drainTlsOptions} from '../drains/tls-options.js'
import {DeliveryError, networkFailure} from '../drains/transport.js'
import type {TelemetryDrain} from '../store.js'
import {ExportLogsServiceRequest, ExportLogsServiceResponse, type ExportLogsRequest} from './schema.js'

const gzipAsync = promisify(gzip)
const USER_AGENT = `logsift-router node/${process.versions.node}`
/** The OTLP/gRPC method, from logs_service.proto. */
const EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export'
/** gRPC codes the OTLP specification calls retryable; every other failure code is a refusal. */
const RETRYABLE_GRPC = new Set([1, 4, 8, 10, 11, 14, 15])

/** What the receiver said of a request it took: how many records it refused in it (partialSuccess). */
export interface ExportResult {
  readonly rejected: number
}

/** Sends export requests to one telemetry drain, one at a time. */
export interface OtlpTransport {
  /** Resolves once the receiver took the request; throws DeliveryError (`retry` or `reject`). */
  send(request: ExportLogsRequest): Promise<ExportResult>
  close(): void
}

export interface TransportOptions {
  readonly ca: string[] | undefined
  readonly timeoutMs: number
}

export function otlpTransport(drain: TelemetryDrain, options: TransportOptions): OtlpTransport {
  return drain.exporter.type === 'otlp' ? new GrpcTransport(drain, options) : new HttpTransport(drain, options)
}

/** The URL logs go to for an `otlphttp` endpoint: its `/v1/logs`, as the OpenTelemetry Collector's exporter has it. */
export function logsUrl(endpoint: string): URL {
  const url = new URL(endpoint)
  if (!url.pathname.endsWith('/v1/logs')) url.pathname = url.pathname.replace(/\/*$/, '') + '/v1/logs'
  return url
}

function encode(request: ExportLogsRequest): Buffer {
  return Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(request)).finish())
}

function rejectedIn(body: Buffer): number {
  if (body.length === 0) return 0
  try {
    const response = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(body), {longs: Number}) as {partialSuccess?: {rejectedLogRecords?: number}}
    return response.partialSuccess?.rejectedLogRecords ?? 0
  } catch {
    // A 2xx is what says the request was taken; a body that is not a response tells nothing more.
    return 0
  }
}

/** OTLP/HTTP: each request one POST of gzipped protobuf, with the drain's headers, over one connection. */
class HttpTransport implements OtlpTransport {
  private readonly pool: Pool
  private readonly path: string
  private readonly headers: Record<string, string>

  constructor(drain: TelemetryDrain, options: TransportOptions) {
    const url = logsUrl(drain.exporter.endpoint)
    this.pool = new Pool(url.origin, {
      bodyTimeout: options.timeoutMs,
      connect: url.protocol === 'https:' ? drainTlsOptions(url, options.ca) : undefined,
      connections: 1,
      headersTimeout: options.timeoutMs,
      pipelining: 1,
    })
    this.path = url.pathname + url.search
    this.headers = {...drain.exporter.headers, 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf', 'user-agent': USER_AGENT}
  }

  async send(request: ExportLogsRequest): Promise<ExportResult> {
    const body = await gzipAsync(encode(request))
    let statusCode: number
    let answer: Buffer
    try {
      const response = await this.pool.request({body, headers: this.headers, method: 'POST', path: this.path})
      statusCode = response.statusCode
      answer = Buffer.from(await response.body.arrayBuffer())
    } catch (error) {
      throw networkFailure(error)
    }

    if (statusCode >= 200 && statusCode < 300) return {rejected: rejectedIn(answer)}
    const reason = `the receiver answered ${statusCode}`
    if (statusCode === 429 || statusCode >= 500) throw new DeliveryError('retry', reason)
    throw new DeliveryError('reject', reason)
  }

  close(): void {
    this.pool.destroy().catch(() => {})
  }
}

/**
 * OTLP/gRPC with Node's own HTTP/2: one unary `Export` call per request, the message in gRPC's
 * length-prefixed framing, the status in the trailers. `https://` endpoints use TLS, `http://` cleartext
 * HTTP/2 (h2c). One session, opened again after it fails.
 */
class GrpcTransport implements OtlpTransport {
  private session: ClientHttp2Session | undefined
  private readonly url: URL

  constructor(private readonly drain: TelemetryDrain, private readonly options: TransportOptions) {
    this.url = new URL(drain.exporter.endpoint)
  }

  async send(request: ExportLogsRequest): Promise<ExportResult> {
    const message = encode(request)
    const frame = Buffer.alloc(5 + message.length)
    frame.writeUInt32BE(message.length, 1)
    message.copy(frame, 5)
    const {body, grpcMessage, grpcStatus, status} = await this.call(frame)
    if (status !== 200) {
      const reason = `the receiver answered HTTP ${status}`
      throw new DeliveryError(status === 429 || status >= 500 ? 'retry' : 'reject', reason)
    }

    if (grpcStatus !== 0) {
      const reason = `the receiver answered gRPC status ${grpcStatus}${grpcMessage === '' ? '' : ` (${decodeURIComponent(grpcMessage)})`}`
      throw new DeliveryError(Number.isNaN(grpcStatus) || RETRYABLE_GRPC.has(grpcStatus) ? 'retry' : 'reject', reason)
    }

    return {rejected: body.length > 5 ? rejectedIn(body.subarray(5, 5 + body.readUInt32BE(1))) : 0}
  }

  close(): void {
    this.session?.destroy()
    this.session = undefined
  }

  private openSession(): ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) return this.session
    const tls = this.url.protocol === 'https:' ? drainTlsOptions(this.url, this.options.ca) : {}
    const session = connectHttp2(this.url.origin, tls)
    session.on('error', () => {})
    session.on('close', () => {
      if (this.session === session) this.session = undefined
    })
    this.session = session
    return session
  }

  private call(frame: Buffer): Promise<{body: Buffer; grpcMessage: string; grpcStatus: number; status: number}> {
    return new Promise((resolve, reject) => {
      const session = this.openSession()
      const stream = session.request({
        ...lowerCased(this.drain.exporter.headers),
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: EXPORT_PATH,
        [constants.HTTP2_HEADER_USER_AGENT]: USER_AGENT,
        te: 'trailers',
      })
      const chunks: Buffer[] = []
      let status = 0
      let headerStatus: string | undefined
      let trailerStatus: string | undefined
      let grpcMessage = ''
      const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), this.options.timeoutMs)
      stream.on('response', (headers) => {
        status = Number(headers[constants.HTTP2_HEADER_STATUS])
        headerStatus = headers['grpc-status'] as string | undefined
        grpcMessage = (headers['grpc-message'] as string | undefined) ?? ''
      })
      stream.on('trailers', (trailers) => {
        trailerStatus = trailers['grpc-status'] as string | undefined
        grpcMessage = (trailers['grpc-message'] as string | undefined) ?? grpcMessage
      })
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', (error) => {
        clearTimeout(timer)
        this.close()
        reject(networkFailure(error))
      })
      stream.on('close', () => {
        clearTimeout(timer)
        if (status === 0) {
          this.close()
          reject(new DeliveryError('retry', 'the receiver closed the stream without an answer'))
          return
        }

        resolve({body: Buffer.concat(chunks), grpcMessage, grpcStatus: Number(trailerStatus ?? headerStatus), status})
      })
      stream.end(frame)
    })
  }
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}
