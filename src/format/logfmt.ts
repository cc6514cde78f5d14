import logfmt from 'logfmt'

import type {FieldValue, LogRecord} from '../parse/record.js'
import type {LongLineFormatter} from './index.js'

import {messageSlices} from './message-slices.js'

/** The record's own keys; a payload field with one of these names is written as `fields.NAME`. */
const RECORD_KEYS = new Set(['dyno', 'level', 'message', 'source', 'timestamp'])

// logfmt's stringify quotes only for a space or `=`: a newline would end the line, a tab or `"` inside a key
// would split it, so both are made safe before stringify sees them.
const UNSAFE_KEY = /[\s\u0000-\u001F\u007F"=\\]/g
const CONTROL = /[\u0000-\u001F\u007F]/g
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}
/** Each control character's escape by its code, made once: a message of NULs needs millions of them. */
const CONTROL_ESCAPE_TABLE: readonly string[] = Array.from({length: 0x80}, (_, code) => {
  const char = String.fromCharCode(code)
  return CONTROL_ESCAPES[char] ?? '\\u' + code.toString(16).padStart(4, '0')
})
/** What logfmt.stringify backslash-escapes, and the characters that make it do so once controls are escaped. */
const STRINGIFY_ESCAPES = /["\\]/g
const ESCAPED_BY_STRINGIFY = /["\\\u0000-\u001F\u007F]/

/**
 * What a quoted value escapes, by character code: control characters as safeValue does, then `"` and `\` as
 * stringify does, both steps at once; undefined for a character kept as it is.
 */
const QUOTED_ESCAPE_TABLE = Array.from({length: 0x80}, (_, code) => {
  const char = String.fromCharCode(code)
  const escaped = (code < 0x20 || code === 0x7f ? CONTROL_ESCAPE_TABLE[code] : char).replaceAll(STRINGIFY_ESCAPES, '\\$&')
  return escaped === char ? undefined : escaped
}) as ReadonlyArray<string | undefined>

/** A logfmt line's pairs, as `logfmt.stringify` takes them. */
type Pairs = Record<string, boolean | null | number | string>

/**
 * The record as one logfmt line: `timestamp= source= dyno= level= message=` (those the record has), then its
 * fields, nested JSON flattened to dotted keys (`err.type=TimeoutError`) and arrays kept as JSON text.
 * Values are quoted by the `logfmt` package, so `logfmt.parse` reads the line back; control characters are
 * written as `\n`-style escapes so a record stays one line.
 */
export function formatLogfmt(record: LogRecord): string {
  const header = headerPairs(record)
  header.message = safeValue(record.message)
  const line = logfmt.stringify(header)
  const rest = logfmt.stringify(fieldPairs(record))
  return rest === '' ? line : line + ' ' + rest
}

/**
 * The line `formatLogfmt` makes, in parts that join to it: the message escaped a slice at a time. A long message
 * (a piece of an endless line) would otherwise become several strings of up to seven times its size (`\\u0000`
 * for each NUL) on its way through the escapes, the quoting and the joining.
 */
export function * formatLogfmtParts(record: LogRecord): Generator<string> {
  const {message} = record
  // As logfmt.stringify decides for the whole value: quoted for a space or `=`, and backslash-escaped (and so
  // quoted) for a `"` or `\`, which every escaped control character contains.
  const escaped = ESCAPED_BY_STRINGIFY.test(message)
  const quote = escaped || message.includes(' ') || message.includes('=') ? '"' : ''
  // `level` is always there, so the head is never empty; an empty message is short and never comes here.
  yield logfmt.stringify(headerPairs(record)) + ' message=' + quote
  for (const slice of messageSlices(message)) {
    const value = safeValue(slice)
    yield escaped ? value.replaceAll(STRINGIFY_ESCAPES, '\\$&') : value
  }

  const rest = logfmt.stringify(fieldPairs(record))
  yield rest === '' ? quote : quote + ' ' + rest
}

/**
 * formatLogfmt for a line too long to hold (see LongLineFormatter): the message is always quoted, since
 * whether it needs quotes is known only at its end; `logfmt.parse` reads the same value back either way.
 */
export const logfmtLongLine: LongLineFormatter = {
  head: (record) => logfmt.stringify(headerPairs(record)) + ' message="',
  message: (_record, slice) => quotedValue(slice),
  tail(record) {
    const rest = logfmt.stringify(fieldPairs(record))
    return rest === '' ? '"' : '" ' + rest
  },
}

/** The record's header pairs but the message, in the order written. */
function headerPairs(record: LogRecord): Pairs {
  const header: Pairs = {}
  if (record.timestamp !== undefined) header.timestamp = record.timestamp
  if (record.source !== undefined) header.source = safeValue(record.source)
  if (record.dyno !== undefined) header.dyno = safeValue(record.dyno)
  header.level = record.level
  return header
}

/** The payload's fields as pairs, after the header. */
function fieldPairs(record: LogRecord): Pairs {
  // Two objects, not one: an object enumerates integer-like keys (a field named "404") before all others,
  // which would put them ahead of `timestamp`. No prototype, so a field named `__proto__` is kept like any other.
  const pairs: Pairs = Object.create(null)
  const {fields} = record
  for (const key in fields) {
    if (Object.hasOwn(fields, key)) flatten(pairs, RECORD_KEYS.has(key) ? 'fields.' + key : key, fields[key])
  }

  return pairs
}

/**
 * `value` under `key` as pairs, objects flattened to dotted keys in the order written. Depth first with its own
 * stack rather than recursion, so nesting never overflows the call stack.
 */
function flatten(pairs: Pairs, key: string, value: FieldValue): void {
  const keys = [key]
  const values = [value]
  while (keys.length > 0) {
    const name = keys.pop()!
    const current = values.pop()!
    if (current === null || typeof current !== 'object') {
      pairs[safeKey(name)] = typeof current === 'string' ? safeValue(current) : current
      continue
    }

    if (Array.isArray(current)) {
      pairs[safeKey(name)] = safeValue(JSON.stringify(current))
      continue
    }

    const children = Object.keys(current)
    if (children.length === 0) pairs[safeKey(name)] = '{}'
    // Pushed last first, so the children come out in the order written.
    for (let i = children.length - 1; i >= 0; i--) {
      keys.push(name + '.' + children[i])
      values.push(current[children[i]])
    }
  }
}

function safeKey(key: string): string {
  return key === '' ? '_' : key.replaceAll(UNSAFE_KEY, '_')
}

function safeValue(value: string): string {
  return value.replaceAll(CONTROL, escapeControl)
}

/** `text` escaped for the inside of a quoted value: a loop rather than a replace callback per character. */
function quotedValue(text: string): string {
  let output = ''
  let copied = 0
  for (let i = 0; i < text.length; i++) {
    const escaped = QUOTED_ESCAPE_TABLE[text.charCodeAt(i)]
    if (escaped === undefined) continue
    output += text.slice(copied, i) + escaped
    copied = i + 1
  }

  return copied === 0 ? text : output + text.slice(copied)
}

function escapeControl(char: string): string {
  return CONTROL_ESCAPE_TABLE[char.charCodeAt(0)]
}
