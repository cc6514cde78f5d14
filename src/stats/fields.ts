import type {FieldValue, LogRecord} from '../parse/record.js'

/**
 * How `--by` and `--value` name what they read, as the logfmt output names keys: `source`, `dyno` and
 * `level` are the record's own (the header's `heroku[router]`, the detected level); `type` is the dyno type
 * (`web` for `web.1`); `fields.NAME` is the payload field NAME, even when NAME is one of those
 * (`fields.dyno` is the router's upstream `dyno=web.1`); any other key is a payload field as well
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
      return record.dyno
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

function asText(value: FieldValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
