/**
 * Output batched before a write; bytes of at least this size go to the stream as they are (raw). About one
 * pipe buffer's worth: large enough to amortise write calls, small enough to stay prompt.
 */
export const FLUSH_BYTES = 64 * 1024
/** Bytes given at least this many at once (a chunk of a router's joined messages) are written, not copied. */
const DIRECT_WRITE_BYTES = 16 * 1024

/**
 * Batches output lines into few large writes, waits when the reader is slow, and treats a reader that went
 * away (EPIPE, as `| head` does) as the end of the run rather than an error.
 */
export class OutputSink {
  /** The reader closed its end; nothing more will be written. */
  closed = false
  /** Settles when the reader goes away: a follower runs until then. */
  readonly whenClosed: Promise<void>
  /** A write error other than EPIPE, for the command to report. */
  failure: Error | undefined
  private text = ''
  private bytes: Buffer = Buffer.allocUnsafe(FLUSH_BYTES)
  private bytesUsed = 0
  /** Settles when the stream, found full by a write since the last flush, has drained; the next flush waits for it. */
  private drained: Promise<unknown> | undefined
  /**
   * Output the stream could not take yet, in order: the rest of a line given in parts, and whatever came after
   * it. flush() writes it as the stream drains, so a line of many MB is never all held at once.
   */
  private readonly backlog: Array<Iterator<Buffer | string>> = []

  constructor(private readonly stream: NodeJS.WritableStream) {
    this.whenClosed = new Promise((resolve) => {
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') this.failure = error
        this.closed = true
        resolve()
      })
    })
  }

  /** Appends `text` and a newline. */
  line(text: string): void {
    if (this.backlog.length > 0) {
      this.backlog.push([text, '\n'][Symbol.iterator]())
      return
    }

    this.append(text)
    this.text += '\n'
    if (this.text.length >= FLUSH_BYTES) this.writeText()
  }

  /**
   * Appends a line given as the parts that make it, and a newline, no faster than the stream takes them: the
   * parts are only made (a long message escaped a slice at a time) as they are written.
   */
  lineInParts(parts: Iterable<string>): void {
    this.backlog.push(parts[Symbol.iterator](), ['\n'][Symbol.iterator]())
    this.writeBacklog()
  }

  /**
   * Appends text and bytes as they are, no newline added, no faster than the stream takes them: the parts are
   * only made as they are written (a long line formatted a slice at a time as it is read).
   */
  parts(parts: Iterable<Buffer | string>): void {
    this.backlog.push(parts[Symbol.iterator]())
    this.writeBacklog()
  }

  /** Appends `text`, a line or a part of one, with no newline. */
  private append(text: string): void {
    if (this.bytesUsed > 0) this.writeBytes()
    if (text.length < FLUSH_BYTES) {
      this.text += text
      if (this.text.length >= FLUSH_BYTES) this.writeText()
      return
    }

    // A long text (a piece of an over-long input line can be megabytes) is written in slices rather than
    // joined: each copy of it would be another line's worth of memory.
    if (this.text.length > 0) this.writeText()
    let start = 0
    while (start < text.length) {
      let end = Math.min(start + FLUSH_BYTES, text.length)
      // Never between the halves of a surrogate pair, which would each become U+FFFD.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--
      this.write(text.slice(start, end))
      start = end
    }
  }

  /** Appends bytes exactly as they are: a last line without its newline stays without one. */
  raw(bytes: Buffer): void {
    if (this.backlog.length > 0) this.backlog.push([bytes][Symbol.iterator]())
    else this.appendBytes(bytes)
  }

  private appendBytes(bytes: Buffer): void {
    if (this.text.length > 0) this.writeText()
    if (bytes.length >= DIRECT_WRITE_BYTES) {
      // Large bytes go out as they are, not copied into the batch; no one changes a unit's bytes later.
      if (this.bytesUsed > 0) this.writeBytes()
      this.write(bytes)
      return
    }

    if (this.bytesUsed + bytes.length > this.bytes.length) this.writeBytes()
    this.bytesUsed += bytes.copy(this.bytes, this.bytesUsed)
  }

  /** Writes what is batched and resolves once the stream can take more. */
  async flush(): Promise<void> {
    for (;;) {
      this.writeBacklog()
      if (this.backlog.length === 0) {
        if (this.text.length > 0) this.writeText()
        else if (this.bytesUsed > 0) this.writeBytes()
      }

      if (this.drained && !this.closed) await Promise.race([this.drained, this.whenClosed])
      this.drained = undefined
      if (this.closed) this.backlog.length = 0
      if (this.backlog.length === 0) return
    }
  }

  /** Writes backlogged parts until the stream is full or none are left. */
  private writeBacklog(): void {
    while (this.backlog.length > 0 && this.drained === undefined && !this.closed) {
      const next = this.backlog[0].next()
      if (next.done) this.backlog.shift()
      else if (typeof next.value === 'string') this.append(next.value)
      else this.appendBytes(next.value)
    }
  }

  private writeBytes(): void {
    const data = this.bytes.subarray(0, this.bytesUsed)
    // The stream may hold `data` until it is written, so the next batch gets a fresh buffer.
    this.bytes = Buffer.allocUnsafe(FLUSH_BYTES)
    this.bytesUsed = 0
    this.write(data)
  }

  private writeText(): void {
    const data = this.text
    this.text = ''
    this.write(data)
  }

  private write(data: Buffer | string): void {
    if (this.closed) return
    // Listened for at once: a drain that comes before the flush must not be missed.
    if (!this.stream.write(data) && this.drained === undefined) this.drained = new Promise((resolve) => this.stream.once('drain', resolve))
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd8_00 && code <= 0xdb_ff
}
