/**
 * The router's durable log on NATS JetStream, shared by every router node of a cluster (docs/cluster.md).
 *
 * The client is `nats` 2.x rather than `@nats-io/*` 3.x: the 3.x packages split the API over several modules
 * whose JetStream and KV parts lean on server features from 2.10/2.11 (multi-filter consumers, batch direct
 * get, per-message TTL) that Debian's nats-server 2.9.10 does not have, while 2.29 still speaks to 2.9 servers
 * and runs on Node 20 as plain CommonJS.
 *
 * Layout: one stream (`<name>_log`) with a subject per app (`<name>.log.<app>`), many log messages per NATS
 * message (a chunk, see chunk.ts). Offsets are each app's own numbers carried in the chunks' headers, not
 * stream sequences: the log interface numbers each app from 1, one apart, which stream sequences (shared by
 * every app, one per chunk) cannot give. Every node appends with compare-and-set on the subject's last
 * sequence (`Nats-Expected-Last-Subject-Sequence`), so two nodes appending to one app never number alike;
 * the loser reads the new end and tries again. Reads find a chunk by offset or time with a binary search of
 * leader reads (`STREAM.MSG.GET` with `next_by_subj`, never a replica that may lag), then walk the subject;
 * follows are ordered consumers filtered on the subject. Cursors live in a KV bucket (`<name>_cursors`).
 */
import {
  type ConnectionOptions, connect, type ConsumerMessages, DiscardPolicy, Events, headers as natsHeaders, type JetStreamClient,
  type JetStreamManager, type KV, type MsgHdrs, type NatsConnection, NatsError, RetentionPolicy as StreamRetention, StorageType,
  type StreamConfig,
} from 'nats'

import {
  type AppendResult, type AppLog, type AppLogStats, DEFAULT_RETENTION, type EngineCapabilities, type FollowOptions, type LogEngine,
  LogWriteError, type NewMessage, type OffsetRange, type ReaderState, type ReadResult, type ReadStart, type RetentionPolicy, type RetentionReport, type StoredMessage,
  wholeLogRanges,
} from '../log/engine.js'
import {CHUNK_HEADERS, chunkPayload, decodeChunk, encodeMessage, nameToken, tokenName} from './chunk.js'

export interface JetStreamEngineOptions {
  /** A connection to use (not closed by the engine); without one, the engine connects with `connection`. */
  readonly nc?: NatsConnection
  readonly connection?: ConnectionOptions
  /** Prefix of the stream, its subjects and the cursors bucket. Default `logsift`. */
  readonly name?: string
  /** Copies of the stream and bucket on distinct servers. Default 1. */
  readonly replicas?: number
  readonly retention?: Partial<RetentionPolicy>
  /** How often this node applies retention on its own. Default 60,000. */
  readonly retentionIntervalMs?: number
  /** The clock retention is judged by. Default Date.now. */
  readonly now?: () => number
  /** Largest chunk payload. Default: the server's max_payload less room for headers. */
  readonly maxChunkBytes?: number
}

/** A chunk as a reader sees it, from its headers (and its payload, decoded on demand). */
export interface Chunk {
  readonly seq: number
  readonly first: number
  readonly count: number
  /** The app's payload bytes up to and including this chunk. */
  readonly cumulativeBytes: number
  /** Its own payload bytes (0 for a marker). */
  readonly bytes: number
  /** The latest receive time in it; -1 for a marker. */
  readonly lastTime: number
  readonly data: Uint8Array
}

/** Where an app's log ends: its last chunk's sequence (0 when it has none), next offset and bytes so far. */
interface Tail {
  readonly seq: number
  readonly next: number
  readonly cumulativeBytes: number
}

const EMPTY_TAIL: Tail = {cumulativeBytes: 0, next: 1, seq: 0}
/** JetStream's error for a failed compare-and-set on the subject's last sequence. */
const WRONG_LAST_SEQUENCE = 10_071
const HEADER_ROOM = 1024
const MAX_CAS_ATTEMPTS = 1000
/** Chunks a follow has fetched ahead of its reader at most. */
const FOLLOW_PREFETCH = 16
/**
 * A follow's pull requests last this long and the server heartbeats at half of it: a follow whose consumer
 * died with its NATS server notices within a few seconds and is made again from where it was.
 */
