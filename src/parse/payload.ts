import {hasLogfmtPair, parseLogfmt, scanLogfmt} from './logfmt.js'
import type {FieldValue, Fields} from './record.js'

/**
 * The structured part of a message, by these rules in order:
 * 1. JSON: the message is a JSON object, or ends with one after a prefix (`DEBUG: event {"foo":123}`).
 *    Candidates are the `{` that open an object (`{` then optional spaces then `"` or `}`), tried from the
 *    left, at most `MAX_JSON_ATTEMPTS` of them; the object must run to the end of the message (trailing
 *    whitespace allowed).
 * 2. logfmt, but only when the message has at least one `key=value` pair, so prose (`Rendering post/list`)
 *    yields `{}` rather than a flag per word.
 * 3. Otherwise `{}`.
 */

const MAX_JSON_ATTEMPTS = 4

/** The index of the message's last character that is not JSON whitespace, or -1. */
function lastNonWhitespace(message: string): number {
  let i = message.length - 1
  for (; i >= 0; i--) {
    const code = message.charCodeAt(i)
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) break
  }

  return i
}

/** Whether rule 1 may apply. When false, the payload is certainly logfmt or nothing. */
function mayHoldJson(message: string): boolean {
  const last = lastNonWhitespace(message)
  return last > 0 && message.charCodeAt(last) === 0x7d // }
}

function opensObject(message: string, brace: number): boolean {
  let i = brace + 1
  let code = message.charCodeAt(i)
  while (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) code = message.charCodeAt(++i)
  return code === 0x22 || code === 0x7d // " }
}

function parseJsonObject(text: string): Fields | undefined {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Fields
  } catch {
    // Not JSON after all: the caller tries the next candidate or falls back to logfmt.
  }

  return undefined
}

function parseJsonPayload(message: string): Fields | undefined {
  if (!mayHoldJson(message)) return undefined
  let attempts = 0
  for (let brace = message.indexOf('{'); brace !== -1; brace = message.indexOf('{', brace + 1)) {
    if (!opensObject(message, brace)) continue
    const fields = parseJsonObject(brace === 0 ? message : message.slice(brace))
    if (fields !== undefined) return fields
    if (++attempts === MAX_JSON_ATTEMPTS) break
  }

  return undefined
}

/** The payload of a message as fields (see the rules above). Never throws. */
export function parsePayload(message: string): Fields {
  const json = parseJsonPayload(message)
  if (json !== undefined) return json
  return hasLogfmtPair(message) ? parseLogfmt(message) : {}
}

function isObject(value: FieldValue | undefined): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `path` inside `value`, trying each way of cutting it at dots, shortest first segment first. */
function lookupPath(value: FieldValue, path: string): FieldValue | undefined {
  if (Array.isArray(value)) {
    const dot = path.indexOf('.')
    const index = dot === -1 ? path : path.slice(0, dot)
    if (!/^(0|[1-9]\d*)$/.test(index) || Number(index) >= value.length) return undefined
    return dot === -1 ? value[Number(index)] : lookupPath(value[Number(index)], path.slice(dot + 1))
  }

  if (!isObject(value)) return undefined
  if (Object.hasOwn(value, path)) return value[path]
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot)
    if (!Object.hasOwn(value, head)) continue
    const found = lookupPath(value[head], path.slice(dot + 1))
    if (found !== undefined) return found
  }

  return undefined
}

/**
 * One field: the exact key first (`sample#memory_total`, or a key that itself contains dots), then a dotted
 * path into nested objects (`err.type`) and arrays (`items.0.id`). Own properties only, so `constructor`
 * or `__proto__` never reach the prototype.
 */
export function lookupField(fields: Fields, key: string): FieldValue | undefined {
  return lookupPath(fields, key)
}

/** Returned by `scanField` when only a full parse can answer. */
export const UNSCANNABLE: unique symbol = Symbol('unscannable')

/**
 * The fast path for queries: `lookupField(parsePayload(message), key)` without building the fields, for a
 * message that cannot hold JSON (it does not end with `}`). Returns UNSCANNABLE otherwise; the caller then
 * parses. Logfmt fields hold only strings and `true`, so a dotted key can only match exactly.
 */
export function scanField(message: string, key: string): FieldValue | undefined | typeof UNSCANNABLE {
  if (mayHoldJson(message)) return UNSCANNABLE
  const value = scanLogfmt(message, key)
  // A string value came from a `key=value` pair, so the message qualifies as logfmt; a flag alone does not.
  if (value === true && !hasLogfmtPair(message)) return undefined
  return value
}
