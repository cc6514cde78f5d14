import {encodeLogMessage, type StreamFormat} from './sessions/event-encoding.js'
import type {Redactor} from '../redact/redactor.js'
import type {LogEntry, LogMessage} from './message.js'
import {BoundedQueue} from './bounded-queue.js'

/** Called with each batch an app receives, in order, synchronously: it must not block. */
export type Subscriber = (batch: Batch) => void

/** The messages of one publish, numbered. */
export class Batch {
  private plain: Buffer | undefined
  private events: Buffer | undefined
  private eventsWithPri: Buffer | undefined

  constructor(readonly messages: readonly LogMessage[]) {}

  /**
   * Every message encoded, once per batch and format: sessions without filters (most tails) share these
   * bytes instead of each encoding the same text again.
   */
  encoded(format: StreamFormat): Buffer {
    switch (format) {
      case 'plain': {
        return (this.plain ??= encodeAll(this.messages, format))
      }

      case 'events': {
        return (this.events ??= encodeAll(this.messages, format))
      }

      case 'events-with-pri': {
        return (this.eventsWithPri ??= encodeAll(this.messages, format))
      }
    }
  }
}

function encodeAll(messages: readonly LogMessage[], format: StreamFormat): Buffer {
  let text = ''
  for (const message of messages) text += encodeLogMessage(message, format)
  return Buffer.from(text)
}

class AppLog {
  readonly recent: BoundedQueue<LogMessage>
  readonly subscribers = new Set<Subscriber>()
  /** The seq of the newest message; 0 before the first. */
  lastSeq = 0

  constructor(bufferSize: number) {
    this.recent = new BoundedQueue(bufferSize)
  }
}

/**
 * Every app's live log: its recent buffer and the sessions tailing it. A batch is numbered, buffered and
 * handed to each subscriber once; subscribers decide what to do with a slow reader, so ingest never waits.
 */
export class LogHub {
  private readonly logs = new Map<string, AppLog>()

  /** With a redactor (`serve --redact`) every line is redacted here, before it is stored, tailed or drained. */
  constructor(private readonly bufferSize: number, private readonly redactor?: Redactor) {}

  publish(appId: string, entries: readonly LogEntry[]): void {
    if (entries.length === 0) return
    const log = this.log(appId)
    const messages: LogMessage[] = []
    for (const entry of entries) {
      const line = this.redactor === undefined ? entry.line : this.redactor.text(entry.line)
      const message = {
        dyno: entry.dyno, line, pri: entry.pri, priIsLevel: entry.priIsLevel, seq: ++log.lastSeq, singleLine: entry.singleLine, source: entry.source,
      }
      log.recent.push(message)
      messages.push(message)
    }

    if (log.subscribers.size === 0) return
    const batch = new Batch(messages)
    for (const subscriber of log.subscribers) subscriber(batch)
  }

  recent(appId: string): BoundedQueue<LogMessage> {
    return this.log(appId).recent
  }

  /** Returns the function that unsubscribes. */
  subscribe(appId: string, subscriber: Subscriber): () => void {
    const log = this.log(appId)
    log.subscribers.add(subscriber)
    return () => log.subscribers.delete(subscriber)
  }

  private log(appId: string): AppLog {
    let log = this.logs.get(appId)
    if (log === undefined) {
      log = new AppLog(this.bufferSize)
      this.logs.set(appId, log)
    }

    return log
  }
}