const FOLLOW_EXPIRES_MS = 4000
const OFFSET_HINTS = 256

export class JetStreamLogEngine implements LogEngine {
  readonly capabilities: EngineCapabilities = {durable: true}
  readonly streamName: string
  readonly subjectPrefix: string
  private readonly logs = new Map<string, JetStreamAppLog>()
  private readonly retention: RetentionPolicy
  private readonly now: () => number
  private closed = false
  private readonly timer: NodeJS.Timeout
  private retentionRunning: Promise<RetentionReport> | undefined
  readonly follows = new Set<ConsumerMessages>()
  /** False while the connection to NATS is lost: appends fail at once instead of waiting for an ack that cannot come. */
  private connected = true

  private constructor(
    readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    readonly jsm: JetStreamManager,
    readonly js: JetStreamClient,
    readonly cursors: KV,
    readonly maxChunkBytes: number,
    options: JetStreamEngineOptions,
  ) {
    const name = options.name ?? 'logsift'
    this.streamName = `${name}_log`
    this.subjectPrefix = `${name}.log.`
    this.retention = {...DEFAULT_RETENTION, ...options.retention}
    this.now = options.now ?? Date.now
    this.timer = setInterval(() => this.scheduleRetention(), options.retentionIntervalMs ?? 60_000).unref()
    this.watchConnection().catch(() => {})
  }

