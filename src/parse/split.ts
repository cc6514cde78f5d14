/**
 * Bytes -> input units. A unit is one line (terminator included) or one octet-counted frame (RFC 6587,
 * `LEN SP MSG`, as Heroku's drains send them). The framing is detected from the first unit of the stream.
 */
export type UnitHandler = (raw: Buffer, framed: boolean) => void

/**
 * A necessary condition on a line's bytes (compiled from a query): lines without `needle` are dropped
 * before they are decoded or parsed. Those that pass still meet the full query, so it only saves work.
 */
export interface LinePrefilter {
  needle: Buffer
  /**
   * For an occurrence followed by `=` and an unquoted value, or by `":` and a plain JSON integer: false when
   * that value cannot satisfy the query. A plain integer value comes as a number (the value a bare number
   * stands for in any unit's base). With it, the needle is a key name: an occurrence going on in a name
   * character (`statusCode`) is another key and is passed over; one followed by anything else keeps its line.
   */
  acceptsValue: ((value: number | string) => boolean) | undefined
}

const NEWLINE = 0x0a
const SPACE = 0x20
const LESS_THAN = 0x3c
const EQUALS = 0x3d
const QUOTE = 0x22
const COLON = 0x3a
const DIGIT_0 = 0x30
const DIGIT_1 = 0x31
const DIGIT_9 = 0x39

const HEADER_INCOMPLETE = Number.MAX_SAFE_INTEGER

const EMPTY = Buffer.alloc(0)
const LINE_FEED = Buffer.from('\n')
/** Pending bytes up to this size are kept in a buffer of their size: most are a line cut by a chunk's end. */
const SMALL_PENDING = 64 * 1024
/** Room past a line's limit for the chunk that crosses it, so the line's buffer is seldom outgrown. */
const LINE_END_ROOM = 1024 * 1024

/** Logplex refuses frames over 10,240 bytes; files written by other tools may hold longer ones. */
export const DEFAULT_MAX_FRAME = 10 * 1024 * 1024

/**
 * Lines longer than this are passed on in pieces, so memory stays bounded whatever the input. The router's
 * inputs use this default; logsift's reading commands pass --max-line-size (smaller by default).
 */
export const DEFAULT_MAX_LINE = 64 * 1024 * 1024

export interface SplitLimits {
  /** The longest octet-counted frame taken as one; a longer one's bytes are read as a line. */
  maxFrame?: number
  /** The most bytes a unit holds before its newline: a longer line is passed on in pieces of this size. */
  maxLine?: number
  /** Called each time a line is cut into pieces. */
  onCut?: () => void
  /** Where a line longer than its `above` bytes goes, as its bytes arrive, rather than being held whole. */
  longLines?: LongLineHandler
  /** The input is known to be lines (a byte range of a file whose start was detected as lines): no detection. */
  framing?: 'lines'
}

/**
 * Takes lines too long to hold as one buffer, a piece of each read at a time: start, the bytes in order
 * (their newline last, if they have one), end. A line longer than the splitter's maxLine is, as any, passed
 * on in pieces: each piece is a line of its own here.
 */
export interface LongLineHandler {
  /** Lines of more bytes than this (terminator excluded) are streamed; below the splitter's maxLine to apply. */
  above: number
  start(): void
  /** The next bytes of the line: valid only during the call (copy them to keep them). */
  bytes(chunk: Buffer): void
  end(): void
}

export class UnitSplitter {
  private framing: 'detect' | 'lines' | 'octets'
  /** Bytes of an unfinished unit, kept until the rest arrives: the first pendingBytes of this buffer. */
  private pending: Buffer = EMPTY
  private pendingBytes = 0
  /** The pending bytes start a line (not a frame): they end at the next newline, and are cut when too long. */
  private awaitingNewline = false
  /** Octet framing: how many bytes the unfinished frame needs in all, so a long frame is joined once. */
  private frameBytesNeeded = 0
  private readonly maxFrame: number
  private readonly maxLine: number
  private readonly onCut: (() => void) | undefined
  private readonly longLines: LongLineHandler | undefined
  /** The most bytes a line found whole in a chunk is passed on as one unit: longer, it is cut or streamed. */
  private readonly wholeLimit: number
  /** The bytes of a long line passed to `longLines` so far (its newline excluded); -1 when none is under way. */
  private streamedBytes = -1

