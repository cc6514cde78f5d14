import type {ChalkInstance, ForegroundColorName, ModifierName} from 'chalk'

import type {LongLineFormatter} from './index.js'

import {explainMessage} from '../explain/annotation.js'
import {LogRecord} from '../parse/record.js'
import {createTimestampConverter} from './time-zone.js'

type StyleName = ForegroundColorName | ModifierName

/**
 * An SGR open/close pair read from chalk once. The hot path concatenates these instead of calling chalk per
 * token: chalk's builders re-scan their argument for nested escapes on every call.
 */
interface Style {
  readonly close: string
  readonly open: string
}

/**
 * Dyno type colours. run, router and web keep the Heroku CLI's colours so its users feel at home; the rest are
 * fixed too, so a type looks the same in every file. Red is kept for errors and never names a dyno.
 */
const DYNO_TYPE_STYLES: ReadonlyArray<readonly [string, readonly StyleName[]]> = [
  ['web', ['cyan']],
  ['worker', ['magenta']],
  ['run', ['yellow']],
  ['scheduler', ['yellowBright']],
  ['release', ['greenBright']],
  ['router', ['green']],
  ['api', ['blueBright']],
  ['heroku-postgres', ['blue']],
  ['postgres', ['blue']],
  ['heroku-redis', ['magentaBright']],
  ['logplex', ['gray']],
  ['slug-compiler', ['gray']],
]

/** Other dyno types pick from these by a hash of the type name: stable across runs and files. */
const HASHED_DYNO_STYLES: ReadonlyArray<readonly StyleName[]> = [
  ['yellow'], ['green'], ['cyan'], ['magenta'], ['blue'],
  ['green', 'bold'], ['cyan', 'bold'], ['magenta', 'bold'], ['yellow', 'bold'], ['blue', 'bold'],
]

/** By severity (0 emerg … 7 debug): what a line of that level looks like in an app's output. */
const LEVEL_STYLES: ReadonlyArray<readonly StyleName[]> = [
  ['red', 'bold'], ['red', 'bold'], ['red', 'bold'], ['red'], ['yellow'], [], [], ['dim'],
]

/** Router timings: under SLOW_MS green, under VERY_SLOW_MS yellow, from there red. */
const SLOW_MS = 100
const VERY_SLOW_MS = 1000

/** Painted `source[dyno]:` tags are dropped past this many: `run.NNNN` names never repeat in a long follow. */
const TAG_CACHE_LIMIT = 4096

const SPACE = 0x20
const EQUALS = 0x3D
const QUOTE = 0x22
const BACKSLASH = 0x5C

export interface PrettyOptions {
  /** Append `  # CODE Title: usual cause` to lines that carry a Heroku error code. */
  explain?: boolean
  /** `--tz`: show each timestamp as the instant in this IANA zone, with its offset; without it, as written. */
  timeZone?: string
}

/** The timestamp a line shows. */
type Stamp = (record: LogRecord) => string | undefined

/** Between a line and its `--explain` note. */
const EXPLAIN_MARK = '  # '

/**
 * Formats a record as a `heroku logs` line, coloured when the chalk has a level:
 * the timestamp dim, `source[dyno]:` in its dyno type's colour, router fields by meaning, other messages by
 * level with logfmt keys dim. At level 0 the result is exactly `TIMESTAMP SOURCE[DYNO]: MESSAGE`, plus the
 * note with `explain`; either way with control characters made visible (see CONTROL).
 */
export function createPrettyFormatter(chalk: ChalkInstance, options: PrettyOptions = {}): (record: LogRecord) => string {
  const stamp = options.timeZone === undefined ? undefined : zonedStamp(options.timeZone)
  const painter = chalk.level === 0 ? undefined : new PrettyPainter(chalk, stamp)
  const plain = stamp === undefined ? herokuLine : (record: LogRecord) => herokuLine(record, stamp(record))
  const unsafe = painter === undefined ? plain : (record: LogRecord) => painter.format(record)
  const format = (record: LogRecord) => unsafe(hasControls(record) ? withControlsVisible(record) : record)
  if (!options.explain) return format
  const note = styleOf(chalk, ['italic'])
  return (record) => {
    const explanation = explainMessage(record.message)
    const line = format(record)
    return explanation === undefined ? line : line + paint(note, EXPLAIN_MARK + explanation)
  }
}

