import {severityFromName} from './level-names.js'
import type {FieldValue, LogRecord, Severity} from './record.js'

/**
 * A record's severity, from the first rule that gives one:
 *
 * 1. A payload field: `level`, `severity`, `lvl`, `log_level`, in that order. Names in any spelling
 *    `severityFromName` knows; numbers (or numeric strings, as logfmt gives them) only under `severity`
 *    (syslog 0-7) and `level` (pino/bunyan 10-60: 60 crit, 50 error, 40 warn, 30 info, 20 and 10 debug; a
 *    custom level in between counts as the one below it). The payload is only looked at when the message
 *    contains `level`, `severity` or `lvl`.
 * 2. A level word leading the message (after leading spaces). To keep prose out (`Info about x`,
 *    `Errors were found`), the word must be delimited:
 *    - any case, in brackets: `[WARN] x`, `[error] x`;
 *    - any case, followed by `:` : `ERROR: x`, `Error: x` (Node), `ERROR:root:x` (Python);
 *    - upper case only, followed by a space or the end: `WARN x`, `ERROR`;
 *    - Ruby Logger's `E, [2024-05-01T12:00:00.123 #12] ERROR -- : x`: the letter before `, [` gives the
 *      level (D debug, I info, W warn, E error, F fatal = crit, A/U = Ruby's ANY/UNKNOWN, which ranks above
 *      FATAL, = alert);
 *    - after leading `[...]` tags (and Heroku Postgres's `sql_error_code = XXXXX`), an upper-case word
 *      followed by `:` or a space: `[DATABASE] [9-1]  sql_error_code = 57014 ERROR:  canceling ...`,
 *      `[12:00:00.123] WARN (app): x`. Postgres's own words count here: LOG is info, DEBUG1-5 debug.
 * 3. Heroku's own signals: a router line (source `heroku`, dyno `router`) takes its `at=`: error, warning
 *    (or warn) or info, whatever the status; any Heroku error code (`Error H12`, `Error R14 (...)`,
 *    `Error L10 (...)`, `code=H12`) is an error; `State changed from X to crashed` is an error; and Heroku's
 *    `Process running mem=...(103.3%)`, which it writes only for a dyno over its memory quota (just before
 *    R14/R15), is a warning.
 * 4. The syslog PRI's severity (PRI & 7), unless Heroku stamped the frame: its PRI is one of Logplex's fixed
 *    values (<40>, <158>, <172>, <190>), or its HOSTNAME is `host` (HTTPS drains) or a drain token `d.…`.
 *    Such PRIs say nothing about the message.
 * 5. Otherwise info.
 */

const INFO: Severity = 6
const SPACE = 0x20
const PAYLOAD_KEYS = ['level', 'severity', 'lvl', 'log_level'] as const
const HEROKU_PRIS = new Set([40, 158, 172, 190])
const RUBY_LOGGER_LETTERS: Readonly<Record<string, Severity>> = {A: 1, D: 7, E: 3, F: 2, I: 6, U: 1, W: 4}
const POSTGRES_WORDS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['DEBUG1', 7], ['DEBUG2', 7], ['DEBUG3', 7], ['DEBUG4', 7], ['DEBUG5', 7], ['LOG', 6],
])

function numericSeverity(key: string, n: number): Severity | undefined {
  if (!Number.isInteger(n)) return undefined
  if (key === 'severity') return n >= 0 && n <= 7 ? (n as Severity) : undefined
  if (key !== 'level' || n < 10 || n > 60) return undefined
  if (n >= 60) return 2
  if (n >= 50) return 3
  if (n >= 40) return 4
  if (n >= 30) return 6
  return 7
}

function severityFromValue(key: string, value: FieldValue | undefined): Severity | undefined {
  if (typeof value === 'number') return numericSeverity(key, value)
  if (typeof value !== 'string') return undefined
  const named = severityFromName(value)
  if (named !== undefined) return named
  return /^\d{1,2}$/.test(value) ? numericSeverity(key, Number(value)) : undefined
}