  constructor(
    private readonly onUnit: UnitHandler,
    private readonly prefilter?: LinePrefilter,
    limits: number | SplitLimits = {},
  ) {
    const {framing = 'detect', longLines, maxFrame = DEFAULT_MAX_FRAME, maxLine = DEFAULT_MAX_LINE, onCut} = typeof limits === 'number' ? {maxFrame: limits} : limits
    this.framing = framing
    // A frame is a unit too: no longer than a line may be.
    this.maxFrame = Math.min(maxFrame, maxLine)
    this.maxLine = maxLine
    this.onCut = onCut
    // Pieces no longer than `above` are held whole as any line.
    this.longLines = longLines !== undefined && longLines.above < maxLine ? longLines : undefined
    this.wholeLimit = this.longLines?.above ?? maxLine
  }

  /** Splits what it can; a partial last unit waits for the next chunk (or `end`). */
  push(chunk: Buffer): void {
    let data = chunk
    if (this.streamedBytes >= 0) {
      const rest = this.streamLine(data, 0)
      if (rest === data.length) return
      data = data.subarray(rest)
    }

    if (this.pendingBytes > 0) {
      if (this.awaitingNewline) {
        // Finish the pending line first: in octet framing what follows its newline may be a frame.
        const newline = data.indexOf(NEWLINE)
        if (newline === -1) {
          this.keepLine(data, 0)
          return
        }

        const line = this.takePending(data.subarray(0, newline + 1))
        this.emitLine(line, 0, line.length)
        data = data.subarray(newline + 1)
      } else {
        // Join a long frame once, when its end has arrived, rather than once per chunk.
        if (this.pendingBytes + data.length < this.frameBytesNeeded) {
          this.keep(data, 0)
          return
        }

        data = this.takePending(data)
      }
    }

    if (this.framing === 'detect') {
      const decided = detectFraming(data, this.maxFrame)
      if (decided === undefined) {
        this.keep(data, 0)
        return
      }

      this.framing = decided
    }

    if (this.framing === 'octets') this.splitFrames(data)
    else if (this.prefilter === undefined) this.splitLines(data)
    else this.splitCandidateLines(data, this.prefilter)
  }

  /**
   * The stream ended: whatever is left is a last unit without its terminator; with `terminate`, a last line
   * held whole (not a frame, nor one streamed as long) is given a newline (more input follows it in the output).
   */
  end(terminate = false): void {
    if (this.streamedBytes >= 0) {
      this.streamedBytes = -1
      this.longLines!.end()
      return
    }

    if (this.pendingBytes === 0) return
    const frame = this.framing === 'octets' && !this.awaitingNewline
    const rest = this.takePending(terminate && !frame ? LINE_FEED : EMPTY)
    if (frame) this.splitFrames(rest, true)
    else this.emitLine(rest, 0, rest.length)
  }

  private splitLines(data: Buffer): void {
    const {wholeLimit} = this
    let start = 0
    let newline = data.indexOf(NEWLINE)
    while (newline !== -1) {
      if (newline - start > wholeLimit) this.emitLine(data, start, newline + 1)
      else this.onUnit(data.subarray(start, newline + 1), false)
      start = newline + 1
      newline = data.indexOf(NEWLINE, start)
    }

    this.keepLine(data, start)
  }

