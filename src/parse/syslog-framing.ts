import {DEFAULT_MAX_FRAME, detectFraming} from './split.js'

/**
 * Syslog as senders put it on the wire: datagrams (UDP) and byte streams (TCP, TLS; RFC 6587).
 *
 * A stream is octet-counted (`LEN SP MSG`, as `logger --octet-count`, syslog-ng's `syslog()` and Heroku's
 * drains send it) when it opens with `DIGITS SP <`; otherwise it is non-transparent: each message ends with a
 * trailer, LF (or CRLF) as `logger` and rsyslog write it, or NUL as Python's `SysLogHandler` does. The trailer
 * is decided per connection too: NUL once one is seen (then LF is part of the message, so tracebacks stay
 * whole), LF once a line is followed by the start of the next message (`<`). Until then the bytes wait; a
 * caller that sees no more bytes coming calls `settle()` to take LF. NUL always ends a message.
 *
 * With octet counting a wrong LEN costs only its own frame. A frame is taken as counted right when the next
 * frame's header (`DIGITS SP <PRI>`) follows it. When something else follows, its LEN was too small: the bytes up
 * to the next frame start (one followed in its turn by another frame) are skipped and reported. When a frame
 * is hidden inside it, its LEN was too large: it is cut where the hidden frame starts. A frame whose end the
 * next bytes must confirm waits for them (or for `settle()`).
 *
 * Everything here is a pure function of the bytes: any split of a stream into chunks gives the same messages.
 */

/** Why bytes were skipped: they were no message, or a frame announced a LEN over the limit. */
export type SkipReason = 'malformed' | 'too_large'

export interface SyslogStreamHandler {
  /** A message: the whole frame (`LEN SP MSG`) when `framed`, else MSG without its trailer. */
  message(unit: Buffer, framed: boolean): void
  /** A run of bytes that held no message was skipped to reach the next one. */
  skipped(reason: SkipReason): void
}

const NUL = 0x00
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const LESS_THAN = 0x3c
const GREATER_THAN = 0x3e
const DIGIT_0 = 0x30
const DIGIT_1 = 0x31
const DIGIT_9 = 0x39

/** LEN has at most this many digits (a frame is at most 10 MiB). */
const MAX_LEN_DIGITS = 8
/** `DIGITS SP <PRI>` is at most this long: the tail kept while resynchronising. */
const HEADER_SCAN_TAIL = MAX_LEN_DIGITS + 6
const SPACE_LESS_THAN = Buffer.from(' <')
const EMPTY = Buffer.alloc(0)

function isDigit(byte: number): boolean {
  return byte >= DIGIT_0 && byte <= DIGIT_9
}

/** A byte that ends a message or pads between messages. */
function isTrailer(byte: number): boolean {
  return byte === LF || byte === NUL || byte === CR
}

/** The length of `<PRI>` (1 to 3 digits) at `at`, 0 when there is none, -1 when the bytes end first. */
export function priLength(data: Buffer, at: number): number {
  if (at >= data.length) return -1
  if (data[at] !== LESS_THAN) return 0
  let i = at + 1
  while (i < data.length && isDigit(data[i]) && i - at <= 3) i++
  if (i === data.length) return -1
  return i > at + 1 && data[i] === GREATER_THAN ? i + 1 - at : 0
}

/** frameEnd's answers when there is no frame end to give. */
const MORE = -1
const NOT_A_FRAME = -2
const TOO_LARGE = -3

/**
 * Where the frame whose header (`LEN SP <PRI>`) is at `at` ends (it may lie past the bytes there are);
 * NOT_A_FRAME when the bytes there are no header; TOO_LARGE when LEN is over `maxFrame`; MORE when the bytes
 * end before it can be told. A number, not an object: this runs for every frame.
 */