/**
 * Whether the message contains `level`, `severity` or `lvl` (every key in PAYLOAD_KEYS contains one). All
 * three have a `v`, so one `indexOf` pass over the `v`s replaces three searches of the whole message.
 */
function mayNamePayloadKey(message: string): boolean {
  for (let v = message.indexOf('v', 1); v !== -1; v = message.indexOf('v', v + 1)) {
    if (message.startsWith('level', v - 2) || message.startsWith('lvl', v - 1) || message.startsWith('severity', v - 2)) return true
  }

  return false
}

/**
 * `level=VALUE ...`, the way most logfmt apps open a line, read in place. With no `{` the payload cannot be
 * JSON, and with no other `level` in the message this token is the only `level` key, so the scan of every
 * token (a repeated key keeps its last value) is not needed. A quoted value is left to that scan.
 */
function fromLeadingLogfmtLevel(message: string): Severity | undefined {
  if (!message.startsWith('level=') || message.charCodeAt(6) === 0x22 || message.includes('level', 6) || message.includes('{')) return undefined
  const end = message.indexOf(' ', 6)
  return severityFromValue('level', message.slice(6, end === -1 ? message.length : end))
}

function fromPayload(record: LogRecord): Severity | undefined {
  const {message} = record
  if (!mayNamePayloadKey(message)) return undefined
  // `level` is the first key asked for, so when it gives a level the other keys do not matter.
  const leading = fromLeadingLogfmtLevel(message)
  if (leading !== undefined) return leading
  for (const key of PAYLOAD_KEYS) {
    const severity = severityFromValue(key, record.field(key))
    if (severity !== undefined) return severity
  }

  return undefined
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
}

function isUpperCaseWordChar(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39)
}

/** `E, [2024-05-01T12:00:00.123456 #123] ERROR -- : x` starting at `i` (on the letter). */
function fromRubyLogger(message: string, i: number): Severity | undefined {
  if (message.charCodeAt(i + 1) !== 0x2c || message.charCodeAt(i + 2) !== SPACE || message.charCodeAt(i + 3) !== 0x5b) return undefined
  const close = message.indexOf('] ', i + 4)
  if (close === -1 || !message.slice(i + 4, close).includes(' #')) return undefined
  return RUBY_LOGGER_LETTERS[message[i]]
}

/** An upper-case word at `i` followed by `:`, a space or the end, as a level (Postgres's words if asked). */
function fromUpperCaseWordAt(message: string, i: number, postgres: boolean): Severity | undefined {
  let end = i
  while (end - i < 14 && isUpperCaseWordChar(message.charCodeAt(end))) end++
  const next = message.charCodeAt(end)
  if (end === i || (end < message.length && next !== 0x3a && next !== SPACE)) return undefined
  const word = message.slice(i, end)
  return severityFromName(word) ?? (postgres ? POSTGRES_WORDS.get(word) : undefined)
}

/** After leading `[...]` tags: `[DATABASE] [9-1]  sql_error_code = 00000 LOG:  x` or `[main] ERROR x`. */
function fromAfterTags(message: string, start: number): Severity | undefined {
  let i = start
  for (let tags = 0; tags < 4 && message.charCodeAt(i) === 0x5b; tags++) {
    const close = message.indexOf(']', i + 1)
    if (close === -1 || close - i > 64) return undefined
    i = close + 1
    if (message.charCodeAt(i) !== SPACE) return undefined
    while (message.charCodeAt(i) === SPACE) i++
  }

  if (message.startsWith('sql_error_code = ', i)) {
    i = message.indexOf(' ', i + 17)
    if (i === -1) return undefined
    while (message.charCodeAt(i) === SPACE) i++
  }

  return fromUpperCaseWordAt(message, i, true)
}

