import type {Interfaces} from '@oclif/core'

import type {redactFlags} from '../cli/redaction.js'

import {createRedactor, RedactPatternError, type Redactor} from './redactor.js'

/** The values of the redact flags alone. */
export type RedactFlags = Pick<Interfaces.InferredFlags<typeof redactFlags>, keyof typeof redactFlags>

/** What a command does with a bad `--redact-pattern`: report it and exit 2. */
type Fail = (message: string, options: {exit: 2; suggestions: string[]}) => never

/**
 * The redactor the flags ask for (any of them turns it on), or undefined: redaction costs nothing when off.
 * Apart from the flags' definitions, so a worker thread building a job loads no CLI framework.
 */
export function redactorFor(flags: RedactFlags, fail: Fail): Redactor | undefined {
  const keys = flags['redact-key'] ?? []
  const patterns = flags['redact-pattern'] ?? []
  if (!flags.redact && !flags['redact-email'] && keys.length === 0 && patterns.length === 0) return undefined
  try {
    return createRedactor({email: flags['redact-email'], keys, patterns})
  } catch (error) {
    if (!(error instanceof RedactPatternError)) throw error
    return fail(error.message, {exit: 2, suggestions: [String.raw`--redact-pattern 'ssn=\d{3}-\d{2}-\d{4}' (JavaScript syntax, quoted for the shell)`]})
  }
}
