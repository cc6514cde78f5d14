/**
 * Quantities as logs write them and as `--where` thresholds spell them: a decimal number, then an optional
 * unit with no space between (`23ms`, `211.32MB`, `27582pages`, `0.01`).
 *
 * - Time is normalised to milliseconds: `us` (`µs`), `ms`, `s`, `m` (`min`), `h`.
 * - Bytes are normalised to bytes, and every multiple is a power of 1024: `kB` = `KB` = `KiB` = 1024 B,
 *   `MB` = `MiB` = 1024² B, `GB` = `GiB` = 1024³ B, `TB` = `TiB` = 1024⁴ B. Heroku's runtime metrics write
 *   `MB` for mebibytes (`sample#memory_total=211.32MB`), and one base for every spelling means
 *   `--where sample#memory_total>400MB` and `>400MiB` are the same query.
 * - `pages` is a count.
 * - A bare number is a count with no unit (`unit: ''`). When compared with a threshold that has a unit, a
 *   bare number is taken to be in that dimension's base unit (`bytes=5898` against `1MB` is 5898 bytes;
 *   `duration_ms=250` against `1s` is 250 ms).
 *
 * Units are case-sensitive (`m` is minutes, `MB` megabytes); a suffix not listed here makes the text not a
 * quantity.
 */
export type Dimension = 'bytes' | 'count' | 'time'

export interface Quantity {
  /** The number in its dimension's base unit: milliseconds, bytes, or a count. */
  value: number
  dimension: Dimension
  /** The unit as written, or `''` for a bare number. */
  unit: string
}

interface Unit {
  symbol: string
  dimension: Dimension
  factor: number
}

const KIB = 1024

const UNITS: readonly Unit[] = [
  {symbol: 'us', dimension: 'time', factor: 0.001},
  {symbol: '\u00B5s', dimension: 'time', factor: 0.001}, // MICRO SIGN
  {symbol: '\u03BCs', dimension: 'time', factor: 0.001}, // GREEK SMALL LETTER MU, what most keyboards give
  {symbol: 'ms', dimension: 'time', factor: 1},
  {symbol: 's', dimension: 'time', factor: 1000},
  {symbol: 'm', dimension: 'time', factor: 60_000},
  {symbol: 'min', dimension: 'time', factor: 60_000},
  {symbol: 'h', dimension: 'time', factor: 3_600_000},
  {symbol: 'B', dimension: 'bytes', factor: 1},
  {symbol: 'bytes', dimension: 'bytes', factor: 1},
  {symbol: 'kB', dimension: 'bytes', factor: KIB},
  {symbol: 'KB', dimension: 'bytes', factor: KIB},
  {symbol: 'KiB', dimension: 'bytes', factor: KIB},
  {symbol: 'MB', dimension: 'bytes', factor: KIB ** 2},
  {symbol: 'MiB', dimension: 'bytes', factor: KIB ** 2},
  {symbol: 'GB', dimension: 'bytes', factor: KIB ** 3},
  {symbol: 'GiB', dimension: 'bytes', factor: KIB ** 3},
  {symbol: 'TB', dimension: 'bytes', factor: KIB ** 4},
  {symbol: 'TiB', dimension: 'bytes', factor: KIB ** 4},
  {symbol: 'pages', dimension: 'count', factor: 1},
]

/** Every unit symbol, for error hints. */
export const UNIT_SYMBOLS: readonly string[] = UNITS.map((unit) => unit.symbol)

const PLUS = 0x2B
const MINUS = 0x2D
const DOT = 0x2E
const ZERO = 0x30
const NINE = 0x39
const LOWER_E = 0x65
const UPPER_E = 0x45

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE
}

/**
 * Where the decimal number at the start of `text` ends (`[+-]digits[.digits][e[+-]digits]`), or 0 when the
 * text does not start with one. The grammar is the one `parseFloat` reads, so `parseFloat(text)` is the
 * number's value whenever this returns more than 0.
 */
function numberEnd(text: string): number {
  let i = 0
  let code = text.charCodeAt(0)
  if (code === PLUS || code === MINUS) code = text.charCodeAt(++i)
  let digits = 0
  while (isDigit(code)) {
    digits++
    code = text.charCodeAt(++i)
  }

  if (code === DOT) {
    code = text.charCodeAt(++i)
    while (isDigit(code)) {
      digits++
      code = text.charCodeAt(++i)
    }
  }

  if (digits === 0) return 0
  if (code === LOWER_E || code === UPPER_E) {
    let j = i + 1
    code = text.charCodeAt(j)
    if (code === PLUS || code === MINUS) code = text.charCodeAt(++j)
    if (isDigit(code)) {
      while (isDigit(code)) code = text.charCodeAt(++j)
      i = j
    }
  }

  return i
}

/** The unit that is exactly `text` from `start` on, compared in place so the hot path allocates nothing. */
function unitFrom(text: string, start: number): Unit | undefined {
  const length = text.length - start
  for (const unit of UNITS) {
    if (unit.symbol.length === length && text.startsWith(unit.symbol, start)) return unit
  }

  return undefined
}

/** `text` as a quantity, or undefined when it is not a number with an optional known unit. */
export function parseQuantity(text: string): Quantity | undefined {
  const end = numberEnd(text)
  if (end === 0) return undefined
  const number = Number.parseFloat(text)
  if (end === text.length) return {value: number, dimension: 'count', unit: ''}
  const unit = unitFrom(text, end)
  if (unit === undefined) return undefined
  return {value: number * unit.factor, dimension: unit.dimension, unit: unit.symbol}
}

/** A size in bytes (`512KiB`, `2GB`, a bare number of bytes), whole; NaN when the text is not one. */
export function parseByteSize(text: string): number {
  const size = parseQuantity(text)
  return size !== undefined && (size.dimension === 'bytes' || size.unit === '') ? Math.floor(size.value) : Number.NaN
}

/**
 * `text` in the base unit of `dimension`, for comparing with a threshold that has a unit: a bare number is
 * already in the base unit; NaN when the text is not a quantity or its unit is of another dimension.
 */
export function measureIn(text: string, dimension: Dimension): number {
  const end = numberEnd(text)
  if (end === 0) return Number.NaN
  if (end === text.length) return Number.parseFloat(text)
  const unit = unitFrom(text, end)
  if (unit === undefined || unit.dimension !== dimension) return Number.NaN
  return Number.parseFloat(text) * unit.factor
}

/**
 * The number in `text` in its own unit (`1.5s` is 1.5), for comparing with a bare-number threshold; NaN when
 * the text is not a quantity.
 */
export function magnitude(text: string): number {
  const end = numberEnd(text)
  if (end === 0) return Number.NaN
  if (end !== text.length && unitFrom(text, end) === undefined) return Number.NaN
  return Number.parseFloat(text)
}
