import type {IncomingHttpHeaders, ServerResponse} from 'node:http'

import type {DropCounter, DropOrigin} from '../drops.js'
import {encodeLogMessages, encodeMessage, MESSAGE_EVENTS_HEADER, MESSAGE_FRAMES_TYPE, type StreamFormat} from './event-encoding.js'
import type {Batch, LogHub} from '../hub.js'
import type {AppLog, ReadResult, ReadStart, StoredMessage} from '../log/engine.js'
import {herokuTimestamp, type LogMessage, logplexLine, storedMessage} from '../message.js'
import type {Traffic} from '../observability/traffic.js'
import {CLOCK_SKEW_MS} from './history-query.js'
import {StoredEvents} from './stored-events.js'
import {CHUNK_MESSAGES, type TimeChunks, timeChunksOf} from './time-chunks.js'
import {type LogSession, sessionMatches} from './sessions.js'

export interface StreamOptions {
  /** See streamFormat. */
  format: StreamFormat
  /** From `Last-Event-ID`: send what came after this message instead of the last `lines`. */
  lastEventId: number | undefined
  /** Bytes waiting for a slow client beyond which new messages are dropped for it. */
  maxQueueBytes: number
  drops: DropCounter
  /** Where messages written to the client are counted, per app. */
  traffic?: Traffic
}

/** Messages a history read with a byte prefilter holds at most: its size in memory, whatever the query. */
export const PREFILTERED_READ_MESSAGES = 16 * CHUNK_MESSAGES
/** Offsets a prefiltered read covers at most: reads of a query few messages pass grow to this. */
export const PREFILTERED_READ_MAX_OFFSETS = 256 * CHUNK_MESSAGES

/**
 * The offsets the next prefiltered history read covers, from what the last one covered and found: as many
 * as should hold PREFILTERED_READ_MESSAGES, between that many and PREFILTERED_READ_MAX_OFFSETS. Each read
 * costs a round of the log's read threads and a write to the client, so a query few messages pass reads the
 * log in large steps (measured: 10 M messages, 2 % passing, 16 k-offset reads 6.2 s, 128 k 5.2 s); one most
 * pass reads in steps as small as before, and a read that meets more than it expected ends at its
 * `maxMessages`.
 */
export function prefilteredReadSize(covered: number, found: number): number {
  const expected = found === 0 ? PREFILTERED_READ_MAX_OFFSETS : Math.floor((covered * PREFILTERED_READ_MESSAGES) / found)
  return Math.max(PREFILTERED_READ_MESSAGES, Math.min(PREFILTERED_READ_MAX_OFFSETS, expected))
}

/** Messages read from the durable log at a time, for a session that follows it. */
const LOG_READ_BATCH = 1000
/** Silence after which a history read tells an events client it is still there. */
const KEEP_ALIVE_MS = 10_000

/**
 * What the client asked for: logsift's frames when it accepts them (MESSAGE_FRAMES_TYPE), server-sent events
 * with `Accept: text/event-stream` (with the PRI field too when it sends MESSAGE_EVENTS_HEADER), plain lines
 * otherwise.
 */
export function streamFormat(headers: IncomingHttpHeaders): StreamFormat {
  const accept = headers.accept ?? ''
  if (accept.includes(MESSAGE_FRAMES_TYPE)) return 'frames'
  if (!accept.includes('text/event-stream')) return 'plain'
  return headers[MESSAGE_EVENTS_HEADER] === undefined ? 'events' : 'events-with-pri'
}

const CONTENT_TYPES: Record<StreamFormat, string> = {
  events: 'text/event-stream',
  'events-with-pri': 'text/event-stream',
  frames: MESSAGE_FRAMES_TYPE,
  plain: 'text/plain; charset=utf-8',
}

/**
 * One client reading a log session: the recent lines that match, then, when tailing, each new matching line
 * until the client leaves or the router closes.
 *
 * The queue for a slow client is the response's own write buffer: while it holds more than `maxQueueBytes`,
 * new messages are dropped for this client only, and once it has room again it gets Logplex's L11 line
 * saying how many and since when. Ingest never waits for a reader.
 */
export class SessionStream {
  private dropped = 0
  private firstDropAt = 0
  private lastDroppedSeq = 0
  private unsubscribe: (() => void) | undefined
  /** Ends a follow of the durable log (a session from `since`, or from a Last-Event-ID the buffer lost). */
  private stopFollowing: (() => void) | undefined
  /** When a history read last wrote to the client (epoch ms). */
  private lastWrite = 0

