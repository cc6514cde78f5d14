import {randomUUID} from 'node:crypto'

import {compileQuery, type QueryOptions, QueryError} from '../../query/compile.js'
import {parseDuration} from '../../query/time-bound.js'
import {type Condition, ConditionError, formatCondition, formatDuration, parseCondition} from './condition.js'
import {maskWebhookUrl, type Notifier, parseNotifierText, webhookUrlProblem} from './webhook-url.js'

/** The `logsift logs` filters an alert's messages must pass: the flags' values, as `POST .../log-sessions` takes them. */
export interface AlertFilters {
  readonly dyno?: readonly string[]
  readonly source?: readonly string[]
  readonly level?: string
  readonly where?: readonly string[]
  readonly grep?: readonly string[]
  readonly exclude?: readonly string[]
  readonly ignoreCase?: boolean
}

/** An alert rule as the router keeps it (in the state file, beside the app's drains). */
export interface AlertDefinition {
  readonly id: string
  readonly name: string
  /** The condition as written canonically (`formatCondition`); parsed again at start. */
  readonly when: string
  readonly filters: AlertFilters
  readonly notify: readonly Notifier[]
  /** How long the condition must have stopped holding before the alert resolves. */
  readonly resolveAfterMs: number
  readonly createdAt: string
  readonly updatedAt: string
}

/** Default hysteresis: Alertmanager's `resolve_timeout`. */
export const DEFAULT_RESOLVE_AFTER_MS = 5 * 60_000
export const MAX_NOTIFIERS = 10
const NAME = /^[A-Za-z0-9][\w.:-]{0,62}$/

/** A request to create an alert that cannot be used; the message names the field. */
export class AlertRequestError extends Error {}

/** The filters as the query compiler takes them (times are not filters of an alert). */
export function queryOptions(filters: AlertFilters): QueryOptions {
  return {
    dyno: filters.dyno as string[] | undefined,
    exclude: filters.exclude as string[] | undefined,
    grep: filters.grep as string[] | undefined,
    ignoreCase: filters.ignoreCase,
    level: filters.level,
    now: 0,
    source: filters.source as string[] | undefined,
    where: filters.where as string[] | undefined,
  }
}

/**
 * `POST /apps/{app}/alerts`: `{name, when, notify, resolve_after, dyno, source, level, where, grep, exclude,
 * ignore_case}`, checked whole (the condition parsed, the filters compiled, each webhook URL) before anything
 * is kept. `notify` is a list of URLs (`slack=URL` for Slack's form) or `{url, format}` objects.
 */
export function alertFromRequest(body: Record<string, unknown>, now: string): AlertDefinition {
  const {name, when} = body
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new AlertRequestError('Name must be 1 to 63 letters, digits, _ . : or -, starting with a letter or digit.')
  }

  if (typeof when !== 'string') throw new AlertRequestError("When is required: 'count > 10 in 5m', 'rate(status>=500) > 2%', 'p99(service) > 2s in 5m' or 'absent 10m'.")
  let condition: Condition
  try {
    condition = parseCondition(when)
  } catch (error) {
    if (error instanceof ConditionError) throw new AlertRequestError(`When ${error.message}`)
    throw error
  }

  const filters = filtersFrom(body)
  try {
    compileQuery(queryOptions(filters))
  } catch (error) {
    if (error instanceof QueryError) throw new AlertRequestError(error.message)
    throw error
  }

  return {
    createdAt: now,
    filters,
    id: randomUUID(),
    name,
    notify: notifiersFrom(body.notify),
    resolveAfterMs: resolveAfterFrom(body.resolve_after),
    updatedAt: now,
    when: formatCondition(condition),
  }
}

function filtersFrom(body: Record<string, unknown>): AlertFilters {
  const level = body.level ?? undefined
  if (level !== undefined && typeof level !== 'string') throw new AlertRequestError('Level must be a string.')
  const ignoreCase = body.ignore_case ?? undefined
  if (ignoreCase !== undefined && typeof ignoreCase !== 'boolean') throw new AlertRequestError('Ignore_case must be true or false.')
  const filters: Record<string, unknown> = {level, ignoreCase: ignoreCase === true ? true : undefined}
  for (const key of ['dyno', 'source', 'where', 'grep', 'exclude'] as const) filters[key] = listFrom(key, body[key])
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as AlertFilters
}

function listFrom(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((each) => typeof each === 'string')) return value.length === 0 ? undefined : value as string[]
  throw new AlertRequestError(`${key[0].toUpperCase()}${key.slice(1)} must be a string or an array of strings.`)
}

