/**
 * Characters of a long message held while it is searched a window at a time: a match up to half of this long
 * (less LOOKAHEAD) is found wherever it lies, and a lookbehind sees up to half of it back. Small enough that
 * each window is a string V8 makes in its young generation (under 128 KiB), freed as soon as it is searched.
 */
export const WINDOW_OVERLAP = 32 * 1024
/** Characters read past a match before it counts: a lookahead or `$` judged at the window's end sees no further. */
const LOOKAHEAD = 1024
/** Searched at least this many new characters at a time, so each search pays for the context it re-reads. */
const SEARCH_STEP = 24 * 1024

/**
 * Whether any of some regular expressions matches a text given in pieces (the message of a line too long to
 * hold as one string), holding about WINDOW_OVERLAP characters of it. Exact for a match up to
 * WINDOW_OVERLAP / 2 - LOOKAHEAD characters long: `^` matches only at the text's start and `$` only at its end.
 */
export class WindowedMatch {
  /** A match was found: nothing more is searched. */
  matched = false
  /** The last characters searched (context, for lookbehinds) and those not searched yet. */
  private text = ''
  /** Where in `text` the next search starts. */
  private from = 0
  private readonly regexes: RegExp[]

  constructor(regexes: readonly RegExp[]) {
    // Global copies: a search starts at lastIndex, with the text before it seen as context.
    this.regexes = regexes.map((regex) => new RegExp(regex.source, regex.flags.replaceAll(/[gy]/g, '') + 'g'))
  }

  /** Adds the next piece; true once a match is found. */
  push(piece: string): boolean {
    if (this.matched) return true
    this.text += piece
    if (this.text.length - this.from >= SEARCH_STEP + LOOKAHEAD) this.search(false)
    return this.matched
  }

  /** The text is complete: searches what is left; true when a match was found. */
  end(): boolean {
    if (!this.matched) this.search(true)
    this.text = ''
    return this.matched
  }

  private search(last: boolean): void {
    const {text} = this
    // A match must end this far from the end of what is read, unless the text is complete.
    const limit = last ? text.length : text.length - LOOKAHEAD
    for (const regex of this.regexes) {
      regex.lastIndex = this.from
      for (let found = regex.exec(text); found !== null && found.index < limit; found = regex.exec(text)) {
        if (found.index + found[0].length <= limit) {
          this.matched = true
          return
        }

        regex.lastIndex = found.index + 1
      }
    }

    // Kept: half the overlap as context, then the half that a match not yet confirmed may start in.
    const keep = Math.max(0, text.length - WINDOW_OVERLAP)
    this.text = text.slice(keep)
    this.from = Math.max(this.from - keep, this.text.length - WINDOW_OVERLAP / 2, 0)
  }
}
