import type {LogMessage} from './message.js'

/** A message as a session client reads it: a plain line, or a server-sent event whose id is its seq. */
export function encodeMessage(seq: number, line: string, sse: boolean): string {
  if (!sse) return line + '\n'
  // An SSE field cannot hold a line break: a multi-line message becomes several data lines of one event.
  if (line.indexOf('\n') === -1 && line.indexOf('\r') === -1) return 'id: ' + seq + '\ndata: ' + line + '\n\n'
  return 'id: ' + seq + '\ndata: ' + line.split(/\r\n|\r|\n/).join('\ndata: ') + '\n\n'
}

/**
 * encodeMessage for a message of the log, which already knows whether its line has a break: the line is
 * joined from slices and is not searched again (a search would first copy it into one flat string).
 */
export function encodeLogMessage(message: LogMessage, sse: boolean): string {
  if (!sse) return message.line + '\n'
  if (message.singleLine) return 'id: ' + message.seq + '\ndata: ' + message.line + '\n\n'
  return encodeMessage(message.seq, message.line, true)
}