function frameEnd(data: Buffer, at: number, maxFrame: number): number {
  if (at >= data.length) return MORE
  if (data[at] < DIGIT_1 || data[at] > DIGIT_9) return NOT_A_FRAME
  let length = 0
  let i = at
  while (i < data.length && isDigit(data[i])) {
    if (i - at === MAX_LEN_DIGITS) return NOT_A_FRAME
    length = length * 10 + (data[i] - DIGIT_0)
    i++
  }

  if (i === data.length) return MORE
  if (data[i] !== SPACE) return NOT_A_FRAME
  const pri = priLength(data, i + 1)
  if (pri === -1) return MORE
  if (pri === 0) return NOT_A_FRAME
  if (length > maxFrame) return TOO_LARGE
  return i + 1 + length
}

/**
 * How sure a verdict is: 'more' when the bytes end before it can be told. Once the stream has ended or gone
 * quiet (`final`), what cannot be told is taken as 'yes'.
 */
type Verdict = 'more' | 'no' | 'yes'

/** Whether, after any padding at `at`, a frame header starts (or the stream ends there). */
function frameFollows(data: Buffer, at: number, maxFrame: number, final: boolean): Verdict {
  let i = at
  while (i < data.length && isTrailer(data[i])) i++
  const end = frameEnd(data, i, maxFrame)
  if (end === MORE) return final ? 'yes' : 'more'
  return end === NOT_A_FRAME ? 'no' : 'yes'
}

/** Whether a whole frame starts at `at` and is followed by the start of another: a frame start to trust. */
function trustedFrame(data: Buffer, at: number, maxFrame: number, final: boolean): Verdict {
  const end = frameEnd(data, at, maxFrame)
  if (end === MORE) return final ? 'no' : 'more'
  if (end < 0) return 'no'
  // A frame that runs past the end of what came is no evidence: its LEN may be the wrong one.
  if (end > data.length) return final ? 'no' : 'more'
  return frameFollows(data, end, maxFrame, final)
}

/** A frame start found: trusted, or one that the next bytes will tell (`more`). */
interface Candidate {
  at: number
  verdict: 'more' | 'yes'
}

/**
 * The first frame start whose LEN begins in `data[from, to)` and that is trusted (see trustedFrame) or may
 * be once more bytes come; undefined when there is none. A candidate is `DIGITS SP <PRI>`; when a message's
 * last characters are digits they run into the next LEN, so each tail of the digits is tried, shortest first.
 */
function frameStartCandidate(data: Buffer, from: number, to: number, maxFrame: number, final: boolean): Candidate | undefined {
  const spaceLimit = Math.min(data.length, to + MAX_LEN_DIGITS)
  for (let space = data.indexOf(SPACE_LESS_THAN, from); space !== -1 && space < spaceLimit; space = data.indexOf(SPACE_LESS_THAN, space + 1)) {
    let digitsStart = space
    while (digitsStart > from && isDigit(data[digitsStart - 1])) digitsStart--
    for (let at = space - 1; at >= digitsStart && space - at <= MAX_LEN_DIGITS; at--) {
      if (at >= to || data[at] === DIGIT_0) continue
      const verdict = trustedFrame(data, at, maxFrame, final)
      // Waiting for the bytes that tell, the whole run of digits is kept: a longer tail may be the LEN.
      if (verdict === 'more') return {at: digitsStart, verdict}
      if (verdict === 'yes') return {at, verdict}
    }
  }

  return undefined
}

type Framing = 'detect' | 'octets' | 'text'
type Trailer = 'detect' | 'lf' | 'nul'
/** How far the stream is: more bytes may come (`push`), it went quiet (`settle`), or it ended. */
type Stage = 'end' | 'push' | 'settle'

/** Splits one syslog byte stream (a TCP or TLS connection) into messages; see the module comment. */
export class SyslogStreamSplitter {
  private framing: Framing = 'detect'
  private trailer: Trailer = 'detect'
  /** Octet counting: skipping bytes that are no frame, looking for the next trusted frame start. */
  private resyncing: SkipReason | undefined
  /** Non-transparent framing: skipping the rest of a message over the limit, up to its trailer. */
  private skippingLong = false
  /** The bytes of an unfinished message (a copy: the caller may reuse its chunks). */
  private pending: Buffer = EMPTY
  private readonly maxFrame: number

