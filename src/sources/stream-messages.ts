import {priLength} from '../parse/syslog-framing.js'
import {timestampEnd} from '../parse/timestamp.js'
import {EventStreamDecoder} from './event-stream.js'

/** One log message as a log stream sent it. */
export interface StreamMessage {
  /** Its `heroku logs` line with its `\n`; the further lines of a multi-line message follow, each with its `\n`. */
  readonly raw: Buffer
  /** The sender's syslog PRI, which logsift's router sends when it tells the message's level. */
  readonly pri: number | undefined
  /** Sent by logsift's router, which sends only what matches the session's filters (MESSAGE_EVENTS_HEADER). */
  readonly matched?: boolean
  /**
   * `raw` holds this many one-line messages, one after another: WholeEventMessages joins them when only their
   * bytes are wanted (`joinUpTo`). Their PRIs are not kept.
   */
  readonly joined?: number
}

export interface Decoded {
  /** The messages the chunk completed, in order. */
  messages: StreamMessage[]
  /** The id of the last event this chunk completed (server-sent events only). */
  eventId?: string
}

/** A stream's bytes as messages; chunks may be cut anywhere. */
export interface MessageDecoder {
  push(chunk: Buffer): Decoded
  /**
   * A message whose further lines may still come is held: `flush` passes it on once the stream has been
   * quiet a moment. A plain text stream cannot say where a message ends, only that the next one began.
   */
  readonly holding: boolean
  flush(): StreamMessage[]
  /** The stream ended: everything still held, a last line without its newline included. */
  end(): StreamMessage[]
}

const NEWLINE = 0x0a
const SPACE = 0x20
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const NEWLINE_BUFFER = Buffer.from('\n')
/** Room for a timestamp (at most 35 characters), a source (APP-NAME: at most 48) and a dyno (PROCID: 128). */
const HEAD_BYTES = 256
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COLON = 0x3a
/**
 * Far more than a router takes in one message (Logplex: 10 KB): lines past it are not joined, so a stream of
 * other text after one `heroku logs` line is not held whole.
 */
const MAX_JOINED_BYTES = 1024 * 1024
/** The router's frames hold a read's messages: far less than this. A header saying more is not taken as one. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024

/**
 * Whether a line opens as a `heroku logs` line does (as parseLine reads one): an RFC 3339 timestamp, a
 * space, `SOURCE[DYNO]:` with neither name empty nor holding a space. A line that does not is a further line
 * of the message before it (a stack trace's `    at f (file.js:1:2)`). Only the first bytes are decoded, as
 * Latin-1: every byte looked at is ASCII, and the bytes of a multi-byte character cannot pass for one.
 */
export function opensHerokuLine(line: Buffer): boolean {
  if (line.length === 0 || line[0] < DIGIT_0 || line[0] > DIGIT_9) return false
  const head = line.toString('latin1', 0, Math.min(line.length, HEAD_BYTES))
  const tsEnd = timestampEnd(head, 0)
  if (tsEnd === -1 || head.charCodeAt(tsEnd) !== SPACE) return false
  const sourceStart = tsEnd + 1
  let i = sourceStart
  while (i < head.length && head.charCodeAt(i) !== OPEN_BRACKET && head.charCodeAt(i) !== SPACE) i++
  if (head.charCodeAt(i) !== OPEN_BRACKET || i === sourceStart) return false
  const dynoStart = ++i
  while (i < head.length && head.charCodeAt(i) !== CLOSE_BRACKET && head.charCodeAt(i) !== SPACE) i++
  return head.charCodeAt(i) === CLOSE_BRACKET && i !== dynoStart && head.charCodeAt(i + 1) === COLON
}

/**
 * `text/plain`: `heroku logs` lines, where a line that does not open like one continues the message before
 * it (a multi-line message, as logsift's router writes one). A line with no such message before it (any
 * other text) is a message of its own.
 */
export class PlainMessages implements MessageDecoder {
  private partial: Buffer | undefined
  /** The lines of the last message, which may yet get more. */
  private current: Buffer[] = []
  private currentBytes = 0

  get holding(): boolean {
    return this.current.length > 0
  }

  /** The bytes of a last line whose newline has not come yet. */
  get unfinishedBytes(): number {
    return this.partial?.length ?? 0
  }

  push(chunk: Buffer): Decoded {
    const data = this.partial ? Buffer.concat([this.partial, chunk]) : chunk
    const end = data.lastIndexOf(NEWLINE) + 1
    this.partial = end < data.length ? Buffer.from(data.subarray(end)) : undefined
    const messages: StreamMessage[] = []
    let start = 0
    while (start < end) {
      const next = data.indexOf(NEWLINE, start) + 1
      this.line(data.subarray(start, next), messages)
      start = next
    }

    return {messages}
  }