  /**
   * Like splitLines, but only lines that pass the prefilter: the needle is searched across the whole chunk
   * (one native search per occurrence instead of a call per line), each occurrence's value is checked in
   * place, and only lines with an accepted occurrence are cut out.
   */
  private splitCandidateLines(data: Buffer, prefilter: LinePrefilter): void {
    const lastNewline = data.lastIndexOf(NEWLINE)
    if (lastNewline === -1) {
      this.keepLine(data, 0)
      return
    }

    const {needle} = prefilter
    let hit = data.indexOf(needle)
    while (hit !== -1 && hit < lastNewline) {
      if (!acceptsOccurrence(data, hit, prefilter)) {
        hit = data.indexOf(needle, hit + 1)
        continue
      }

      const start = hit === 0 ? 0 : data.lastIndexOf(NEWLINE, hit - 1) + 1
      const end = data.indexOf(NEWLINE, hit) + 1
      if (end - 1 - start > this.wholeLimit) this.emitLine(data, start, end)
      else this.onUnit(data.subarray(start, end), false)
      hit = data.indexOf(needle, end)
    }

    this.keepLine(data, lastNewline + 1)
  }

  private splitFrames(data: Buffer, atEnd = false): void {
    let start = 0
    while (start < data.length) {
      const length = frameLength(data, start, this.maxFrame)
      if (length === undefined) {
        // Not a frame header: pass the bytes up to the next newline on as a line, then resynchronise.
        const newline = data.indexOf(NEWLINE, start)
        if (newline === -1) {
          if (atEnd) this.emitLine(data, start, data.length)
          else this.keepLine(data, start)
          return
        }

        this.emitLine(data, start, newline + 1)
        start = newline + 1
        continue
      }

      if (length.end > data.length) {
        if (atEnd) {
          // A frame cut short by the end of input is kept as a line so nothing is lost.
          this.emitLine(data, start, data.length)
          return
        }

        this.frameBytesNeeded = length.end === HEADER_INCOMPLETE ? 0 : length.end - start
        this.keep(data, start)
        return
      }

      this.onUnit(data.subarray(start, length.end), true)
      start = length.end
    }
  }

  /**
   * Passes on the line `data[start, end)` (its newline included, if it has one), in pieces of maxLine bytes
   * while more than maxLine bytes come before its end; pieces without the prefilter's needle are dropped.
   */
  private emitLine(data: Buffer, start: number, end: number): void {
    const contentEnd = data[end - 1] === NEWLINE ? end - 1 : end
    let from = start
    if (contentEnd - from > this.maxLine) this.onCut?.()
    while (contentEnd - from > this.maxLine) {
      this.emitPiece(data, from, from + this.maxLine)
      from += this.maxLine
    }

    this.emitPiece(data, from, end)
  }

  private emitPiece(data: Buffer, start: number, end: number): void {
    const {longLines} = this
    if (longLines !== undefined && end - start > longLines.above) {
      // Not prefiltered: the needle may be anywhere in it, and the query decides on it anyway.
      longLines.start()
      longLines.bytes(data.subarray(start, end))
      longLines.end()
      return
    }

    if (this.prefilter === undefined || isCandidate(data, start, end, this.prefilter)) this.onUnit(data.subarray(start, end), false)
  }

  /** Keeps the start of a line until its newline arrives; once it holds more than maxLine bytes, pieces go on. */
  private keepLine(data: Buffer, from: number): void {
    if (from >= data.length) return
    if (this.longLines !== undefined && this.pendingBytes + data.length - from > this.longLines.above) {
      this.startStreaming(data, from)
      return
    }

    if (this.pendingBytes + data.length - from <= this.maxLine) {
      this.awaitingNewline = true
      this.keep(data, from)
      return
    }

    const line = this.pendingBytes === 0 ? data.subarray(from) : this.takePending(data.subarray(from))
    this.onCut?.()
    let start = 0
    while (line.length - start > this.maxLine) {
      this.emitPiece(line, start, start + this.maxLine)
      start += this.maxLine
    }

    this.awaitingNewline = true
    this.keep(line, start)
  }

  /** A line grew too long to hold: what is pending of it and `data[from..]` (no newline) go to `longLines`. */
  private startStreaming(data: Buffer, from: number): void {
    const held = this.pending.subarray(0, this.pendingBytes)
    this.pending = EMPTY
    this.pendingBytes = 0
    this.awaitingNewline = false
    this.streamedBytes = 0
    this.longLines!.start()
    this.streamLine(held, 0)
    this.streamLine(data, from)
  }

