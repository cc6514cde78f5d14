import {Chalk} from 'chalk'

import {ERROR_GUIDES} from '../../src/explain/error-guide.js'
import {createPrettyFormatter} from '../../src/format/pretty.js'
import {ERROR_CODES, errorCodeOf} from '../../src/parse/error-codes.js'
import {LogRecord} from '../../src/parse/record.js'
import type {PageMessage} from './api.js'
import {type Run, sgrRuns} from './sgr-runs.js'

/** What clicking a value adds to the filter box. */
export type FilterClick = (flag: string) => void

/** A line as the page shows it: the `logs` pretty output's runs, and the error code it carries. */
export interface RenderedLine {
  runs: Run[]
  code: string | undefined
  /** What `logsift errors CODE` says, for the hover. */
  explanation: string | undefined
}

/** The `logs` pretty palette at 16 colours; the page turns its SGR codes into classes (app.css). */
const chalk = new Chalk({level: 1})
const HEROKU_LINE = /^(\S+) ([^\s[]+)\[([^\]\s]+)\]: ?([\s\S]*)$/
const NO_BYTES = new Uint8Array(0) as unknown as Buffer

/** Formatters by time zone: undefined keeps timestamps as written. */
const formatters = new Map<string | undefined, (record: LogRecord) => string>()

function formatterFor(timeZone: string | undefined): (record: LogRecord) => string {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    format = createPrettyFormatter(chalk, {timeZone})
    formatters.set(timeZone, format)
  }

  return format
}

/** The record `logs` reads from a `heroku logs` line (as src/parse/line.ts), levelled by the PRI beside it. */
export function recordOf(line: string, pri: number | undefined): LogRecord {
  const match = HEROKU_LINE.exec(line)
  if (match === null || Number.isNaN(Date.parse(match[1]))) return new LogRecord(NO_BYTES, {format: 'text', message: line, pri})
  return new LogRecord(NO_BYTES, {dyno: match[3], format: 'heroku', message: match[4], pri, source: match[2], timestamp: match[1]})
}

/**
 * The line coloured as `logsift logs` colours it. Escape characters of the line itself are shown as ␛
 * first, so only the formatter's own codes become colours.
 */
export function renderLine(message: PageMessage, timeZone: string | undefined): RenderedLine {
  const record = recordOf(message.line.replaceAll('\u001B', '\u241B'), message.pri)
  const code = errorCodeOf(record.message)
  const known = code === undefined ? undefined : ERROR_CODES.get(code)
  const guide = code === undefined ? undefined : ERROR_GUIDES.get(code)
  const explanation = known === undefined ? undefined : [`${known.code} ${known.title}`, guide?.meaning ?? known.cause, ...(guide === undefined ? [] : ['Usual causes:', ...guide.causes.map((cause) => `- ${cause}`), 'What to do:', ...guide.actions.map((action) => `- ${action}`)])].join('\n')
  return {code: known === undefined ? undefined : code, explanation, runs: sgrRuns(formatterFor(timeZone)(record))}
}

/** Values a click filters on: `request_id=`, `status=`, `dyno=` and the `[dyno]` of the tag. */
const CLICKABLE = /(\brequest_id=[^\s"]+|\bstatus=\d+|\bdyno=[^\s"]+|\[[^\]\s]+\](?=:))/g

/**
 * The flag a clicked value adds to the filter box: the `[dyno]` of the tag selects the line's dyno (`-d`);
 * a payload's `dyno=` (on router lines, the dyno that served the request), `status=` and `request_id=` are
 * fields (`-w`).
 */
export function clickFlag(token: string): string {
  return token.startsWith('[') ? `-d ${token.slice(1, -1)}` : `-w ${token}`
}

/** Where the clickable values are in the line's text, with the flag each adds. */
function clickables(text: string): Array<{start: number; end: number; flag: string}> {
  return [...text.matchAll(CLICKABLE)].map((match) => ({end: match.index + match[0].length, flag: clickFlag(match[0]), start: match.index}))
}

/**
 * The runs as spans of their classes; a clickable value (which the palette may split over runs, as the key
 * and the value of `status=200`) becomes a clickable span in each run it covers. Text nodes only, never HTML.
 */
function runSpans(runs: readonly Run[], click: FilterClick | undefined) {
  const targets = click === undefined ? [] : clickables(runs.map((run) => run.text).join(''))
  const spans: preact.ComponentChild[] = []
  let offset = 0
  let target = 0
  for (const [i, run] of runs.entries()) {
    const end = offset + run.text.length
    const parts: preact.ComponentChild[] = []
    let at = offset
    while (at < end) {
      while (target < targets.length && targets[target].end <= at) target++
      const next = targets[target]
      if (next === undefined || next.start >= end) {
        parts.push(run.text.slice(at - offset))
        break
      }

      if (next.start > at) {
        parts.push(run.text.slice(at - offset, next.start - offset))
        at = next.start
        continue
      }

      const stop = Math.min(end, next.end)
      const {flag} = next
      parts.push(<span class="click" data-filter={flag} key={at} onClick={() => click!(flag)} title={`Filter: ${flag}`}>{run.text.slice(at - offset, stop - offset)}</span>)
      at = stop
    }

    spans.push(<span class={run.classes} key={i}>{parts}</span>)
    offset = end
  }

  return spans
}

/** One message, whole (a multi-line message keeps its lines), coloured, error codes marked. */
export function Line({click, line}: {line: RenderedLine; click?: FilterClick}) {
  return (
    <div class={line.code === undefined ? 'line' : 'line coded'}>
      {line.code === undefined ? null : <span class="code" title={line.explanation}>{line.code}</span>}
      {runSpans(line.runs, click)}
    </div>
  )
}
