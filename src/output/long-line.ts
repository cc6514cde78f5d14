import type {ChalkInstance} from 'chalk'

import type {OutputFormat} from '../format/index.js'
import type {LogRecord} from '../parse/record.js'
import type {TextStream} from '../redact/redactor.js'
import type {RecordWriterOptions} from './records.js'
import type {OutputSink} from './sink.js'

import {createLongLineFormatter} from '../format/index.js'
import {messageSlices} from '../format/message-slices.js'
import {byteSlices, MessageText} from '../parse/message-text.js'
import {redactRecord} from '../redact/record.js'

/** The rest of a long line being written: its bytes after the head's, in order, then its end. */
export interface LongLineOutput {
  /** The line's next bytes, read from `chunks` as the sink takes them: kept (not copied) until written. */
  bytes(chunks: Iterable<Buffer>): void
  end(): void
}

/**
 * Starts writing a line too long to hold as one string (see LongLineHandler), given the record its first bytes
 * make: the output comes out as the bytes do, formatted a slice at a time when the sink takes it, so memory
 * holds no more of the line than the caller keeps. `-o raw` writes the bytes as read (with a redactor, all
 * but the secrets, found as in Redactor.stream).
 */
export type LongLineWriter = (head: LogRecord) => LongLineOutput

/** The long-line writer of a format, the counterpart of createRecordWriter with the same options. */
export function createLongLineWriter(format: OutputFormat, chalk: ChalkInstance, sink: OutputSink, options: RecordWriterOptions = {}): LongLineWriter {
  const {redactor} = options
  if (format === 'raw') {
    if (redactor === undefined) {
      return (head) => {
        sink.raw(head.raw)
        return {bytes: (chunks) => sink.parts(chunks), end() {}}
      }
    }

    return (head) => {
      // Latin-1, one character per byte: every byte that is not part of a secret is written back as it was.
      const stream = redactor.stream()
      const redacted = (text: string) => Buffer.from(text, 'latin1')
      const redact = (chunk: Buffer) => mapped(byteSlices(chunk), (slice) => redacted(stream.push(slice.toString('latin1'))))
      sink.parts(flatMapped([head.raw], redact))
      return {
        bytes: (chunks) => sink.parts(flatMapped(chunks, redact)),
        end: () => sink.parts(lazily(() => redacted(stream.end()))),
      }
    }
  }

  const formatter = createLongLineFormatter(format, chalk, {explain: options.explain, timeZone: options.timeZone})
  return (head) => {
    const stream = redactor?.stream()
    const record = redactor === undefined ? head : redactRecord(redactor, head)
    const message = new MessageText()
    function * parts(text: string, last = false): Generator<string> {
      const settled = stream === undefined ? text : last ? stream.push(text) + stream.end() : stream.push(text)
      for (const slice of messageSlices(settled)) yield formatter.message(record, slice)
    }

    sink.parts(prepend(formatter.head(record), () => parts(head.message)))
    return {
      bytes: (chunks) => sink.parts(flatMapped(chunks, (chunk) => flatMapped(byteSlices(chunk), (slice) => parts(message.decode(slice))))),
      end: () => sink.parts(deferred(() => append(parts(message.end(), true), formatter.tail(record) + '\n'))),
    }
  }
}

function * lazily<T>(make: () => T): Generator<T> {
  yield make()
}

function * deferred<T>(make: () => Iterable<T>): Generator<T> {
  yield * make()
}

function * mapped<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item)
}

function * flatMapped<T, U>(items: Iterable<T>, map: (item: T) => Iterable<U>): Generator<U> {
  for (const item of items) yield * map(item)
}

function * prepend<T>(first: T, rest: () => Iterable<T>): Generator<T> {
  yield first
  yield * rest()
}

function * append<T>(rest: Iterable<T>, last: T): Generator<T> {
  yield * rest
  yield last
}
