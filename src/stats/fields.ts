import type {FieldValue, LogRecord} from '../parse/record.js'

/**
 * How `--by` and `--value` name what they read, as the logfmt output names keys: `source` and `level` are
 * the record's own (the header's `heroku`, the detected level); `dyno` is the dyno a line is about: the
 * header's (`app[web.1]`, `heroku[worker.1]`), except on a router line, where it is the dyno that served the
 * request (its `dyno=web.1`; none when the router reached no dyno, as with H10), so that
 * `--by dyno --value service` gives service time per dyno; `type` is the header dyno's type (`web` for
 * `web.1`, `router` for router lines, as in the totals); `fields.NAME` is the payload field NAME, even when
 * NAME is one of those (`fields.dyno` is `dyno=` on every line); any other key is a payload field as well
 * (`user_id` = `fields.user_id`), dotted paths included (`err.type`).
 */
export type FieldKey =
  | {kind: 'dyno' | 'dyno-type' | 'level' | 'source'}
  | {kind: 'field'; name: string}

export function parseFieldKey(key: string): FieldKey {
  switch (key) {
    case 'dyno':
    case 'level':
    case 'source': {
      return {kind: key}
    }

    case 'type': {
      return {kind: 'dyno-type'}
    }

    default: {
      return {kind: 'field', name: key.startsWith('fields.') ? key.slice(7) : key}
    }
  }
}

/** The key's value on `record` as a group name, or undefined when the record has none. */
export function groupValue(record: LogRecord, key: FieldKey): string | undefined {
  switch (key.kind) {
    case 'dyno': {
      return isRouterLine(record) ? nonEmpty(asText(record.field('dyno'))) : record.dyno
    }

    case 'dyno-type': {
      return record.dyno === undefined ? undefined : dynoType(record.dyno)
    }

    case 'level': {
      return record.level
    }

    case 'source': {
      return record.source
    }

    case 'field': {
      return asText(record.field(key.name))
    }
  }
}

export function dynoType(dyno: string): string {
  const dot = dyno.indexOf('.')
  return dot === -1 ? dyno : dyno.slice(0, dot)
}

function isRouterLine(record: LogRecord): boolean {
  return record.dyno === 'router' && record.source === 'heroku'
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === '' ? undefined : text
}

function asText(value: FieldValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
