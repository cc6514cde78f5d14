import type {Fields} from './record.js'

/**
 * logfmt, as Heroku writes it (router lines, runtime metrics, add-on metrics) and as apps log it.
 *
 * Grammar (one pass, never throws):
 * - Tokens are separated by one or more spaces (U+0020 only, like the `logfmt` package).
 * - A token is `KEY`, `KEY=` or `KEY=VALUE`. KEY runs up to the first `=` or space. A bare `KEY` is the
 *   flag `true`; `KEY=` is the empty string.
 * - VALUE is either quoted or bare. Quoted: it starts right after `=` with `"` and ends at the next
 *   unescaped `"`; inside, `\"` is `"` and `\\` is `\`, and any other backslash is kept as written (so
 *   `"C:\dir"` survives). Bare: everything up to the next space, `=` and `"` included (`a=b=c` is `b=c`).
 * - An unterminated quote (`msg="oops a=1`) does not swallow the rest of the line: the value falls back to
 *   the bare rule, the text up to the next space with its quote (`"oops`), and `a=1` is still read.
 * - After a closing quote the token ends even without a space (`a="x"b` is `a=x` then the flag `b`).
 * - A token with an empty key (`=x`, the lone `=` in `sql_error_code = 0`) is skipped, value and all.
 * - Values stay strings: no number or boolean conversion. A repeated key keeps its last value.
 *
 * How this differs from `logfmt.parse` (npm `logfmt` 1.4), which the tests compare against on every other
 * input (see test/parse/logfmt.test.ts):
 * - `KEY=` gives `''`; logfmt gives `null` (it gives `''` only for `KEY=""`).
 * - `true`/`false` values stay strings; logfmt turns them into booleans, even when quoted.
 * - `a=b=c` gives `b=c`; logfmt drops the second `=` and gives `bc`.
 * - A backslash outside quotes is literal; logfmt treats it as an escape anywhere (even in keys). Inside
 *   quotes, logfmt turns `\n` into `n`; we keep `\n`.
 * - An unterminated quote: logfmt makes the rest of the line the value.
 * - A quote inside a bare value (`a=x"y z"`) is literal here; logfmt starts quoting mid-value (`xy z`).
 * - Text glued after a closing quote: logfmt appends it to the value (`a="x"b` is `xb`).
 * - A token with an empty key: logfmt assigns its value to the previous token's key (`k = v` gives
 *   `k: null` and `v: true`); we skip it.
 * - A `"` inside a key: logfmt toggles quoting; we keep it as part of the key.
 * - logfmt strips one trailing `\n`; our callers pass messages that have no line terminator.
 */

const SPACE = 0x20
const EQUALS = 0x3d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Positions of one token, filled by `nextToken` (reused between tokens to avoid allocating). */
interface Token {
  keyStart: number
  keyEnd: number
  /** -1 for a bare key (a flag), else where the value starts (after the opening quote if quoted). */
  valueStart: number
  valueEnd: number
  /** The value is a quoted string that contains a backslash, so it needs unescaping. */
  escaped: boolean
  /**
   * The first backslash at or after the last quoted value, or -1 when the rest of the line has none;
   * NOT_LOOKED_FOR until a quoted value needs it, so a line without quoted values is never searched.
   */
  backslash: number
}

const NOT_LOOKED_FOR = -2

function newToken(): Token {
  return {backslash: NOT_LOOKED_FOR, escaped: false, keyEnd: 0, keyStart: 0, valueEnd: 0, valueStart: -1}
}

/**
 * The index of the closing quote of a quoted value whose content starts at `from`, or -1; sets
 * `token.escaped`. Lines without backslashes (nearly all) take the `indexOf` path.
 */
function closingQuote(line: string, from: number, token: Token): number {
  if (token.backslash === NOT_LOOKED_FOR || (token.backslash !== -1 && token.backslash < from)) {
    token.backslash = line.indexOf('\\', from)
  }

  const quote = line.indexOf('"', from)
  token.escaped = false
  if (token.backslash === -1 || (quote !== -1 && quote < token.backslash)) return quote
  token.escaped = true
  for (let i = from; i < line.length; i++) {
    const code = line.charCodeAt(i)
    if (code === QUOTE) return i
    if (code === BACKSLASH) i++
  }

  return -1
}

