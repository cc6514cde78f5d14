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
 * How a session client reads messages: plain lines; server-sent events; or events that also carry the PRI
 * of the messages whose PRI tells their level (MESSAGE_EVENTS_HEADER).
 */
export type StreamFormat = 'events' | 'events-with-pri' | 'plain'

/** A message as a session client reads it: a plain line, or a server-sent event whose id is its seq. */
export function encodeMessage(seq: number, line: string, format: StreamFormat): string {
  if (format === 'plain') return line + '\n'
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
  const head = format === 'events-with-pri' && message.priIsLevel ? 'id: ' + message.seq + '\npri: ' + message.pri : 'id: ' + message.seq
  if (message.singleLine) return head + '\ndata: ' + message.line + '\n\n'
  return head + '\ndata: ' + message.line.split(/\r\n|\r|\n/).join('\ndata: ') + '\n\n'
}