  constructor(
    private readonly res: ServerResponse,
    private readonly session: LogSession,
    private readonly hub: LogHub,
    private readonly options: StreamOptions,
  ) {}

  start(): void {
    const {res} = this
    const {format} = this.options
    res.writeHead(200, {
      'Cache-Control': 'no-cache',
      'Content-Type': CONTENT_TYPES[format],
      // Proxies must pass each line on as it comes.
      'X-Accel-Buffering': 'no',
      // Says to the reader that asked that each event is one message: one more header only for it.
      ...(format === 'events-with-pri' ? {[MESSAGE_EVENTS_HEADER]: '1'} : undefined),
    })
    const start = this.logStart()
    if (start !== undefined) {
      this.streamFromLog(start).catch((error: Error) => this.res.destroy(error))
      return
    }

    const {count, text} = this.backlog()
    // The recent lines leave the router as much as what follows them: they are counted the same way.
    this.options.traffic?.streamed(this.session.appId, count)
    if (!this.session.tail) {
      res.end(text)
      return
    }

    if (text === '') res.flushHeaders()
    else res.write(text)
    // Subscribed in the same tick as the backlog was read: no message falls between the two.
    this.follow()
  }

  /** The router is closing: end the response normally, so the client sees a clean end of stream. */
  end(): void {
    this.unsubscribe?.()
    this.stopFollowing?.()
    this.res.end()
  }

  /**
   * Where to read the app's durable log from, when the recent buffer does not have it: the session's `since`,
   * or a `Last-Event-ID` older than the buffer's oldest message (a client that was away long, or a restart).
   */
  private logStart(): ReadStart | undefined {
    const {since} = this.session
    const {lastEventId} = this.options
    if (lastEventId === undefined) return since === undefined ? undefined : {time: since - CLOCK_SKEW_MS}
    const recent = this.hub.recent(this.session.appId)
    const inBuffer = since === undefined && (recent.size === 0 || recent.at(0).seq <= lastEventId + 1)
    return inBuffer ? undefined : {offset: lastEventId + 1}
  }

  /**
   * Sends what the log holds from `start` that matches, at the client's pace: up to what was stored when the
   * session was read, then, tailing without `until`, on with each message the log takes (its follow()).
   */
  private async streamFromLog(start: ReadStart): Promise<void> {
    const {appId, tail, until} = this.session
    const log = this.hub.engine.app(appId)
    const {firstOffset, nextOffset: end} = await log.stats()
    this.chunks.forgetBefore(appId, firstOffset)
    // A time is found by a read; from there on offsets lead.
    const from = 'offset' in start ? start.offset : await offsetAtTime(log, start)
    const next = await this.sendHistory(log, from, end)
    if (next === undefined || this.closed) return
    // A session with `until` ends with what was stored when it was read, tailing or not.
    if (!tail || until !== undefined) {
      this.res.end()
      return
    }

    // The log's own follow: each append, at the pace the client reads (nothing is queued for it).
    const following = new AbortController()
    this.stopFollowing = () => following.abort()
    this.res.on('close', this.stopFollowing)
    for await (const messages of log.follow(next, {limit: LOG_READ_BATCH, signal: following.signal})) {
      if (this.closed || !(await this.sendStored(messages, Infinity))) return
    }
  }