  /**
   * Passes `data[from..]` on to the long line under way, up to its newline, cutting a new piece after every
   * maxLine bytes; returns where the bytes after the line start (data.length while the line goes on).
   */
  private streamLine(data: Buffer, from: number): number {
    const longLines = this.longLines!
    const newline = data.indexOf(NEWLINE, from)
    const contentEnd = newline === -1 ? data.length : newline
    let at = from
    while (at < contentEnd) {
      if (this.streamedBytes === this.maxLine) {
        // Full, and more than a newline follows: the next bytes are the next piece.
        longLines.end()
        this.onCut?.()
        longLines.start()
        this.streamedBytes = 0
      }

      const take = Math.min(this.maxLine - this.streamedBytes, contentEnd - at)
      longLines.bytes(data.subarray(at, at + take))
      this.streamedBytes += take
      at += take
    }

    if (newline === -1) return data.length
    longLines.bytes(data.subarray(newline, newline + 1))
    longLines.end()
    this.streamedBytes = -1
    return newline + 1
  }

  /**
   * Copies `data[from..]` after the pending bytes (the caller may reuse its chunk, and a subarray would pin
   * the whole chunk in memory). A unit that outgrows a small buffer gets room for all it may grow to at once,
   * a line's limit or a frame's length: one buffer filled in place, never copied to grow, and the pages of it
   * that are not filled yet cost no memory.
   */
  private keep(data: Buffer, from: number): void {
    if (from >= data.length) return
    const needed = this.pendingBytes + data.length - from
    if (needed > this.pending.length) {
      const room = needed <= SMALL_PENDING ? needed : Math.max(needed, this.awaitingNewline ? (this.longLines?.above ?? this.maxLine) + LINE_END_ROOM : this.frameBytesNeeded)
      const grown = Buffer.allocUnsafeSlow(room)
      this.pending.copy(grown, 0, 0, this.pendingBytes)
      this.pending = grown
    }

    data.copy(this.pending, this.pendingBytes, from)
    this.pendingBytes = needed
  }

  /** The pending bytes followed by `next`, as one buffer that is the caller's alone. */
  private takePending(next: Buffer): Buffer {
    this.keep(next, 0)
    const joined = this.pending.subarray(0, this.pendingBytes)
    this.pending = EMPTY
    this.pendingBytes = 0
    this.awaitingNewline = false
    return joined
  }
}

/** Whether the line `data[start, end)` passes the prefilter. */
function isCandidate(data: Buffer, start: number, end: number, prefilter: LinePrefilter): boolean {
  const {needle} = prefilter
  for (let hit = data.indexOf(needle, start); hit !== -1 && hit + needle.length <= end; hit = data.indexOf(needle, hit + 1)) {
    if (acceptsOccurrence(data, hit, prefilter)) return true
  }

  return false
}

/**
 * The value check for one occurrence of the needle, its value read up to `end` at most; a value that is not
 * `=` and unquoted is accepted.
 */
export function acceptsOccurrence(data: Buffer, hit: number, {acceptsValue, needle}: LinePrefilter, end = data.length): boolean {
  if (acceptsValue === undefined) return true
  const after = hit + needle.length
  // The needle is the key whole: one going on in a name character is another key (`statusCode` for `status`).
  if (after < end && KEY_CHARACTER[data[after]] === 1) return false
  if (after + 1 < end && data[after] === QUOTE && data[after + 1] === COLON) return acceptsJsonValue(data, after + 2, end, acceptsValue)
  const valueStart = after + 1
  // Followed by nothing within `end`, by something else than `=`, or by a quoted value: the line stays.
  if (valueStart > end || data[valueStart - 1] !== EQUALS || (valueStart < end && data[valueStart] === QUOTE)) return true
  // Most values are plain integers (`status=503`): read them in place rather than decode a string.
  let integer = 0
  let valueEnd = valueStart
  while (valueEnd < end && data[valueEnd] >= DIGIT_0 && data[valueEnd] <= DIGIT_9 && valueEnd - valueStart < 15) {
    integer = integer * 10 + (data[valueEnd] - DIGIT_0)
    valueEnd++
  }

  if (valueEnd > valueStart && (valueEnd === end || VALUE_END[data[valueEnd]] === 1)) return acceptsValue(integer)
  while (valueEnd < end && VALUE_END[data[valueEnd]] === 0) valueEnd++
  return acceptsValue(data.toString('utf8', valueStart, valueEnd))
}

