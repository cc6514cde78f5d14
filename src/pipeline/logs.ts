import type {LongLineOutput, LongLineWriter} from '../output/long-line.js'
import type {OutputSink} from '../output/sink.js'
import type {Predicate, QueryParts} from '../query/compile.js'
import type {Input} from '../sources/inputs.js'
import type {StreamMessage} from '../sources/session.js'

import {stat} from 'node:fs/promises'

import {MAX_SESSION_LINES} from '../api/types.js'
import {parseFrame, parseLine, parseLineWithPri} from '../parse/line.js'
import type {LogRecord} from '../parse/record.js'
import {type LinePrefilter, UnitSplitter} from '../parse/split.js'
import {isGzipFile, isNamedFifo, readFile, readPlainFileFrom, readStdin} from '../sources/file.js'
import {canAppearLater, FifoFollower, FileFollower} from '../sources/follow.js'
import {inputErrorFrom} from '../sources/input-error.js'
import {inputName} from '../sources/inputs.js'
import {ByteSpool} from './byte-spool.js'
import {LastRecords} from './last-records.js'
import {LONG_LINE_BYTES, LongLineReader} from './long-line.js'
import type {ThreadedScanResult} from './threaded-scan.js'

export interface LogsPipeline {
  inputs: Input[]
  predicate: Predicate
  /** A byte-level condition implied by the predicate, so most non-matching lines are never parsed. */
  prefilter?: LinePrefilter
  /**
   * The query in parts, for lines longer than LONG_LINE_BYTES, read as they come (see LongLineReader);
   * without it such a line is tested by `predicate` on its first bytes.
   */
  queryParts?: QueryParts
  /** Formats a record into the sink. */
  write: (record: LogRecord) => void
  /** `write` writes a record's bytes as they are (`-o raw` without redaction). */
  rawOutput?: boolean
  /** Writes a long line as it is read; without it one that passes is given to `write` as its head record. */
  writeLong?: LongLineWriter
  sink: OutputSink
  /** Print only the last N matching records (then follow, with `follow`). */
  last?: number
  follow: boolean
  /** One line on stderr: an input that failed, or a notice while following. */
  report: (message: string) => void
  /** Told the size of every chunk read (after gunzip), for a progress display. */
  progress?: (bytes: number) => void
  /** A longer line is passed on in pieces of this many bytes, with one notice per input. */
  maxLineBytes: number
  /** --max-line-size as the user wrote it, for the notice: `1MiB`, not 1MB. */
  maxLineSize: string
  /**
   * Reads a file on worker threads, writing to the sink (or, with `last`, returning its last records
   * formatted); undefined when the file is for one thread. Never used while following.
   */
  threaded?: (path: string) => Promise<ThreadedScanResult | undefined>
}

export interface LogsResult {
  matched: number
  /** Some input could not be read (it was reported); the others were still processed. */
  inputFailed: boolean
}

/** Reads every input in order through parse -> query -> output, then follows files when asked. */
export async function runLogs(pipeline: LogsPipeline): Promise<LogsResult> {
  const run = new PipelineRun(pipeline)
  await run.readAll()
  if (pipeline.follow && !pipeline.sink.closed) await run.followFiles()
  return {inputFailed: run.inputFailed, matched: run.matched}
}

class PipelineRun {
  inputFailed = false
  matched = 0
  private last: LastRecords<HeldRecord> | undefined
  private readonly followers: Array<FifoFollower | FileFollower> = []
  /** Inputs whose over-long lines were already reported: one notice per input, however many lines. */
  private readonly cutReported = new Set<string>()
  /** A record read: tested, counted, and held for `--num` or written. */
  private readonly emit: (record: LogRecord) => void
  /**
   * Another input is read after this one: its last line, if it has no newline, is given one, so raw output
   * never joins it to the next input's first line (as grep ends each line it prints from several files).
   */
  private moreInputsFollow = false

  constructor(private readonly pipeline: LogsPipeline) {
    if (pipeline.last !== undefined) this.last = new LastRecords<HeldRecord>(pipeline.last)
    const {predicate} = pipeline
    this.emit = (record) => {
      if (predicate(record)) this.pass(record)
    }
  }

  /** A record that matches: counted, and held for `--num` or written. */
  private pass(record: LogRecord): void {
    this.matched++
    if (this.last) this.last.push(record)
    else this.pipeline.write(record)
  }

  /** pass() for a message that matches and whose bytes are the output: not parsed at all. */
  private passBytes(raw: Buffer): void {
    this.matched++
    if (this.last) this.last.push(new FormattedRecord(Buffer.from(raw)))
    else this.pipeline.sink.raw(raw)
  }

  async readAll(): Promise<void> {
    const {inputs} = this.pipeline
    for (const [k, input] of inputs.entries()) {
      if (this.pipeline.sink.closed) break
      this.moreInputsFollow = k < inputs.length - 1
      try {
        await this.read(input)
      } catch (error) {
        this.inputFailed = true
        this.pipeline.report(inputErrorFrom(inputName(input), error).message)
      }

      // Following several files, as tail -F: the last N records of each, file after file.
      if (this.pipeline.follow && this.moreInputsFollow && this.pipeline.last !== undefined) {
        await this.writeLast()
        this.last = new LastRecords<HeldRecord>(this.pipeline.last)
      }
    }

    await this.writeLast()
  }

