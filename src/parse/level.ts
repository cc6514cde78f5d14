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
 *    - the first line of a crash report is an error: an exception's class name (its last part starts upper
 *      case and ends in `Error` or `Exception`, dotted or `::` paths allowed) followed by `:` (Node's
 *      `TypeError: x`, Python's `KeyError: 'id'`, Java's `java.lang.IllegalStateException: x`), by
 *      ` [CODE]:` (Node's `Error [ERR_X]: x`), and, for a name longer than the bare `Error`/`Exception`, by
 *      ` (` (Ruby's `NoMethodError (undefined method ...)`, `ActionController::RoutingError (...)`) or by
 *      nothing; `Uncaught TypeError: x`; Node's `UnhandledPromiseRejection...:`, also bracketed or after
 *      `(node:PID) `; Python's `Traceback (most recent call last):`; Java's `Exception in thread "main" ...`
 *      and `Caused by: ...`. A name followed by a space and a word (`Error while reading`) stays prose.
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
const ERROR: Severity = 3
const MAX_CLASS_NAME = 200
const PYTHON_TRACEBACK = 'Traceback (most recent call last):'
const JAVA_UNCAUGHT = 'Exception in thread "'
const JAVA_CAUSE = 'Caused by: '
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

    // Node 15+ prints an unhandled rejection as `[UnhandledPromiseRejection: ...]`.
    return fromAfterTags(message, i) ?? (opensCrashReport(message, i + 1) ? ERROR : undefined)
  }

  if (first === 0x28) return message.startsWith('(node:', i) ? fromNodeWarningPrefix(message, i + 6) : undefined // (
  if (!isLetter(first)) return undefined
  let end = i + 1
  while (end - i < 14 && isLetter(message.charCodeAt(end))) end++
  const next = message.charCodeAt(end)
  let word: Severity | undefined
  if (next === 0x3a) word = severityFromName(message.slice(i, end)) // :
  else if (next === 0x2c && end === i + 1) word = fromRubyLogger(message, i) // ,
  else if (next === SPACE || end === message.length) word = fromUpperCaseWordAt(message, i, false)
  if (word !== undefined) return word
  return mayOpenCrashReport(message, i, end) && opensCrashReport(message, i) ? ERROR : undefined
}

/**
 * A cheap look at the first letters (`message[i, end)`) and what follows them, which rules out most lines
 * before `opensCrashReport` scans anything: a crash report's first word is followed by `:`, the end, more of
 * a class name, ` (` or ` [`, or is `Uncaught`, `Exception` or `Caused` followed by a space.
 */
function mayOpenCrashReport(message: string, i: number, end: number): boolean {
  const next = message.charCodeAt(end)
  if (next !== SPACE) return end === message.length || next === 0x3a || isClassNameChar(next)
  const after = message.charCodeAt(end + 1)
  if (after === 0x28 || after === 0x5b) return true // ( [
  const initial = message.charCodeAt(i)
  const length = end - i
  return (length === 8 && initial === 0x55) || (length === 9 && initial === 0x45) || (length === 6 && initial === 0x43) // U E C
}

/** `(node:1234) UnhandledPromiseRejectionWarning: x`, from after `(node:`. */
function fromNodeWarningPrefix(message: string, i: number): Severity | undefined {
  let end = i
  while (isDigit(message.charCodeAt(end))) end++
  if (end === i || message.charCodeAt(end) !== 0x29 || message.charCodeAt(end + 1) !== SPACE) return undefined
  return opensCrashReport(message, end + 2) ? ERROR : undefined
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

function isClassNameChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x24 || code === 0x2e // _ $ .
}

/**
 * Where the class name at `i` ends: letters, digits, `_`, `$`, `.`, and `::` (Ruby's namespaces; a single
 * `:` ends the name). Bounded, so a long first word costs little.
 */
function classNameEnd(message: string, i: number): number {
  const limit = Math.min(message.length, i + MAX_CLASS_NAME)
  let end = i
  while (end < limit) {
    const code = message.charCodeAt(end)
    if (isClassNameChar(code)) end++
    else if (code === 0x3a && message.charCodeAt(end + 1) === 0x3a) end += 2
    else break
  }

  return end
}

/**
 * Whether `message[i, end)` names an exception: its last part (after `.` or `::`) starts upper case and
 * ends in `Error` or `Exception`, or is Node's `UnhandledPromiseRejection...`. `bare` says whether the bare
 * `Error` or `Exception` counts.
 */
function isExceptionName(message: string, i: number, end: number, bare: boolean): boolean {
  let last = end
  while (last > i && message.charCodeAt(last - 1) !== 0x2e && message.charCodeAt(last - 1) !== 0x3a) last--
  const initial = message.charCodeAt(last)
  if (initial < 0x41 || initial > 0x5a) return false
  if (message.startsWith('UnhandledPromiseRejection', last)) return true
  const suffix = message.endsWith('Error', end) ? 5 : message.endsWith('Exception', end) ? 9 : 0
  return suffix > 0 && (bare || end - last > suffix)
}

/** The first line of a crash report at `i` (rule 2, last item). Most lines fail on their first word's end. */
function opensCrashReport(message: string, i: number): boolean {
  const end = classNameEnd(message, i)
  if (end === i) return false
  const next = message.charCodeAt(end)
  if (next === 0x3a) return isExceptionName(message, i, end, true) // :
  if (end === message.length) return isExceptionName(message, i, end, false)
  if (next !== SPACE) return false
  const after = message.charCodeAt(end + 1)
  if (after === 0x28) return isExceptionName(message, i, end, false) || message.startsWith(PYTHON_TRACEBACK, i) // (
  if (after === 0x5b) { // [: Node's `Error [ERR_INVALID_ARG_TYPE]: x`
    const close = message.indexOf(']', end + 2)
    return close !== -1 && message.charCodeAt(close + 1) === 0x3a && isExceptionName(message, i, end, true)
  }

  if (message.startsWith('Uncaught ', i)) return end - i === 8 && opensCrashReport(message, end + 1)
  return message.startsWith(JAVA_UNCAUGHT, i) || message.startsWith(JAVA_CAUSE, i)
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

/** Rule 4 on its own: the severity a frame's PRI gives, undefined when it has none or Heroku stamped the frame. */
export function priSeverity(pri: number | undefined, host: string | undefined): Severity | undefined {
  if (pri === undefined || HEROKU_PRIS.has(pri) || host === 'host' || host?.startsWith('d.')) return undefined
  return (pri & 7) as Severity
}

/** The record's severity by the rules above. Pure; `LogRecord.severity` caches it. */
export function detectLevel(record: LogRecord): Severity {
  const {message} = record
  // `at=` is how every router line opens, and no leading level word can be followed by `=` (rule 2).
  return fromPayload(record) ?? (message.startsWith('at=') ? undefined : fromLeadingWord(message)) ?? fromHeroku(record) ?? priSeverity(record.pri, record.host) ?? INFO
}