  /**
   * Sends what matches from `from` up to `end`, reading only the segments whose own-time spans meet the
   * session's window (AppLog.windowRanges), in reads cut at chunk edges (TimeChunks) so that a chunk read
   * whole is summarised, and a chunk whose times all fall outside the window is skipped unread.
   * Returns where the log goes on (`end`: a read that went past it sent nothing from there), or undefined
   * once the response has ended.
   */
  private async sendHistory(log: AppLog, from: number, end: number): Promise<number | undefined> {
    const {appId, dynoTest, filter, prefilter, prefilterQuery, since, sourceTest, until, windowFilterOnly} = this.session
    const window = since !== undefined || until !== undefined
    const skip = (offset: number): number | undefined => (window ? this.chunks.skip(appId, offset, since, until) : undefined)
    // The log's own summary: the segments whose messages' own times may fall in the window (all, without one).
    const ranges = window ? await log.windowRanges(since, until) : [{from, next: end}]
    // Chunks are learnt (a timestamp parse per message) only for a window closed on both sides: one open on a
    // side reads on to the log's end or from its start, where the segments' spans already skip what they can.
    const bounded = since !== undefined && until !== undefined
    // A chunk being learnt is read whole, one a read: reads of ten cost more (garbage collection of the larger
    // pages) than the opens they save. With the query's byte prefilter the log decodes only what may match,
    // and reads of many chunks save opens and writes at no such cost.
    const prefiltered = !bounded && prefilter !== undefined
    let prefilteredCount = PREFILTERED_READ_MESSAGES
    /** The next read from `at`: past the ranges and chunks that cannot match; undefined past the last. */
    const plan = (at: number): {count: number; from: number} | undefined => {
      while (at < end) {
        while (ranges.length > 0 && ranges[0].next <= at) ranges.shift()
        const range = ranges[0]
        if (range === undefined) return undefined
        const skipTo = range.from > at ? range.from : skip(at)
        if (skipTo === undefined) return {count: Math.min(range.next - at, prefiltered ? prefilteredCount : CHUNK_MESSAGES - ((at - 1) % CHUNK_MESSAGES)), from: at}
        at = skipTo
      }

      return undefined
    }

    // Reads whose every message is sent (no filter, or a chunk known to lie in the window of a window alone)
    // take the messages as the log's bytes, copied into events (StoredEvents): none is decoded.
    const events = new StoredEvents(this.options.format)
    const sendsAll = (at: number): boolean => dynoTest === undefined && sourceTest === undefined
      && (filter === undefined || (windowFilterOnly === true && bounded && this.chunks.inside(appId, at, since, until)))
    const read = ({count, from}: {count: number; from: number}): Promise<ReadResult> => {
      const options = prefiltered ? {maxMessages: PREFILTERED_READ_MESSAGES, prefilter, query: prefilterQuery} : sendsAll(from) ? {sink: events} : undefined
      // Nothing at or past `end` is sent: a read into the sink stops there.
      const reading = log.read({offset: from}, options?.sink === undefined ? count : Math.min(count, end - from), options)
      // A read made ahead may be left unawaited when the client goes.
      reading.catch(() => {})
      return reading
    }

    this.lastWrite = Date.now()
    let planned = plan(from)
    let reading = planned && read(planned)
    while (planned !== undefined && reading !== undefined && !this.closed) {
      const {messages, next} = await reading
      if (bounded) this.chunks.learn(appId, messages, next)
      // A chunk read whole whose times all fall in the window: its messages need no time test.
      const inWindow = bounded && this.chunks.inside(appId, planned.from, since, until)
      if (messages.length === 0 && next <= planned.from) return Math.min(planned.from, end)
      if (prefiltered) prefilteredCount = prefilteredReadSize(next - planned.from, messages.length)
      from = next
      planned = plan(from)
      // A prefiltered read's next one starts before these messages are sent: the log's read threads work on it
      // while this thread tests and writes these.
      reading = planned && prefiltered ? read(planned) : undefined
      if (!(await this.sendStored(messages, end, inWindow))) return undefined
      if (events.count > 0 && !(await this.sendEvents(events))) return undefined
      reading ??= planned && read(planned)
      this.keepAlive()
    }

    return planned === undefined ? end : Math.min(from, end)
  }

  /**
   * A comment line (`:`) to an events or frames client after KEEP_ALIVE_MS without a message: a long read that
   * matches little must not look like a dead connection to the client or a proxy (the CLI gives up after 60 s).
   */
  private keepAlive(): void {
    if (this.options.format === 'plain' || Date.now() - this.lastWrite < KEEP_ALIVE_MS) return
    this.res.write(':\n')
    this.lastWrite = Date.now()
  }

  private get chunks(): TimeChunks {
    return timeChunksOf(this.hub.engine)
  }

  /**
   * Writes those of the messages before `end` that match (`inWindow`: all are known to be in the session's time
   * window), and waits while the client cannot take more. Returns false when the client has left or the router
   * is closing.
   */
  private async sendStored(messages: readonly StoredMessage[], end: number, inWindow = false): Promise<boolean> {
    const matched: LogMessage[] = []
    for (const stored of messages) {
      if (stored.offset >= end) break
      const message = storedMessage(stored)
      if (sessionMatches(this.session, message, inWindow)) matched.push(message)
    }

    if (matched.length === 0) return !this.closed
    return this.writeHistory(encodeLogMessages(matched, this.options.format), matched.length)
  }

  /** Writes the events a read put into the sink, and waits while the client cannot take more. */
  private sendEvents(events: StoredEvents): Promise<boolean> {
    const {count} = events
    const {parts, written} = events.flush()
    return this.writeHistory(parts, count, written)
  }

