/** About one pipe buffer's worth: large enough to amortise write calls, small enough to stay prompt. */
const FLUSH_BYTES = 64 * 1024

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
    if (this.bytesUsed > 0) this.writeBytes()
    this.text += text + '\n'
    if (this.text.length >= FLUSH_BYTES) this.writeText()
  }

  /** Appends bytes as they are, adding a newline if they lack one (a last line without its terminator). */
  raw(bytes: Buffer): void {
    if (this.text.length > 0) this.writeText()
    const needed = bytes.length + 1
    if (this.bytesUsed + needed > this.bytes.length) {
      this.writeBytes()
      if (needed > this.bytes.length) this.bytes = Buffer.allocUnsafe(needed)
    }

    this.bytesUsed += bytes.copy(this.bytes, this.bytesUsed)
    if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a) this.bytes[this.bytesUsed++] = 0x0a
  }

  /** Writes what is batched and resolves once the stream can take more. */
  async flush(): Promise<void> {
    const ready = this.text.length > 0 ? this.writeText() : this.bytesUsed > 0 ? this.writeBytes() : true
    if (!ready && !this.closed) {
      await Promise.race([new Promise((resolve) => this.stream.once('drain', resolve)), this.whenClosed])
    }
  }

  private writeBytes(): boolean {
    const data = this.bytes.subarray(0, this.bytesUsed)
    // The stream may hold `data` until it is written, so the next batch gets a fresh buffer.
    this.bytes = Buffer.allocUnsafe(FLUSH_BYTES)
    this.bytesUsed = 0
    return this.write(data)
  }

  private writeText(): boolean {
    const data = this.text
    this.text = ''
    return this.write(data)
  }

  private write(data: Buffer | string): boolean {
    if (this.closed) return true
    return this.stream.write(data)
  }
}
