import type {Dispatcher} from 'undici'

import {ApiUnreachableError, networkReason} from '../api/errors.js'
import {httpAgent} from '../api/http.js'
import {MAX_SESSION_LINES} from '../api/types.js'
import {EventStreamDecoder} from './event-stream.js'

/** Server-sent events first (they can resume with `Last-Event-ID`), plain text lines otherwise. */
const ACCEPT = 'text/event-stream, text/plain;q=0.9, */*;q=0.1'
const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 5000
/** A replay that goes quiet this long without the line we stopped at did not have it: print what it sent. */
const RESUME_IDLE_MS = 1000
const NEWLINE = 0x0a

/** A log stream URL that answered with an error status, or broke off. */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

/** An app's log as Platform API log sessions: made by the command, read by the pipeline. */
export interface AppSessions {
  app: string
  /** A session of the app's recent lines, already created. */
  recentUrl: string
  /** Creates a session that sends the last `lines` lines and then follows (for `--tail`, or after one expired). */
  tail(lines: number): Promise<string>
}

/** Makes a new session URL, for a stream whose session expired. */
export type RenewSession = () => Promise<string>

/**
 * Reads log stream URLs (a Logplex `logplex_url` or logsift's), plain text or server-sent events, as chunks
 * of whole lines. One instance follows one stream: it remembers the last line and event id it passed on,
 * so a reconnect or a new session resumes right after them.
 */
export class LogStream {
  private lastLine: Buffer | undefined
  /** The id of the last event received whole from `eventUrl`: what a reconnect to it sends. */
  private lastEventId = ''
  private eventUrl = ''
  /** Since the stream was lost, until lines flow again: how many attempts were made to get it back. */
  private drop: {attempts: number} | undefined

  /** `notice`: one line on stderr when the stream drops and is being reconnected. */
  constructor(private readonly notice: (message: string) => void) {}

  /** Everything the URL sends until it ends (an app's recent lines, or a URL read without `--tail`). */
  async *read(url: string): AsyncGenerator<Buffer> {
    const connection = await connect(url, {tail: false})
    try {
      yield* this.lines(url, connection, undefined)
      const rest = connection.decoder.rest()
      if (rest) yield this.passed(rest)
    } finally {
      connection.close()
    }
  }

  /** Follows an app's log: a session made now, and a new one whenever the one followed has expired. */
  async *followSessions(create: RenewSession): AsyncGenerator<Buffer> {
    yield* this.follow(await this.newSession(create), create)
  }

  /**
   * Follows the URL until the reader stops, reconnecting with backoff when the stream drops or ends: with
   * `Last-Event-ID` when it sends events with ids, else by skipping what it replays up to the last line
   * already passed on. With `renew`, a URL that has expired is replaced by a new session's; without it, a
   * URL that cannot be read at first is an error (it is likely mistyped), not something to wait for.
   */
  async *follow(url: string, renew?: RenewSession): AsyncGenerator<Buffer> {
    let current = url
    let everConnected = false
    for (;;) {
      const lastEventId = current === this.eventUrl ? this.lastEventId : ''
      let connection: Connection
      try {
        connection = await connect(current, {lastEventId, tail: true})
      } catch (error) {
        if (!everConnected && renew === undefined) throw error
        if (renew && error instanceof StreamError && (error.status === 404 || error.status === 410)) {
          current = await this.newSession(renew)
        } else if (!isRetryable(error)) {
          throw error
        }

        await this.dropped(current)
        continue
      }

      everConnected = true
      // Without an id to resume from, the server replays recent lines: skip up to the last one passed on.
      const resumeAfter = lastEventId === '' ? this.lastLine : undefined
      try {
        for await (const lines of this.lines(current, connection, resumeAfter)) {
          this.drop = undefined
          yield lines
        }
      } catch (error) {
        if (!isRetryable(error)) throw error
      } finally {
        connection.close()
      }

      await this.dropped(current)
    }
  }

  /** A new session's URL, waiting for the API to come back if it is down (a router restarting). */
  private async newSession(create: RenewSession): Promise<string> {
    for (;;) {
      try {
        return await create()
      } catch (error) {
        // An answer such as `not_found` is final.
        if (!(error instanceof ApiUnreachableError)) throw error
        await this.dropped(error.url)
      }
    }
  }

  /** Says once that the stream is lost, then waits a little longer at each attempt until lines flow again. */
  private async dropped(url: string): Promise<void> {
    if (this.drop === undefined) {
      this.notice(`lost the log stream from ${new URL(url).origin}; reconnecting`)
      this.drop = {attempts: 0}
    }

    await sleep(retryDelay(this.drop.attempts++))
  }

  /** Chunks of whole lines from one connection, remembering the last line and event id passed on. */
  private async *lines(url: string, connection: Connection, resumeAfter: Buffer | undefined): AsyncGenerator<Buffer> {
    const search = resumeAfter === undefined ? undefined : new ResumeSearch(resumeAfter)
    const chunks = connection.chunks[Symbol.asyncIterator]()
    let pending: Promise<IteratorResult<Buffer>> | undefined
    /** An event id that comes with lines held by the search: it counts only once they are passed on. */
    let heldEventId: string | undefined
    try {
      for (;;) {
        pending ??= chunks.next()
        const next = search?.searching ? await withIdleTimeout(pending, RESUME_IDLE_MS) : await pending
        if (next === IDLE) {
          const held = search!.giveUp()
          if (heldEventId !== undefined) this.received(url, heldEventId)
          if (held) yield this.passed(held)
          continue
        }

        pending = undefined
        if (next.done) return
        const decoded = connection.decoder.push(next.value)
        const lines = search?.searching ? search.take(decoded.lines) : decoded.lines
        if (decoded.eventId !== undefined) {
          if (search?.searching) heldEventId = decoded.eventId
          else this.received(url, decoded.eventId)
        }

        if (lines) yield this.passed(lines)
      }
    } finally {
      // The body is destroyed by the caller; a read still waiting on it will fail, and nobody needs to know.
      pending?.catch(() => {})
    }
  }

