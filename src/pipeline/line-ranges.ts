import type {FileHandle} from 'node:fs/promises'

import {detectFraming} from '../parse/split.js'
import {LONG_LINE_BYTES} from './long-line.js'

const NEWLINE = 0x0a

/**
 * Cuts bytes [0, size) of an open file into `count` ranges that start at line starts: range k starts after
 * the first LF at or after its nominal start (k * size / count), so a CRLF stays whole and every line is in
 * exactly one range; a range can be empty (a small file, or a line crossing more than one nominal start).
 * Returns the count + 1 boundaries, or undefined when the file must be read on one thread: it is
 * octet-framed (frames are not cut at LFs), or a line longer than LONG_LINE_BYTES crosses a cut.
 */
export async function lineRanges(file: FileHandle, size: number, count: number): Promise<number[] | undefined> {
  const probe = Buffer.allocUnsafe(LONG_LINE_BYTES + 1)
  const {bytesRead: headBytes} = await file.read(probe, 0, Math.min(probe.length, size), 0)
  if (detectFraming(probe.subarray(0, headBytes)) === 'octets') return undefined
  const boundaries = [0]
  for (let k = 1; k < count; k++) {
    const previous = boundaries.at(-1)!
    const nominal = Math.max(Math.floor((size * k) / count), previous)
    const {bytesRead} = await file.read(probe, 0, Math.min(probe.length, size - nominal), nominal)
    const newline = probe.subarray(0, bytesRead).indexOf(NEWLINE)
    if (newline !== -1) boundaries.push(nominal + newline + 1)
    else if (nominal + bytesRead >= size) boundaries.push(size)
    else return undefined
  }

  boundaries.push(size)
  return boundaries
}
