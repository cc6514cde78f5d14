import type {FieldValue, Fields} from '../parse/record.js'

import {WINDOW_OVERLAP} from '../query/windowed-match.js'
import {
  AUTH_CREDENTIAL_SOURCE,
  AUTH_SCHEME,
  AWS_ACCESS_KEY_SOURCE,
  CARD_SOURCE,
  EMAIL_SOURCE,
  exactKeySource,
  exactKeyTest,
  isBasicCredential,
  isBearerCredential,
  isCardNumber,
  JWT_SOURCE,
  keyValueSource,
  REDACTED,
  SECRET_KEY,
  SECRET_KEYS_SOURCE,
  URL_CREDENTIALS_SOURCE,
} from './rules.js'

export interface RedactOptions {
  /** Redact email addresses too. */
  email?: boolean
  /** More keys whose values are secrets, matched whole (any case, `-` and `_` alike). */
  keys?: readonly string[]
  /** More regular expressions (JavaScript syntax); every match becomes `[REDACTED]`. */
  patterns?: readonly string[]
}

/** Replaces secrets with `[REDACTED]` and leaves every other character as it was. */
export interface Redactor {
  /** Any text: a message, a whole line, a field's value. Returns the same string when nothing was found. */
  text(text: string): string
  /** Parsed fields (logfmt or JSON), nested values included; the same rules as `text`, applied by key and value. */
  fields(fields: Fields): Fields
  /** `text` for a text given in pieces, too long to hold as one string (see TextStream). */
  stream(): TextStream
}

/**
 * A text redacted a window at a time, as its pieces arrive: `push` returns the redacted text settled so far
 * (no secret can start in it any more), `end` the rest. Holds about WINDOW_OVERLAP characters: a secret up to
 * half of that long is found wherever it lies; a longer one across a window's edge may be cut short.
 */
export interface TextStream {
  push(piece: string): string
  end(): string
}

/** A `--redact-pattern` that is not a valid regular expression. */
export class RedactPatternError extends Error {
  constructor(readonly pattern: string, reason: string) {
    super(`--redact-pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${reason}`)
  }
}

// Capture groups of the combined expression, in the order the sources are joined below (the card
// alternative's two separator groups come last, and are read by name only).
const KV_QUOTE = 1
const KV_SEPARATOR = 2
const KV_DOUBLE = 3
const KV_SINGLE = 4
const KV_SCHEME = 5
const KV_BARE = 6
const URL_USER = 7
const URL_PASSWORD = 8
const AUTH_SCHEME_GROUP = 9
const AUTH_CREDENTIAL = 10

/** Values left alone under a secret key: empty, JSON literals, and what is already masked (Rails writes `[FILTERED]`). */
const NOT_SECRETS = new Set(['', '[FILTERED]', 'false', 'null', 'true', REDACTED])