function notifiersFrom(value: unknown): Notifier[] {
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]
  if (list.length > MAX_NOTIFIERS) throw new AlertRequestError(`An alert notifies ${MAX_NOTIFIERS} webhooks at most.`)
  return list.map((each) => {
    let notifier: Notifier
    if (typeof each === 'string') notifier = parseNotifierText(each)
    else if (typeof each === 'object' && each !== null && typeof (each as Notifier).url === 'string') {
      const {format = 'json', url} = each as Partial<Notifier>
      if (format !== 'json' && format !== 'slack') throw new AlertRequestError(`Notify format must be json or slack, not ${String(format)}.`)
      notifier = {format, url: url!}
    } else {
      throw new AlertRequestError('Notify must be a list of webhook URLs, or of {"url", "format": "json"|"slack"}.')
    }

    const problem = webhookUrlProblem(notifier.url)
    if (problem !== undefined) throw new AlertRequestError(`Notify ${problem}`)
    return notifier
  })
}

function resolveAfterFrom(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_RESOLVE_AFTER_MS
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : Number.NaN
  if (!(ms >= 0 && ms <= 24 * 3_600_000)) throw new AlertRequestError('Resolve_after must be a duration from 0s to 24h (30s, 5m, 1h).')
  return ms
}

/** The filters as `logsift logs` flags, quoted for a POSIX shell: `-d router -w 'status>=500'`. */
export function filterArguments(filters: AlertFilters): string[] {
  const args: string[] = []
  for (const dyno of filters.dyno ?? []) args.push('-d', shellQuote(dyno))
  for (const source of filters.source ?? []) args.push('-s', shellQuote(source))
  if (filters.level !== undefined) args.push('-l', shellQuote(filters.level))
  for (const where of filters.where ?? []) args.push('-w', shellQuote(where))
  for (const grep of filters.grep ?? []) args.push('-g', shellQuote(grep))
  for (const exclude of filters.exclude ?? []) args.push('--exclude', shellQuote(exclude))
  if (filters.ignoreCase === true) args.push('-i')
  return args
}

/** The word as it must be written for `sh`: as it is when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w%+,./:=@-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`
}

/** An alert as the API shows it (webhook URLs masked: the API never gives their secrets back). */
export function alertJson(alert: AlertDefinition): Record<string, unknown> {
  const {filters} = alert
  return {
    created_at: alert.createdAt,
    dyno: filters.dyno ?? [],
    exclude: filters.exclude ?? [],
    grep: filters.grep ?? [],
    id: alert.id,
    ignore_case: filters.ignoreCase === true,
    level: filters.level ?? null,
    name: alert.name,
    notify: alert.notify.map((notifier) => ({format: notifier.format, url: maskWebhookUrl(notifier.url)})),
    resolve_after: formatDuration(alert.resolveAfterMs),
    source: filters.source ?? [],
    updated_at: alert.updatedAt,
    when: alert.when,
    where: filters.where ?? [],
  }
}

/** The alert as the state file keeps it: URLs whole. */
export function storedAlertJson(alert: AlertDefinition): Record<string, unknown> {
  return {
    created_at: alert.createdAt,
    filters: alert.filters,
    id: alert.id,
    name: alert.name,
    notify: alert.notify,
    resolve_after_ms: alert.resolveAfterMs,
    updated_at: alert.updatedAt,
    when: alert.when,
  }
}

/** An alert read back from the state file; `fail` names what is wrong. */
export function parseStoredAlert(value: unknown, fail: (what: string) => never): AlertDefinition {
  if (typeof value !== 'object' || value === null) return fail('an alert is not an object')
  const stored = value as Record<string, unknown>
  const text = (key: string): string => (typeof stored[key] === 'string' && stored[key] !== '' ? stored[key] as string : fail(`alert "${key}" missing or not a string`))
  const when = text('when')
  try {
    parseCondition(when)
  } catch {
    return fail(`alert condition ${JSON.stringify(when)} does not parse`)
  }

  if (!Array.isArray(stored.notify) || typeof stored.filters !== 'object' || stored.filters === null || typeof stored.resolve_after_ms !== 'number') {
    return fail('alert "notify", "filters" or "resolve_after_ms" missing')
  }

  return {
    createdAt: text('created_at'),
    filters: stored.filters as AlertFilters,
    id: text('id'),
    name: text('name'),
    notify: stored.notify as Notifier[],
    resolveAfterMs: stored.resolve_after_ms,
    updatedAt: text('updated_at'),
    when,
  }
}
