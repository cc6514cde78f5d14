/** Characters per slice: escaped, at most 7 times as many (`\\u0000` in logfmt), under 32 KiB. */
export const MESSAGE_SLICE = 4 * 1024

/**
 * `message` in consecutive slices of about MESSAGE_SLICE characters, never cut between the halves of a
 * surrogate pair (each half alone would be escaped as a lone surrogate).
 */
export function * messageSlices(message: string, size = MESSAGE_SLICE): Generator<string> {
  let start = 0
  while (start < message.length) {
    let end = Math.min(start + size, message.length)
    if (end < message.length && end - start > 1 && isHighSurrogate(message.charCodeAt(end - 1))) end--
    yield message.slice(start, end)
    start = end
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd8_00 && code <= 0xdb_ff
}
