import type {Interfaces} from '@oclif/core'

import type {redactFlags} from '../cli/redaction.js'

import {createRedactor, type RedactOptions, RedactPatternError, type Redactor} from './redactor.js'

/** The values of the redact flags alone. */
export type RedactFlags = Pick<Interfaces.InferredFlags<typeof redactFlags>, keyof typeof redactFlags>

/** What a command does with a bad `--redact-pattern`: report it and exit 2. */
type Fail = (message: string, options: {exit: 2; suggestions: string[]}) => never

/**
 * The redactor the flags ask for (any of them turns it on), or undefined: redaction costs nothing when off.
 * Apart from the flags' definitions, so a worker thread building a job loads no CLI framework.
 */
export function redactorFor(flags: RedactFlags, fail: Fail): Redactor | undefined {
  const options = redactOptionsOf(flags)
  if (options === undefined) return undefined
  try {
    return createRedactor(options)
  } catch (error) {
    if (!(error instanceof RedactPatternError)) throw error
    return fail(error.message, {exit: 2, suggestions: [String.raw`--redact-pattern 'ssn=\d{3}-\d{2}-\d{4}' (JavaScript syntax, quoted for the shell)`]})
  }
}

/**
 * What the flags ask the redactor for, as plain data, or undefined when redaction is off: a job for worker
 * threads carries it, so that they build the redactor without loading the CLI's modules.
 */
export function redactOptionsOf(flags: RedactFlags): RedactOptions | undefined {
  const keys = flags['redact-key'] ?? []
  const patterns = flags['redact-pattern'] ?? []
  if (!flags.redact && !flags['redact-email'] && keys.length === 0 && patterns.length === 0) return undefined
  return {email: flags['redact-email'], keys, patterns}
}