  flush(): StreamMessage[] {
    const messages: StreamMessage[] = []
    this.finish(messages)
    return messages
  }

  end(): StreamMessage[] {
    const messages: StreamMessage[] = []
    if (this.partial) this.line(Buffer.concat([this.partial, NEWLINE_BUFFER]), messages)
    this.partial = undefined
    this.finish(messages)
    return messages
  }

  private line(line: Buffer, messages: StreamMessage[]): void {
    const opens = opensHerokuLine(line)
    // A syslog line (`<PRI>...`, as a file of drained lines holds) is a message, never a further line of one.
    if (this.current.length > 0 && !opens && priLength(line, 0) <= 0 && this.currentBytes + line.length <= MAX_JOINED_BYTES) {
      this.current.push(line)
      this.currentBytes += line.length
      return
    }

    this.finish(messages)
    if (!opens) {
      messages.push({pri: undefined, raw: line})
      return
    }

    this.current.push(line)
    this.currentBytes = line.length
  }

  private finish(messages: StreamMessage[]): void {
    const {current} = this
    if (current.length === 0) return
    messages.push({pri: undefined, raw: current.length === 1 ? current[0] : Buffer.concat(current)})
    this.current = []
  }
}

/**
 * `text/event-stream` from any server but logsift's router (Logplex): an event's data holds one or more log
 * lines, each a message; empty lines are keep-alives. (logsift's router: WholeEventMessages.)
 */
export class EventMessages implements MessageDecoder {
  readonly holding = false
  private readonly decoder = new EventStreamDecoder()

  push(chunk: Buffer): Decoded {
    const events = this.decoder.push(chunk)
    if (events.length === 0) return {messages: []}
    const messages: StreamMessage[] = []
    for (const event of events) {
      for (const line of event.data.split('\n')) if (line !== '') messages.push({pri: undefined, raw: Buffer.from(line + '\n')})
    }

    return {eventId: events.at(-1)!.id, messages}
  }

  flush(): StreamMessage[] {
    return []
  }

  end(): StreamMessage[] {
    return []
  }
}

const CR = 0x0d
const MAX_PRI = 191
const DATA_FIELD = Buffer.from('data:')
const ID_FIELD = Buffer.from('id:')
const PRI_FIELD = Buffer.from('pri:')

/**
 * `text/event-stream` from logsift's router (it answered MESSAGE_EVENTS_HEADER), read as bytes: each event one
 * message, `id`, `pri` and `data` fields, a blank line ending it, `:` comments, lines ending with LF or CRLF
 * (as the router writes them; a lone CR, which the spec also allows, is not one here). What EventMessages(true)
 * gives, without decoding the stream to text and encoding each message back: a one-line message's bytes are
 * a slice of the chunk. Its reader is logsift's, and a history read sends hundreds of thousands of messages.
 */
export class WholeEventMessages implements MessageDecoder {
  readonly holding = false
  private partial: Buffer | undefined
  private lastEventId = ''
  /** Where the value of the id field that holds is: decoded only for the last event of a chunk. */
  private idBytes: Buffer | undefined
  private idStart = 0
  private idEnd = 0
  /** The id field's value when the last event with a message was dispatched. */
  private dispatchedIdBytes: Buffer | undefined
  private dispatchedIdStart = 0
  private dispatchedIdEnd = 0
  private dispatchedAny = false
  /** The event's first data line, as dataLine() keeps it; `data` holds its lines once it has more. */
  private firstData: Buffer | undefined
  private firstDataStart = 0
  private firstDataEnd = 0
  private data: Buffer[] = []
  private pri: number | undefined

  push(chunk: Buffer): Decoded {
    const messages: StreamMessage[] = []
    this.dispatchedAny = false
    let start = 0
    if (this.partial !== undefined) {
      // Only the line cut by the chunk's edge is copied to join its parts.
      const newline = chunk.indexOf(NEWLINE)
      if (newline === -1) {
        this.partial = Buffer.concat([this.partial, chunk])
        return {messages}
      }

      const line = Buffer.concat([this.partial, chunk.subarray(0, newline + 1)])
      this.partial = undefined
      this.line(line, 0, line.length - 1, messages)
      start = newline + 1
    }

    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      if (newline === start) this.dispatch(messages)
      else this.line(chunk, start, newline, messages)
      start = newline + 1
    }

