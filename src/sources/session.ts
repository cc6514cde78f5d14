import type {Dispatcher} from 'undici'

import {ApiUnreachableError, networkFailure} from '../api/errors.js'
import {httpAgent} from '../api/http.js'
import {MAX_SESSION_LINES} from '../api/types.js'
import {MESSAGE_EVENTS_HEADER, MESSAGE_FRAMES_TYPE} from '../router/sessions/event-encoding.js'
import {gunzipIfGzip} from './file.js'
import {EventMessages, FrameMessages, type MessageDecoder, PlainMessages, type StreamMessage, WholeEventMessages} from './stream-messages.js'

export type {StreamMessage} from './stream-messages.js'

/** Server-sent events first (they can resume with `Last-Event-ID`), plain text lines otherwise. */
const ACCEPT = 'text/event-stream, text/plain;q=0.9, */*;q=0.1'
/** A reader that only writes the messages out takes logsift's frames first, where the server has them. */
const FRAMES_ACCEPT = `${MESSAGE_FRAMES_TYPE}, text/event-stream;q=0.9, text/plain;q=0.8, */*;q=0.1`
const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 5000
/** A replay that goes quiet this long without the message we stopped at did not have it: print what it sent. */
const RESUME_IDLE_MS = 1000
/** A plain text stream quiet this long after a message has sent all of its lines. */
const HOLD_IDLE_MS = 250
const NEWLINE = 0x0a

/** A log stream URL that answered with an error status, or broke off. */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** A network failure that the same request meets again (an untrusted certificate): not retried. */
    readonly permanent = false,
  ) {
    super(message)
  }
}

/** An app's log as Platform API log sessions: made by the command, read by the pipeline. */
export interface AppSessions {
  app: string
  /** A session of the app's recent lines, already created. */
  recentUrl: string
  /**
   * The recent session carries the command's whole query (history fields, and dyno and source as the server
   * takes them): what logsift's router sends from it matches already.
   */
  recentHasQuery?: boolean
  /** Creates a session that sends the last `lines` lines and then follows (for `--tail`, or after one expired). */
  tail(lines: number): Promise<string>
  /**
   * A Fir app: `recentUrl` is a session that already follows (Fir keeps no history), and a new one is made
   * every `renewMs`, as the Heroku CLI does.
   */
  fir?: {renewMs: number}
}

/** Makes a new session URL, for a stream whose session expired. */
export type RenewSession = () => Promise<string>

/**
 * Reads log stream URLs (a Logplex `logplex_url` or logsift's), plain text or server-sent events, as batches
 * of whole messages (a multi-line message is one). One instance follows one stream: it remembers the last
 * message and event id it passed on, so a reconnect or a new session resumes right after them.
 */
export class LogStream {
  private lastMessage: Buffer | undefined
  /** The id of the last event received whole from `eventUrl`: what a reconnect to it sends. */
  private lastEventId = ''
  private eventUrl = ''
  /**
   * `lastEventId` came from logsift's router answering MESSAGE_EVENTS_HEADER: its ids are offsets in the
   * app's log, which every session of the app shares, so a new session resumes from it too.
   */
  private idsAreOffsets = false
  /** Since the stream was lost, until lines flow again: how many attempts were made to get it back. */
  private drop: {attempts: number} | undefined
  private stopped = false
  private connection: Connection | undefined
  /**
   * Following a file a web server serves as it is (a response with a Content-Length): the bytes of it already
   * passed on, as whole lines. The next request skips them, as `tail -F` reads a file on from where it was.
   */
  private documentBytes = 0

  /** `notice`: one line on stderr when the stream drops and is being reconnected. */
  constructor(private readonly notice: (message: string) => void) {}

  /**
   * Everything the URL sends until it ends (an app's recent lines, or a URL read without `--tail`). With
   * `joinUpTo`, logsift's router is asked for frames, whose one-line messages up to that length come joined
   * (StreamMessage.joined).
   */
  async *read(url: string, options: {joinUpTo?: number} = {}): AsyncGenerator<StreamMessage[]> {
    const connection = await connect(url, {joinUpTo: options.joinUpTo, tail: false})
    try {
      yield* this.messages(url, connection, undefined)
      const rest = connection.decoder.end()
      if (rest.length > 0) yield this.passed(rest)
    } finally {
      connection.close()
    }
  }

  /** Ends a follow: its connection is closed, and it is not made again. */
  stop(): void {
    this.stopped = true
    this.connection?.close()
  }

