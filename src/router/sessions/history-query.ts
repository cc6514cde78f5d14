import {compileQuery, type Predicate, QueryError, type QueryOptions} from '../../query/compile.js'
import {compileLinePrefilter} from '../../query/prefilter.js'
import {formatTimeBound, parseExactTimeBound, type TimeBound, untilMs} from '../../query/time-bound.js'
import {messageFilter, storedBytesPrefilter} from './history-filter.js'
import type {SessionRequest} from './sessions.js'

/** How far a sender's clock may run ahead of the router's: a session from `since` reads the log from this much earlier. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000

/**
 * logsift's fields of `POST /apps/{app}/log-sessions`, beyond Heroku's: `since` and `until` (RFC 3339, a
 * duration before now such as `1h`, or epoch ms) and the filters of `logsift logs` (`level`, `where`, `grep`,
 * `exclude`, each a string or an array of them, and `ignore_case`), compiled with the CLI's own query
 * compiler so that the router sends only what the CLI would print. Times are the messages' own, as the CLI
 * reads them. Absent fields leave the session as Heroku's.
 */
export function historyQuery(body: Record<string, unknown>, invalid: (message: string) => never, now: number): Pick<SessionRequest, 'filter' | 'prefilter' | 'prefilterQuery' | 'since' | 'until' | 'windowFilterOnly'> {
  const since = timeField('since', body.since, invalid, now)
  const until = timeField('until', body.until, invalid, now)
  const level = body.level === undefined || body.level === null ? undefined : body.level
  if (level !== undefined && typeof level !== 'string') invalid('level must be a string.')
  const where = listField('where', body.where, invalid)
  const grep = listField('grep', body.grep, invalid)
  const exclude = listField('exclude', body.exclude, invalid)
  if (since === undefined && until === undefined && level === undefined && where === undefined && grep === undefined && exclude === undefined) return {}

  const query: QueryOptions = {
    exclude,
    grep,
    ignoreCase: body.ignore_case === true,
    level: level as string | undefined,
    now,
    since: since === undefined ? undefined : formatTimeBound(since),
    until: until === undefined ? undefined : formatTimeBound(until),
    where,
  }
  let predicate: Predicate
  try {
    predicate = compileQuery(query)
  } catch (error) {
    if (error instanceof QueryError) return invalid(error.message)
    throw error
  }

  // The message as `logs -a` reads it from a session, with the byte prefilter file reading uses.
  const prefilter = compileLinePrefilter(query)
  const stored = storedBytesPrefilter(prefilter)
  const filter = messageFilter(predicate, prefilter)
  // Within the window only the rest of the query is left to test: nothing, for a window alone.
  const rest = {...query, since: undefined, until: undefined}
  const restFilter = level === undefined && where === undefined && grep === undefined && exclude === undefined
    ? undefined
    : messageFilter(compileQuery(rest), compileLinePrefilter(rest))
  // The log's windows (segment spans, time chunks) are in milliseconds: a bound finer than that reads its
  // whole millisecond, and every message read is tested, none taken as inside the window unread.
  const exact = (since?.nanos ?? 0) > 0 || (until?.nanos ?? 0) > 0
  return {
    filter: exact ? (message) => filter(message) : (message, inWindow) => (inWindow ? restFilter === undefined || restFilter(message) : filter(message)),
    prefilter: stored,
    prefilterQuery: stored && query,
    since: since?.ms,
    until: until === undefined ? undefined : untilMs(until),
    windowFilterOnly: !exact && restFilter === undefined,
  }
}


function timeField(key: string, value: unknown, invalid: (message: string) => never, now: number): TimeBound | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number' && Number.isFinite(value)) return {ms: value, nanos: 0}
  if (typeof value === 'string' && /^\d+$/.test(value)) return {ms: Number(value), nanos: 0}
  if (typeof value === 'string') {
    try {
      return parseExactTimeBound(key, value, now)
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
    }
  }

  return invalid(`${key} must be an RFC 3339 time, a duration before now (1h) or epoch milliseconds.`)
}

function listField(key: string, value: unknown, invalid: (message: string) => never): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((each) => typeof each === 'string')) return value.length === 0 ? undefined : value as string[]
  return invalid(`${key} must be a string or an array of strings.`)
}
