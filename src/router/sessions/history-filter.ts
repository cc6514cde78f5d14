import {parseLineWithPri} from '../../parse/line.js'
import {LogRecord} from '../../parse/record.js'
import type {LinePrefilter} from '../../parse/split.js'
import {parseTimestamp, timestampEnd} from '../../parse/timestamp.js'
import type {Predicate} from '../../query/compile.js'
import {type LogMessage, lineTimestamp} from '../message.js'

const EQUALS = 0x3d
const QUOTE = 0x22
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const SPACE = 0x20
const TAB = 0x09
const COLON = 0x3a
const NO_BYTES = Buffer.alloc(0)
/** Characters that join the parts of a `heroku logs` line: a needle holding one may cross from one to the next. */
const JOINERS = /[\s[\]:]/

/**
 * The CLI's query on a message of the log, as `logs -a` would judge it: on its `heroku logs` line, levelled
 * by the PRI when that tells the level (parseLineWithPri). The line is neither built nor parsed for what
 * cannot match: the query's byte prefilter (the one file reading uses) is looked for in the message's parts
 * first, and a message that passes is made into its record from those parts, which are what parsing its line
 * would give; only an unusual one (several lines, a name with a space or bracket, a timestamp of another
 * shape) is parsed from its line.
 */
export function messageFilter(predicate: Predicate, prefilter: LinePrefilter | undefined): (message: LogMessage) => boolean {
  if (prefilter === undefined) return (message) => predicate(messageRecord(message))
  const needle = prefilter.needle.toString()
  const {acceptsValue} = prefilter
  const crossesParts = JOINERS.test(needle)
  return (message) => (holdsNeedle(message, needle, acceptsValue, crossesParts) && predicate(messageRecord(message)))
}

/**
 * The prefilter for reads of the log's stored bytes (batch.ts `batchCandidates`), which hold a message's parts
 * apart: undefined for a needle that could cross from one part of the line to the next.
 */
export function storedBytesPrefilter(prefilter: LinePrefilter | undefined): LinePrefilter | undefined {
  return prefilter === undefined || JOINERS.test(prefilter.needle.toString()) ? undefined : prefilter
}

/** The record parseLineWithPri makes of the message's line, made from its parts when they are what it would find. */
export function messageRecord(message: LogMessage): LogRecord {
  const pri = message.priIsLevel ? message.pri : undefined
  const timestamp = lineTimestamp(message.timestamp, message.receivedAt)
  const {dyno, source, text} = message
  // A timestamp that parses is of the shape the line parser takes, and the record keeps its instant for the query.
  const time = parseTimestamp(timestamp)
  const timestampShaped = !Number.isNaN(time) || timestampEnd(timestamp, 0) === timestamp.length
  if (!message.singleLine || !timestampShaped || !isName(source, 0x5b) || !isName(dyno, 0x5d)) {
    return parseLineWithPri(Buffer.from(message.line), pri)
  }

  return new LogRecord(NO_BYTES, {dyno, format: 'heroku', message: text, pri, source, time, timestamp})
}

/** Non-empty, and without a space or `stop`: what the line parser takes for a source (`[`) or a dyno (`]`). */
function isName(name: string, stop: number): boolean {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code === SPACE || code === stop) return false
  }

  return true
}

/**
 * Whether the message's line can pass the prefilter (split.ts `isCandidate`): the needle in its text with a
 * value that can hold, or anywhere in its header. A needle that could cross a part's edge passes, to be safe.
 */
function holdsNeedle(message: LogMessage, needle: string, acceptsValue: LinePrefilter['acceptsValue'], crossesParts: boolean): boolean {
  const {text} = message
  for (let hit = text.indexOf(needle); hit !== -1; hit = text.indexOf(needle, hit + 1)) {
    if (acceptsOccurrence(text, hit + needle.length, acceptsValue)) return true
  }

  return crossesParts || message.source.includes(needle) || message.dyno.includes(needle) || lineTimestamp(message.timestamp, message.receivedAt).includes(needle)
}

/**
 * split.ts `acceptsOccurrence` on a string, with its rules: a needle going on in a name character is another
 * key; a JSON key's plain integer and the value after `needle=`, when unquoted, must be able to hold.
 */
function acceptsOccurrence(text: string, afterNeedle: number, acceptsValue: LinePrefilter['acceptsValue']): boolean {
  if (acceptsValue === undefined) return true
  if (isKeyCharacter(text.charCodeAt(afterNeedle))) return false
  if (text.charCodeAt(afterNeedle) === QUOTE && text.charCodeAt(afterNeedle + 1) === COLON) return acceptsJsonValue(text, afterNeedle + 2, acceptsValue)
  const valueStart = afterNeedle + 1
  if (text.charCodeAt(afterNeedle) !== EQUALS || text.charCodeAt(valueStart) === QUOTE) return true
  let integer = 0
  let valueEnd = valueStart
  for (let code = text.charCodeAt(valueEnd); code >= DIGIT_0 && code <= DIGIT_9 && valueEnd - valueStart < 15; code = text.charCodeAt(++valueEnd)) {
    integer = integer * 10 + (code - DIGIT_0)
  }

  if (valueEnd > valueStart && (valueEnd === text.length || endsValue(text.charCodeAt(valueEnd)))) return acceptsValue(integer)
  while (valueEnd < text.length && !endsValue(text.charCodeAt(valueEnd))) valueEnd++
  return acceptsValue(text.slice(valueStart, valueEnd))
}

/** split.ts `acceptsJsonValue` on a string: a plain integer after `"key":` is tested; any other value passes. */
function acceptsJsonValue(text: string, at: number, acceptsValue: NonNullable<LinePrefilter['acceptsValue']>): boolean {
  while (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === TAB) at++
  const valueStart = at
  let integer = 0
  for (let code = text.charCodeAt(at); code >= DIGIT_0 && code <= DIGIT_9 && at - valueStart < 15; code = text.charCodeAt(++at)) integer = integer * 10 + (code - DIGIT_0)
  if (at === valueStart || (at < text.length && !endsJsonNumber(text.charCodeAt(at)))) return true
  return acceptsValue(integer)
}

/** split.ts KEY_CHARACTER: `\w`. */
function isKeyCharacter(code: number): boolean {
  return (code >= DIGIT_0 && code <= DIGIT_9) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f
}

/** split.ts JSON_NUMBER_END. */
function endsJsonNumber(code: number): boolean {
  return code === 0x2c || code === 0x7d || code === 0x5d || endsValue(code)
}

/** What ends an unquoted logfmt value (split.ts VALUE_END). */
function endsValue(code: number): boolean {
  return code === SPACE || code === 0x0a || code === 0x0d || code === 0x09
}
