import {LEVEL_SPELLINGS, severityFromName} from '../parse/level-names.js'
import type {LogRecord, Severity} from '../parse/record.js'
import {subMillisecondNanos} from '../parse/timestamp.js'
import {QueryError} from './query-error.js'
import {compileRegex} from './regex.js'
import {compileDynoTest, compileSourceTest} from './selector.js'
import {parseExactTimeBound, type TimeBound} from './time-bound.js'
import {compileWhere, parseWhere} from './where.js'

export {QueryError} from './query-error.js'

/** The filter flags of `logsift` as the command parsed them. Repeatable flags arrive as arrays. */
export interface QueryOptions {
  /** `-s`: sources, each value a comma list; `!name` excludes. */
  source?: string[]
  /** `-d`: dynos or dyno types, each value a comma list; `!name` excludes. */
  dyno?: string[]
  /** `-l`: this level and everything more severe. */
  level?: string
  /** `-w`: field expressions, all of which must hold. */
  where?: string[]
  /** `-g`: regular expressions on the message, any of which may match. */
  grep?: string[]
  /** `-i`: `grep` and `exclude` ignore case. */
  ignoreCase?: boolean
  /** `--exclude`: regular expressions on the message; a record that matches any is dropped. */
  exclude?: string[]
  /** RFC 3339 or a duration before `now` (`15m`); inclusive. */
  since?: string
  /** RFC 3339 or a duration before `now`; exclusive. */
  until?: string
  /** Epoch milliseconds that relative times count back from, passed in so compiling stays pure. */
  now: number
}

/** A compiled query: true when the record passes every filter. */
export type Predicate = (record: LogRecord) => boolean

/** What a query with no conditions compiles to; a caller may compare against it to skip filtering. */
export const MATCH_ALL: Predicate = () => true

/**
 * Compiles the filter flags into one predicate, or throws a QueryError for the first value it cannot use.
 *
 * Values of one flag combine with OR (`-s app -s heroku`), different flags with AND, and every `--where`
 * must hold. Everything is parsed here, once; the predicate runs per line, so its checks go cheapest first
 * (header string compares, then the timestamp, the level, fields, and regular expressions on the message
 * last) and allocate nothing of their own (`~` on a JSON number is the one exception: it tests its text).
 */
export function compileQuery(options: QueryOptions): Predicate {
  const checks = recordChecks(options)
  const {exclude, grep} = messageRegexes(options)
  if (grep.length > 0) {
    const any = anyRegex(grep)
    checks.push((record) => any(record.message))
  }

  if (exclude.length > 0) {
    const any = anyRegex(exclude)
    checks.push((record) => !any(record.message))
  }

  return allOf(checks)
}

/**
 * The query of compileQuery in parts, for a message too long to hold as one string: the regular expressions
 * of --grep and --exclude, to be run over the message a window at a time, apart from every other check.
 */
export interface QueryParts {
  /** Every check but --grep and --exclude. */
  record: Predicate
  /** --grep: the message must match one of these (none: no --grep). */
  grep: RegExp[]
  /** --exclude: the message must match none of these. */
  exclude: RegExp[]
}

/** compileQuery's checks in parts (see QueryParts); throws a QueryError as compileQuery does. */
export function compileQueryParts(options: QueryOptions): QueryParts {
  return {record: allOf(recordChecks(options)), ...messageRegexes(options)}
}

/** The checks on a record but its message's regular expressions, cheapest first. */
function recordChecks(options: QueryOptions): Predicate[] {
  const checks: Predicate[] = []

  if (options.source !== undefined && options.source.length > 0) {
    const test = compileSourceTest(options.source)
    checks.push((record) => test(record.source))
  }

  if (options.dyno !== undefined && options.dyno.length > 0) {
    const test = compileDynoTest(options.dyno)
    checks.push((record) => test(record.dyno))
  }

  const timeCheck = compileTimeWindow(options)
  if (timeCheck !== undefined) checks.push(timeCheck)

  if (options.level !== undefined) {
    const max = parseLevel(options.level)
    // debug is the least severe level, so every record passes
    if (max < 7) checks.push((record) => record.severity <= max)
  }

  // All must hold, so order is free: regexes go after the cheaper string and number tests.
  const where = (options.where ?? []).map((expression) => parseWhere(expression))
  for (const parsed of where) if (parsed.kind !== 'matches') checks.push(compileWhere(parsed))
  for (const parsed of where) if (parsed.kind === 'matches') checks.push(compileWhere(parsed))
  return checks
}

function messageRegexes(options: QueryOptions): {exclude: RegExp[]; grep: RegExp[]} {
  const flags = options.ignoreCase ? 'i' : ''
  // --grep first: with both wrong, its error is the one reported.
  const grep = (options.grep ?? []).map((pattern) => compileRegex('--grep', pattern, pattern, flags))
  const exclude = (options.exclude ?? []).map((pattern) => compileRegex('--exclude', pattern, pattern, flags))
  return {exclude, grep}
}

function parseLevel(name: string): Severity {
  const severity = severityFromName(name.trim())
  if (severity === undefined) {
    throw new QueryError('--level', name, `expected a level name: ${LEVEL_SPELLINGS.join(', ')}`)
  }

  return severity
}

/**
 * since inclusive, until exclusive; a record without a valid time (NaN) fails every comparison. Record times
 * are milliseconds: a record in a bound's own millisecond is compared by the digits of its timestamp below it
 * when the bound has some (`--until ...00.000500Z` keeps `.000100`, leaves `.000900`).
 */
function compileTimeWindow({since, until, now}: QueryOptions): Predicate | undefined {
  const from = since === undefined ? undefined : parseExactTimeBound('--since', since, now)
  const to = until === undefined ? undefined : parseExactTimeBound('--until', until, now)
  if (from !== undefined && to !== undefined) {
    if (from.ms > to.ms || (from.ms === to.ms && from.nanos >= to.nanos)) throw new QueryError('--since', since!, `expected a time before --until "${until}"`)
    return (record) => atOrAfter(record, from) && before(record, to)
  }

  if (from !== undefined) return (record) => atOrAfter(record, from)
  if (to !== undefined) return (record) => before(record, to)
  return undefined
}

function atOrAfter(record: LogRecord, {ms, nanos}: TimeBound): boolean {
  const {time} = record
  return time > ms || (time === ms && (nanos === 0 || subMillisecondNanos(record.timestamp) >= nanos))
}

function before(record: LogRecord, {ms, nanos}: TimeBound): boolean {
  const {time} = record
  return time < ms || (time === ms && nanos > 0 && subMillisecondNanos(record.timestamp) < nanos)
}

function anyRegex(regexes: readonly RegExp[]): (text: string) => boolean {
  if (regexes.length === 1) {
    const [regex] = regexes
    return (text) => regex.test(text)
  }

  return (text) => {
    for (let i = 0; i < regexes.length; i++) if (regexes[i].test(text)) return true
    return false
  }
}

function allOf(checks: readonly Predicate[]): Predicate {
  switch (checks.length) {
    case 0: {
      return MATCH_ALL
    }

    case 1: {
      return checks[0]
    }

    case 2: {
      const [first, second] = checks
      return (record) => first(record) && second(record)
    }

    default: {
      return (record) => {
        for (let i = 0; i < checks.length; i++) if (!checks[i](record)) return false
        return true
      }
    }
  }
}
