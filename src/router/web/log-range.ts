import {parseLineWithPri} from '../../parse/line.js'
import type {LogRecord} from '../../parse/record.js'
import type {AppLog} from '../log/engine.js'
import {type LogMessage, storedMessage} from '../message.js'
import {CLOCK_SKEW_MS} from '../sessions/history-query.js'

/** A message as the page reads it: its offset (the SSE event id), its line and the PRI when it tells the level. */
export interface PageMessage {
  id: number
  line: string
  pri?: number
}

/** Messages read from the log at a time. */
const READ_BATCH = 1000

/** The record `logs -a` makes of a message it reads from a session: its line, levelled by the PRI beside it. */
export function messageRecord(message: LogMessage): LogRecord {
  return parseLineWithPri(Buffer.from(message.line), message.priIsLevel ? message.pri : undefined)
}

export function pageMessage(message: LogMessage): PageMessage {
  return message.priIsLevel ? {id: message.seq, line: message.line, pri: message.pri} : {id: message.seq, line: message.line}
}

/**
 * The offsets a query from `since` (epoch ms, on the messages' own times) has to read: from the first message
 * received a clock skew before it (as a session from `since` does) to the log's end now. The end is not
 * looked up from `until`: a message can arrive long after its timestamp (a sender catching up, a backfill),
 * and `logs -a --until` reads to the end as well.
 */
export async function offsetRange(log: AppLog, since: number | undefined): Promise<{first: number; end: number}> {
  const {firstOffset, nextOffset} = await log.stats()
  return {end: nextOffset, first: since === undefined ? firstOffset : await offsetAtTime(log, since - CLOCK_SKEW_MS)}
}

/** The offset of the first message received at or after `time`; the log's end when there is none. */
async function offsetAtTime(log: AppLog, time: number): Promise<number> {
  const {messages, next} = await log.read({time}, 1)
  return messages[0]?.offset ?? next
}

/** Every message from `first` to before `end`, oldest first, in batches. */
export async function* readForward(log: AppLog, first: number, end: number): AsyncIterable<LogMessage> {
  let position = first
  while (position < end) {
    const {messages, next} = await log.read({offset: position}, Math.min(READ_BATCH, end - position))
    if (messages.length === 0) return
    for (const stored of messages) if (stored.offset < end) yield storedMessage(stored)
    position = next
  }
}

export interface NewestPage {
  /** Newest first. */
  messages: PageMessage[]
  /** Pass as `before` for the next (older) page; null when the range is read to its start. */
  before: number | null
}

/**
 * Up to `limit` matching messages older than offset `before`, newest first, reading backwards in batches
 * from `before` down to `first`. At most `maxScanned` messages are read per call, so a filter that matches
 * little answers in bounded time with a cursor to go on from.
 */
export async function newestPage(
  log: AppLog,
  range: {first: number; before: number},
  matches: (message: LogMessage) => boolean,
  limit: number,
  maxScanned: number,
): Promise<NewestPage> {
  const found: PageMessage[] = []
  let before = range.before
  let scanned = 0
  while (before > range.first && found.length < limit && scanned < maxScanned) {
    const from = Math.max(range.first, before - READ_BATCH)
    const {messages} = await log.read({offset: from}, before - from)
    const batch = messages.filter((stored) => stored.offset < before)
    scanned += batch.length
    // Taken whole, newest first: a page ends at a batch boundary so that `before` is exact.
    for (let i = batch.length - 1; i >= 0; i--) {
      const message = storedMessage(batch[i])
      if (matches(message)) found.push(pageMessage(message))
    }

    before = from
  }

  return {before: before > range.first ? before : null, messages: found}
}
