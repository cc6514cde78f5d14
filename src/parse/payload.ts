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
 *
 * JSON nested deeper than `MAX_JSON_DEPTH` keeps its deep part as text (see below).
 */

const MAX_JSON_ATTEMPTS = 4

/**
 * How many levels of JSON objects and arrays a payload keeps as parsed values; a container deeper than this
 * is kept as a string, its text exactly as written. JSON.parse itself copes with any depth, but JSON.stringify
 * (`-o json`, `logs:stats --by`) recurses and overflows the stack at a few thousand levels, aborting the
 * whole file. Real payloads nest a handful of levels; 64 leaves ample room and keeps every walk of the
 * fields shallow.
 */
export const MAX_JSON_DEPTH = 64

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
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // Not JSON after all: the caller tries the next candidate or falls back to logfmt.
    return undefined
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  // Valid JSON, so the text's brackets balance outside strings: the deep parts can be cut out by position.
  return nestsDeeperThan(value as Fields, MAX_JSON_DEPTH) ? (JSON.parse(withDeepPartsAsText(text)) as Fields) : (value as Fields)
}

/** Whether objects and arrays nest more than `limit` levels in `fields` (which is level 1); without recursion. */
function nestsDeeperThan(fields: Fields, limit: number): boolean {
  const containers: Array<Fields | FieldValue[]> = [fields]
  const depths = [1]
  while (containers.length > 0) {
    const container = containers.pop()!
    const depth = depths.pop()!
    for (const key in container) {
      const child = (container as Fields)[key]
      if (typeof child !== 'object' || child === null) continue
      if (depth === limit) return true
      containers.push(child)
      depths.push(depth + 1)
    }
  }

  return false
}

/**
 * Valid JSON text with every object or array that opens below `MAX_JSON_DEPTH` levels replaced by a JSON
 * string of its text, so parsing it builds nothing deeper than the limit.
 */
function withDeepPartsAsText(text: string): string {
  let output = ''
  let copied = 0
  let depth = 0
  let deepStart = -1
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      i = closingQuote(text, i)
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++
      if (depth === MAX_JSON_DEPTH + 1) deepStart = i
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (depth === MAX_JSON_DEPTH + 1) {
        output += text.slice(copied, deepStart) + JSON.stringify(text.slice(deepStart, i + 1))
        copied = i + 1
      }

      depth--
    }
  }

  return output + text.slice(copied)
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/** The index of the quote that closes the JSON string opening at `open`. */
function closingQuote(text: string, open: number): number {
  let i = open + 1
  for (let code = text.charCodeAt(i); code !== QUOTE; code = text.charCodeAt(++i)) {
    if (code === BACKSLASH) i++
  }

  return i
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

/**
 * `path` inside `value`, trying each way of cutting it at dots, shortest first segment first: a depth-first
 * search with its own stack rather than recursion, so no path or payload can overflow the call stack.
 */
function lookupPath(root: FieldValue, path: string): FieldValue | undefined {
  // Each pending try: a value and where in `path` the rest to look up in it starts.
  const values: FieldValue[] = [root]
  const starts = [0]
  while (values.length > 0) {
    const value = values.pop()!
    const start = starts.pop()!
    const rest = start === 0 ? path : path.slice(start)
    if (Array.isArray(value)) {
      const dot = rest.indexOf('.')
      const index = dot === -1 ? rest : rest.slice(0, dot)
      if (!/^(0|[1-9]\d*)$/.test(index) || Number(index) >= value.length) continue
      if (dot === -1) return value[Number(index)]
      values.push(value[Number(index)])
      starts.push(start + dot + 1)
      continue
    }

    if (!isObject(value)) continue
    if (Object.hasOwn(value, rest)) return value[rest]
    // Pushed last cut first, so the shortest head is tried first, and all of its subtree before the next.
    for (let dot = rest.lastIndexOf('.'); dot !== -1; dot = dot === 0 ? -1 : rest.lastIndexOf('.', dot - 1)) {
      const head = rest.slice(0, dot)
      if (!Object.hasOwn(value, head)) continue
      values.push(value[head])
      starts.push(start + dot + 1)
    }
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
