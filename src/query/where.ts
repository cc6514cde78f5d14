import type {FieldValue} from '../parse/record.js'
import type {Predicate} from './compile.js'
import {QueryError} from './query-error.js'
import {compileRegex} from './regex.js'
import {type Dimension, magnitude, measureIn, parseQuantity, type Quantity, UNIT_SYMBOLS} from './units.js'

/** One `--where` expression, parsed and checked; the rest of the query never looks at the text again. */
export type WhereExpression =
  | {kind: 'absent'; key: string}
  | {kind: 'compare'; key: string; op: '<' | '<=' | '>' | '>='; threshold: Quantity}
  | {kind: 'equals'; key: string; negated: boolean; value: string}
  | {kind: 'matches'; key: string; negated: boolean; regex: RegExp}
  | {kind: 'present'; key: string}

const KEY = String.raw`[\w#.@-]+`
const PRESENT = new RegExp(String.raw`^(${KEY})$`)
const ABSENT = new RegExp(String.raw`^!\s*(${KEY})$`)
const BINARY = new RegExp(String.raw`^(${KEY})\s*(!=|!~|>=|<=|=|~|>|<)\s*(.*)$`, 's')

const OPERATORS = '= != > >= < <= ~ !~'
const GRAMMAR = `expected KEY OP VALUE with OP one of ${OPERATORS}, KEY alone, or !KEY`

/** Operators a value cannot start with: `status==200` and `status>>5` are typos, not values. */
const OPERATOR_START = /^[=<>!~]/

const QUOTED = /^"((?:[^"\\]|\\.)*)"$/s

/** Parses one `--where` expression, compiling its regex or threshold, or throws a QueryError that names it. */
export function parseWhere(expression: string): WhereExpression {
  const text = expression.trim()
  const present = PRESENT.exec(text)
  if (present !== null) return {kind: 'present', key: present[1]}
  const absent = ABSENT.exec(text)
  if (absent !== null) return {kind: 'absent', key: absent[1]}
  const binary = BINARY.exec(text)
  if (binary === null) throw new QueryError('--where', expression, GRAMMAR)
  const [, key, op, value] = binary
  switch (op) {
    case '=':
    case '!=': {
      if (value.startsWith('=')) throw new QueryError('--where', expression, GRAMMAR)
      return {kind: 'equals', key, negated: op === '!=', value: unquote(value)}
    }

    case '~':
    case '!~': {
      return {kind: 'matches', key, negated: op === '!~', regex: compileRegex('--where', expression, value, '')}
    }

    default: {
      if (value === '' || OPERATOR_START.test(value)) throw new QueryError('--where', expression, GRAMMAR)
      const threshold = parseQuantity(value)
      if (threshold === undefined) {
        throw new QueryError(
          '--where',
          expression,
          `expected a number after ${op}, optionally with a unit (${UNIT_SYMBOLS.join(' ')})`,
        )
      }

      return {kind: 'compare', key, op: op as '<' | '<=' | '>' | '>=', threshold}
    }
  }
}

/** A value copied from a log line keeps its quotes (`desc="Request timeout"`); the field's value has none. */
function unquote(value: string): string {
  const quoted = QUOTED.exec(value)
  return quoted === null ? value : quoted[1].replaceAll(/\\(.)/gs, '$1')
}

/**
 * The predicate for one `--where` expression, reading the field with `record.field(key)`:
 *
 * - `KEY` holds when the key is there, whatever its value (an empty `dyno=` or a JSON null included);
 *   `!KEY` when it is not.
 * - `KEY=VALUE` compares text: a string field equals VALUE exactly, a JSON number equals VALUE read as a
 *   number (`status=200` matches `"200"` and `200`), `true`/`false`/`null` match those JSON values. Units are
 *   not converted (`service=23ms` matches `23ms`, not `0.023s`). Double quotes around VALUE are dropped, so
 *   `desc="Request timeout"` can be pasted from a line. `KEY=` matches an empty value.
 * - `KEY!=VALUE` is exactly the negation of `KEY=VALUE`: it holds when the key is absent too, like
 *   `grep -v`. Add `-w KEY` to require the key.
 * - `KEY~REGEX` tests a JavaScript regular expression (unanchored, case-sensitive: `-i` does not apply) on
 *   the value's text; objects and arrays never match. `KEY!~REGEX` is its negation and holds when absent.
 * - `KEY>N`, `>=`, `<`, `<=` compare numbers; see `compileComparison`. A value that is not a number (an
 *   empty `service=`, a word, an object) never matches.
 */
export function compileWhere(parsed: WhereExpression): Predicate {
  const {key} = parsed
  switch (parsed.kind) {
    case 'present': {
      return (record) => record.field(key) !== undefined
    }

    case 'absent': {
      return (record) => record.field(key) === undefined
    }

    case 'equals': {
      const equals = equalsTest(parsed.value)
      return parsed.negated ? (record) => !equals(record.field(key)) : (record) => equals(record.field(key))
    }

    case 'matches': {
      const {regex} = parsed
      const matches = (value: FieldValue | undefined): boolean => {
        if (typeof value === 'string') return regex.test(value)
        if (typeof value === 'number' || typeof value === 'boolean' || value === null) return regex.test(String(value))
        return false
      }

      return parsed.negated ? (record) => !matches(record.field(key)) : (record) => matches(record.field(key))
    }

    case 'compare': {
      return compileComparison(key, parsed.op, parsed.threshold)
    }
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function equalsTest(text: string): (value: FieldValue | undefined) => boolean {
  const number = DECIMAL.test(text) ? Number(text) : Number.NaN
  const whenTrue = text === 'true'
  const whenFalse = text === 'false'
  const whenNull = text === 'null'
  return (value) => {
    if (typeof value === 'string') return value === text
    if (typeof value === 'number') return value === number
    if (typeof value === 'boolean') return value ? whenTrue : whenFalse
    if (value === null) return whenNull
    return false
  }
}

/**
 * A numeric comparison. With a unit on the threshold (`service>500ms`), the field's value is converted to the
 * threshold's dimension: `1.2s` is 1200 ms; a bare number (`5898`, or a JSON number) is taken to be in the
 * base unit (ms, bytes); a value in another dimension (`service>1MB`) never matches. With a bare threshold
 * (`service>500`), the value compares in its own unit: `23ms` is 23 and `1.5s` is 1.5.
 */
function compileComparison(key: string, op: '<' | '<=' | '>' | '>=', threshold: Quantity): Predicate {
  const test = comparisonTest(op, threshold)
  return (record) => test(record.field(key))
}

/** The value test behind a `KEY OP N` expression, also used on raw bytes by the line prefilter. */
export function comparisonTest(op: '<' | '<=' | '>' | '>=', threshold: Quantity): (value: FieldValue | undefined) => boolean {
  const limit = threshold.value
  const read = threshold.unit === '' ? readMagnitude : readIn(threshold.dimension)
  switch (op) {
    case '>': {
      return (value) => read(value) > limit
    }

    case '>=': {
      return (value) => read(value) >= limit
    }

    case '<': {
      return (value) => read(value) < limit
    }

    case '<=': {
      return (value) => read(value) <= limit
    }
  }
}

function readMagnitude(value: FieldValue | undefined): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return magnitude(value)
  return Number.NaN
}

function readIn(dimension: Dimension): (value: FieldValue | undefined) => number {
  return (value) => {
    if (typeof value === 'number') return value
    if (typeof value === 'string') return measureIn(value, dimension)
    return Number.NaN
  }
}
