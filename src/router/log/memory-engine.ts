import {
  type AppendResult, type AppLog, type AppLogStats, DEFAULT_RETENTION, type EngineCapabilities, type FollowOptions, type LogEngine,
  LogWriteError, type NewMessage, type OffsetRange, type ReaderState, type ReadResult, type ReadStart, type RetentionPolicy, type RetentionReport, type StoredMessage,
  wholeLogRanges,
} from './engine.js'
import {AppendWaiters, follow} from './follow.js'

/** Framing counted per message on top of its text, so that size retention behaves like the file engine's. */
const MESSAGE_OVERHEAD_BYTES = 18

export interface MemoryEngineOptions {
  readonly retention?: Partial<RetentionPolicy>
  readonly now?: () => number
}

/**
 * The log engine in memory: nothing survives the process. For tests and for a router run without a data
 * directory; it passes the conformance suite bar the cases that need durability, which shows the suite is
 * about the interface and not about files. Retention removes single messages (it has no segments).
 */
export class MemoryLogEngine implements LogEngine {
  readonly capabilities: EngineCapabilities = {durable: false}
  private readonly logs = new Map<string, MemoryAppLog>()
  private readonly retention: RetentionPolicy
  private readonly now: () => number
  private closed = false

  constructor(options: MemoryEngineOptions = {}) {
    this.retention = {...DEFAULT_RETENTION, ...options.retention}
    this.now = options.now ?? Date.now
  }

  app(appId: string): AppLog {
    let log = this.logs.get(appId)
    if (log === undefined) {
      log = new MemoryAppLog(appId)
      if (this.closed) log.close()
      this.logs.set(appId, log)
    }

    return log
  }

  async apps(): Promise<string[]> {
    return [...this.logs.values()].filter((log) => log.nextOffset > 1).map((log) => log.appId)
  }

  async enforceRetention(): Promise<RetentionReport> {
    const removed = new Map<string, number>()
    let bytesRemoved = 0
    const cutoff = this.now() - this.retention.maxAgeMs
    const logs = [...this.logs.values()]
    const total = (): number => logs.reduce((sum, log) => sum + log.bytes, 0)
    const take = (log: MemoryAppLog): void => {
      bytesRemoved += log.removeOldest()
      removed.set(log.appId, (removed.get(log.appId) ?? 0) + 1)
    }

    for (const log of logs) {
      while (log.oldest !== undefined && log.oldest.receivedAt < cutoff) take(log)
      while (log.bytes > this.retention.appMaxBytes) take(log)
    }

    while (total() > this.retention.totalMaxBytes) {
      const oldest = logs.filter((log) => log.oldest !== undefined).sort((a, b) => a.oldest!.receivedAt - b.oldest!.receivedAt)[0]
      take(oldest)
    }

    return {bytesRemoved, removed}
  }

  async close(): Promise<void> {
    this.closed = true
    for (const log of this.logs.values()) log.close()
  }
}

class MemoryAppLog implements AppLog {
  closed = false
  nextOffset = 1
  bytes = 0
  private messages: StoredMessage[] = []
  private readonly cursors = new Map<string, number>()
  private readonly states = new Map<string, ReaderState>()
  private readonly waiters = new AppendWaiters()

  constructor(readonly appId: string) {}

  get oldest(): StoredMessage | undefined {
    return this.messages[0]
  }

  async append(messages: readonly NewMessage[]): Promise<AppendResult> {
    if (this.closed) throw new LogWriteError('closed', `the log of ${this.appId} is closed`)
    const first = this.nextOffset
    for (const message of messages) {
      this.messages.push({...message, offset: this.nextOffset++})
      this.bytes += size(message)
    }

    this.waiters.wake()
    return {first, next: this.nextOffset}
  }

  async read(start: ReadStart, limit: number): Promise<ReadResult> {
    // Offsets are contiguous here, so an offset is an index.
    const at = 'time' in start ? this.messages.findIndex((message) => message.receivedAt >= start.time) : Math.max(0, start.offset - this.firstOffset)
    if (at === -1 || at >= this.messages.length || limit <= 0) return {messages: [], next: 'time' in start ? this.nextOffset : Math.max(start.offset, this.firstOffset)}
    const messages = this.messages.slice(at, at + limit)
    return {messages, next: messages.at(-1)!.offset + 1}
  }

  follow(from: number, options?: FollowOptions): AsyncIterable<StoredMessage[]> {
    return follow(this, from, options)
  }

  windowRanges(): Promise<OffsetRange[]> {
    return wholeLogRanges(this)
  }

  appendedAfter(offset: number, signal?: AbortSignal): Promise<void> {
    return this.waiters.wait(() => this.closed || this.nextOffset > offset, signal)
  }

  async cursor(name: string): Promise<number | undefined> {
    return this.cursors.get(name)
  }

  async setCursor(name: string, offset: number): Promise<void> {
    if (!(Number.isSafeInteger(offset) && offset >= 0)) throw new RangeError(`cursor ${name}: ${offset} is not an offset`)
    this.cursors.set(name, offset)
  }

  async deleteCursor(name: string): Promise<void> {
    this.cursors.delete(name)
  }

  async readerState(name: string): Promise<ReaderState | undefined> {
    return this.states.get(name)
  }

  async setReaderState(name: string, state: ReaderState): Promise<void> {
    this.states.set(name, {...state})
  }

  async deleteReaderState(name: string): Promise<void> {
    this.states.delete(name)
  }

  async stats(): Promise<AppLogStats> {
    return {bytes: this.bytes, firstOffset: this.firstOffset, nextOffset: this.nextOffset, oldestTime: this.oldest?.receivedAt, segments: 0}
  }

  /** Returns the bytes it held. */
  removeOldest(): number {
    const removed = size(this.messages.shift()!)
    this.bytes -= removed
    return removed
  }

  close(): void {
    this.closed = true
    this.waiters.wake()
  }

  private get firstOffset(): number {
    return this.oldest?.offset ?? this.nextOffset
  }
}

function size(message: NewMessage): number {
  return MESSAGE_OVERHEAD_BYTES + Buffer.byteLength(message.text) + Buffer.byteLength(message.source) + Buffer.byteLength(message.dyno) + Buffer.byteLength(message.timestamp ?? '')
}