  private received(url: string, eventId: string): void {
    this.lastEventId = eventId
    this.eventUrl = url
  }

  private passed(lines: Buffer): Buffer {
    // Copy the last line: `lines` may be a view of a chunk the pipeline is done with.
    this.lastLine = Buffer.from(lastLineOf(lines))
    return lines
  }
}

/** One open stream: its body and the decoder its content type calls for. */
interface Connection {
  chunks: AsyncIterable<Buffer>
  decoder: LineDecoder
  close(): void
}

async function connect(url: string, options: {lastEventId?: string; tail: boolean}): Promise<Connection> {
  const {request} = await import('undici')
  const headers: Record<string, string> = {accept: ACCEPT}
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId
  let response: Dispatcher.ResponseData
  try {
    response = await request(url, {
      // A tail is quiet for as long as the app is: it has no body timeout.
      bodyTimeout: options.tail ? 0 : 60_000,
      dispatcher: await httpAgent(),
      headers,
      headersTimeout: 30_000,
    })
  } catch (error) {
    const reason = networkReason(error)
    if (reason) throw new StreamError(reason)
    throw error
  }

  const {body, headers: responseHeaders, statusCode} = response
  // Closing the body early is how a reader stops: that is not an error anyone needs to hear about.
  body.on('error', () => {})
  if (statusCode !== 200) {
    body.destroy()
    throw new StreamError(statusCode === 404 || statusCode === 410 ? `the log stream has expired or never existed (HTTP ${statusCode})` : `HTTP ${statusCode}`, statusCode)
  }

  const type = String(responseHeaders['content-type'] ?? '')
  return {
    chunks: body,
    close: () => body.destroy(),
    decoder: type.startsWith('text/event-stream') ? new EventLines() : new PlainLines(),
  }
}

interface Decoded {
  /** Whole lines, each with its `\n`; undefined when the chunk completed none. */
  lines: Buffer | undefined
  /** The id of the last event this chunk completed (server-sent events only). */
  eventId?: string
}

interface LineDecoder {
  push(chunk: Buffer): Decoded
  /** A last line the stream ended without its newline. */
  rest(): Buffer | undefined
}

/** `text/plain`: lines as they are; a partial line waits for the next chunk. */
class PlainLines implements LineDecoder {
  private partial: Buffer | undefined

  push(chunk: Buffer): Decoded {
    const data = this.partial ? Buffer.concat([this.partial, chunk]) : chunk
    const end = data.lastIndexOf(NEWLINE) + 1
    this.partial = end < data.length ? Buffer.from(data.subarray(end)) : undefined
    return {lines: end > 0 ? data.subarray(0, end) : undefined}
  }

  rest(): Buffer | undefined {
    return this.partial ? Buffer.concat([this.partial, Buffer.from('\n')]) : undefined
  }
}

/** `text/event-stream`: each event's data holds one or more log lines; empty lines are keep-alives. */
class EventLines implements LineDecoder {
  private readonly decoder = new EventStreamDecoder()

  push(chunk: Buffer): Decoded {
    const events = this.decoder.push(chunk)
    if (events.length === 0) return {lines: undefined}
    let text = ''
    for (const event of events) {
      for (const line of event.data.split('\n')) if (line !== '') text += line + '\n'
    }

    return {eventId: events.at(-1)!.id, lines: text === '' ? undefined : Buffer.from(text)}
  }

  rest(): undefined {
    return undefined
  }
}

/**
 * Finds where a replay catches up: lines are held until the last line already passed on comes by (they were
 * all seen: dropped) or the replay is longer than any session sends (none were: passed on).
 */
class ResumeSearch {
  searching = true
  private held: Buffer[] = []
  private heldLines = 0

  constructor(private readonly after: Buffer) {}

  /** The lines of `chunk` that are new, or undefined while still searching. */
  take(chunk: Buffer | undefined): Buffer | undefined {
    if (chunk === undefined) return undefined
    let start = 0
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start) + 1
      const line = chunk.subarray(start, end)
      start = end
      if (line.equals(this.after)) {
        this.searching = false
        this.held = []
        return start < chunk.length ? chunk.subarray(start) : undefined
      }

      if (++this.heldLines > MAX_SESSION_LINES) {
        this.searching = false
        return Buffer.concat([...this.held, chunk])
      }
    }

    this.held.push(Buffer.from(chunk))
    return undefined
  }

  /** The replay went quiet without the line: everything it sent is new. */
  giveUp(): Buffer | undefined {
    this.searching = false
    const held = this.held.length > 0 ? Buffer.concat(this.held) : undefined
    this.held = []
    return held
  }
}

function lastLineOf(lines: Buffer): Buffer {
  if (lines.length < 2) return lines
  const start = lines.lastIndexOf(NEWLINE, lines.length - 2) + 1
  return lines.subarray(start)
}

const IDLE = Symbol('idle')

async function withIdleTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined
  const idle = new Promise<typeof IDLE>((resolve) => (timer = setTimeout(() => resolve(IDLE), ms)))
  try {
    return await Promise.race([promise, idle])
  } finally {
    clearTimeout(timer)
  }
}

/** A drop (network error, server error, end of stream) is worth a reconnect; a 4xx answer is not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof StreamError) return error.status === undefined || error.status === 429 || error.status >= 500
  return networkReason(error) !== undefined || (error as {code?: string}).code?.startsWith('UND_ERR') === true
}

function retryDelay(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
