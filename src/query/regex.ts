import {QueryError} from './query-error.js'

/**
 * Syntax that only means something in Unicode mode (`\p{L}`, `\P{...}`, `\u{1F600}`), or a character beyond
 * ASCII: without the `u` flag `\p{L}` is the text `p{L}` and `.` matches half of an emoji.
 */
const UNICODE_PATTERN = /\\[pPu]\{|[^\u0000-\u007F]/

/**
 * A user's regular expression, or a QueryError that names it and gives the engine's reason. A pattern that
 * needs Unicode mode gets it, unless it is not valid there (then it keeps the meaning it always had); others
 * are compiled as before, in the mode that is fastest on every line.
 */
export function compileRegex(flag: string, expression: string, pattern: string, flags: string): RegExp {
  if (UNICODE_PATTERN.test(pattern)) {
    try {
      return new RegExp(pattern, `${flags}u`)
    } catch {}
  }

  try {
    return new RegExp(pattern, flags)
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '') : ''
    throw new QueryError(flag, expression, `expected a JavaScript regular expression (${reason})`)
  }
}
