import {StringDecoder} from 'node:string_decoder'

const LF = 0x0a
const CR = 0x0d
const CR_BYTE = Buffer.from([CR])

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

