import {encodeLogMessages, type StreamFormat} from './sessions/event-encoding.js'
import type {Redactor} from '../redact/redactor.js'
import type {DropCounter} from './drops.js'
import {type LogEngine, LogWriteError} from './log/engine.js'
import {type LogEntry, type LogMessage, storedMessage} from './message.js'
import {BoundedQueue} from './bounded-queue.js'

/** Called with each batch an app receives, in order, synchronously: it must not block. */
export type Subscriber = (batch: Batch) => void

/** The messages of one publish, numbered. */
export class Batch {
  /** Made when a session first asks: most batches are stored and read by no session. */
  private encodings: Map<StreamFormat, Buffer> | undefined

  constructor(readonly messages: readonly LogMessage[]) {}

  /**
   * Every message encoded, once per batch and format: sessions without filters (most tails) share these
   * bytes instead of each encoding the same text again.
   */
  encoded(format: StreamFormat): Buffer {
    this.encodings ??= new Map()
    let encoded = this.encodings.get(format)
    if (encoded === undefined) {
      encoded = Buffer.from(encodeLogMessages(this.messages, format))
      this.encodings.set(format, encoded)
    }

    return encoded
  }
}

class AppBuffer {
  readonly recent: BoundedQueue<LogMessage>
  readonly subscribers = new Set<Subscriber>()

  constructor(bufferSize: number) {
    this.recent = new BoundedQueue(bufferSize)
  }
}

/**
 * Every app's live log: the durable log (`engine`) every message is appended to first, the recent buffer
 * (the end of that log, in memory) and the sessions tailing it. Drains read the durable log themselves
 * (woken by its appends), so ingest does nothing for them here. A batch is numbered by the log
 * (its offsets are the messages' seqs), buffered and handed to each subscriber once it is stored;
 * subscribers decide what to do with a slow reader, so ingest never waits for one.
 */
export class LogHub {
  private readonly buffers = new Map<string, AppBuffer>()

  /**
   * With a redactor (`serve --redact`) every message is redacted here, before it is stored, tailed or drained.
   * `drops` counts what syslog and the router's own lines could not store (`log_write_failed`).
   */
  constructor(
    private readonly bufferSize: number,
    readonly engine: LogEngine,
    private readonly drops?: DropCounter,
    private readonly redactor?: Redactor,
  ) {}

  /**
   * Appends the entries to the app's durable log, then buffers them and hands them to subscribers. Rejects
   * with LogWriteError when they could not be stored: then nobody sees them.
   */
  async append(appId: string, entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return
    const messages: LogMessage[] = []
    for (const entry of entries) messages.push(this.message(entry))
    const {first} = await this.engine.app(appId).append(messages)
    for (let i = 0; i < messages.length; i++) (messages[i] as {seq: number}).seq = first + i
    this.deliver(appId, messages)
  }

  /** append() for senders that cannot be told (syslog, the router's own lines): a failure is counted as a drop. */
  publish(appId: string, entries: readonly LogEntry[]): void {
    this.append(appId, entries).catch((error: unknown) => {
      if (!(error instanceof LogWriteError)) throw error
      this.drops?.count('log_write_failed', entries.length)
    })
  }

  /** Fills every app's recent buffer from the end of its durable log (at start, after a restart). */
  async warm(): Promise<void> {
    for (const appId of await this.engine.apps()) {
      const log = this.engine.app(appId)
      const {firstOffset, nextOffset} = await log.stats()
      const recent = this.recent(appId)
      let offset = Math.max(firstOffset, nextOffset - this.bufferSize)
      while (offset < nextOffset) {
        const {messages, next} = await log.read({offset}, this.bufferSize)
        if (messages.length === 0) break
        for (const stored of messages) recent.push(storedMessage(stored))
        offset = next
      }
    }
  }

  recent(appId: string): BoundedQueue<LogMessage> {
    return this.buffer(appId).recent
  }

  /** Returns the function that unsubscribes. */
  subscribe(appId: string, subscriber: Subscriber): () => void {
    const buffer = this.buffer(appId)
    buffer.subscribers.add(subscriber)
    return () => buffer.subscribers.delete(subscriber)
  }

  private message(entry: LogEntry): LogMessage {
    const {redactor} = this
    // toEntry's entries are unnumbered messages already: numbered in place on ingest's hot path.
    if (redactor === undefined && (entry as Partial<LogMessage>).seq === 0) return entry as LogMessage
    let {line, text} = entry
    if (redactor !== undefined) {
      text = redactor.text(text)
      line = line.slice(0, line.length - entry.text.length) + text
    }

    // Written out rather than spread: one shape for every message, built on ingest's hot path.
    return {
      dyno: entry.dyno, line, pri: entry.pri, priIsLevel: entry.priIsLevel, priority: entry.pri, receivedAt: entry.receivedAt, seq: 0,
      singleLine: entry.singleLine, source: entry.source, text, timestamp: entry.timestamp,
    }
  }

  protected deliver(appId: string, messages: LogMessage[]): void {
    const buffer = this.buffer(appId)
    for (const message of messages) buffer.recent.push(message)
    if (buffer.subscribers.size === 0) return
    const batch = new Batch(messages)
    for (const subscriber of buffer.subscribers) subscriber(batch)
  }

  private buffer(appId: string): AppBuffer {
    let buffer = this.buffers.get(appId)
    if (buffer === undefined) {
      buffer = new AppBuffer(this.bufferSize)
      this.buffers.set(appId, buffer)
    }

    return buffer
  }
}