  /**
   * Writes `count` messages of history (given in parts: written together; `written` called once they are
   * out) and waits while the client cannot take more; false once it has gone.
   */
  private async writeHistory(data: Buffer | string | Buffer[], count: number, written?: () => void): Promise<boolean> {
    this.lastWrite = Date.now()
    let room = true
    if (Array.isArray(data)) {
      this.res.cork()
      for (const [i, part] of data.entries()) room = i === data.length - 1 ? this.res.write(part, written) : this.res.write(part)
      this.res.uncork()
    } else {
      room = this.res.write(data, written)
    }

    this.options.traffic?.streamed(this.session.appId, count)
    if (!room) await drainedOrClosed(this.res)
    return !this.closed
  }

  /** The client left, or the router is closing (end() ended the response). */
  private get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed
  }

  private follow(): void {
    this.unsubscribe = this.hub.subscribe(this.session.appId, (batch) => this.deliver(batch))
    this.res.on('drain', () => this.reportDrops())
    this.res.on('close', () => this.unsubscribe?.())
  }

  /** The recent messages the session asked for, encoded, and how many. */
  private backlog(): {count: number; text: string} {
    const recent = this.hub.recent(this.session.appId)
    const {lastEventId} = this.options
    const picked: LogMessage[] = []
    if (lastEventId !== undefined) {
      for (let i = 0; i < recent.size; i++) {
        const message = recent.at(i)
        if (message.seq > lastEventId && sessionMatches(this.session, message)) picked.push(message)
      }
    } else {
      for (let i = recent.size - 1; i >= 0 && picked.length < this.session.lines; i--) {
        const message = recent.at(i)
        if (sessionMatches(this.session, message)) picked.push(message)
      }

      picked.reverse()
    }

    return {count: picked.length, text: encodeLogMessages(picked, this.options.format)}
  }

  private deliver(batch: Batch): void {
    const {session} = this
    const overflowing = this.res.writableLength >= this.options.maxQueueBytes
    if (session.dynoTest === undefined && session.sourceTest === undefined && session.filter === undefined) {
      if (overflowing) this.drop(batch.messages.length, batch.messages.at(-1)!.seq)
      else this.write(batch.encoded(this.options.format), batch.messages.length)
      return
    }

    const matched = batch.messages.filter((message) => sessionMatches(session, message))
    if (matched.length === 0) return
    if (overflowing) this.drop(matched.length, matched.at(-1)!.seq)
    else this.write(encodeLogMessages(matched, this.options.format), matched.length)
  }

  private drop(count: number, lastSeq: number): void {
    if (this.dropped === 0) this.firstDropAt = Date.now()
    this.dropped += count
    this.lastDroppedSeq = lastSeq
    this.options.drops.count('session_overflow', count, this.session.appId, this.origin)
  }

  /** The client, for the router's log line about its first overflow. */
  private get origin(): DropOrigin {
    const {remoteAddress = 'unknown', remotePort} = this.res.socket ?? {}
    return {key: remoteAddress, sender: `log session client ${remoteAddress}:${remotePort}`}
  }

  private write(data: Buffer | string, count: number): void {
    this.reportDrops()
    this.res.write(data)
    this.options.traffic?.streamed(this.session.appId, count)
  }

  /**
   * Writes the L11 line for messages dropped so far, if any. Its event id is the last dropped message's, so
   * a client that reconnects resumes after what it was told it lost.
   */
  private reportDrops(): void {
    if (this.dropped === 0) return
    const now = Date.now()
    const line = logplexLine(
      `Error L11 (Tail buffer overflow) -> This tail session dropped ${this.dropped} messages since ${herokuTimestamp(this.firstDropAt)}.`,
      now,
    )
    this.dropped = 0
    this.res.write(encodeMessage(this.lastDroppedSeq, line, this.options.format))
    // Leaves the router as the L10 line of a drain does, which its delivered count includes.
    this.options.traffic?.streamed(this.session.appId, 1)
  }
}

/** The offset of the first message received at or after the time, or where the log goes on when none was. */
async function offsetAtTime(log: AppLog, start: {time: number}): Promise<number> {
  const {messages, next} = await log.read(start, 1)
  return messages[0]?.offset ?? next
}

/** Resolves when the response can take more, or has closed (the client left, the router is closing). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }

    res.on('drain', done)
    res.on('close', done)
  })
}