/**
 * createPrettyFormatter for a line too long to hold (see LongLineFormatter): the header as for any line, the
 * message painted by the record's level a slice at a time (no logfmt keys dimmed), `--explain`'s note from
 * the message's start.
 */
export function createPrettyLongLineFormatter(chalk: ChalkInstance, options: PrettyOptions = {}): LongLineFormatter {
  const format = createPrettyFormatter(chalk, {timeZone: options.timeZone})
  const levels = chalk.level === 0 ? undefined : LEVEL_STYLES.map((names) => styleOf(chalk, names))
  const note = styleOf(chalk, ['italic'])
  return {
    head: (record) => format(new LogRecord(record.raw, {...record, message: ''})),
    message: (record, slice) => (levels === undefined ? visibleControls(slice) : paint(levels[record.severity], visibleControls(slice))),
    tail(record) {
      const explanation = options.explain ? explainMessage(record.message) : undefined
      return explanation === undefined ? '' : paint(note, EXPLAIN_MARK + explanation)
    },
  }
}

/**
 * C0 controls but TAB and LF (a multi-line message keeps its lines), DEL and C1 controls: written to a terminal
 * as they are, a log line could set its title, move the cursor, clear the screen or answer for the user. Pretty
 * output shows them as less and cat -v do; `-o raw` keeps them, json and logfmt escape them their own way.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/
const CONTROLS = new RegExp(CONTROL.source, 'g')

function hasControls(record: LogRecord): boolean {
  const {dyno, message, source, timestamp} = record
  return CONTROL.test(message) || (source !== undefined && CONTROL.test(source)) || (dyno !== undefined && CONTROL.test(dyno)) || (timestamp !== undefined && CONTROL.test(timestamp))
}

/** ESC as `^[`, BEL as `^G`, DEL as `^?`; a C1 control as `<U+009B>`. */
function visibleControl(control: string): string {
  const code = control.charCodeAt(0)
  return code < 0x80 ? '^' + String.fromCharCode(code ^ 0x40) : `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`
}

function visibleControls(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, visibleControl) : text
}

/** The record with its controls made visible, for pretty output to show. */
function withControlsVisible(record: LogRecord): LogRecord {
  return new LogRecord(record.raw, {
    dyno: record.dyno === undefined ? undefined : visibleControls(record.dyno),
    format: record.format,
    host: record.host,
    message: visibleControls(record.message),
    pri: record.pri,
    source: record.source === undefined ? undefined : visibleControls(record.source),
    timestamp: record.timestamp === undefined ? undefined : visibleControls(record.timestamp),
  })
}

function zonedStamp(timeZone: string): Stamp {
  const convert = createTimestampConverter(timeZone)
  return (record) => (record.timestamp === undefined ? undefined : convert(record.timestamp))
}

/** The uncoloured line: Heroku's own shape, so piping the output into logsift again parses the same. */
function herokuLine(record: LogRecord, timestamp = record.timestamp): string {
  if (record.format === 'text') return record.message
  const {dyno, source} = record
  if (timestamp !== undefined && source !== undefined && dyno !== undefined) {
    return timestamp + ' ' + source + '[' + dyno + ']: ' + record.message
  }

  return assemble(timestamp, tagOf(source, dyno), record.message)
}

/**
 * `source[dyno]:`, or `source:` for a syslog frame without PROCID (as classic syslog writes a tag), or `[dyno]:`
 * without APP-NAME.
 */
function tagOf(source: string | undefined, dyno: string | undefined): string | undefined {
  if (dyno !== undefined) return (source ?? '') + '[' + dyno + ']:'
  if (source !== undefined) return source + ':'
  return undefined
}

/** The parts that exist, space-separated; the space after the tag stays when the message is empty, as Heroku prints it. */
function assemble(timestamp: string | undefined, tag: string | undefined, message: string): string {
  let line = timestamp === undefined ? '' : timestamp + ' '
  if (tag !== undefined) line += tag + ' '
  return line + message
}

