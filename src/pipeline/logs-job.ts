import type {OutputFormat} from '../format/index.js'
import type {ColorLevel} from '../format/color.js'
import type {QueryOptions} from '../query/compile.js'

import {Chalk} from 'chalk'

import {type RedactFlags, redactorFor} from '../redact/flags.js'
import {createLongLineWriter} from '../output/long-line.js'
import {createRecordWriter} from '../output/records.js'
import {OutputSink} from '../output/sink.js'
import {compileQuery, compileQueryParts} from '../query/compile.js'
import {compileLinePrefilter} from '../query/prefilter.js'
import type {LogsPipeline} from './logs.js'

/**
 * Everything `logs` needs to filter and format records, as plain data: the main thread and every scanning
 * worker build the same query and writers from it, so their output is the same bytes.
 */
export interface LogsJob {
  colorLevel: ColorLevel
  explain?: boolean
  maxLineBytes: number
  output: OutputFormat
  /** Its `now` fixed by the main thread, so relative --since and --until mean the same instant everywhere. */
  query: QueryOptions
  /** The --redact flags, as the command parsed them. */
  redact: RedactFlags
  timeZone?: string
}

/** The query and writers of a job, writing into `sink`; the flags were checked by the command already. */
export function logsJobParts(job: LogsJob, sink: OutputSink): Pick<LogsPipeline, 'maxLineBytes' | 'predicate' | 'prefilter' | 'queryParts' | 'rawOutput' | 'write' | 'writeLong'> {
  const redactor = redactorFor(job.redact, (message) => {
    throw new Error(message)
  })
  const chalk = new Chalk({level: job.colorLevel})
  const writerOptions = {explain: job.explain, redactor, timeZone: job.timeZone}
  return {
    maxLineBytes: job.maxLineBytes,
    predicate: compileQuery(job.query),
    prefilter: compileLinePrefilter(job.query),
    queryParts: compileQueryParts(job.query),
    rawOutput: job.output === 'raw' && redactor === undefined,
    write: createRecordWriter(job.output, chalk, sink, writerOptions),
    writeLong: createLongLineWriter(job.output, chalk, sink, writerOptions),
  }
}