  constructor(private readonly handler: SyslogStreamHandler, maxFrame = DEFAULT_MAX_FRAME) {
    this.maxFrame = maxFrame
  }

  /** Bytes held for an unfinished message, or for a decision that the next bytes make. */
  get pendingBytes(): number {
    return this.pending.length
  }

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    this.keep(data, this.split(data, 'push'))
  }

  /**
   * No more bytes are coming for now: decides what waited only for the next bytes (a trailer not yet seen is
   * LF; a frame not yet followed by another is taken as counted right). An unfinished frame keeps waiting.
   */
  settle(): void {
    if (this.pending.length === 0) return
    const data = this.pending
    this.pending = EMPTY
    this.keep(data, this.split(data, 'settle'))
  }

  /** The stream ended: what is left is a last message without its trailer. */
  end(): void {
    const data = this.pending
    this.pending = EMPTY
    this.split(data, 'end')
    if (this.resyncing !== undefined) this.handler.skipped(this.resyncing)
    this.resyncing = undefined
  }

  private keep(data: Buffer, from: number): void {
    this.pending = from >= data.length ? EMPTY : Buffer.from(data.subarray(from))
  }

  /** Passes on the messages in `data`; returns where the bytes still needed start. */
  private split(data: Buffer, stage: Stage): number {
    let at = 0
    if (this.framing === 'detect') {
      while (at < data.length && isTrailer(data[at])) at++
      // Any LEN is taken here, so a first frame over the limit is skipped as one rather than read as lines.
      const framing = detectFraming(data.subarray(at), Number.MAX_SAFE_INTEGER)
      if (framing === undefined && stage !== 'end') return at
      this.framing = framing === 'octets' ? 'octets' : 'text'
    }

    return this.framing === 'octets' ? this.splitFrames(data, at, stage) : this.splitText(data, at, stage)
  }

  private splitFrames(data: Buffer, from: number, stage: Stage): number {
    const final = stage !== 'push'
    let at = from
    let knownAt = -1
    let knownEnds = 0
    for (;;) {
      if (this.resyncing !== undefined) {
        const next = frameStartCandidate(data, at, data.length, this.maxFrame, final)
        if (next === undefined) return stage === 'end' ? data.length : resyncTail(data, at)
        if (next.verdict === 'more') return next.at
        this.handler.skipped(this.resyncing)
        this.resyncing = undefined
        at = next.at
      }

      while (at < data.length && isTrailer(data[at])) at++
      if (at === data.length) return at
      const frameEnds = at === knownAt ? knownEnds : frameEnd(data, at, this.maxFrame)
      // The common case, told fast: the frame is whole and the next starts right after it, no tail of a LEN
      // that this frame's last digits began (then it is itself followed by a frame). The next frame's end is
      // kept, so each header is read once.
      if (frameEnds >= 0 && frameEnds < data.length) {
        const nextEnds = frameEnd(data, frameEnds, this.maxFrame)
        if ((nextEnds >= 0 || nextEnds === TOO_LARGE) && (!isDigit(data[frameEnds - 1]) || this.framesAt(data, nextEnds))) {
          this.handler.message(data.subarray(at, frameEnds), true)
          knownAt = frameEnds
          knownEnds = nextEnds
          at = frameEnds
          continue
        }
      }

      if (frameEnds === MORE) {
        if (stage !== 'end') return at
        this.resyncing = 'malformed'
        continue
      }

      if (frameEnds < 0) {
        this.resyncing = frameEnds === NOT_A_FRAME ? 'malformed' : 'too_large'
        continue
      }

      const next = this.takeFrame(data, at, frameEnds, stage)
      if (next === at) return at
      at = next
    }
  }

  /** Whether `end` is within the bytes and a frame header starts there. */
  private framesAt(data: Buffer, end: number): boolean {
    if (end < 0 || end >= data.length) return false
    const afterNext = frameEnd(data, end, this.maxFrame)
    return afterNext >= 0 || afterNext === TOO_LARGE
  }

  /**
   * Passes on the frame at `start` once it is whole, cut short where a frame hidden inside it starts (its LEN
   * was too large and took in the start of the next). Returns where to go on, `start` to wait for more bytes.
   */
  private takeFrame(data: Buffer, start: number, frameEnds: number, stage: Stage): number {
    if (frameEnds > data.length && stage !== 'end') return start
    const final = stage !== 'push'
    const end = Math.min(frameEnds, data.length)
    // A frame cut short by the end of the stream may have had a LEN too large as well.
    let after = frameEnds > data.length ? 'no' : frameFollows(data, end, this.maxFrame, final)
    // Digits on both sides of the end may be one LEN cut in two by a LEN too large: check the next frame too.
    if (after === 'yes' && end < data.length && isDigit(data[end - 1]) && isDigit(data[end])) {
      after = trustedFrame(data, end, this.maxFrame, final)
    }

    if (after !== 'yes') {
      const msgStart = data.indexOf(SPACE, start) + 1
      const hidden = frameStartCandidate(data, msgStart + 1, end, this.maxFrame, final)
      if (!final && (hidden === undefined ? lenMayCrossEnd(data, end) : hidden.verdict === 'more' || after === 'more')) return start
      if (hidden !== undefined) {
        this.handler.message(data.subarray(start, hidden.at), true)
        return hidden.at
      }
    }

    this.handler.message(data.subarray(start, end), true)
    return end
  }

  private splitText(data: Buffer, from: number, stage: Stage): number {
    let at = from
    for (;;) {
      if (this.skippingLong) {
        const end = this.skippedEnd(data, at, stage !== 'push')
        // An LF last may end it, as the next byte will tell while the trailer is not decided: it is kept.
        if (end === -1) return stage === 'end' ? data.length : this.trailer === 'detect' && data.at(-1) === LF ? data.length - 1 : data.length
        this.skippingLong = false
        at = end + 1
      }

      if (this.trailer === 'detect') {
        const trailer = detectTrailer(data, at)
        if (trailer === undefined && stage === 'push') {
          if (this.startsSkipping(data, at, true)) continue
          return at
        }

        this.trailer = trailer ?? 'lf'
      }

      // Searched once and again only when passed: LF streams have none, and a search per message would scan
      // the rest of the chunk each time.
      let nul = data.indexOf(NUL, at)
      for (;;) {
        while (at < data.length && isTrailer(data[at])) at++
        if (nul !== -1 && nul < at) nul = data.indexOf(NUL, at)
        const lf = this.trailer === 'lf' ? data.indexOf(LF, at) : -1
        const end = lf !== -1 && (nul === -1 || lf < nul) ? lf : nul
        if (end === -1) break
        this.message(data, at, end)
        at = end + 1
      }

      if (stage === 'end') {
        if (at < data.length) this.message(data, at, data.length)
        return data.length
      }

      if (!this.startsSkipping(data, at, false)) return at
    }
  }

  /**
   * Whether the unfinished message at `at` is already over the limit (before the trailer is decided, its
   * first line is): then it is reported once and skipped to its trailer, as a frame with a LEN over the
   * limit is, whether it comes in one chunk or many, and the connection reads on.
   */
  private startsSkipping(data: Buffer, at: number, detecting: boolean): boolean {
    const lf = detecting ? data.indexOf(LF, at) : -1
    if (trimmedEnd(data, at, lf === -1 ? data.length : lf) - at <= this.maxFrame) return false
    this.handler.skipped('too_large')
    this.skippingLong = true
    return true
  }

  /**
   * Where the message being skipped ends, -1 when not in these bytes. While the trailer is not decided, the
   * end that decides it: a NUL, or an LF that a message's `<` follows (or any LF once the stream is `final`).
   */
  private skippedEnd(data: Buffer, at: number, final: boolean): number {
    if (this.trailer === 'nul') return data.indexOf(NUL, at)
    if (this.trailer === 'lf' || final) return firstTrailer(data, at)
    const nul = data.indexOf(NUL, at)
    for (let lf = data.indexOf(LF, at); lf !== -1 && (nul === -1 || lf < nul); lf = data.indexOf(LF, lf + 1)) {
      if (lf + 1 < data.length && data[lf + 1] === LESS_THAN) {
        this.trailer = 'lf'
        return lf
      }
    }

    if (nul !== -1) this.trailer = 'nul'
    return nul
  }

  /** `data[start, end)` without trailing CR or LF, unless that leaves nothing; over the limit, skipped. */
  private message(data: Buffer, start: number, end: number): void {
    const last = trimmedEnd(data, start, end)
    if (last - start > this.maxFrame) this.handler.skipped('too_large')
    else if (last > start) this.handler.message(data.subarray(start, last), false)
  }
}

