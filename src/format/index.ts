import type {ChalkInstance} from 'chalk'

import type {LogRecord} from '../parse/record.js'

import {formatJson} from './json.js'
import {formatLogfmt} from './logfmt.js'
import {createPrettyFormatter, type PrettyOptions} from './pretty.js'

export const OUTPUT_FORMATS = ['pretty', 'raw', 'json', 'logfmt'] as const
/** `raw` is written from `record.raw` by the output layer and has no formatter. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** A record as one output line, without its newline. */
export type Formatter = (record: LogRecord) => string

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
