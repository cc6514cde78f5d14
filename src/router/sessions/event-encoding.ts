import type {LogMessage} from '../message.js'

/**
 * Sent by logsift's reader when it reads a session URL, and answered with the same header by a router that
 * honours it: each server-sent event is then one whole message (its data lines are the lines of one
 * multi-line message) and carries `pri: N` when the sender's PRI tells the message's level; and every event
 * matches the session's filters (dyno, source and the history query), so the reader need not test them again. Other clients
 * (the Heroku CLI) do not send it and get the stream exactly as before; SSE clients would ignore the field
 * anyway, as the spec has them ignore unknown field names.
 *
 * A request header rather than a field of the session's POST body or a query parameter on its URL: the
 * reader does not know whether it talks to logsift or to Heroku, whose API may refuse a body field it does
 * not know and whose signed `logplex_url` must not be altered, while every server ignores a header it does
 * not know. And it is the reader's choice, as `Accept` is: one session URL may be read by both CLIs.
 */
export const MESSAGE_EVENTS_HEADER = 'logsift-message-events'

/**
 * Asked for first by logsift's reader when it only writes the messages out as they come (`logs -a APP -o raw`
 * with the whole query in the session). The body is frames: `ID COUNT LENGTH` and a LF, then LENGTH bytes
 * holding COUNT messages as `heroku logs` lines (as `text/plain` has them), ID the offset of the last one (what
 * `Last-Event-ID` resumes after). A frame of more than one message holds one-line messages only: a message
 * with line breaks has a frame of its own. A line `:` is a keep-alive. The reader writes a frame's bytes as they
 * came, with no work per message, where an event costs it a field parse and a copy each: a one-minute window
 * of 51,752 messages took the CLI ~170 ms beyond its start-up as events, ~100 as frames (measured by turns).
 */
export const MESSAGE_FRAMES_TYPE = 'application/vnd.logsift.frames'

/**
 * How a session client reads messages: plain lines; server-sent events; events that also carry the PRI
 * of the messages whose PRI tells their level (MESSAGE_EVENTS_HEADER); or frames (MESSAGE_FRAMES_TYPE).
 */
export type StreamFormat = 'events' | 'events-with-pri' | 'frames' | 'plain'

/** The line that opens a frame of `count` messages, `bytes` long, the last of them at offset `lastId`. */
export function frameHeader(lastId: number, count: number, bytes: number): string {
  return lastId + ' ' + count + ' ' + bytes + '\n'
}

/** A message as a session client reads it: a plain line, a frame of one, or a server-sent event whose id is its seq. */
export function encodeMessage(seq: number, line: string, format: StreamFormat): string {
  if (format === 'plain') return line + '\n'
  if (format === 'frames') return oneFrame(seq, line)
  // An SSE field cannot hold a line break: a multi-line message becomes several data lines of one event.
  if (line.indexOf('\n') === -1 && line.indexOf('\r') === -1) return 'id: ' + seq + '\ndata: ' + line + '\n\n'
  return 'id: ' + seq + '\ndata: ' + line.split(/\r\n|\r|\n/).join('\ndata: ') + '\n\n'
}

/**
 * encodeMessage for a message of the log, which already knows whether its line has a break: the line is
 * joined from slices and is not searched again (a search would first copy it into one flat string).
 */
export function encodeLogMessage(message: LogMessage, format: StreamFormat): string {
  if (format === 'plain') return message.line + '\n'
  if (format === 'frames') return oneFrame(message.seq, message.line)
  const head = format === 'events-with-pri' && message.priIsLevel ? 'id: ' + message.seq + '\npri: ' + message.pri : 'id: ' + message.seq
  if (message.singleLine) return head + '\ndata: ' + message.line + '\n\n'
  return head + '\ndata: ' + message.line.split(/\r\n|\r|\n/).join('\ndata: ') + '\n\n'
}

/**
 * Messages as a session client reads them, in order: each encoded alone (encodeLogMessage), or as frames,
 * the one-line messages in a row together.
 */
export function encodeLogMessages(messages: readonly LogMessage[], format: StreamFormat): string {
  // Joined once at the end: a string grown message by message would be flattened again by write().
  const parts: string[] = []
  if (format !== 'frames') {
    for (const message of messages) parts.push(encodeLogMessage(message, format))
    return parts.join('')
  }

  let run: string[] = []
  let lastSeq = 0
  const endRun = (): void => {
    if (run.length === 0) return
    const text = run.join('')
    parts.push(frameHeader(lastSeq, run.length, Buffer.byteLength(text)), text)
    run = []
  }

  for (const message of messages) {
    if (message.singleLine) {
      run.push(message.line + '\n')
      lastSeq = message.seq
      continue
    }

    endRun()
    parts.push(oneFrame(message.seq, message.line))
  }

  endRun()
  return parts.join('')
}

function oneFrame(seq: number, line: string): string {
  const text = line + '\n'
  return frameHeader(seq, 1, Buffer.byteLength(text)) + text
}