function spaceOrEnd(line: string, from: number): number {
  const i = line.indexOf(' ', from)
  return i === -1 ? line.length : i
}

/**
 * Reads the token at or after `from` into `token` and returns the index just past it, or -1 when only
 * spaces remain. A token with an empty key is reported with `keyEnd === keyStart`.
 */
function nextToken(line: string, from: number, token: Token): number {
  const end = line.length
  let i = from
  while (i < end && line.charCodeAt(i) === SPACE) i++
  if (i === end) return -1

  token.keyStart = i
  let code = line.charCodeAt(i)
  while (code !== SPACE && code !== EQUALS && i < end) code = line.charCodeAt(++i)
  token.keyEnd = i
  if (i === end || code === SPACE) {
    token.valueStart = -1
    return i
  }

  // line[i] is '='
  const valueStart = i + 1
  if (line.charCodeAt(valueStart) === QUOTE) {
    const close = closingQuote(line, valueStart + 1, token)
    if (close !== -1) {
      token.valueStart = valueStart + 1
      token.valueEnd = close
      return close + 1
    }
  }

  token.escaped = false
  token.valueStart = valueStart
  token.valueEnd = spaceOrEnd(line, valueStart)
  return token.valueEnd
}

function unescape(raw: string): string {
  let out = ''
  let from = 0
  for (let i = raw.indexOf('\\'); i !== -1 && i < raw.length - 1; i = raw.indexOf('\\', i)) {
    const next = raw.charCodeAt(i + 1)
    if (next === QUOTE || next === BACKSLASH) {
      out += raw.slice(from, i)
      from = i + 1
    }

    i += 2
  }

  return out + raw.slice(from)
}

function tokenValue(line: string, token: Token): string | true {
  if (token.valueStart === -1) return true
  const raw = line.slice(token.valueStart, token.valueEnd)
  return token.escaped ? unescape(raw) : raw
}

function setField(fields: Fields, key: string, value: string | true): void {
  // A plain assignment to `__proto__` would replace the object's prototype instead of adding a field.
  if (key === '__proto__') Object.defineProperty(fields, key, {configurable: true, enumerable: true, value, writable: true})
  else fields[key] = value
}

/** Every token of a logfmt line as fields: values are strings, bare keys `true`. */
export function parseLogfmt(line: string): Fields {
  const fields: Fields = {}
  const token = newToken()
  for (let i = nextToken(line, 0, token); i !== -1; i = nextToken(line, i, token)) {
    if (token.keyEnd > token.keyStart) setField(fields, line.slice(token.keyStart, token.keyEnd), tokenValue(line, token))
  }

  return fields
}

/** Whether the line has at least one `key=value` token (with a non-empty key; the value may be empty). */
export function hasLogfmtPair(line: string): boolean {
  // Quoted values only start after a key's `=`, so the first `=` of the line is never inside one: when a
  // key precedes it, that is a pair. Only a line whose first `=` starts a token needs the full scan.
  const first = line.indexOf('=')
  if (first === -1) return false
  if (first > 0 && line.charCodeAt(first - 1) !== SPACE) return true
  const token = newToken()
  for (let i = nextToken(line, first, token); i !== -1; i = nextToken(line, i, token)) {
    if (token.valueStart !== -1 && token.keyEnd > token.keyStart) return true
  }

  return false
}

/**
 * The value `parseLogfmt(line)[key]` would have, found without building the object: the last token with
 * this key, `true` for a bare key, or undefined when the key does not occur.
 */
export function scanLogfmt(line: string, key: string): string | true | undefined {
  if (key.length === 0 || !line.includes(key)) return undefined
  const token = newToken()
  let found: string | true | undefined
  // Tokenising from the start is what makes `path="/x?status=5"` not a match for `status`.
  for (let i = nextToken(line, 0, token); i !== -1; i = nextToken(line, i, token)) {
    if (token.keyEnd - token.keyStart === key.length && line.startsWith(key, token.keyStart)) found = tokenValue(line, token)
  }

  return found
}
