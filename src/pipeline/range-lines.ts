import type {LogRecord} from '../parse/record.js'
import type {Predicate} from '../query/compile.js'

import {parseLine} from '../parse/line.js'
import {type LinePrefilter, UnitSplitter} from '../parse/split.js'
import {LONG_LINE_BYTES} from './long-line.js'

/** A line this long (or cut by --max-line-size) is read on one thread: its streaming reader is not split. */
export class LongLineMet extends Error {}

/**
 * The lines of a worker thread's range: each that passes the prefilter is parsed and, when the query holds,
 * given to `matched`. A line over the long-line limit, or one --max-line-size cuts, throws LongLineMet.
 */
export function rangeLines(predicate: Predicate, prefilter: LinePrefilter | undefined, maxLineBytes: number, matched: (record: LogRecord) => void): UnitSplitter {
  const lineMet = () => {
    throw new LongLineMet()
  }

  return new UnitSplitter((raw) => {
    const record = parseLine(raw)
    if (predicate(record)) matched(record)
  }, prefilter, {framing: 'lines', longLines: {above: LONG_LINE_BYTES, bytes() {}, end() {}, start: lineMet}, maxLine: maxLineBytes, onCut: lineMet})
}
