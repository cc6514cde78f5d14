/**
 * A flag value the query cannot use. The message names the flag, repeats what the user typed and says what
 * was expected, so the command can print it as is before reading any input.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError'

  constructor(
    /** The flag as the user spells it: `--where`, `--since`. */
    readonly flag: string,
    /** The value as the user typed it. */
    readonly expression: string,
    expected: string,
  ) {
    super(`${flag} "${expression}": ${expected}`)
  }
}
