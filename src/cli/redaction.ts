import {Flags, type Interfaces} from '@oclif/core'

import {createRedactor, type RedactOptions, RedactPatternError, type Redactor} from '../redact/redactor.js'

/** `--redact` and its extras: shared by the commands that read logs and by `serve`. */
export const redactFlags = {
  redact: Flags.boolean({description: 'mask secrets as [REDACTED]: values of keys naming secrets (password, token, api_key, cookie...), Bearer and Basic credentials, URL passwords, AWS access keys, JWTs, card numbers'}),
  'redact-email': Flags.boolean({description: 'also mask email addresses (implies --redact)'}),
  'redact-key': Flags.string({description: 'also mask the value of this key, matched whole in any case (implies --redact)', helpValue: 'KEY', multiple: true}),
  'redact-pattern': Flags.string({description: 'also mask every match of this regular expression (implies --redact)', helpValue: 'REGEX', multiple: true}),
}

/** The values of the redact flags alone. */
export type RedactFlags = Pick<Interfaces.InferredFlags<typeof redactFlags>, keyof typeof redactFlags>

/** What a command does with a bad `--redact-pattern`: report it and exit 2. */
type Fail = (message: string, options: {exit: 2; suggestions: string[]}) => never

/** The redactor the flags ask for (any of them turns it on), or undefined: redaction costs nothing when off. */
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