function fromLeadingWord(message: string): Severity | undefined {
  let i = 0
  while (message.charCodeAt(i) === SPACE) i++
  const first = message.charCodeAt(i)

  if (first === 0x5b) { // [
    const close = message.indexOf(']', i + 1)
    if (close !== -1 && close - i <= 14) {
      const bracketed = severityFromName(message.slice(i + 1, close))
      if (bracketed !== undefined) return bracketed
    }

    return fromAfterTags(message, i)
  }

  if (!isLetter(first)) return undefined
  let end = i + 1
  while (end - i < 14 && isLetter(message.charCodeAt(end))) end++
  const next = message.charCodeAt(end)
  if (next === 0x3a) return severityFromName(message.slice(i, end)) // :
  if (next === 0x2c && end === i + 1) return fromRubyLogger(message, i) // ,
  if (next === SPACE || end === message.length) return fromUpperCaseWordAt(message, i, false)
  return undefined
}

function isErrorCodeAt(message: string, i: number): boolean {
  const letter = message.charCodeAt(i)
  if (letter !== 0x48 && letter !== 0x52 && letter !== 0x4c) return false // H R L
  const tens = message.charCodeAt(i + 1)
  const units = message.charCodeAt(i + 2)
  if (tens < 0x30 || tens > 0x39 || units < 0x30 || units > 0x39) return false
  const after = message.charCodeAt(i + 3)
  return !isLetter(after) && !(after >= 0x30 && after <= 0x39)
}

/** `Error H12 (...)` anywhere, or a logfmt `code=H12` / `code="H12"` token. */
function hasHerokuErrorCode(message: string): boolean {
  for (let i = message.indexOf('Error '); i !== -1; i = message.indexOf('Error ', i + 6)) {
    if (isErrorCodeAt(message, i + 6)) return true
  }

  for (let i = message.indexOf('code='); i !== -1; i = message.indexOf('code=', i + 5)) {
    if (i > 0 && message.charCodeAt(i - 1) !== SPACE) continue
    const value = message.charCodeAt(i + 5) === 0x22 ? i + 6 : i + 5
    if (isErrorCodeAt(message, value)) return true
  }

  return false
}

/** Whether the message opens with `at=VALUE` (then a space or the end), compared in place: no slice per line. */
function opensWithAt(message: string, value: string): boolean {
  const end = 3 + value.length
  return message.startsWith(value, 3) && (end === message.length || message.charCodeAt(end) === SPACE)
}

function routerSeverity(record: LogRecord): Severity | undefined {
  const message = record.message
  if (message.startsWith('at=')) {
    if (opensWithAt(message, 'info')) return 6
    if (opensWithAt(message, 'error')) return 3
    if (opensWithAt(message, 'warning') || opensWithAt(message, 'warn')) return 4
    return undefined
  }

  const at = record.field('at')
  if (at === 'error') return 3
  if (at === 'warning' || at === 'warn') return 4
  if (at === 'info') return 6
  return undefined
}

function fromHeroku(record: LogRecord): Severity | undefined {
  if (record.dyno === 'router' && record.source === 'heroku') {
    const severity = routerSeverity(record)
    if (severity !== undefined) return severity
  }

  const message = record.message
  if (hasHerokuErrorCode(message)) return 3
  if (message.startsWith('State changed from ') && message.endsWith(' to crashed')) return 3
  if (record.source === 'heroku' && message.startsWith('Process running mem=')) return 4
  return undefined
}

function fromPri(record: LogRecord): Severity | undefined {
  const {host, pri} = record
  if (pri === undefined || HEROKU_PRIS.has(pri) || host === 'host' || host?.startsWith('d.')) return undefined
  return (pri & 7) as Severity
}

/** The record's severity by the rules above. Pure; `LogRecord.severity` caches it. */
export function detectLevel(record: LogRecord): Severity {
  const {message} = record
  // `at=` is how every router line opens, and no leading level word can be followed by `=` (rule 2).
  return fromPayload(record) ?? (message.startsWith('at=') ? undefined : fromLeadingWord(message)) ?? fromHeroku(record) ?? fromPri(record) ?? INFO
}