/**
 * The value check for a JSON key (`"status":` then the value at `at`): a plain non-negative integer, which
 * JSON ends with `,`, `}`, `]` or white space, is tested; any other value (a string, a fraction, an object)
 * keeps the line.
 */
function acceptsJsonValue(data: Buffer, at: number, end: number, acceptsValue: (value: number | string) => boolean): boolean {
  while (at < end && (data[at] === SPACE || data[at] === 0x09)) at++
  const valueStart = at
  let integer = 0
  while (at < end && data[at] >= DIGIT_0 && data[at] <= DIGIT_9 && at - valueStart < 15) integer = integer * 10 + (data[at++] - DIGIT_0)
  if (at === valueStart || (at < end && JSON_NUMBER_END[data[at]] !== 1)) return true
  return acceptsValue(integer)
}

/** Bytes that go on a key's name: after the needle, they make it another key. */
const KEY_CHARACTER = new Uint8Array(256)
for (let byte = 0; byte < 256; byte++) {
  const character = String.fromCharCode(byte)
  if (/[\w]/.test(character)) KEY_CHARACTER[byte] = 1
}

/** Bytes that end a JSON number in an object or array. */
const JSON_NUMBER_END = new Uint8Array(256)
for (const byte of [0x2c, 0x7d, 0x5d, SPACE, NEWLINE, 0x0d, 0x09]) JSON_NUMBER_END[byte] = 1

/** Bytes that end an unquoted logfmt value. */
const VALUE_END = new Uint8Array(256)
for (const byte of [SPACE, NEWLINE, 0x0d, 0x09]) VALUE_END[byte] = 1

/**
 * `octets` when the stream opens with `LEN SP <` and LEN is a frame length we accept (a digit never starts a
 * syslog line, and a Heroku line's timestamp has a `-` after its first digits); `lines` otherwise; undefined
 * while the bytes so far could still be either. A pure function of the bytes: the same stream is framed the
 * same way however it arrives in chunks.
 */
export function detectFraming(data: Buffer, maxFrame = DEFAULT_MAX_FRAME): 'lines' | 'octets' | undefined {
  if (data.length === 0) return undefined
  if (data[0] < DIGIT_1 || data[0] > DIGIT_9) return 'lines'
  let length = 0
  let i = 0
  while (i < data.length && data[i] >= DIGIT_0 && data[i] <= DIGIT_9) {
    length = length * 10 + (data[i] - DIGIT_0)
    if (length > maxFrame) return 'lines'
    i++
  }

  if (i === data.length) return undefined
  if (data[i] !== SPACE) return 'lines'
  if (i + 1 === data.length) return undefined
  return data[i + 1] === LESS_THAN ? 'octets' : 'lines'
}

/** The end offset of the frame that starts at `start`, or undefined when no valid header is there. */
function frameLength(data: Buffer, start: number, maxFrame: number): {end: number} | undefined {
  if (data[start] < DIGIT_1 || data[start] > DIGIT_9) return undefined
  let length = 0
  let i = start
  while (i < data.length && data[i] >= DIGIT_0 && data[i] <= DIGIT_9) {
    length = length * 10 + (data[i] - DIGIT_0)
    if (length > maxFrame) return undefined
    i++
  }

  // A header cut by the chunk boundary: report a frame past the end so the caller waits for more bytes.
  if (i === data.length) return {end: HEADER_INCOMPLETE}
  if (data[i] !== SPACE) return undefined
  return {end: i + 1 + length}
}
