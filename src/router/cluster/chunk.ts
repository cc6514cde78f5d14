import type {NewMessage, StoredMessage} from '../log/engine.js'

/**
 * How the JetStream engine stores an app's messages: many log messages per NATS message (a chunk), the
 * payload a JSON array of `[text, source, dyno, priority|null, timestamp|null, receivedAt]` (and a seventh
 * element, 1, when the PRI was stamped by Heroku: priIsLevel false), and what a
 * reader needs to find its way without decoding the payload in headers:
 * - `Logsift-Offset`: the chunk's first offset (the app's own numbering, not the stream sequence);
 * - `Logsift-Count`: messages in it (0 for a marker, which only carries the numbering on);
 * - `Logsift-Bytes`: the app's payload bytes up to and including this chunk (markers add none);
 * - `Logsift-Time`: the latest receive time in it (-1 in a marker).
 */
export const CHUNK_HEADERS = {bytes: 'Logsift-Bytes', count: 'Logsift-Count', offset: 'Logsift-Offset', time: 'Logsift-Time'} as const

type EncodedMessage = [string, string, string, number | null, string | null, number, 1?]

/** One message's part of a chunk's payload; chunk payloads are these joined by commas in brackets. */
export function encodeMessage(message: NewMessage): string {
  const row: EncodedMessage = [message.text, message.source, message.dyno, message.priority ?? null, message.timestamp ?? null, message.receivedAt]
  if (message.priIsLevel === false && message.priority !== undefined) row.push(1)
  return JSON.stringify(row)
}

export function chunkPayload(encoded: readonly string[]): Buffer {
  return Buffer.from(`[${encoded.join(',')}]`)
}

/** The messages of a chunk whose first offset is `first`. Throws on a payload that is not a chunk. */
export function decodeChunk(payload: Uint8Array, first: number): StoredMessage[] {
  if (payload.byteLength === 0) return []
  const rows = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as EncodedMessage[]
  if (!Array.isArray(rows)) throw new TypeError('a chunk payload is a JSON array')
  const messages: StoredMessage[] = []
  for (let i = 0; i < rows.length; i++) {
    const [text, source, dyno, priority, timestamp, receivedAt, stamped] = rows[i]
    const message: {-readonly [K in keyof StoredMessage]: StoredMessage[K]} = {dyno, offset: first + i, receivedAt, source, text}
    if (priority !== null) message.priority = priority
    if (timestamp !== null) message.timestamp = timestamp
    if (stamped === 1) message.priIsLevel = false
    messages.push(message)
  }

  return messages
}

/**
 * A name (app id, cursor name) as one NATS subject token or KV key part: letters, digits, `-` and `_`
 * stay, every other byte is `=` and two hex digits (`=` is allowed in both, `.` and wildcards are not).
 */
export function nameToken(name: string): string {
  if (name === '') throw new RangeError('a name cannot be empty')
  let token = ''
  for (const byte of Buffer.from(name)) {
    const char = String.fromCharCode(byte)
    token += /[\w-]/.test(char) ? char : `=${byte.toString(16).padStart(2, '0')}`
  }

  return token
}

export function tokenName(token: string): string {
  const bytes: number[] = []
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(token.charCodeAt(i))
  }

  return Buffer.from(bytes).toString('utf8')
}
