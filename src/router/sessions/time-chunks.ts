import {parseTimestamp} from '../../parse/timestamp.js'
import type {LogEngine, StoredMessage} from '../log/engine.js'
import {lineTimestamp} from '../message.js'

/** Messages in a chunk: a history query cuts its reads at multiples of this, so that what it learns is kept. */
export const CHUNK_MESSAGES = 1000

/** The span of the messages' own times in one chunk of an app's log, from `offset` up to `next`. */
export interface TimeChunk {
  readonly next: number
  /** Earliest and latest time of its messages' lines (epoch ms); a chunk of none that has one is empty (Infinity, -Infinity). */
  readonly earliest: number
  readonly latest: number
  /** Whether every message has a valid time (one without matches no window). */
  readonly allTimed: boolean
}

/**
 * What history queries learnt of the messages' own times, per chunk of each app's log. The log is found by
 * receive time, but a query's `--since`/`--until` are on the messages' own times, which a late sender can put
 * anywhere: every query reads from its start to the log's end. A chunk read whole once is summarised here,
 * and a later query skips, unread, each chunk whose times all fall outside its window. The log never changes
 * what it holds at an offset (retention only removes), so a summary stays true; summaries below the log's
 * first offset are forgotten. Kept in memory: after a restart the first query reads what it must again.
 */
export class TimeChunks {
  private readonly apps = new Map<string, Map<number, TimeChunk>>()

  /** The summary of the chunk that starts at `offset`, if one was read whole. */
  at(appId: string, offset: number): TimeChunk | undefined {
    return this.apps.get(appId)?.get(offset)
  }

  /** Where to read on from when the chunk at `offset` is known to hold nothing in [since, until]; else undefined. */
  skip(appId: string, offset: number, since: number | undefined, until: number | undefined): number | undefined {
    const chunk = this.at(appId, offset)
    if (chunk === undefined) return undefined
    return chunk.latest < (since ?? Number.NEGATIVE_INFINITY) || chunk.earliest > (until ?? Number.POSITIVE_INFINITY) ? chunk.next : undefined
  }

  /** Whether every message of the chunk at `offset` is known to have its own time in [since, until). */
  inside(appId: string, offset: number, since: number, until: number): boolean {
    const chunk = this.at(appId, offset)
    return chunk !== undefined && chunk.allTimed && chunk.earliest >= since && chunk.latest < until
  }

  /** Summarises each whole chunk a read returned (`next`: where it goes on) that is not known yet. */
  learn(appId: string, messages: readonly StoredMessage[], next: number): void {
    for (let i = 0; i + CHUNK_MESSAGES <= messages.length; i++) {
      const offset = messages[i].offset
      if ((offset - 1) % CHUNK_MESSAGES !== 0) continue
      // Whole: its last message is CHUNK_MESSAGES - 1 on, with no offset missing between.
      if (messages[i + CHUNK_MESSAGES - 1].offset === offset + CHUNK_MESSAGES - 1 && this.at(appId, offset) === undefined) {
        this.keep(appId, offset, messages, i, messages[i + CHUNK_MESSAGES]?.offset ?? next)
      }

      i += CHUNK_MESSAGES - 1
    }
  }

  private keep(appId: string, offset: number, messages: readonly StoredMessage[], from: number, next: number): void {
    let earliest = Number.POSITIVE_INFINITY
    let latest = Number.NEGATIVE_INFINITY
    let allTimed = true
    for (let i = from; i < from + CHUNK_MESSAGES; i++) {
      const message = messages[i]
      // What the line's parser reads; a message whose time is not valid matches no time window.
      const time = parseTimestamp(lineTimestamp(message.timestamp, message.receivedAt))
      if (time < earliest) earliest = time
      if (time > latest) latest = time
      if (Number.isNaN(time)) allTimed = false
    }

    let chunks = this.apps.get(appId)
    if (chunks === undefined) {
      chunks = new Map()
      this.apps.set(appId, chunks)
    }

    chunks.set(offset, {allTimed, earliest, latest, next})
  }

  /** Forgets the summaries of what retention removed. */
  forgetBefore(appId: string, firstOffset: number): void {
    const chunks = this.apps.get(appId)
    if (chunks === undefined) return
    for (const offset of chunks.keys()) if (offset < firstOffset) chunks.delete(offset)
  }
}

const byEngine = new WeakMap<LogEngine, TimeChunks>()

/** The summaries of an engine's logs: one set for every session reading it, gone with the engine. */
export function timeChunksOf(engine: LogEngine): TimeChunks {
  let chunks = byEngine.get(engine)
  if (chunks === undefined) {
    chunks = new TimeChunks()
    byEngine.set(engine, chunks)
  }

  return chunks
}
