import {StringDecoder} from 'node:string_decoder'

const LF = 0x0a
const CR = 0x0d
const CR_BYTE = Buffer.from([CR])
/**
 * Bytes decoded at a time: the text of a whole read chunk (256 KiB) would be a string V8 keeps in its large
 * object space until a full collection, and a long line makes hundreds of them.
 */
export const DECODE_BYTES = 16 * 1024

/** `chunk` in consecutive slices of at most `size` bytes (no copy). */
export function * byteSlices(chunk: Buffer, size = DECODE_BYTES): Generator<Buffer> {
  for (let start = 0; start < chunk.length; start += size) yield chunk.subarray(start, start + size)
}

/**
 * A long line's message decoded as its bytes come, as parseLine decodes a whole line: UTF-8 across the
 * chunks' edges, and its `\n` and a `\r` before it (or a lone `\r` at its end) left out.
 */
export class MessageText {
  private readonly decoder = new StringDecoder('utf8')
  /** A `\r` that ended the last chunk: part of the message unless the line ends right after it. */
  private carriageReturn = false

  /** The text of the next bytes: what of them is settled (a `\r` at their end waits for what follows). */
  decode(chunk: Buffer): string {
    let end = chunk.length
    const last = chunk[end - 1] === LF
    if (last) end--
    let text = ''
    if (this.carriageReturn && (end > 0 || !last)) text = this.decoder.write(CR_BYTE)
    this.carriageReturn = false
    if (end > 0 && chunk[end - 1] === CR) {
      end--
      this.carriageReturn = !last
    }

    return text + this.decoder.write(chunk.subarray(0, end))
  }

  /** The text left at the line's end. */
  end(): string {
    this.carriageReturn = false
    return this.decoder.end()
  }
}