    if (start < chunk.length) this.partial = Buffer.from(chunk.subarray(start))
    if (!this.dispatchedAny) return {messages}
    if (this.dispatchedIdBytes !== undefined) {
      this.lastEventId = this.dispatchedIdBytes.toString('utf8', this.dispatchedIdStart, this.dispatchedIdEnd)
      this.dispatchedIdBytes = undefined
    }

    return {eventId: this.lastEventId, messages}
  }

  flush(): StreamMessage[] {
    return []
  }

  end(): StreamMessage[] {
    return []
  }

  /** The line in bytes [start, newline) of `bytes`. */
  private line(bytes: Buffer, start: number, newline: number, messages: StreamMessage[]): void {
    const end = newline > start && bytes[newline - 1] === CR ? newline - 1 : newline
    if (end === start) {
      this.dispatch(messages)
    } else if (bytes[start] === DATA_FIELD[0] && startsWith(bytes, start, end, DATA_FIELD)) {
      const valueStart = start + DATA_FIELD.length + (bytes[start + DATA_FIELD.length] === SPACE ? 1 : 0)
      // Up to and with its LF: the message's line as the reader wants it, when it ended with LF alone.
      if (end !== newline) {
        this.dataLine(Buffer.concat([bytes.subarray(valueStart, end), NEWLINE_BUFFER]), 0, end - valueStart + 1)
      } else {
        this.dataLine(bytes, valueStart, newline + 1)
      }
    } else if (startsWith(bytes, start, end, ID_FIELD)) {
      const idStart = start + ID_FIELD.length + (bytes[start + ID_FIELD.length] === SPACE ? 1 : 0)
      if (!holdsNul(bytes, idStart, end)) {
        this.idBytes = bytes
        this.idStart = idStart
        this.idEnd = end
      }
    } else if (startsWith(bytes, start, end, PRI_FIELD)) {
      this.pri = priValue(bytes, start + PRI_FIELD.length + (bytes[start + PRI_FIELD.length] === SPACE ? 1 : 0), end)
    }
  }

  /**
   * A data line's value with its LF, bytes [start, end) of `bytes`. The first of an event is kept as where it
   * lies, not as a view (a Buffer each): most events have one.
   */
  private dataLine(bytes: Buffer, start: number, end: number): void {
    if (this.firstData === undefined && this.data.length === 0) {
      this.firstData = bytes
      this.firstDataStart = start
      this.firstDataEnd = end
      return
    }

    if (this.firstData !== undefined) this.data.push(this.firstData.subarray(this.firstDataStart, this.firstDataEnd))
    this.firstData = undefined
    this.data.push(bytes.subarray(start, end))
  }

  private dispatch(messages: StreamMessage[]): void {
    const {firstData, firstDataEnd, firstDataStart, pri} = this
    this.firstData = undefined
    this.pri = undefined
    // One empty data line is an event without a message (as the spec joins lines: an empty data).
    if (firstData !== undefined && firstDataEnd - firstDataStart === 1) return
    const {data} = this
    if (firstData === undefined && data.length === 0) return
    this.data = []
    this.dispatchedAny = true
    if (this.idBytes !== undefined) {
      this.dispatchedIdBytes = this.idBytes
      this.dispatchedIdStart = this.idStart
      this.dispatchedIdEnd = this.idEnd
    }

    messages.push({matched: true, pri, raw: firstData === undefined ? Buffer.concat(data) : firstData.subarray(firstDataStart, firstDataEnd)})
  }
}

/**
 * Frames from logsift's router (MESSAGE_FRAMES_TYPE), asked for by a reader that only writes the messages'
 * bytes out: a frame of one-line messages is one StreamMessage (`joined`: how many), written as it came; a
 * frame of one message is that message. A frame cut by a chunk's edge is gathered whole first, so its id (its
 * last message's offset) is given only with all of its messages. A frame whose one-line messages include one
 * longer than `joinUpTo` gives each of them alone, since the reader cuts such a line into pieces. A line that
 * is not a frame header (nor a `:` keep-alive) is passed on as a message of its own.
 */
export class FrameMessages implements MessageDecoder {
  readonly holding = false
  /** A header line cut by a chunk's edge. */
  private partialHeader: Buffer | undefined
  /** The frame being gathered: its bytes, how many of them came, its id and its count of messages. */
  private body: Buffer | undefined
  private filled = 0
  private bodyId = ''
  private bodyCount = 0

  constructor(private readonly joinUpTo: number) {}

