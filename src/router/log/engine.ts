/**
 * The router's durable log: one append-only log per app, numbered by offsets that only grow. Everything that
 * reads messages (the recent buffer, sessions, drains, history queries) is meant to be a reader of it.
 *
 * The interface knows nothing of files: offsets are numbers, calls are async and take batches, so a NATS
 * JetStream engine (a stream per router, a subject per app, sequence numbers as offsets, KV for cursors,
 * consumers for follow) can implement it as well as the file engine (src/router/log/file-engine.ts).
 */
import type {LinePrefilter} from '../../parse/split.js'
import type {QueryOptions} from '../../query/compile.js'

/** A message as the router accepted it, stored whole. */
export interface NewMessage {
  /** The message text; may hold line breaks. */
  readonly text: string
  readonly source: string
  readonly dyno: string
  /** Syslog PRI (0–191), when the sender gave one. */
  readonly priority?: number
  /**
   * `false` when the PRI was stamped by Heroku (an HTTPS drain's `host`, a syslog drain's token) and so says
   * nothing of the message's severity (src/parse/level.ts, rule 4): engines keep `false`, so that a message
   * read back is levelled as it was when it came in. `true` is what a PRI alone tells, and may read back absent.
   */
  readonly priIsLevel?: boolean
  /** The timestamp as the sender wrote it, when it wrote one. */
  readonly timestamp?: string
  /** When the router received it, epoch ms. */
  readonly receivedAt: number
}

/** A message in an app's log, at its offset. */
export interface StoredMessage extends NewMessage {
  readonly offset: number
}

/** Where a read starts: at an offset, or at the first message received at or after a time (epoch ms). */
export type ReadStart = {readonly offset: number} | {readonly time: number}

export interface ReadOptions {
  /**
   * A query's byte condition: an engine that can test it on stored bytes decodes only the messages that may
   * match (the caller still applies the whole query). Engines that cannot return every message.
   */
  readonly prefilter?: LinePrefilter
  /** What the prefilter was compiled from (compileLinePrefilter): an engine may compile it again on another thread. */
  readonly query?: QueryOptions
  /**
   * With a prefilter: a read may end once it holds about this many messages (a batch's worth more at most),
   * before `limit` offsets, so that a read sized for a query few messages pass stays small when many do.
   * `next` says where it ended. Engines that return every message bound it by `limit` alone.
   */
  readonly maxMessages?: number
  /**
   * Without a prefilter: an engine that can hands each message to the sink as its stored bytes instead of
   * decoding it (ReadResult.messages is then empty); one that cannot returns the messages.
   */
  readonly sink?: StoredBytesSink
}

/** Where a stored message's parts lie in a buffer (UTF-8): source, dyno, timestamp and text, one after the other. */
export interface StoredMessageBytes {
  offset: number
  receivedAt: number
  priority: number | undefined
  /** NewMessage.priIsLevel false: the PRI was stamped by Heroku. */
  priStamped: boolean
  hasTimestamp: boolean
  /** Some message of its batch has a line break in a part (false: none has, no need to look). */
  batchBreaksLines: boolean
  sourceStart: number
  dynoStart: number
  timestampStart: number
  textStart: number
  textEnd: number
}

/** Takes messages as bytes from a read (ReadOptions.sink), e.g. to copy them into a response as they are. */
export interface StoredBytesSink {
  /** `buffer` and `parts` are valid during the call only. */
  take(buffer: Buffer, parts: Readonly<StoredMessageBytes>): void
  /**
   * Where a read into this sink may read the log's bytes (the sink copies what it takes): one buffer for all
   * of a sink's reads, which come one after another, rather than a new one a read.
   */
  readonly readBuffer?: Buffer
}

export interface ReadResult {
  /** Oldest first; the first may be past the start when older messages were removed by retention. */
  readonly messages: StoredMessage[]
  /** Where to read from next: past the last message returned; when none was, the start (past any removed). */
  readonly next: number
}

export interface AppendResult {
  /** The offset of the batch's first message. */
  readonly first: number
  /** The offset the next message will get: the batch holds `first` to `next - 1`. */
  readonly next: number
}

export interface AppLogStats {
  /** The oldest stored message's offset; equals `nextOffset` when the log holds none. */
  readonly firstOffset: number
  readonly nextOffset: number
  /** Storage used, framing included. */
  readonly bytes: number
  /** The units retention removes data in (the file engine's segment files); 0 where the engine has none. */
  readonly segments: number
  /** The oldest stored message's receive time; undefined when the log holds none. */
  readonly oldestTime: number | undefined
}

export interface FollowOptions {
  /** Ends the iteration (it returns, it does not throw). */
  readonly signal?: AbortSignal
  /** Messages per batch at most. Default 1,000. */
  readonly limit?: number
}

/** One app's log. Offsets start at 1; they only grow, and may skip numbers where data was lost or removed. */
export interface AppLog {
  readonly appId: string

  /**
   * Stores the batch, in order, and numbers it. Resolves once the batch is as durable as the engine's policy
   * promises (with fsync `always`, on disk). Rejects with LogWriteError when it cannot be stored; then none
   * of it is, and what was stored before is intact.
   */
  append(messages: readonly NewMessage[]): Promise<AppendResult>