/**
 * Whether the bytes end in digits, perhaps then a space, that begin before `end`: they may be the LEN of a
 * frame hidden in the one that ends there, whose ` <` has not arrived yet.
 */
function lenMayCrossEnd(data: Buffer, end: number): boolean {
  let digitsEnd = data.length
  if (data[digitsEnd - 1] === SPACE) digitsEnd--
  let digitsStart = digitsEnd
  while (digitsStart > 0 && digitsEnd - digitsStart <= MAX_LEN_DIGITS && isDigit(data[digitsStart - 1])) digitsStart--
  return digitsStart < digitsEnd && digitsStart < end
}

/**
 * Where to keep bytes from while resynchronising finds no frame start yet: the last few bytes, which may be
 * the start of one, and all of a run of digits they begin in (a LEN must be read whole).
 */
function resyncTail(data: Buffer, from: number): number {
  let tail = Math.max(from, data.length - HEADER_SCAN_TAIL)
  while (tail > from && isDigit(data[tail - 1])) tail--
  return tail
}

/** Where the first LF or NUL from `from` is, or -1. */
function firstTrailer(data: Buffer, from: number): number {
  const lf = data.indexOf(LF, from)
  const nul = data.indexOf(NUL, from)
  return lf === -1 || (nul !== -1 && nul < lf) ? nul : lf
}

