import type {ChalkInstance} from 'chalk'

import type {OutputFormat} from '../format/index.js'
import type {LogRecord} from '../parse/record.js'
import type {OutputSink} from './sink.js'

import {createFormatter} from '../format/index.js'

/** Writes each record to the sink in the chosen format; `raw` copies the input bytes untouched. */
export function createRecordWriter(format: OutputFormat, chalk: ChalkInstance, sink: OutputSink): (record: LogRecord) => void {
  if (format === 'raw') return (record) => sink.raw(record.raw)
  const formatRecord = createFormatter(format, chalk)
  return (record) => sink.line(formatRecord(record))
}
