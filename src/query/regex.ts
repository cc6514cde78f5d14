import {QueryError} from './query-error.js'

/** A user's regular expression, or a QueryError that names it and gives the engine's reason. */
export function compileRegex(flag: string, expression: string, pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags)
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '') : ''
    throw new QueryError(flag, expression, `expected a JavaScript regular expression (${reason})`)
  }
}