  /** Connects (unless given a connection) and creates the stream and bucket, or brings their limits up to date. */
  static async open(options: JetStreamEngineOptions): Promise<JetStreamLogEngine> {
    const nc = options.nc ?? await connect(options.connection)
    try {
      const jsm = await nc.jetstreamManager()
      const name = options.name ?? 'logsift'
      const retention = {...DEFAULT_RETENTION, ...options.retention}
      await ensureStream(jsm, streamConfig(name, retention, options.replicas ?? 1))
      const js = nc.jetstream()
      // Read through the stream's leader, not any replica (direct get): a drain's position read after it was
      // saved must be the one saved — a replica behind would send frames again after a handover.
      const cursors = await js.views.kv(`${name}_cursors`, {allow_direct: false, history: 1, replicas: options.replicas ?? 1})
      const maxChunkBytes = options.maxChunkBytes ?? nc.info!.max_payload - HEADER_ROOM
      return new JetStreamLogEngine(nc, options.nc === undefined, jsm, js, cursors, maxChunkBytes, options)
    } catch (error) {
      if (options.nc === undefined) await nc.close()
      throw error
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Why an append cannot be stored now, or undefined when it can be tried. */
  get unavailable(): LogWriteError | undefined {
    if (this.closed) return new LogWriteError('closed', 'the log is closed')
    return this.connected ? undefined : new LogWriteError('io', 'NATS is unreachable')
  }

  /** The stream's last sequence: a follow of everything from one past it misses nothing appended later. */
  async lastSequence(): Promise<number> {
    return (await this.jsm.streams.info(this.streamName)).state.last_seq
  }

  /**
   * Every app's messages from stream sequence `fromSeq` on, in stream order (the one order every node
   * sees), through one ordered consumer on all the apps' subjects, until the signal aborts or the engine closes.
   */
  async *followAll(fromSeq: number, signal: AbortSignal): AsyncGenerator<{appId: string; messages: StoredMessage[]; seq: number}> {
    for await (const {chunk, subject} of this.chunks(`${this.subjectPrefix}>`, fromSeq, signal)) {
      if (chunk.count > 0) yield {appId: tokenName(subject.slice(this.subjectPrefix.length)), messages: decodeChunk(chunk.data, chunk.first), seq: chunk.seq}
    }
  }

  /** Chunks on `filter` from `startSeq` on, as an ordered consumer delivers them. */
  async *chunks(filter: string, startSeq: number, signal?: AbortSignal): AsyncGenerator<{chunk: Chunk; subject: string}> {
    if (this.closed || signal?.aborted) return
    const consumer = await this.js.consumers.get(this.streamName, {filterSubjects: filter, opt_start_seq: startSeq})
    const iterator = await consumer.consume({expires: FOLLOW_EXPIRES_MS, max_messages: FOLLOW_PREFETCH})
    const stop = (): void => {
      iterator.stop()
    }

    this.follows.add(iterator)
    signal?.addEventListener('abort', stop, {once: true})
    // Aborted or closed while the consumer was being made (NATS slow or gone): no event will come for it.
    if (this.closed || signal?.aborted) stop()
    try {
      for await (const message of iterator) {
        if (this.closed || signal?.aborted) return
        yield {chunk: chunkOf(message.seq, message.headers, message.data), subject: message.subject}
      }
    } finally {
      signal?.removeEventListener('abort', stop)
      this.follows.delete(iterator)
      iterator.stop()
    }
  }

  app(appId: string): JetStreamAppLog {
    let log = this.logs.get(appId)
    if (log === undefined) {
      log = new JetStreamAppLog(this, appId, this.subjectPrefix + nameToken(appId))
      this.logs.set(appId, log)
    }

    return log
  }

  async apps(): Promise<string[]> {
    const info = await this.jsm.streams.info(this.streamName, {subjects_filter: `${this.subjectPrefix}>`})
    return Object.keys(info.state.subjects ?? {}).map((subject) => tokenName(subject.slice(this.subjectPrefix.length)))
  }

  /**
   * Age and the per-app size are applied per app, the total from the stream's oldest chunk on. The unit
   * removed is a chunk, and an app's last chunk is replaced by a marker before it goes, so numbering
   * never restarts. Every node may run this: removal is idempotent, a second marker is harmless.
   */
  enforceRetention(): Promise<RetentionReport> {
    this.retentionRunning ??= this.applyRetention().finally(() => {
      this.retentionRunning = undefined
    })
    return this.retentionRunning
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    await Promise.all([...this.logs.values()].map((log) => log.settle()))
    for (const messages of this.follows) messages.stop()
    await this.retentionRunning?.catch(() => {})
    if (this.ownsConnection) await this.nc.close()
  }

  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === Events.Disconnect) this.connected = false
      else if (status.type === Events.Reconnect) this.connected = true
    }
  }

  private scheduleRetention(): void {
    if (!this.closed) this.enforceRetention().catch(() => {})
  }

  private async applyRetention(): Promise<RetentionReport> {
    const removed = new Map<string, number>()
    let bytesRemoved = 0
    const note = (appId: string, messages: number, bytes: number): void => {
      if (messages === 0) return
      removed.set(appId, (removed.get(appId) ?? 0) + messages)
      bytesRemoved += bytes
    }

    const cutoff = this.now() - this.retention.maxAgeMs
    for (const appId of await this.apps()) {
      const {messages, bytes} = await this.app(appId).removeExpired(cutoff, this.retention.appMaxBytes)
      note(appId, messages, bytes)
    }

    await this.applyTotalLimit(note)
    return {bytesRemoved, removed}
  }

  /** Removes the stream's oldest chunks, whatever their app, until all apps together fit. */
  private async applyTotalLimit(note: (appId: string, messages: number, bytes: number) => void): Promise<void> {
    const apps = await this.apps()
    let total = 0
    for (const appId of apps) total += (await this.app(appId).stats()).bytes
    let seq = 0
    while (total > this.retention.totalMaxBytes) {
      const oldest = await this.jsm.streams.getMessage(this.streamName, {next_by_subj: `${this.subjectPrefix}>`, seq} as unknown as number).catch((error: unknown) => {
        if (error instanceof NatsError && error.api_error?.code === 404) return undefined
        throw error
      })
      if (oldest === undefined) break
      const appId = tokenName(oldest.subject.slice(this.subjectPrefix.length))
      const chunk = chunkOf(oldest.seq, oldest.header, oldest.data)
      seq = chunk.seq + 1
      if (chunk.count === 0) continue
      const {messages, bytes} = await this.app(appId).removeThrough(chunk)
      note(appId, messages, bytes)
      total -= bytes
    }
  }
}