  /** Prints the records held for `--num` and stops holding: from here on records go straight out. */
  private async writeLast(): Promise<void> {
    if (this.last) {
      for (const record of this.last.take()) {
        if (record instanceof HeldLongLine) record.writeTo(this.pipeline.writeLong!)
        else if (record instanceof FormattedRecord) this.pipeline.sink.raw(record.bytes)
        else this.pipeline.write(record)
      }

      this.last = undefined
    }

    await this.pipeline.sink.flush()
  }

  /** Follows every file until the reader goes away; records go straight to the output. */
  async followFiles(): Promise<void> {
    if (this.followers.length === 0) return
    for (const follower of this.followers) follower.follow()
    await this.pipeline.sink.whenClosed
    await Promise.all(this.followers.map((follower) => follower.stop()))
  }

  private async read(input: Input): Promise<void> {
    const splitter = this.splitter(inputName(input))
    if (input.kind === 'app' || input.kind === 'url') {
      await this.readStream(input, splitter)
      return
    }

    if (input.kind === 'stdin') {
      // A followed pipe never ends, so what `--num` held so far is printed before reading it.
      if (this.pipeline.follow) await this.writeLast()
      await this.readChunks(readStdin(process.stdin), splitter)
      return
    }

    const {path} = input
    if (!this.pipeline.follow) {
      const resumeAt = await this.readInThreads(path)
      if (resumeAt === 0) await this.readChunks(readFile(path), splitter)
      // What is left after a long line stopped the workers: it starts at a line start, so it is lines.
      else if (resumeAt !== undefined) await this.readChunks(readPlainFileFrom(path, resumeAt), this.splitter(inputName(input), 'lines'))
      return
    }

    const info = await stat(path).catch(() => undefined)
    if (info?.isFIFO()) {
      await this.readFifo(path, splitter)
      return
    }

    // A compressed file is finished, and a device (/dev/zero) has no end to wait at: both are read, not followed.
    if (info?.isCharacterDevice() || (await isGzipFile(path))) {
      await this.readChunks(readFile(path), splitter)
      return
    }

    let current = splitter
    const follower = new FileFollower(path, {
      data: (chunk) => this.take(chunk, current),
      fileEnded: () => {
        current.end()
        current = this.splitter(path)
      },
      notice: (message) => this.pipeline.report(message),
    })
    try {
      await follower.readExisting()
    } catch (error) {
      // Only a file that may yet appear is waited for: a directory or an unreadable path is dropped, and with
      // nothing left to follow the run ends.
      if (await canAppearLater(path, error)) this.followers.push(follower)
      throw error
    }

    this.followers.push(follower)
  }

  /** Reads what it can of a file on worker threads; the offset to read the rest from on this one, if any. */
  private async readInThreads(path: string): Promise<number | undefined> {
    const result = await this.pipeline.threaded?.(path)
    if (result === undefined) return 0
    this.matched += result.matched
    if (this.last) for (const bytes of result.records) this.last.push(new FormattedRecord(bytes))
    return result.resumeAt
  }

  /**
   * A FIFO while following, as `tail -F` reads one: like a pipe until its writers close it (so what `--num`
   * held so far is printed first), then whatever later writers send.
   */
  private async readFifo(path: string, splitter: UnitSplitter): Promise<void> {
    await this.writeLast()
    await this.readChunks(readFile(path), splitter)
    if (this.pipeline.sink.closed || !(await isNamedFifo(path))) return
    const later = this.splitter(path)
    this.followers.push(new FifoFollower(path, {
      data: (chunk) => this.take(chunk, later),
      notice: (message) => this.pipeline.report(message),
    }))
  }

  /**
   * A log stream URL, or an app's sessions: its recent lines first, so `--num` counts them, then (tailing) a
   * new session that resumes right after them.
   */
  private async readStream(input: Extract<Input, {kind: 'app' | 'url'}>, splitter: UnitSplitter): Promise<void> {
    // Loaded here: reading files must not pay for the HTTP side.
    const {LogStream} = await import('../sources/session.js')
    const stream = new LogStream(this.pipeline.report)
    if (input.kind === 'url') {
      if (!this.pipeline.follow) return this.readMessages(stream.read(input.url), splitter)
      // A followed stream never ends, so what `--num` held so far is printed before reading it.
      await this.writeLast()
      return this.readMessages(stream.follow(input.url), splitter)
    }

    if (input.sessions.fir !== undefined) {
      const {followFirSessions} = await import('../sources/fir-sessions.js')
      const {recentUrl, tail} = input.sessions
      return this.readMessages(followFirSessions(recentUrl, () => tail(0), input.sessions.fir.renewMs, this.pipeline.report), splitter)
    }

    const {recentHasQuery, recentUrl} = input.sessions
    // Messages that only need writing, one-line ones below the long-line bound, come joined: no object each.
    const joinUpTo = recentHasQuery && this.pipeline.rawOutput && this.last === undefined ? Math.min(this.pipeline.maxLineBytes, LONG_LINE_BYTES) : undefined
    await this.readMessages(stream.read(recentUrl, {joinUpTo}), splitter, recentHasQuery ? this.splitter(inputName(input), 'lines', true) : undefined)
    if (!this.pipeline.follow || this.pipeline.sink.closed) return
    await this.writeLast()
    // As many recent lines as a session sends: the stream skips those it has already passed on.
    const tailSession = () => input.sessions.tail(MAX_SESSION_LINES)
    await this.readMessages(stream.followSessions(tailSession), splitter)
  }