function styleOf(chalk: ChalkInstance, names: readonly StyleName[]): Style {
  let builder = chalk
  for (const name of names) builder = builder[name]
  const [open, close] = builder('\u0000').split('\u0000')
  return {close, open}
}

function paint(style: Style, text: string): string {
  return text === '' ? '' : style.open + text + style.close
}

/** FNV-1a: cheap, and the same on every run. */
function hash(text: string): number {
  let h = 0x81_1C_9D_C5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01_00_01_93)
  return h >>> 0
}

function dynoType(dyno: string): string {
  const dot = dyno.indexOf('.')
  return dot === -1 ? dyno : dyno.slice(0, dot)
}

/** A message is treated as logfmt when its first token is `key=` with a plain key (not JSON, not prose). */
function startsWithPair(message: string): boolean {
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i)
    if (c === EQUALS) return i > 0
    const keyChar = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
      || c === 0x5F || c === 0x2E || c === 0x2D || c === 0x23 || c === 0x40 || c === 0x2F || c === 0x3A
    if (!keyChar) return false
  }

  return false
}

/**
 * Walks a logfmt-style message once, handing each `key=value` and each bare word to a painter and copying the
 * spaces between them, so the text comes out unchanged. A quoted value runs to its closing quote: the Heroku CLI
 * splits on spaces and colours half of `desc="Request timeout"`.
 */
function paintTokens(message: string, pair: (key: string, value: string) => string, bare: (word: string) => string): string {
  const n = message.length
  let out = ''
  let i = 0
  while (i < n) {
    let start = i
    while (i < n && message.charCodeAt(i) === SPACE) i++
    if (i > start) out += message.slice(start, i)
    if (i === n) break

    start = i
    while (i < n) {
      const c = message.charCodeAt(i)
      if (c === SPACE || c === EQUALS) break
      i++
    }

    if (i === start || i === n || message.charCodeAt(i) !== EQUALS) {
      while (i < n && message.charCodeAt(i) !== SPACE) i++
      out += bare(message.slice(start, i))
      continue
    }

    const key = message.slice(start, i)
    const valueStart = ++i
    if (i < n && message.charCodeAt(i) === QUOTE) {
      i++
      while (i < n) {
        const c = message.charCodeAt(i)
        i += c === BACKSLASH ? 2 : 1
        if (c === QUOTE) break
      }

      if (i > n) i = n
    }

    while (i < n && message.charCodeAt(i) !== SPACE) i++
    out += pair(key, message.slice(valueStart, i))
  }

  return out
}

class PrettyPainter {
  /** Per severity: how logfmt pairs and bare words of an app message are painted. */
  private readonly appBare: Array<(word: string) => string>
  private readonly appPair: Array<(key: string, value: string) => string>
  private readonly dim: Style
  private readonly dynoStyles = new Map<string, Style>()
  private readonly hashedDynoStyles: Style[]
  private readonly error: Style
  private readonly fatal: Style
  private readonly green: Style
  private readonly levels: Style[]
  private readonly magenta: Style
  private readonly statusStyles: Map<number, Style>
  private readonly tags = new Map<string, Map<string, string>>()
  private tagCount = 0
  private readonly warn: Style

  constructor(
    chalk: ChalkInstance,
    private readonly stamp: Stamp | undefined,
  ) {
    this.dim = styleOf(chalk, ['dim'])
    this.error = styleOf(chalk, ['red'])
    this.fatal = styleOf(chalk, ['red', 'bold'])
    this.green = styleOf(chalk, ['green'])
    this.magenta = styleOf(chalk, ['magenta'])
    this.warn = styleOf(chalk, ['yellow'])
    this.statusStyles = new Map([
      [0x32, this.green], [0x33, styleOf(chalk, ['cyan'])], [0x34, this.warn], [0x35, this.error],
    ])
    for (const [type, names] of DYNO_TYPE_STYLES) this.dynoStyles.set(type, styleOf(chalk, names))
    this.hashedDynoStyles = HASHED_DYNO_STYLES.map((names) => styleOf(chalk, names))
    this.levels = LEVEL_STYLES.map((names) => styleOf(chalk, names))
    this.appPair = this.levels.map((style) => (key: string, value: string) => this.key(key) + paint(style, value))
    this.appBare = this.levels.map((style) => (word: string) => paint(style, word))
  }