export class JetStreamAppLog implements AppLog {
  private tail: Tail | undefined
  private pending: Array<{messages: readonly NewMessage[]; marker: boolean; resolve: (result: AppendResult) => void; reject: (error: unknown) => void}> = []
  private flushing: Promise<void> | undefined
  /** Where the chunk holding an offset was seen (or starts after), for reads that go on where one ended. */
  private readonly hints = new Map<number, number>()

  constructor(private readonly engine: JetStreamLogEngine, readonly appId: string, readonly subject: string) {}

  append(messages: readonly NewMessage[]): Promise<AppendResult> {
    return this.enqueue(messages, false)
  }

  windowRanges(): Promise<OffsetRange[]> {
    return wholeLogRanges(this)
  }

  async read(start: ReadStart, limit: number): Promise<ReadResult> {
    if ('time' in start) return this.readFromTime(start.time, limit)
    const offset = start.offset
    let chunk = await this.hinted(offset)
    chunk ??= await this.search((candidate) => candidate.first + candidate.count - 1 >= offset)
    if (chunk === undefined) return {messages: [], next: Math.max(offset, 1)}
    const messages: StoredMessage[] = []
    let next = Math.max(offset, chunk.first)
    while (chunk !== undefined && messages.length < limit) {
      for (const message of decodeChunk(chunk.data, chunk.first)) {
        if (message.offset < next || messages.length >= limit) continue
        messages.push(message)
      }

      if (messages.length > 0) next = messages.at(-1)!.offset + 1
      const done = next < chunk.first + chunk.count
      this.hint(next, done ? chunk.seq : chunk.seq + 1)
      if (done) break
      chunk = await this.chunkFrom(chunk.seq + 1)
    }

    return {messages, next}
  }

  async *follow(from: number, options: FollowOptions = {}): AsyncGenerator<StoredMessage[]> {
    const {signal} = options
    const limit = options.limit ?? 1000
    if (this.engine.isClosed || signal?.aborted) return
    let next = from
    for await (const {chunk} of this.engine.chunks(this.subject, await this.followStart(from), signal)) {
      if (chunk.count === 0 || chunk.first + chunk.count <= next) continue
      const messages = decodeChunk(chunk.data, chunk.first).filter((stored) => stored.offset >= next)
      next = chunk.first + chunk.count
      for (let i = 0; i < messages.length; i += limit) {
        if (signal?.aborted || this.engine.isClosed) return
        yield messages.slice(i, i + limit)
      }
    }
  }

  async cursor(name: string): Promise<number | undefined> {
    const entry = await this.engine.cursors.get(this.cursorKey(name))
    if (entry === null || entry.operation !== 'PUT') return undefined
    return Number(entry.string())
  }

  async setCursor(name: string, offset: number): Promise<void> {
    if (!(Number.isSafeInteger(offset) && offset >= 0)) throw new RangeError(`cursor ${name}: ${offset} is not an offset`)
    await this.engine.cursors.put(this.cursorKey(name), String(offset))
  }

  async deleteCursor(name: string): Promise<void> {
    await this.engine.cursors.delete(this.cursorKey(name))
  }

  async readerState(name: string): Promise<ReaderState | undefined> {
    const entry = await this.engine.cursors.get(this.stateKey(name))
    if (entry === null || entry.operation !== 'PUT') return undefined
    return JSON.parse(entry.string()) as ReaderState
  }

  async setReaderState(name: string, state: ReaderState): Promise<void> {
    await this.engine.cursors.put(this.stateKey(name), JSON.stringify(state))
  }

  async deleteReaderState(name: string): Promise<void> {
    await this.engine.cursors.delete(this.stateKey(name))
  }

  async stats(): Promise<AppLogStats> {
    const last = await this.last()
    if (last === undefined) return {bytes: 0, firstOffset: 1, nextOffset: 1, oldestTime: undefined, segments: 0}
    let first = await this.chunkFrom(0)
    const nextOffset = last.first + last.count
    if (first === undefined) return {bytes: 0, firstOffset: nextOffset, nextOffset, oldestTime: undefined, segments: 0}
    const firstOffset = first.first
    while (first !== undefined && first.count === 0) first = await this.chunkFrom(first.seq + 1)
    if (first === undefined) return {bytes: 0, firstOffset, nextOffset, oldestTime: undefined, segments: 0}
    const oldestTime = decodeChunk(first.data, first.first)[0].receivedAt
    return {bytes: last.cumulativeBytes - first.cumulativeBytes + first.bytes, firstOffset, nextOffset, oldestTime, segments: 0}
  }