  /** Follows an app's log: a session made now, and a new one whenever the one followed has expired. */
  async *followSessions(create: RenewSession): AsyncGenerator<StreamMessage[]> {
    yield* this.follow(await this.newSession(create), create)
  }

  /**
   * Follows the URL until the reader stops, reconnecting with backoff when the stream drops or ends: with
   * `Last-Event-ID` when it sends events with ids (to a new session of the app too, when they are logsift's
   * offsets), else by skipping what it replays up to the last message already passed on. With `renew`, a URL that has expired is replaced by a new session's; without it, a
   * URL that cannot be read at first is an error (it is likely mistyped), not something to wait for.
   */
  async *follow(url: string, renew?: RenewSession): AsyncGenerator<StreamMessage[]> {
    let current = url
    let everConnected = false
    while (!this.stopped) {
      const lastEventId = current === this.eventUrl || this.idsAreOffsets ? this.lastEventId : ''
      let connection: Connection
      try {
        connection = await connect(current, {lastEventId, skipBytes: this.documentBytes, tail: true})
        this.connection = connection
        if (this.stopped) return connection.close()
      } catch (error) {
        if (this.stopped) return
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
      const {document} = connection
      // Without an id to resume from, the server replays recent messages: skip up to the last one passed on. A
      // document starts after the bytes already read (or, shorter than they were, over from its start).
      const resumeAfter = lastEventId === '' && document === undefined ? this.lastMessage : undefined
      try {
        for await (const messages of this.messages(current, connection, resumeAfter)) {
          this.drop = undefined
          yield messages
        }
      } catch (error) {
        if (!isRetryable(error) && !this.stopped) throw error
      } finally {
        connection.close()
      }

      if (this.stopped) return
      if (document === undefined) {
        await this.dropped(current)
      } else {
        // Its end is no drop: it is read again for what has been added, later each time nothing has.
        this.documentBytes = document.start + document.read - document.decoder.unfinishedBytes
        this.drop ??= {attempts: 0}
        await sleep(retryDelay(this.drop.attempts++))
      }
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

  /**
   * Batches of whole messages from one connection, remembering the last message and event id passed on. A
   * message the decoder holds for lines that may follow is passed on when the stream goes quiet.
   */
  private async *messages(url: string, connection: Connection, resumeAfter: Buffer | undefined): AsyncGenerator<StreamMessage[]> {
    const {decoder} = connection
    const search = resumeAfter === undefined ? undefined : new ResumeSearch(resumeAfter)
    const chunks = connection.chunks[Symbol.asyncIterator]()
    let pending: Promise<IteratorResult<Buffer>> | undefined
    /** An event id that comes with messages held by the search: it counts only once they are passed on. */
    let heldEventId: string | undefined
    try {
      for (;;) {
        pending ??= chunks.next()
        const idleMs = decoder.holding ? HOLD_IDLE_MS : search?.searching ? RESUME_IDLE_MS : undefined
        const next = idleMs === undefined ? await pending : await withIdleTimeout(pending, idleMs)
        if (next === IDLE) {
          let quiet: StreamMessage[]
          if (decoder.holding) {
            const flushed = decoder.flush()
            quiet = search?.searching ? search.take(flushed) : flushed
          } else {
            quiet = search!.giveUp()
            if (heldEventId !== undefined) this.received(url, heldEventId, connection.idsAreOffsets)
          }

          if (quiet.length > 0) yield this.passed(quiet)
          continue
        }

        pending = undefined
        if (next.done) {
          // The stream ended: a message held for further lines has them all (held, it would be lost to a follow).
          const flushed = decoder.flush()
          const last = search?.searching ? search.take(flushed) : flushed
          if (last.length > 0) yield this.passed(last)
          return
        }

        const decoded = decoder.push(next.value)
        const messages = search?.searching ? search.take(decoded.messages) : decoded.messages
        if (decoded.eventId !== undefined) {
          if (search?.searching) heldEventId = decoded.eventId
          else this.received(url, decoded.eventId, connection.idsAreOffsets)
        }

        if (messages.length > 0) yield this.passed(messages)
      }
    } finally {
      // The body is destroyed by the caller; a read still waiting on it will fail, and nobody needs to know.
      pending?.catch(() => {})
    }
  }

  private received(url: string, eventId: string, idsAreOffsets: boolean): void {
    this.lastEventId = eventId
    this.eventUrl = url
    this.idsAreOffsets = idsAreOffsets
  }

  private passed(messages: StreamMessage[]): StreamMessage[] {
    const {joined, raw} = messages.at(-1)!
    // A copy: the message may be a view of a chunk the pipeline is done with.
    this.lastMessage = Buffer.from(joined === undefined ? raw : raw.subarray(raw.lastIndexOf(NEWLINE, raw.length - 2) + 1))
    return messages
  }
}

/** One open stream: its body and the decoder its content type calls for. */
interface Connection {
  chunks: AsyncIterable<Buffer>
  decoder: MessageDecoder
  /** A file served whole (a Content-Length, not events): where its body started, and how many bytes were read. */
  document?: {decoder: PlainMessages; read: number; start: number}
  /** Event ids are offsets in the app's log (logsift's router answered MESSAGE_EVENTS_HEADER). */
  idsAreOffsets: boolean
  close(): void
}

async function connect(url: string, options: {joinUpTo?: number; lastEventId?: string; skipBytes?: number; tail: boolean}): Promise<Connection> {
  const {request} = await import('../api/undici.js')
  const headers: Record<string, string> = {accept: options.joinUpTo === undefined ? ACCEPT : FRAMES_ACCEPT, [MESSAGE_EVENTS_HEADER]: '1'}
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
    const failure = networkFailure(error)
    if (failure) throw new StreamError(failure.reason, undefined, !failure.transient)
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
  const close = () => body.destroy()
  if (options.joinUpTo !== undefined && type.startsWith(MESSAGE_FRAMES_TYPE)) {
    return {chunks: body, close, decoder: new FrameMessages(options.joinUpTo), idsAreOffsets: true}
  }

  const events = type.startsWith('text/event-stream')
  const wholeEvents = events && responseHeaders[MESSAGE_EVENTS_HEADER] !== undefined
  const length = Number(responseHeaders['content-length'] ?? Number.NaN)
  // A log stream never ends, so it has no length: one that has is a file, followed by what is added to it.
  if (options.tail && !events && Number.isSafeInteger(length)) {
    const read = options.skipBytes ?? 0
    // Shorter than what was read of it: truncated or replaced, so read from its start, as tail -F does.
    const start = read <= length ? read : 0
    const document = {decoder: new PlainMessages(), read: 0, start}
    return {chunks: gunzipIfGzip(documentBytes(body, document)), close, decoder: document.decoder, document, idsAreOffsets: false}
  }

  return {
    // Any other body may be a log file a web server serves as it is (`app.log.gz`): gzip is told by its first
    // bytes, as a file's or stdin's is.
    chunks: events ? body : gunzipIfGzip(body),
    close,
    decoder: wholeEvents ? new WholeEventMessages() : events ? new EventMessages() : new PlainMessages(),
    idsAreOffsets: wholeEvents,
  }
}

/** A followed document's bytes from `document.start` on, counted in `document.read`. */
async function* documentBytes(body: AsyncIterable<Buffer>, document: {read: number; start: number}): AsyncGenerator<Buffer> {
  let skip = document.start
  for await (const chunk of body) {
    const rest = skip >= chunk.length ? undefined : chunk.subarray(skip)
    skip = Math.max(0, skip - chunk.length)
    if (rest === undefined) continue
    document.read += rest.length
    yield rest
  }
}

/**
 * Finds where a replay catches up: messages are held until the last message already passed on comes by
 * (they were all seen: dropped) or the replay is longer than any session sends (none were: passed on).
 */
class ResumeSearch {
  searching = true
  private held: StreamMessage[] = []

  constructor(private readonly after: Buffer) {}

  /** The messages of a batch that are new: none while still searching. */
  take(messages: StreamMessage[]): StreamMessage[] {
    for (const [i, message] of messages.entries()) {
      if (message.raw.equals(this.after)) {
        this.searching = false
        this.held = []
        return messages.slice(i + 1)
      }

      this.held.push(message)
      if (this.held.length > MAX_SESSION_LINES) return this.giveUp().concat(messages.slice(i + 1))
    }

    return []
  }

  /** The replay went quiet without the message: everything it sent is new. */
  giveUp(): StreamMessage[] {
    this.searching = false
    const {held} = this
    this.held = []
    return held
  }
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
  if (error instanceof StreamError) return error.permanent ? false : error.status === undefined || error.status === 429 || error.status >= 500
  const failure = networkFailure(error)
  return failure === undefined ? (error as {code?: string}).code?.startsWith('UND_ERR') === true : failure.transient
}

function retryDelay(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