  format(record: LogRecord): string {
    const {dyno, message, source} = record
    const timestamp = this.stamp === undefined ? record.timestamp : this.stamp(record)
    const body = dyno === 'router' && source === 'heroku' ? this.router(message) : this.app(record)
    if (record.format === 'text') return body
    return assemble(timestamp === undefined ? undefined : paint(this.dim, timestamp), this.tag(source, dyno), body)
  }

  private app(record: LogRecord): string {
    const {message} = record
    if (message === '') return message
    const {severity} = record
    if (startsWithPair(message)) return paintTokens(message, this.appPair[severity], this.appBare[severity])
    return paint(this.levels[severity], message)
  }

  private duration(value: string): Style | undefined {
    const amount = Number.parseFloat(value)
    if (Number.isNaN(amount)) return undefined
    const ms = value.endsWith('ms') || !value.endsWith('s') ? amount : amount * 1000
    return ms < SLOW_MS ? this.green : ms < VERY_SLOW_MS ? this.warn : this.error
  }

  private dynoStyle(dyno: string): Style {
    const type = dynoType(dyno)
    return this.dynoStyles.get(type) ?? this.hashedDynoStyles[hash(type) % this.hashedDynoStyles.length]
  }

  private key(key: string): string {
    return this.dim.open + key + '=' + this.dim.close
  }

  private router(message: string): string {
    return paintTokens(message, this.routerPair, this.routerBare)
  }

  /** Pre-2013 router errors read `Error H12 (Request timeout) -> GET …`: the code stands out, the rest stays plain. */
  private readonly routerBare = (word: string): string => {
    const isCode = word.length === 3 && (word[0] === 'H' || word[0] === 'R' || word[0] === 'L')
      && word.charCodeAt(1) >= 0x30 && word.charCodeAt(1) <= 0x39 && word.charCodeAt(2) >= 0x30 && word.charCodeAt(2) <= 0x39
    return isCode || word === 'Error' ? paint(this.fatal, word) : word
  }

  private readonly routerPair = (key: string, value: string): string => {
    let style: Style | undefined
    switch (key) {
      case 'at': {
        style = value === 'error' ? this.fatal : value === 'warning' || value === 'warn' ? this.warn : undefined
        break
      }

      case 'code': {
        style = this.fatal
        break
      }

      case 'connect':
      case 'service': {
        style = this.duration(value)
        break
      }

      case 'desc': {
        style = this.error
        break
      }

      case 'dyno': {
        style = value === '' ? undefined : this.dynoStyle(value)
        break
      }

      case 'method': {
        style = this.magenta
        break
      }

      case 'path': {
        style = this.green
        break
      }

      case 'status': {
        style = value.length === 3 ? this.statusStyles.get(value.charCodeAt(0)) : undefined
        break
      }
    }

    // Everything without a meaning of its own (host, request_id, fwd, bytes, protocol, at=info) recedes.
    return style === undefined ? paint(this.dim, key + '=' + value) : this.key(key) + paint(style, value)
  }

  private tag(source: string | undefined, dyno: string | undefined): string | undefined {
    if (source === undefined || dyno === undefined) {
      const tag = tagOf(source, dyno)
      return tag === undefined ? undefined : paint(this.dynoStyle(dyno ?? source ?? ''), tag)
    }

    let bySource = this.tags.get(source)
    let painted = bySource?.get(dyno)
    if (painted !== undefined) return painted

    if (this.tagCount >= TAG_CACHE_LIMIT) {
      this.tags.clear()
      this.tagCount = 0
      bySource = undefined
    }

    if (bySource === undefined) {
      bySource = new Map()
      this.tags.set(source, bySource)
    }

    painted = paint(this.dynoStyle(dyno), source + '[' + dyno + ']:')
    bySource.set(dyno, painted)
    this.tagCount++
    return painted
  }
}
