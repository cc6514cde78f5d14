import type {LongLineOutput, LongLineWriter} from '../output/long-line.js'
import type {QueryParts} from '../query/compile.js'

import {parseLine} from '../parse/line.js'
import {byteSlices, MessageText} from '../parse/message-text.js'
import type {LogRecord} from '../parse/record.js'
import type {LongLineHandler} from '../parse/split.js'
import {WindowedMatch} from '../query/windowed-match.js'
import {ByteSpool} from './byte-spool.js'

/**
 * Lines longer than this are read as they arrive rather than held whole: a line held whole is decoded and
 * formatted as one string, which costs several times its size.
 */
export const LONG_LINE_BYTES = 1024 * 1024
/** The bytes of a long line parsed as a record of its own: its header, level and fields come from these. */
export const LONG_LINE_HEAD_BYTES = 64 * 1024
/** A long line waiting for --grep or --exclude keeps this much in memory, the rest in a temporary file. */
const HELD_MEMORY_BYTES = 4 * 1024 * 1024

/** What a long line that passes the query becomes. */
export interface LongLineSink {
  /** Counts the line: its head record (the line's first bytes), tested as any record is but for its message. */
  matched(head: LogRecord): void
  /** Writes it, when the run writes records (logs:stats only counts them). */
  writer?: LongLineWriter
}

/**
 * Reads a long line as its bytes come (see LongLineHandler) and decides on it with bounded memory:
 * - every check but --grep and --exclude on the record its first LONG_LINE_HEAD_BYTES make (the header is
 *   there; the level and fields are those the message's start gives);
 * - --grep and --exclude over the whole message, a window at a time (see WindowedMatch).
 * The line is written as it comes once it is known to pass; until then (a --grep not matched yet, an
 * --exclude that can only be settled at the end) its bytes are kept in a ByteSpool.
 */
export class LongLineReader implements LongLineHandler {
  readonly above = LONG_LINE_BYTES
  private head = Buffer.allocUnsafe(0)
  private headBytes = 0
  private state: 'drop' | 'head' | 'hold' | 'write' = 'head'
  private record: LogRecord | undefined
  private output: LongLineOutput | undefined
  private held: ByteSpool | undefined
  private message = new MessageText()
  private grep: WindowedMatch | undefined
  private exclude: WindowedMatch | undefined

  constructor(
    private readonly query: QueryParts,
    private readonly sink: LongLineSink,
  ) {}

  start(): void {
    this.head = Buffer.allocUnsafe(LONG_LINE_HEAD_BYTES)
    this.headBytes = 0
    this.state = 'head'
  }

  bytes(chunk: Buffer): void {
    if (this.state !== 'head') {
      this.take(chunk)
      return
    }

    const copied = chunk.copy(this.head, this.headBytes)
    this.headBytes += copied
    if (this.headBytes < LONG_LINE_HEAD_BYTES) return
    // The head's bytes after its cut come first, then what of the chunk did not fit in the head.
    const rest = this.decideOnHead(false)
    if (rest.length > 0) this.take(rest)
    if (copied < chunk.length) this.take(chunk.subarray(copied))
  }

  end(): void {
    // The last piece of a line cut into pieces may be short: all of it is the head.
    if (this.state === 'head') this.decideOnHead(true)

    if (this.state === 'hold') {
      this.search(this.message.end())
      if (this.state === 'hold') this.settle(true)
    }

    if (this.state === 'write') this.output!.end()
    this.state = 'drop'
    this.record = undefined
    this.output = undefined
    this.held?.release()
    this.held = undefined
  }

  /**
   * Parses the head (cut where a character starts, and never after a `\r` that may end the line) and decides
   * what can be decided on it; returns the head's bytes after the cut, which belong to the rest.
   */
  private decideOnHead(complete: boolean): Buffer {
    const bytes = this.head.subarray(0, this.headBytes)
    const cut = complete ? bytes.length : headCut(bytes)
    const record = parseLine(Buffer.from(bytes.subarray(0, cut)))
    const rest = Buffer.from(bytes.subarray(cut))
    this.head = Buffer.allocUnsafe(0)
    if (!this.query.record(record)) {
      this.state = 'drop'
      return rest
    }

    this.record = record
    const {exclude, grep} = this.query
    this.grep = grep.length > 0 ? new WindowedMatch(grep) : undefined
    this.exclude = exclude.length > 0 ? new WindowedMatch(exclude) : undefined
    if (this.grep === undefined && this.exclude === undefined) {
      this.pass()
      return rest
    }

    this.message = new MessageText()
    this.held = new ByteSpool(HELD_MEMORY_BYTES)
    this.state = 'hold'
    this.search(record.message)
    return rest
  }

  private take(chunk: Buffer): void {
    if (this.state === 'write') this.output?.bytes([Buffer.from(chunk)])
    else if (this.state === 'hold') {
      this.held!.push(chunk)
      for (const slice of byteSlices(chunk)) {
        this.search(this.message.decode(slice))
        if (this.state !== 'hold') return
      }
    }
  }

  /** Searches the next text of the message; the line passes or is dropped as soon as that is known. */
  private search(text: string): void {
    if (this.exclude?.push(text)) {
      this.state = 'drop'
      this.held?.release()
      this.held = undefined
      return
    }

    this.grep?.push(text)
    this.settle(false)
  }

  /** Passes the line once --grep has matched and --exclude cannot fail any more (only at the end, when given). */
  private settle(atEnd: boolean): void {
    if (atEnd) {
      const excluded = this.exclude?.end() ?? false
      const grepped = this.grep?.end() ?? true
      if (excluded || !grepped) {
        this.state = 'drop'
        return
      }
    } else if (this.exclude !== undefined || !this.grep!.matched) return

    this.pass()
  }

  private pass(): void {
    const record = this.record!
    this.sink.matched(record)
    const {writer} = this.sink
    if (writer === undefined) {
      this.state = 'drop'
      return
    }

    this.output = writer(record)
    if (this.held !== undefined) this.output.bytes(this.held.read())
    this.held = undefined
    this.state = 'write'
  }
}

/** Where the head is cut: not inside a UTF-8 character, and not right after a `\r` that may end the line. */
function headCut(bytes: Buffer): number {
  let cut = bytes.length
  let lead = cut - 1
  while (lead > 0 && lead > cut - 4 && (bytes[lead] & 0xc0) === 0x80) lead--
  const size = bytes[lead] >= 0xf0 ? 4 : bytes[lead] >= 0xe0 ? 3 : bytes[lead] >= 0xc0 ? 2 : 1
  if (lead + size > cut) cut = lead
  if (cut > 1 && bytes[cut - 1] === 0x0d) cut--
  return cut
}