  /**
   * Up to `limit` messages from `start`, oldest first. With `options.prefilter`, the engine may leave out
   * messages whose bytes cannot pass it (src/parse/split.ts); those still count towards `limit`, so a read
   * covers at most `limit` offsets either way, and `next` is past them.
   */
  read(start: ReadStart, limit: number, options?: ReadOptions): Promise<ReadResult>

  /**
   * Batches from offset `from` on: what is stored, then each append as it comes, without polling, until the
   * signal aborts or the engine closes. The reader sets the pace: nothing is queued for it.
   */
  follow(from: number, options?: FollowOptions): AsyncIterable<StoredMessage[]>

  /** A reader's saved position (a drain's next offset), kept across restarts; undefined when never set. */
  cursor(name: string): Promise<number | undefined>

  /** Saves a reader's position; resolves when it is kept as durably as the engine promises. */
  setCursor(name: string, offset: number): Promise<void>

  /**
   * Forgets a reader's position (a drain removed): `cursor(name)` is undefined after, also across restarts.
   * Deleting a cursor that was never set does nothing; it resolves when the deletion is kept as durably as
   * setCursor's changes.
   */
  deleteCursor(name: string): Promise<void>

  /**
   * A reader's saved counts and notes besides its position (what a drain delivered and dropped, its last
   * error), kept with the cursors and as durably, across restarts; undefined when never set.
   */
  readerState(name: string): Promise<ReaderState | undefined>

  /** Saves a reader's state, replacing what was saved under the name; resolves as setCursor does. */
  setReaderState(name: string, state: ReaderState): Promise<void>

  /** Forgets a reader's state (a drain removed), as deleteCursor forgets a position. */
  deleteReaderState(name: string): Promise<void>

  stats(): Promise<AppLogStats>

  /**
   * The offset ranges, oldest first, that may hold messages whose own time (the timestamp they were sent
   * with, as a history query reads it) is in [since, until] (epoch ms; undefined: unbounded). What lies
   * outside them holds none. An engine that keeps no such summary returns the whole log.
   */
  windowRanges(since: number | undefined, until: number | undefined): Promise<OffsetRange[]>
}

/** A reader's saved state: named numbers and texts (JSON, so that every engine can keep it as it is). */
export type ReaderState = Readonly<Record<string, number | string>>

/** A reader's state from values of which some may be unset: those are left out (JSON keeps no undefined). */
export function readerStateOf(values: Readonly<Record<string, number | string | undefined>>): ReaderState {
  const state: Record<string, number | string> = {}
  for (const [key, value] of Object.entries(values)) if (value !== undefined) state[key] = value
  return state
}

/** The number a saved state holds under `key`; undefined when it holds none (a state saved by an older router). */
export function savedNumber(state: ReaderState | undefined, key: string): number | undefined {
  const value = state?.[key]
  return typeof value === 'number' ? value : undefined
}

/** The text a saved state holds under `key`, or undefined. */
export function savedText(state: ReaderState | undefined, key: string): string | undefined {
  const value = state?.[key]
  return typeof value === 'string' ? value : undefined
}

/** Offsets `from` up to `next` (excluded). */
export interface OffsetRange {
  readonly from: number
  readonly next: number
}

/** `windowRanges` of an engine that keeps no own-time summary: everything the log holds. */
export async function wholeLogRanges(log: AppLog): Promise<OffsetRange[]> {
  const {firstOffset, nextOffset} = await log.stats()
  return firstOffset < nextOffset ? [{from: firstOffset, next: nextOffset}] : []
}

export interface EngineCapabilities {
  /** Messages and cursors survive closing the engine and opening it again on the same storage. */
  readonly durable: boolean
}

/** How much is kept: whatever is past any limit goes, oldest first. */
export interface RetentionPolicy {
  /** Default 7 days. */
  readonly maxAgeMs: number
  /** Per app. Default 1 GiB. */
  readonly appMaxBytes: number
  /** For all apps together. Default 10 GiB. */
  readonly totalMaxBytes: number
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  appMaxBytes: 1024 ** 3,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  totalMaxBytes: 10 * 1024 ** 3,
}

export interface RetentionReport {
  /** Messages removed, per app id (apps that lost none are absent). */
  readonly removed: Map<string, number>
  readonly bytesRemoved: number
}

export interface LogEngine {
  readonly capabilities: EngineCapabilities

  /** The app's log; created on its first append. */
  app(appId: string): AppLog

  /** Apps that have a log. */
  apps(): Promise<string[]>

  /** Applies the retention policy now (the engine also does on its own, from time to time). */
  enforceRetention(): Promise<RetentionReport>

  /** Waits for appends in progress, makes what was appended durable, ends every follow. */
  close(): Promise<void>
}

/**
 * An append could not be stored. `full`: no space (disk full, quota, file size limit): HTTP ingest answers
 * 503, syslog counts a drop. `io`: any other write failure. `closed`: the engine was closed.
 */
export class LogWriteError extends Error {
  constructor(readonly reason: 'closed' | 'full' | 'io', message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'LogWriteError'
  }
}
