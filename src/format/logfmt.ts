import logfmt from 'logfmt'

import type {FieldValue, LogRecord} from '../parse/record.js'

/** The record's own keys; a payload field with one of these names is written as `fields.NAME`. */
const RECORD_KEYS = new Set(['dyno', 'level', 'message', 'source', 'timestamp'])

// logfmt's stringify quotes only for a space or `=`: a newline would end the line, a tab or `"` inside a key
// would split it, so both are made safe before stringify sees them.
const UNSAFE_KEY = /[\s\u0000-\u001F\u007F"=\\]/g
const CONTROL = /[\u0000-\u001F\u007F]/g
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}

/** A logfmt line's pairs, as `logfmt.stringify` takes them. */
type Pairs = Record<string, boolean | null | number | string>

/**
 * The record as one logfmt line: `timestamp= source= dyno= level= message=` (those the record has), then its
 * fields, nested JSON flattened to dotted keys (`err.type=TimeoutError`) and arrays kept as JSON text.
 * Values are quoted by the `logfmt` package, so `logfmt.parse` reads the line back; control characters are
 * written as `\n`-style escapes so a record stays one line.
 */
export function formatLogfmt(record: LogRecord): string {
  const header: Pairs = {}
  if (record.timestamp !== undefined) header.timestamp = record.timestamp
  if (record.source !== undefined) header.source = safeValue(record.source)
  if (record.dyno !== undefined) header.dyno = safeValue(record.dyno)
  header.level = record.level
  header.message = safeValue(record.message)

  // Two objects, not one: an object enumerates integer-like keys (a field named "404") before all others,
  // which would put them ahead of `timestamp`. No prototype, so a field named `__proto__` is kept like any other.
  const pairs: Pairs = Object.create(null)
  const {fields} = record
  for (const key in fields) {
    if (Object.hasOwn(fields, key)) flatten(pairs, RECORD_KEYS.has(key) ? 'fields.' + key : key, fields[key])
  }

  const line = logfmt.stringify(header)
  const rest = logfmt.stringify(pairs)
  return rest === '' ? line : line + ' ' + rest
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

function escapeControl(char: string): string {
  return CONTROL_ESCAPES[char] ?? '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0')
}
