import {closeSync, openSync, readSync, unlinkSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Bytes read back from a spool's file at a time. */
const READ_BACK_BYTES = 256 * 1024

let spoolFiles = 0

/**
 * Bytes kept to be written later (a long line waiting for its --grep or --exclude to be settled, or held for
 * --num): in memory up to a budget, past it in a temporary file, so a line of any length costs no more memory
 * than the budget. The file is removed from its folder as soon as it is made: only this process can reach it,
 * and it is gone when the process ends however it ends.
 */
export class ByteSpool {
  private readonly chunks: Buffer[] = []
  private memoryBytes = 0
  private fd: number | undefined
  private fileBytes = 0

  constructor(private readonly memoryBudget: number) {}

  /** Keeps a copy of `chunk` (the caller may reuse it). */
  push(chunk: Buffer): void {
    if (this.fd === undefined && this.memoryBytes + chunk.length <= this.memoryBudget) {
      this.chunks.push(Buffer.from(chunk))
      this.memoryBytes += chunk.length
      return
    }

    this.fd ??= openSpoolFile()
    for (let written = 0; written < chunk.length;) {
      written += writeSync(this.fd, chunk, written, chunk.length - written, this.fileBytes + written)
    }

    this.fileBytes += chunk.length
  }

  /** The bytes in the order pushed, those in the file read back as they are asked for; then the spool is released. */
  * read(): Generator<Buffer> {
    yield * this.chunks
    this.chunks.length = 0
    for (let position = 0; position < this.fileBytes; position += READ_BACK_BYTES) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_BACK_BYTES, this.fileBytes - position))
      for (let read = 0; read < chunk.length;) {
        const bytes = readSync(this.fd!, chunk, read, chunk.length - read, position + read)
        if (bytes === 0) throw new Error('a spool file was cut short')
        read += bytes
      }

      yield chunk
    }

    this.release()
  }

  /** Drops the bytes and closes the file, if there is one. */
  release(): void {
    this.chunks.length = 0
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    this.fileBytes = 0
  }
}

function openSpoolFile(): number {
  const path = join(tmpdir(), `logsift-${process.pid}-${spoolFiles++}.spool`)
  const fd = openSync(path, 'wx+', 0o600)
  unlinkSync(path)
  return fd
}
