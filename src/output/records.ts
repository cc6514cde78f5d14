import type {ChalkInstance} from 'chalk'

import type {OutputFormat} from '../format/index.js'
import type {LogRecord} from '../parse/record.js'
import type {Redactor} from '../redact/redactor.js'
import type {OutputSink} from './sink.js'

import {createFormatter, createPartsFormatter} from '../format/index.js'
import {redactRecord} from '../redact/record.js'

/**
 * A message longer than this (in characters) is formatted and written in parts: a piece of an endless line
 * (4 MiB by default) escaped as one string, then joined to its line, peaks at many times its size.
 */
const LONG_MESSAGE = 64 * 1024

export interface RecordWriterOptions {
  /** `--explain`: pretty output notes what a Heroku error code means. */
  explain?: boolean
  /** `--redact`: secrets become `[REDACTED]` in every format; without it records are written untouched. */
  redactor?: Redactor
  /** `--tz`: pretty output shows timestamps in this IANA zone; the other formats keep them as written. */
  timeZone?: string
}

/** Writes each record to the sink in the chosen format; `raw` copies the input bytes (with `redactor`, all but the secrets). */
export function createRecordWriter(format: OutputFormat, chalk: ChalkInstance, sink: OutputSink, options: RecordWriterOptions = {}): (record: LogRecord) => void {
  const {redactor} = options
  if (format === 'raw') {
    if (redactor === undefined) return (record) => sink.raw(record.raw)
    return (record) => sink.raw(redactRecord(redactor, record).raw)
  }

  const formatRecord = createFormatter(format, chalk, {explain: options.explain, timeZone: options.timeZone})
  const formatParts = createPartsFormatter(format)
  const writeRecord = formatParts === undefined
    ? (record: LogRecord) => sink.line(formatRecord(record))
    : (record: LogRecord) => {
      if (record.message.length <= LONG_MESSAGE) {
        sink.line(formatRecord(record))
        return
      }

      sink.lineInParts(formatParts(record))
    }

  if (redactor === undefined) return writeRecord
  return (record) => writeRecord(redactRecord(redactor, record))
}