  push(chunk: Buffer): Decoded {
    const messages: StreamMessage[] = []
    let eventId: string | undefined
    let at = 0
    while (at < chunk.length) {
      if (this.body !== undefined) {
        const copied = chunk.copy(this.body, this.filled, at)
        this.filled += copied
        at += copied
        if (this.filled < this.body.length) break
        this.frame(this.body, this.bodyCount, messages)
        eventId = this.bodyId
        this.body = undefined
        continue
      }

      const newline = chunk.indexOf(NEWLINE, at)
      if (newline === -1) {
        this.partialHeader = this.partialHeader === undefined ? Buffer.from(chunk.subarray(at)) : Buffer.concat([this.partialHeader, chunk.subarray(at)])
        // No header is this long: other text, passed on in pieces rather than held whole.
        if (this.partialHeader.length > MAX_JOINED_BYTES) {
          messages.push({matched: true, pri: undefined, raw: this.partialHeader})
          this.partialHeader = undefined
        }

        break
      }

      const line = this.partialHeader === undefined ? chunk.subarray(at, newline + 1) : Buffer.concat([this.partialHeader, chunk.subarray(at, newline + 1)])
      this.partialHeader = undefined
      at = newline + 1
      if (line[0] === COLON) continue
      const header = frameHeaderOf(line)
      if (header === undefined) {
        messages.push({matched: true, pri: undefined, raw: line})
        continue
      }

      const {bytes, count, id} = header
      if (chunk.length - at < bytes) {
        this.body = Buffer.allocUnsafe(bytes)
        this.filled = 0
        this.bodyId = id
        this.bodyCount = count
        continue
      }

      this.frame(chunk.subarray(at, at + bytes), count, messages)
      eventId = id
      at += bytes
    }

    return {eventId, messages}
  }

  flush(): StreamMessage[] {
    return []
  }

  /** A stream cut inside a frame has lost the rest of it: what came of it is left unsaid, as a cut event is. */
  end(): StreamMessage[] {
    return []
  }

  private frame(bytes: Buffer, count: number, messages: StreamMessage[]): void {
    if (bytes.length === 0) return
    if (count <= 1) {
      messages.push({matched: true, pri: undefined, raw: bytes})
      return
    }

    let start = 0
    while (start < bytes.length) {
      const end = bytes.indexOf(NEWLINE, start)
      if (end === -1 || end - start > this.joinUpTo) break
      start = end + 1
    }

    if (start >= bytes.length) {
      messages.push({joined: count, matched: true, pri: undefined, raw: bytes})
      return
    }

    for (start = 0; start < bytes.length;) {
      const newline = bytes.indexOf(NEWLINE, start)
      const end = newline === -1 ? bytes.length : newline + 1
      messages.push({matched: true, pri: undefined, raw: bytes.subarray(start, end)})
      start = end
    }
  }
}

/** `ID COUNT LENGTH` and its LF (decimal numbers, one space between), or undefined for any other line. */
function frameHeaderOf(line: Buffer): {bytes: number; count: number; id: string} | undefined {
  const fields: number[] = [0, 0, 0]
  let field = 0
  let digits = 0
  for (let i = 0; i < line.length - 1; i++) {
    const byte = line[i]
    if (byte === SPACE && digits > 0 && field < 2) {
      field++
      digits = 0
    } else if (byte >= DIGIT_0 && byte <= DIGIT_9 && digits < 15) {
      fields[field] = fields[field] * 10 + byte - DIGIT_0
      digits++
    } else {
      return undefined
    }
  }

  if (field !== 2 || digits === 0 || fields[2] > MAX_FRAME_BYTES) return undefined
  return {bytes: fields[2], count: fields[1], id: line.toString('latin1', 0, line.indexOf(SPACE))}
}

/** Whether bytes [start, end) hold a NUL, which makes an id field one to ignore. */
function holdsNul(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] === 0) return true
  return false
}

function startsWith(bytes: Buffer, start: number, end: number, field: Buffer): boolean {
  if (end - start < field.length) return false
  for (let i = 0; i < field.length; i++) if (bytes[start + i] !== field[i]) return false
  return true
}

/** A PRI of 1 to 3 digits up to MAX_PRI; undefined for anything else. */
function priValue(bytes: Buffer, start: number, end: number): number | undefined {
  if (end === start || end - start > 3) return undefined
  let value = 0
  for (let i = start; i < end; i++) {
    if (bytes[i] < DIGIT_0 || bytes[i] > DIGIT_9) return undefined
    value = value * 10 + bytes[i] - DIGIT_0
  }

  return value <= MAX_PRI ? value : undefined
}