/**
 * Builds the redactor. The built-in rules are one regular expression, each match judged by `replaceMatch`, so a
 * line is scanned once and a line without secrets costs one failed match and no allocation; user patterns are
 * separate passes after it. Throws RedactPatternError for a bad `--redact-pattern`.
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const keys = options.keys ?? []
  const keySources = [SECRET_KEYS_SOURCE, ...keys.map((key) => exactKeySource(key))]
  const sources = [
    keyValueSource(keySources.join('|')),
    URL_CREDENTIALS_SOURCE,
    AUTH_CREDENTIAL_SOURCE,
    JWT_SOURCE,
    AWS_ACCESS_KEY_SOURCE,
    CARD_SOURCE,
  ]
  if (options.email) sources.push(EMAIL_SOURCE)
  const builtIn = new RegExp(sources.join('|'), 'g')
  const patterns = (options.patterns ?? []).map((pattern) => compilePattern(pattern))
  const isUserKey = exactKeyTest(keys)
  const isSecretKey = (key: string) => SECRET_KEY.test(key) || isUserKey(key)

  const text = (input: string): string => {
    // An exec loop rather than replace(regex, function): most matches of an adversarial line (`Basic Basic …`)
    // are kept as they are, and this copies nothing for them; replace's callback also took every group as
    // arguments, on a line of a million characters twice the time of the loop.
    let output = ''
    let copied = 0
    builtIn.lastIndex = 0
    for (let found = builtIn.exec(input); found !== null; found = builtIn.exec(input)) {
      const replacement = replaceMatch(found, input)
      if (replacement === found[0]) continue
      output += input.slice(copied, found.index) + replacement
      copied = found.index + found[0].length
    }

    output = copied === 0 ? input : output + input.slice(copied)
    for (const pattern of patterns) output = output.replace(pattern, replacePattern)
    return output
  }

  /** A string, number or literal redacted by its key and value (objects and arrays are `fields`' work). */
  const scalar = (key: string | undefined, input: boolean | null | number | string): FieldValue => {
    if (typeof input === 'string') {
      if (key === undefined || !isSecretKey(key) || NOT_SECRETS.has(input)) return text(input)
      const scheme = AUTH_SCHEME.exec(input)
      return scheme === null ? REDACTED : scheme[0] + REDACTED
    }

    if (typeof input === 'number') {
      if (key !== undefined && isSecretKey(key)) return REDACTED
      return Number.isInteger(input) && isCardNumber(String(input)) ? REDACTED : input
    }

    return input
  }

  /**
   * A redacted copy, nested values included. Objects and arrays are copied with a stack of their own rather
   * than by recursion, so nesting never overflows the call stack: each copy is made empty, then filled when
   * its turn comes.
   */
  const fields = (input: Fields): Fields => {
    const root: Fields = {}
    const sources: Array<Fields | FieldValue[]> = [input]
    const copies: Array<Fields | FieldValue[]> = [root]
    const copy = (key: string | undefined, value: FieldValue): FieldValue => {
      if (value === null || typeof value !== 'object') return scalar(key, value)
      const empty: Fields | FieldValue[] = Array.isArray(value) ? [] : {}
      sources.push(value)
      copies.push(empty)
      return empty
    }

    while (sources.length > 0) {
      const source = sources.pop()!
      const target = copies.pop()!
      if (Array.isArray(source)) {
        for (const item of source) (target as FieldValue[]).push(copy(undefined, item))
        continue
      }

      // Defined, not assigned, so a JSON key `__proto__` stays a field.
      for (const key of Object.keys(source)) {
        Object.defineProperty(target, key, {configurable: true, enumerable: true, value: copy(key, source[key]), writable: true})
      }
    }

    return root
  }

  const stream = (): TextStream => {
    const stages = [new WindowedReplace(builtIn, replaceMatch), ...patterns.map((pattern) => new WindowedReplace(pattern, (found) => replacePattern(found[0])))]
    return {
      end: () => stages.reduce((piece, stage) => stage.push(piece, true), ''),
      push: (piece) => stages.reduce((text, stage) => stage.push(text, false), piece),
    }
  }

  return {fields, stream, text}
}

/** Redacted this many new characters at a time at least, so each pass pays for the context it re-reads. */
const REPLACE_STEP = 24 * 1024

/**
 * One global regular expression's replacements over a text given in pieces. A match that starts more than
 * half the overlap before the end of what is read is settled (a longer match than that may be cut short);
 * the text before a settled point is given back, the rest kept, with context before it for lookbehinds.
 */
class WindowedReplace {
  private text = ''
  /** Where in `text` the text not yet given back starts. */
  private from = 0

  constructor(
    private readonly regex: RegExp,
    private readonly replace: (found: RegExpExecArray, input: string) => string,
  ) {}

