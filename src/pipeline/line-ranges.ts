import type {FileHandle} from 'node:fs/promises'

import {detectFraming} from '../parse/split.js'
import {LONG_LINE_BYTES} from './long-line.js'

const NEWLINE = 0x0a
/** Most lines end well within this, so one small read finds a cut. */
const FIRST_PROBE_BYTES = 8 * 1024

/** Whether a file's bytes are octet-counted frames (which are not cut at LFs), judged from its first bytes. */
export async function isOctetFramed(file: FileHandle, size: number): Promise<boolean> {
  const head = Buffer.allocUnsafe(Math.min(LONG_LINE_BYTES + 1, size))
  const {bytesRead} = await file.read(head, 0, head.length, 0)
  return detectFraming(head.subarray(0, bytesRead)) === 'octets'
}

/**
 * Finds line starts in bytes [0, size) of an open file, reading into the same small buffer each time (a
 * block is cut every MiB or so: a buffer each would be as many MB for the collector).
 */
export class LineStarts {
  private readonly probe = Buffer.allocUnsafeSlow(FIRST_PROBE_BYTES)

  constructor(private readonly file: FileHandle, private readonly size: number) {}

  /**
   * The line start that follows `nominal`: just after the first LF at or after it, so a CRLF stays whole
   * (`size` when none is left). Undefined when none comes within LONG_LINE_BYTES: that line is a long one,
   * read on one thread.
   */
  async after(nominal: number): Promise<number | undefined> {
    const {size} = this
    if (nominal >= size) return size
    let probe = this.probe
    for (;;) {
      const {bytesRead} = await this.file.read(probe, 0, Math.min(probe.length, size - nominal), nominal)
      const newline = probe.subarray(0, bytesRead).indexOf(NEWLINE)
      if (newline !== -1) return nominal + newline + 1
      if (nominal + bytesRead >= size) return size
      if (probe.length > LONG_LINE_BYTES) return undefined
      probe = Buffer.allocUnsafe(LONG_LINE_BYTES + 1)
    }
  }
}

/**
 * Cuts bytes [0, size) of an open file into `count` ranges that start at line starts: range k starts after
 * the first LF at or after its nominal start (k * size / count), so a CRLF stays whole and every line is in
 * exactly one range; a range can be empty (a small file, or a line crossing more than one nominal start).
 * Returns the count + 1 boundaries, or undefined when the file must be read on one thread: it is
 * octet-framed (frames are not cut at LFs), or a line longer than LONG_LINE_BYTES crosses a cut.
 */
export async function lineRanges(file: FileHandle, size: number, count: number): Promise<number[] | undefined> {
  if (await isOctetFramed(file, size)) return undefined
  const lineStarts = new LineStarts(file, size)
  const boundaries = [0]
  for (let k = 1; k < count; k++) {
    const previous = boundaries.at(-1)!
    const start = await lineStarts.after(Math.max(Math.floor((size * k) / count), previous))
    if (start === undefined) return undefined
    boundaries.push(start)
  }

  boundaries.push(size)
  return boundaries
}