  /**
   * A log stream's messages, each one record (a multi-line message's further lines are part of its
   * message). One longer than --max-line-size goes through `splitter`, in pieces as any over-long line.
   * With `matchedSplitter` (the session carries the whole query), what logsift's router sends matches
   * already, and an over-long message goes through that one: each of its pieces is printed.
   */
  private async readMessages(batches: AsyncIterable<StreamMessage[]>, splitter: UnitSplitter, matchedSplitter?: UnitSplitter): Promise<void> {
    const {maxLineBytes, progress, rawOutput, sink} = this.pipeline
    const hasQuery = matchedSplitter !== undefined
    for await (const messages of batches) {
      let bytes = 0
      for (const message of messages) {
        bytes += message.raw.length
        if (message.joined !== undefined) {
          this.matched += message.joined
          sink.raw(message.raw)
        } else if (message.raw.length - 1 > Math.min(maxLineBytes, LONG_LINE_BYTES)) (hasQuery && message.matched ? matchedSplitter : splitter).push(message.raw)
        else if (!(hasQuery && message.matched)) this.emit(parseLineWithPri(message.raw, message.pri))
        else if (rawOutput) this.passBytes(message.raw)
        else this.pass(parseLineWithPri(message.raw, message.pri))
      }

      await sink.flush()
      progress?.(bytes)
      if (sink.closed) return
    }
  }

  private async readChunks(chunks: AsyncIterable<Buffer>, splitter: UnitSplitter): Promise<void> {
    const {progress} = this.pipeline
    for await (const chunk of chunks) {
      await this.take(chunk, splitter)
      progress?.(chunk.length)
      if (this.pipeline.sink.closed) return
    }

    splitter.end(this.moreInputsFollow)
  }

  private take(chunk: Buffer, splitter: UnitSplitter): Promise<void> {
    splitter.push(chunk)
    return this.pipeline.sink.flush()
  }

  /** With `matched`, for lines known to match: each is passed, untested. */
  private splitter(name: string, framing?: 'lines', matched = false): UnitSplitter {
    const {maxLineBytes, maxLineSize, predicate, prefilter, queryParts, rawOutput, report} = this.pipeline
    const {emit} = this
    const onCut = () => {
      if (this.cutReported.has(name)) return
      this.cutReported.add(name)
      report(`${name}: a line longer than ${maxLineSize} is passed on in pieces of that size (--max-line-size)`)
    }

    if (matched) {
      const longLines = new LongLineReader({exclude: [], grep: [], record: () => true}, this.longLineSink())
      const onUnit = (raw: Buffer) => (rawOutput ? this.passBytes(raw) : this.pass(parseLine(raw)))
      return new UnitSplitter(onUnit, undefined, {framing, longLines, maxLine: maxLineBytes, onCut})
    }

    const longLines = new LongLineReader(queryParts ?? {exclude: [], grep: [], record: predicate}, this.longLineSink())
    return new UnitSplitter((raw, framed) => emit(framed ? parseFrame(raw) : parseLine(raw)), prefilter, {framing, longLines, maxLine: maxLineBytes, onCut})
  }

  /** Where long lines that pass go: counted, then written as they come, or held for `--num`. */
  private longLineSink(): {matched: (head: LogRecord) => void; writer?: LongLineWriter} {
    const {writeLong} = this.pipeline
    if (writeLong === undefined) return {matched: (head) => this.pass(head)}

    return {
      matched: () => this.matched++,
      writer: (head) => {
        if (this.last === undefined) return writeLong(head)
        const held = new HeldLongLine(head)
        this.last.push(held)
        return held
      },
    }
  }
}

/**
 * A long line kept for `--num`: its head record, and its bytes in a temporary file (N of them could not be
 * held in memory), written when the run's last records are.
 */
class HeldLongLine implements LongLineOutput {
  private readonly spool = new ByteSpool(0)

  constructor(private readonly head: LogRecord) {}

  bytes(chunks: Iterable<Buffer>): void {
    for (const chunk of chunks) this.spool.push(chunk)
  }

  end(): void {}

  detach(): HeldLongLine {
    return this
  }

  release(): void {
    this.spool.release()
  }

  writeTo(writer: LongLineWriter): void {
    const output = writer(this.head)
    output.bytes(this.spool.read())
    output.end()
  }
}

/** A record a worker thread kept for `--num`, already formatted. */
class FormattedRecord {
  constructor(readonly bytes: Buffer) {}

  detach(): FormattedRecord {
    return this
  }
}

type HeldRecord = FormattedRecord | HeldLongLine | LogRecord

