import type {Redactor} from '../../redact/redactor.js'
import {formatDuration} from './condition.js'
import {filterArguments, shellQuote} from './definition.js'
import type {Transition} from './episode.js'
import type {AlertRule} from './rule.js'
import type {SeenLine} from './window.js'

/** What an alert says when it fires or resolves: the webhook JSON body, as documented in the README. */
export interface AlertEvent {
  alert: string
  alert_id: string
  app: string
  status: Transition
  /** Why, when not the condition: `removed`, a resolve sent for an alert removed while firing. */
  reason: 'removed' | null
  condition: string
  /** The measured value: a count, a ratio (0..1), a percentile in its base unit (ms, bytes), or ms of silence; null without data. */
  value: number | null
  value_text: string
  window: string
  window_start: string
  window_end: string
  /** When the episode started firing. */
  firing_since: string
  resolved_at: string | null
  matching: number
  /** Firing: the oldest matching line in the window; resolved: the episode's first line. Null without one. */
  first_line: string | null
  last_line: string | null
  /** A `logsift logs` command line that prints the matching lines, from `first_line` to `last_line`. */
  logs_command: string
}

/**
 * The event for a transition of `rule` at `now`, from what its windows hold. `firingSince` is the episode's start.
 * A resolve covers the whole episode: a window that has emptied would show nothing, or only the last line.
 */
export function alertEvent(rule: AlertRule, appName: string, status: Transition, now: number, firingSince: number, value: number | undefined, redactor?: Redactor, reason: AlertEvent['reason'] = null): AlertEvent {
  const shown = (seen: SeenLine | undefined) => (seen === undefined ? null : redactor === undefined ? seen.entry.line : redactor.text(seen.entry.line))
  const {condition, definition} = rule
  const first = status === 'resolved' ? rule.episodeFirst ?? rule.firstHit() : rule.firstHit()
  const last = rule.lastHit
  return {
    alert: definition.name,
    alert_id: definition.id,
    app: appName,
    condition: definition.when,
    first_line: shown(first),
    firing_since: iso(firingSince),
    last_line: shown(last),
    logs_command: logsCommand(rule, appName, first, last, now),
    matching: rule.matching(),
    reason,
    resolved_at: status === 'resolved' ? iso(now) : null,
    status,
    value: value ?? null,
    value_text: rule.valueText(value),
    window: formatDuration(condition.windowMs),
    window_end: iso(now),
    window_start: iso(now - condition.windowMs),
  }
}

/**
 * `logsift logs -a APP --since FIRST --until LAST+1ms FILTERS`: the matching lines, by their own timestamps
 * (what `--since` reads). Without a first line, from the window's start on.
 */
function logsCommand(rule: AlertRule, appName: string, first: SeenLine | undefined, last: SeenLine | undefined, now: number): string {
  const {condition, definition} = rule
  const since = first?.time ?? now - condition.windowMs
  const args = ['logsift', 'logs', '-a', shellQuote(appName), '--since', iso(since)]
  if (first !== undefined && last !== undefined && condition.kind !== 'absent') args.push('--until', iso(Math.max(last.time, since) + 1))
  args.push(...filterArguments(definition.filters))
  if (condition.kind === 'rate') {
    // A -d of the alert's own already narrows to router lines; a second would widen it (values of -d are ORed).
    if (definition.filters.dyno === undefined) args.push('-d', 'router')
    args.push('-w', shellQuote(condition.where))
  }

  if (condition.kind === 'percentile') args.push('-w', shellQuote(condition.field))
  return args.join(' ')
}

/** The line written into the app's own log: `Alert "5xx" firing: rate(status>=500) > 2% in 5m (value 5%)`. */
export function alertLogText(event: AlertEvent): string {
  const why = event.reason === null ? '' : ` (${event.reason})`
  return `Alert ${JSON.stringify(event.alert)} ${event.status}${why}: ${event.condition} (value ${event.value_text})`
}

/** Slack's incoming-webhook body: one `text`, with the lines and the command in code spans. */
export function slackBody(event: AlertEvent): {text: string} {
  const head = event.status === 'firing' ? ':rotating_light: *FIRING*' : `:white_check_mark: *RESOLVED*${event.reason === 'removed' ? ' (alert removed)' : ''}`
  const lines = [`${head} alert *${event.alert}* on *${event.app}*: \`${event.condition}\` (value ${event.value_text}, since ${event.firing_since})`]
  if (event.first_line !== null) lines.push(`First: \`${event.first_line}\``)
  if (event.last_line !== null && event.last_line !== event.first_line) lines.push(`Last: \`${event.last_line}\``)
  lines.push(`\`${event.logs_command}\``)
  return {text: lines.join('\n')}
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