/**
 * The trailer of a non-transparent stream from its first bytes (see the module comment), or undefined while
 * they could still be either.
 */
function detectTrailer(data: Buffer, from: number): 'lf' | 'nul' | undefined {
  const nul = data.indexOf(NUL, from)
  for (let lf = data.indexOf(LF, from); lf !== -1 && (nul === -1 || lf < nul); lf = data.indexOf(LF, lf + 1)) {
    if (lf + 1 < data.length && data[lf + 1] === LESS_THAN) return 'lf'
  }

  return nul === -1 ? undefined : 'nul'
}

/**
 * The messages of one datagram. Usually one (its trailing NUL, LF or CRLF dropped), but senders that batch
 * put several in one, each on its own line: a line that starts with `<PRI>` starts a message, any other line
 * continues the message before it (so multi-line messages stay whole), and a NUL ends a message.
 */
export function splitDatagram(datagram: Buffer, onMessage: (unit: Buffer) => void): void {
  let start = 0
  let lf = datagram.indexOf(LF)
  let nul = datagram.indexOf(NUL)
  while (lf !== -1 || nul !== -1) {
    if (nul !== -1 && (lf === -1 || nul < lf)) {
      emitTrimmed(datagram, start, nul, onMessage)
      start = nul + 1
      nul = datagram.indexOf(NUL, start)
      if (lf !== -1 && lf < start) lf = datagram.indexOf(LF, start)
      continue
    }

    if (priLength(datagram, lf + 1) > 0) {
      emitTrimmed(datagram, start, lf, onMessage)
      start = lf + 1
    }

    lf = datagram.indexOf(LF, lf + 1)
  }

  emitTrimmed(datagram, start, datagram.length, onMessage)
}

function emitTrimmed(data: Buffer, start: number, end: number, onMessage: (unit: Buffer) => void): void {
  const last = trimmedEnd(data, start, end)
  if (last > start) onMessage(data.subarray(start, last))
}

/** `end` moved back over trailing CR and LF, not past `start`. */
function trimmedEnd(data: Buffer, start: number, end: number): number {
  let last = end
  while (last > start && (data[last - 1] === LF || data[last - 1] === CR)) last--
  return last
}
