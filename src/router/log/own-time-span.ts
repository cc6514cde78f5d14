import {parseTimestamp, timestampEnd} from '../../parse/timestamp.js'
import {lineTimestamp} from '../message.js'

/** The span of the messages' own times in a segment (epoch ms), what a window query compares. */
export interface OwnTimes {
  readonly earliest: number
  readonly latest: number
}

/** Timestamps of one shape: same length and offset, so that their order as strings is their order in time. */
interface Shape {
  readonly length: number
  readonly offset: string
  earliest: string
  latest: string
}

/** More shapes than this in one segment (senders with every kind of clock) are parsed one by one. */
const MAX_SHAPES = 8

/**
 * The span of the own times of messages given one by one: what a history query reads of each line (its
 * RFC 3339 timestamp, else its receive time). Computed when a segment is sealed, for every message, so it
 * parses almost nothing: timestamps of one shape (`2024-05-01T12:00:00.002356+00:00`, the same length and
 * offset) are ordered as strings, and only each shape's first and last are parsed at the end. A timestamp
 * that does not parse matches no window, so leaving it out is right; one that would be a shape's first or
 * last makes the span unbounded on both sides (never a segment skipped wrongly).
 */
export class OwnTimeSpan {
  private earliest = Number.POSITIVE_INFINITY
  private latest = Number.NEGATIVE_INFINITY
  private readonly shapes: Shape[] = []

  add(timestamp: string | undefined, receivedAt: number): void {
    if (timestamp !== undefined && this.addShaped(timestamp)) return
    const own = parseTimestamp(lineTimestamp(timestamp, receivedAt))
    this.include(Number.isNaN(own) ? receivedAt : own)
  }

  span(): OwnTimes {
    for (const {earliest, latest} of this.shapes) {
      const first = parseTimestamp(earliest)
      const last = parseTimestamp(latest)
      if (Number.isNaN(first) || Number.isNaN(last)) return {earliest: Number.NEGATIVE_INFINITY, latest: Number.POSITIVE_INFINITY}
      this.include(first)
      this.include(last)
    }

    return {earliest: this.earliest, latest: this.latest}
  }

  private include(time: number): void {
    if (time < this.earliest) this.earliest = time
    if (time > this.latest) this.latest = time
  }

  /**
   * Counts a timestamp in its shape; false when it has none (not RFC 3339 with a `T`, or no room for another
   * shape). A shape is made only from a whole RFC 3339 timestamp, so its offset is a real one (`Z`, `+00:00`,
   * `+0000`), and no real offset ends with another. Then every timestamp that parses and has the shape's length,
   * offset and `T` has its digits and separators in the same places and a fraction of the same length, so it
   * orders as a string as it does in time; one that does not parse matches no window, and is left out. So those
   * are not checked one by one: checking each cost as much as the rest of the span.
   */
  private addShaped(timestamp: string): boolean {
    if (timestamp.charCodeAt(10) !== LETTER_T) return false
    for (const shape of this.shapes) {
      if (shape.length !== timestamp.length || !timestamp.endsWith(shape.offset)) continue
      // Messages mostly come in order: one string comparison for those.
      if (timestamp > shape.latest) shape.latest = timestamp
      else if (timestamp < shape.earliest) shape.earliest = timestamp
      return true
    }

    if (this.shapes.length === MAX_SHAPES || timestampEnd(timestamp, 0) !== timestamp.length) return false
    const offset = timestamp.slice(offsetStart(timestamp))
    this.shapes.push({earliest: timestamp, latest: timestamp, length: timestamp.length, offset})
    return true
  }
}

const LETTER_T = 0x54

/** `YYYY-MM-DDTHH:MM:SS` and a fraction if any, sticky; a `.` must have digits after it. */
const BEFORE_OFFSET = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+|(?!\.))/y

/**
 * Where the offset (`Z`, `+00:00`) of an RFC 3339 timestamp starts, after its seconds and any fraction;
 * -1 when it does not start `YYYY-MM-DDTHH:MM:SS` with digits where digits go, or has nothing after them.
 * A regular expression, compiled to machine code: a map lookup a character took ~5% of the router's ingest CPU
 * when this ran for every message stored (it now runs once a shape).
 */
export function offsetStart(timestamp: string): number {
  BEFORE_OFFSET.lastIndex = 0
  if (!BEFORE_OFFSET.test(timestamp)) return -1
  const at = BEFORE_OFFSET.lastIndex
  return at < timestamp.length ? at : -1
}
