import {ERROR_CODES, errorCodeOf} from '../parse/error-codes.js'

/**
 * What `--explain` appends to a line carrying a Heroku error code: the code, its title and what usually
 * causes it (`H12 Request timeout: the app took longer than 30 s to answer a request`). Undefined for a
 * message without a code, or with a code Heroku does not document.
 */
export function explainMessage(message: string): string | undefined {
  const code = errorCodeOf(message)
  if (code === undefined) return undefined
  const known = ERROR_CODES.get(code)
  return known === undefined ? undefined : `${known.code} ${known.title}: ${known.cause}`
}
