import type {ChalkInstance} from 'chalk'

import type {LogRecord} from '../parse/record.js'

import {formatJson, formatJsonParts, jsonLongLine} from './json.js'
import {formatLogfmt, formatLogfmtParts, logfmtLongLine} from './logfmt.js'
import {createPrettyFormatter, createPrettyLongLineFormatter, type PrettyOptions} from './pretty.js'

export const OUTPUT_FORMATS = ['pretty', 'raw', 'json', 'logfmt'] as const
/** `raw` is written from `record.raw` by the output layer and has no formatter. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** A record as one output line, without its newline. */
export type Formatter = (record: LogRecord) => string

/** A record as parts of one output line that join to what its Formatter returns. */
export type PartsFormatter = (record: LogRecord) => Iterable<string>

/** `options` apply to `pretty` only: the machine formats never change shape. */
export function createFormatter(format: Exclude<OutputFormat, 'raw'>, chalk: ChalkInstance, options: PrettyOptions = {}): Formatter {
  switch (format) {
    case 'json': {
      return formatJson
    }

    case 'logfmt': {
      return formatLogfmt
    }

    case 'pretty': {
      return createPrettyFormatter(chalk, options)
    }
  }
}

/**
 * The machine formats in parts, the message escaped a slice at a time, for records whose message is too long
 * to escape in one piece; undefined for `pretty`, which writes a message as it is.
 */
export function createPartsFormatter(format: Exclude<OutputFormat, 'raw'>): PartsFormatter | undefined {
  if (format === 'json') return formatJsonParts
  if (format === 'logfmt') return formatLogfmtParts
  return undefined
}

/**
 * A record in three parts, for a line too long to hold as one string (see LongLineHandler): what its line
 * starts with, its message a slice at a time, and what ends it (no newline). The record is the line's first
 * bytes parsed: header, level and fields are those its start gives. A message is written as it is read,
 * so the choices made from all of it elsewhere are fixed: logfmt always quotes it, pretty colours it by
 * level as a whole.
 */
export interface LongLineFormatter {
  head(record: LogRecord): string
  message(record: LogRecord, slice: string): string
  tail(record: LogRecord): string
}

/** The long-line formatter of `format`; `options` apply to `pretty` only, as for createFormatter. */
export function createLongLineFormatter(format: Exclude<OutputFormat, 'raw'>, chalk: ChalkInstance, options: PrettyOptions = {}): LongLineFormatter {
  switch (format) {
    case 'json': {
      return jsonLongLine
    }

    case 'logfmt': {
      return logfmtLongLine
    }

    case 'pretty': {
      return createPrettyLongLineFormatter(chalk, options)
    }
  }
}