  /** Removes whole chunks older than `cutoff` or past `maxBytes`; returns the messages and bytes removed. */
  async removeExpired(cutoff: number, maxBytes: number): Promise<{messages: number; bytes: number}> {
    const last = await this.last()
    if (last === undefined) return {bytes: 0, messages: 0}
    const young = await this.search((chunk) => chunk.lastTime >= cutoff)
    const small = await this.search((chunk) => last.cumulativeBytes - chunk.cumulativeBytes + chunk.bytes <= maxBytes)
    const keep = young === undefined || small === undefined ? undefined : (young.seq > small.seq ? young : small)
    if (keep !== undefined) return this.removeBefore(keep)
    return this.removeThrough(last)
  }

  /** Removes every chunk up to and including `chunk`, leaving a marker if nothing would be left. */
  async removeThrough(chunk: Chunk): Promise<{messages: number; bytes: number}> {
    const after = await this.chunkFrom(chunk.seq + 1)
    if (after !== undefined) return this.removeBefore(after)
    await this.enqueue([], true)
    const marker = await this.last()
    return this.removeBefore(marker!)
  }

  /** Waits for the appends queued so far. */
  async settle(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
  }

  private async removeBefore(keep: Chunk): Promise<{messages: number; bytes: number}> {
    const first = await this.chunkFrom(0)
    if (first === undefined || first.seq >= keep.seq) return {bytes: 0, messages: 0}
    await this.engine.jsm.streams.purge(this.engine.streamName, {filter: this.subject, seq: keep.seq})
    this.hints.clear()
    return {bytes: keep.cumulativeBytes - keep.bytes - (first.cumulativeBytes - first.bytes), messages: keep.first - first.first}
  }

  private enqueue(messages: readonly NewMessage[], marker: boolean): Promise<AppendResult> {
    const unavailable = this.engine.unavailable
    if (unavailable !== undefined) return Promise.reject(new LogWriteError(unavailable.reason, `the log of ${this.appId}: ${unavailable.message}`))
    return new Promise((resolve, reject) => {
      this.pending.push({marker, messages, reject, resolve})
      this.flushing ??= this.flush()
    })
  }

