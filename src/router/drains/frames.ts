import {herokuTimestamp} from '../message.js'

/** What a drain sends: a message of the app's log, or a line the router writes itself (L10). */
export interface Outgoing {
  readonly source: string
  readonly dyno: string
  /** The `heroku logs` line: `TIMESTAMP SOURCE[DYNO]: MESSAGE`. */
  readonly line: string
  /**
   * Syslog PRI: the one the message came with. One that came without (plain text) goes out as 190
   * (local7.info), as log-shuttle sends it.
   */
  readonly pri?: number
  /** Known to hold no line break (the hub's messages say so), so it needs no replacing. */
  readonly singleLine?: boolean
}

const DEFAULT_PRI = 190
/** local5.warning: what Logplex gives its own L10 line. */
const L10_PRI = 172

/** The timestamp and the message of a `heroku logs` line, taken apart by the lengths of its known parts. */
function parts(message: Outgoing): {timestamp: string; text: string} {
  const space = message.line.indexOf(' ')
  const timestamp = message.line.slice(0, space)
  // `TS SOURCE[DYNO]: ` — a space, the source, `[`, the dyno, `]: `.
  const text = message.line.slice(space + message.source.length + message.dyno.length + 5)
  return {text, timestamp}
}

/**
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG\n` as Logplex writes to a syslog drain: HOSTNAME is the
 * drain token and SD a proper `-`. The message goes as it is (octet counting carries any byte).
 */
export function syslogMessage(message: Outgoing, drainToken: string): string {
  const {text, timestamp} = parts(message)
  return `<${message.pri ?? DEFAULT_PRI}>1 ${timestamp} ${drainToken} ${message.source} ${message.dyno} - - ${text}\n`
}

/**
 * `<PRI>1 TIMESTAMP host APP-NAME PROCID - MSG\n` as Logplex writes to an HTTPS drain: HOSTNAME `host`, no
 * structured data at all. Vector refuses a whole POST whose message holds another line break, so each one
 * becomes a space.
 */
export function logplexMessage(message: Outgoing): string {
  const {text, timestamp} = parts(message)
  const oneLine = message.singleLine === true ? text : text.replace(/\r\n|[\n\r]/g, ' ')
  return `<${message.pri ?? DEFAULT_PRI}>1 ${timestamp} host ${message.source} ${message.dyno} - ${oneLine}\n`
}

/** `LEN SP MSG` for each message, as one buffer. Strings are well-formed UTF-16 here, so the bytes are valid UTF-8. */
export function octetCounted(messages: readonly string[]): Buffer {
  let body = ''
  for (const message of messages) body += Buffer.byteLength(message) + ' ' + message
  return Buffer.from(body)
}

/** The L10 line a drain delivers first after losing messages to a full queue. */
export function overflowNotice(dropped: number, since: number, now: number): Outgoing {
  const text = `Error L10 (output buffer overflow): ${dropped} messages dropped since ${herokuTimestamp(since)}.`
  return {dyno: 'logplex', line: `${herokuTimestamp(now)} heroku[logplex]: ${text}`, pri: L10_PRI, source: 'heroku'}
}

/** The L14 text written into the app's own log when a drain's certificate does not verify. */
export function certificateNotice(reason: string, uri: string): string {
  return `Error L14 (certificate validation): error="${reason}" uri="${uri}"`
}