  push(piece: string, last: boolean): string {
    this.text += piece
    const {regex, text} = this
    if (!last && text.length - this.from < REPLACE_STEP + WINDOW_OVERLAP) return ''
    const settled = last ? text.length : text.length - WINDOW_OVERLAP / 2
    let output = ''
    let copied = this.from
    let cut = settled
    regex.lastIndex = this.from
    for (let found = regex.exec(text); found !== null && found.index < settled; found = regex.exec(text)) {
      const match = found[0]
      if (match === '') {
        regex.lastIndex++
        continue
      }

      const end = found.index + match.length
      cut = Math.max(cut, end)
      const replacement = this.replace(found, text)
      if (replacement === match) continue
      output += text.slice(copied, found.index) + replacement
      copied = end
    }

    // Never between the halves of a surrogate pair, which would each be escaped alone later.
    if (cut < text.length && isLowSurrogate(text.charCodeAt(cut))) cut++
    output += text.slice(copied, cut)
    const keep = Math.max(0, cut - WINDOW_OVERLAP / 2)
    this.text = text.slice(keep)
    this.from = cut - keep
    return output
  }
}

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'g')
  } catch (error) {
    // V8 says `Invalid regular expression: /PATTERN/g: REASON`; the pattern is already in our message.
    const reason = (error as Error).message.split(': ').at(-1)!
    throw new RedactPatternError(pattern, reason)
  }
}

function replacePattern(match: string): string {
  // A pattern that can match nothing (`a*`) would otherwise write [REDACTED] between every two characters.
  return match === '' ? match : REDACTED
}

function replaceMatch(found: RegExpExecArray, input: string): string {
  const match = found[0]
  if (found[KV_SEPARATOR] !== undefined) return replaceKeyValue(match, found)
  const password = found[URL_PASSWORD]
  if (password !== undefined) return password === REDACTED ? match : '://' + found[URL_USER] + ':' + REDACTED + '@'
  const credential = found[AUTH_CREDENTIAL]
  if (credential !== undefined) return replaceCredential(match, found[AUTH_SCHEME_GROUP]!, credential)
  const first = match.charCodeAt(0)
  if (first >= 0x30 && first <= 0x39) return replaceCard(match, found.index, input)
  // An email, a JWT or an AWS access key: all of it is the secret.
  return REDACTED
}

function replaceKeyValue(match: string, found: RegExpExecArray): string {
  const quoted = found[KV_DOUBLE] ?? found[KV_SINGLE]
  if (quoted !== undefined) {
    if (NOT_SECRETS.has(quoted)) return match
    const scheme = AUTH_SCHEME.exec(quoted)
    const redacted = scheme === null ? REDACTED : scheme[0] + REDACTED
    if (redacted === quoted) return match
    const quote = match.at(-1)!
    return match.slice(0, match.length - quoted.length - 2) + quote + redacted + quote
  }

  const bare = found[KV_BARE]!
  if (NOT_SECRETS.has(bare)) return match
  // `"pin":1234` stays JSON: the number becomes a string rather than a bare word.
  const jsonNumber = found[KV_QUOTE] === '"' && found[KV_SEPARATOR]!.trim() === ':' && found[KV_SCHEME] === ''
  return match.slice(0, match.length - bare.length) + (jsonNumber ? '"' + REDACTED + '"' : REDACTED)
}

function replaceCredential(match: string, scheme: string, credential: string): string {
  const bearer = scheme.charCodeAt(1) === 0x65 || scheme.charCodeAt(1) === 0x45 // e, E
  const looksReal = bearer ? isBearerCredential(credential) : isBasicCredential(credential)
  return looksReal ? scheme + REDACTED : match
}

function replaceCard(match: string, offset: number, input: string): string {
  if (!isCardNumber(match)) return match
  // A fraction (`0.4111111111111111`) or a decimal's integer part is a number, not a card.
  if (input.charCodeAt(offset - 1) === 0x2E) return match
  const after = offset + match.length
  if (input.charCodeAt(after) === 0x2E && isDigitAt(input, after + 1)) return match
  let before = offset - 1
  while (input.charCodeAt(before) === 0x20) before--
  // A JSON number value becomes a string, so the JSON still parses.
  return input.charCodeAt(before) === 0x3A && input.charCodeAt(before - 1) === 0x22 ? '"' + REDACTED + '"' : REDACTED
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc_00 && code <= 0xdf_ff
}

function isDigitAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0x30 && code <= 0x39
}

export {REDACTED} from './rules.js'