  /**
   * One chunk in flight per app and node (compare-and-set needs the last sequence); what queues meanwhile
   * goes in the next. `flushing` is cleared in the same tick as the last look at `pending`, so an append
   * made as the loop ends is never left behind.
   */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending
      this.pending = []
      try {
        await this.store(group)
      } catch (error) {
        this.tail = undefined
        const failure = error instanceof LogWriteError ? error : new LogWriteError('io', `cannot store in NATS JetStream: ${(error as Error).message}`, {cause: error})
        for (const entry of group) entry.reject(failure)
      }
    }

    this.flushing = undefined
  }

  /**
   * Stores a group of appends as few chunks as fit. An entry's offsets are known only once the chunks
   * holding its messages are stored (another node may have appended first): each entry notes where it
   * starts and ends as (chunk, position), turned into offsets at the end.
   */
  private async store(group: typeof this.pending): Promise<void> {
    let tail = this.tail ?? await this.readTail()
    const chunkFirsts: number[] = []
    const encoded: string[] = []
    let bytes = 2
    // The chunk's latest receive time, for its Logsift-Time header: -1 while it holds none (a marker).
    let lastTime = -1
    const publish = async (marker: boolean): Promise<void> => {
      tail = await this.publishChunk(tail, encoded, lastTime, marker)
      chunkFirsts.push(tail.next - encoded.length)
      encoded.length = 0
      bytes = 2
      lastTime = -1
    }

    const places: Array<{entry: (typeof group)[number]; start: [number, number]; end: [number, number]}> = []
    for (const entry of group) {
      let start: [number, number] = [chunkFirsts.length, encoded.length]
      for (const [i, message] of entry.messages.entries()) {
        const one = encodeMessage(message)
        const size = Buffer.byteLength(one) + 1
        if (size + 2 > this.engine.maxChunkBytes) throw new LogWriteError('io', `a message of ${size} bytes does not fit in a NATS message (max_payload ${this.engine.maxChunkBytes + HEADER_ROOM})`)
        if (bytes + size > this.engine.maxChunkBytes) await publish(false)
        if (i === 0) start = [chunkFirsts.length, encoded.length]
        encoded.push(one)
        bytes += size
        lastTime = Math.max(lastTime, message.receivedAt)
      }

      if (entry.marker && encoded.length === 0) await publish(true)
      places.push({end: [chunkFirsts.length, encoded.length], entry, start})
    }

    if (encoded.length > 0) await publish(false)
    this.tail = tail
    const offset = ([chunk, position]: [number, number]): number => (chunkFirsts[chunk] ?? tail.next) + position
    for (const {entry, start, end} of places) entry.resolve({first: offset(start), next: offset(end)})
  }

  /** Publishes one chunk after `tail`, re-reading the tail whenever another node appended first. */
  private async publishChunk(tail: Tail, encoded: readonly string[], lastTime: number, marker: boolean): Promise<Tail> {
    const payload = marker ? Buffer.alloc(0) : chunkPayload(encoded)
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const next = tail.next + encoded.length
      const headers = natsHeaders()
      headers.set(CHUNK_HEADERS.offset, String(tail.next))
      headers.set(CHUNK_HEADERS.count, String(encoded.length))
      headers.set(CHUNK_HEADERS.bytes, String(tail.cumulativeBytes + payload.length))
      headers.set(CHUNK_HEADERS.time, String(lastTime))
      headers.set('Nats-Expected-Last-Subject-Sequence', String(tail.seq))
      // A second guard: nats-server 2.9 may accept two concurrent compare-and-sets on a clustered stream
      // (nats-server#4320, #5644); deduplication by id refuses the second chunk with the same first offset.
      headers.set('Nats-Msg-Id', `${this.subject}:${tail.next}${marker ? ':marker' : ''}`)
      try {
        const ack = await this.engine.js.publish(this.subject, payload, {headers})
        if (ack.duplicate) {
          tail = await this.readTail()
          continue
        }

        const seq = ack.seq
        if (encoded.length > 0) this.hint(tail.next, seq)
        return {cumulativeBytes: tail.cumulativeBytes + payload.length, next, seq}
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error
        tail = await this.readTail()
      }
    }

    throw new LogWriteError('io', `${MAX_CAS_ATTEMPTS} nodes appended to ${this.appId} before this one could`)
  }

  private async readTail(): Promise<Tail> {
    const last = await this.last()
    return last === undefined ? EMPTY_TAIL : {cumulativeBytes: last.cumulativeBytes, next: last.first + last.count, seq: last.seq}
  }

  private async readFromTime(time: number, limit: number): Promise<ReadResult> {
    const chunk = await this.search((candidate) => candidate.lastTime >= time)
    if (chunk === undefined) return {messages: [], next: (await this.readTail()).next}
    const at = decodeChunk(chunk.data, chunk.first).find((message) => message.receivedAt >= time)!
    this.hint(at.offset, chunk.seq)
    return this.read({offset: at.offset}, limit)
  }

  /**
   * The sequence an ordered consumer starts from to deliver offset `from` on. The stream's end is read
   * before the search: when no chunk reaches `from`, every later one of the app is past that end.
   */
  private async followStart(from: number): Promise<number> {
    const end = (await this.engine.jsm.streams.info(this.engine.streamName)).state.last_seq
    const chunk = await this.search((candidate) => candidate.first + candidate.count - 1 >= from)
    return chunk === undefined ? end + 1 : chunk.seq
  }

  /** The first chunk (in stream order) for which `matches` holds, assuming it holds for every later one too. */
  private async search(matches: (chunk: Chunk) => boolean): Promise<Chunk | undefined> {
    const first = await this.chunkFrom(0)
    const last = await this.last()
    if (first === undefined || last === undefined) return undefined
    if (matches(first)) return first
    let low = first.seq + 1
    let high = last.seq
    let found: Chunk | undefined
    while (low <= high) {
      const middle = Math.floor((low + high) / 2)
      const chunk = await this.chunkFrom(middle)
      if (chunk === undefined || chunk.seq > high || matches(chunk)) {
        if (chunk !== undefined && chunk.seq <= high) found = chunk
        high = middle - 1
      } else low = chunk.seq + 1
    }

    return found ?? (matches(last) ? last : undefined)
  }

  private async hinted(offset: number): Promise<Chunk | undefined> {
    const seq = this.hints.get(offset)
    if (seq === undefined) return undefined
    const chunk = await this.chunkFrom(seq)
    return chunk !== undefined && chunk.first <= offset && offset < chunk.first + chunk.count ? chunk : undefined
  }

  private hint(offset: number, seq: number): void {
    this.hints.delete(offset)
    this.hints.set(offset, seq)
    if (this.hints.size > OFFSET_HINTS) this.hints.delete(this.hints.keys().next().value!)
  }

  /** The app's first chunk at or after stream sequence `seq`. */
  private async chunkFrom(seq: number): Promise<Chunk | undefined> {
    return this.get({next_by_subj: this.subject, seq})
  }

  private last(): Promise<Chunk | undefined> {
    return this.get({last_by_subj: this.subject})
  }

  private async get(query: {seq: number; next_by_subj: string} | {last_by_subj: string}): Promise<Chunk | undefined> {
    try {
      const message = await this.engine.jsm.streams.getMessage(this.engine.streamName, query as unknown as number)
      return chunkOf(message.seq, message.header, message.data)
    } catch (error) {
      if (error instanceof NatsError && error.api_error?.code === 404) return undefined
      throw error
    }
  }

  private cursorKey(name: string): string {
    return `${nameToken(this.appId)}.${nameToken(name)}`
  }

  /** Beside the cursors, one token further (a cursor's key has two), so that no cursor's name can take it. */
  private stateKey(name: string): string {
    return `${this.cursorKey(name)}.state`
  }
}

