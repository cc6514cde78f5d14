import type {ChalkInstance} from 'chalk'

import type {LogRecord} from '../parse/record.js'

import {formatJson, formatJsonParts} from './json.js'
import {formatLogfmt, formatLogfmtParts} from './logfmt.js'
import {createPrettyFormatter, type PrettyOptions} from './pretty.js'

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
