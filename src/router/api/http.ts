import type {IncomingMessage, ServerResponse} from 'node:http'
import {createGunzip} from 'node:zlib'

/**
 * An answer the API gives on purpose: a status and Heroku's error body `{"id", "message"}`. Anything else a
 * handler throws is a bug and becomes a 500.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'Content-Length': Buffer.byteLength(text), 'Content-Type': 'application/json; charset=utf-8'})
  res.end(text)
}

export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy()
    return
  }

  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
  // An unread body (413) or a failed read cannot be resynchronised: close rather than keep the connection.
  if (error.status === 413 || error.status === 415 || error.status >= 500) res.setHeader('Connection', 'close')
  sendJson(res, error.status, {id: error.id, message: error.message})
}

/** 204 with no body: what log-shuttle and Logplex expect from an input (never a chunked reply). */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204)
  res.end()
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'payload_too_large', `Request body is over the ${limit}-byte limit; send smaller batches.`)
}

/**
 * The whole request body, gunzipped when `Content-Encoding: gzip`, refused with 413 as soon as it (or what it
 * inflates to) passes `limit` bytes: memory per request stays bounded whatever the client sends.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) throw tooLarge(limit)

  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  let stream: AsyncIterable<Buffer>
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    const gunzip = createGunzip()
    req.on('error', (error) => gunzip.destroy(error))
    stream = req.pipe(gunzip)
  } else if (encoding === 'identity') {
    stream = req
  } else {
    throw new ApiError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported; send gzip or no encoding.`)
  }

  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream) {
      size += chunk.length
      if (size > limit) throw tooLarge(limit)
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof ApiError) throw error
    if (typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('Z_')) {
      throw new ApiError(400, 'bad_request', `Request body is not valid gzip: ${(error as Error).message}.`)
    }

    throw error
  }

  // A body that came in one chunk is used as it is: copying it into fresh memory was ~10% of the router's ingest CPU.
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)
}

/** A JSON object body; an empty body is `{}` (the Heroku CLI may send none). */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit)
  if (body.length === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new ApiError(400, 'bad_request', 'Request body must be valid JSON.')
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError(422, 'invalid_params', 'Request body must be a JSON object.')
  }

  return parsed as Record<string, unknown>
}