function chunkOf(seq: number, headers: MsgHdrs | undefined, data: Uint8Array): Chunk {
  const number = (name: string): number => Number(headers?.get(name))
  const count = number(CHUNK_HEADERS.count)
  return {
    bytes: count === 0 ? 0 : data.length,
    count,
    cumulativeBytes: number(CHUNK_HEADERS.bytes),
    data,
    first: number(CHUNK_HEADERS.offset),
    lastTime: number(CHUNK_HEADERS.time),
    seq,
  }
}

function isWrongLastSequence(error: unknown): boolean {
  return error instanceof NatsError && error.api_error?.err_code === WRONG_LAST_SEQUENCE
}

/**
 * The stream's own limits are a backstop at twice the policy: the engine applies the policy itself (its
 * clock, per-app sizes, markers that keep an app's numbering), because JetStream removing an idle app's
 * last chunk would restart that app's offsets at 1. Per-app bytes have no stream limit at all
 * (max_msgs_per_subject counts chunks, not bytes).
 */
export function streamConfig(name: string, retention: RetentionPolicy, replicas: number): Partial<StreamConfig> {
  return {
    discard: DiscardPolicy.Old,
    max_age: retention.maxAgeMs * 2 * 1_000_000,
    max_bytes: retention.totalMaxBytes * 2,
    name: `${name}_log`,
    num_replicas: replicas,
    retention: StreamRetention.Limits,
    storage: StorageType.File,
    subjects: [`${name}.log.>`],
  }
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  const name = config.name!
  try {
    const {config: current} = await jsm.streams.info(name)
    if (current.max_age !== config.max_age || current.max_bytes !== config.max_bytes) await jsm.streams.update(name, {...current, max_age: config.max_age!, max_bytes: config.max_bytes!})
  } catch (error) {
    if (!(error instanceof NatsError && error.api_error?.code === 404)) throw error
    await jsm.streams.add(config).catch(async (addError: unknown) => {
      // Another node created it meanwhile.
      if (!(addError instanceof NatsError && addError.api_error?.err_code === 10_058)) throw addError
    })
  }
}
