import {Errors, handle, settings} from '@oclif/core'
import {stripVTControlCharacters} from 'node:util'

import {resolveColorLevel} from '../format/color.js'
import {closestName} from './suggest.js'

export const HELP_HINT = 'See more help with --help'

/** The parts of oclif's parse errors read here; oclif does not export their classes, so they are told apart by name. */
interface ParseError extends Error {
  args?: Array<{description?: string; name: string}>
  flags?: string[]
  parse?: {input?: {flags?: Record<string, {hidden?: boolean}>}}
}

const PARSE_ERRORS_KEPT_AS_WRITTEN = new Set([
  'ArgInvalidOptionError', 'FlagInvalidOptionError', 'InvalidArgsSpecError', 'UnexpectedArgsError',
])

/** oclif's message for a flag value its parser rejected: `Parsing --port \n\tExpected an integer…\nSee more help…`. */
const FLAG_PARSE_FAILURE = /^Parsing (--[\w-]+) \n\t([\s\S]*?)\nSee more help with --help$/

/**
 * The error as logsift reports a usage mistake: one line naming the input, then a hint, exit 2. oclif's own
 * parse errors are rewritten to that: an unknown flag no longer prints the whole usage (60 lines burying the
 * one that matters) and gets a "did you mean"; a rejected flag value (a missing --tls-cert file) is no longer
 * exit 1 with the reason on a tab-indented line of its own. Other errors are returned as they are.
 */
export function usageError(error: Error): Error {
  const name = error.constructor.name
  if (name === 'NonExistentFlagsError') return unknownFlags(error as ParseError)
  if (name === 'RequiredArgsError') {
    // oclif lists the arguments in a table under the message; one line says the same.
    const missing = ((error as ParseError).args ?? []).map((arg) => (arg.description ? `${arg.name.toUpperCase()} (${arg.description})` : arg.name.toUpperCase()))
    return new Errors.CLIError(`Missing ${missing.join(', ')}\n${HELP_HINT}`, {exit: 2})
  }

  if (PARSE_ERRORS_KEPT_AS_WRITTEN.has(name)) return new Errors.CLIError(stripVTControlCharacters(error.message), {exit: 2})
  if (name === 'FailedFlagValidationError' || name === 'ViolatedFlagConstraintError') {
    // "The following error occurred:\n  REASON\n  REASON\nSee more help with --help": the reasons, on one line.
    const lines = stripVTControlCharacters(error.message).split('\n').slice(1, -1)
    return new Errors.CLIError(`${lines.map((line) => line.trim()).join('; ')}\n${HELP_HINT}`, {exit: 2})
  }

  const failure = FLAG_PARSE_FAILURE.exec(error.message)
  if (failure !== null) return new Errors.CLIError(`${failure[1]}: ${lowerFirst(failure[2].trim())}\n${HELP_HINT}`, {exit: 2})
  return error
}

/** How tail and journalctl spell follow: a reader of logs types them out of habit. */
const FOLLOW_FLAGS = new Set(['-f', '--follow'])

function unknownFlags(error: ParseError): Errors.CLIError {
  const typed = error.flags ?? []
  let message = `Nonexistent flag${typed.length === 1 ? '' : 's'}: ${typed.join(', ')}`
  // --help is oclif's, not among the command's flags, and as much a flag a user may have mistyped.
  const known = [...Object.entries(error.parse?.input?.flags ?? {}).filter(([, flag]) => !flag.hidden).map(([flag]) => flag), 'help']
  if (typed.length === 1 && FOLLOW_FLAGS.has(typed[0]) && known.includes('tail')) {
    message += '. Did you mean -t (--tail), which follows as tail -f does?'
  } else if (typed.length === 1 && typed[0].startsWith('--')) {
    const closest = closestName(typed[0].slice(2), known)
    if (closest !== undefined) message += `. Did you mean --${closest}?`
  }

  return new Errors.CLIError(`${message}\n${HELP_HINT}`, {exit: 2})
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

/**
 * oclif's error layout (` ›   Error: …`, then `Try this:` hints), on unwrapped lines so a message stays one
 * greppable line, and with the › red only when stderr is a terminal that takes colour: oclif asks
 * supports-color, which reads `--color` from the command line, so `logs --color sometimes` coloured its error
 * into a pipe.
 */
export function renderError(error: Errors.CLIError, color: boolean): string {
  const lines = [`${error.name || 'Error'}: ${error.message}`]
  if (error.code) lines.push(`Code: ${error.code}`)
  const {suggestions} = error
  if (suggestions !== undefined && suggestions.length === 1) lines.push(`Try this: ${suggestions[0]}`)
  if (suggestions !== undefined && suggestions.length > 1) lines.push('Try this:', ...suggestions.map((suggestion) => `  * ${suggestion}`))
  const mark = process.platform === 'win32' ? '»' : '›'
  const bang = color ? `\u001B[31m${mark}\u001B[39m` : mark
  const text = lines.join('\n')
  return (color ? text : stripVTControlCharacters(text))
    .split('\n')
    .map((line) => (line.trim() === '' ? ` ${bang}` : ` ${bang}   ${line}`))
    .join('\n')
}

/**
 * What bin/run.js does with an error that ended the command, in place of oclif's `handle`: usage errors are
 * rewritten (see usageError) and printed as renderError lays them out. Anything that is not a CLIError (a bug)
 * and everything under DEBUG still goes to oclif, which prints the stack.
 */
export async function handleCliError(error: unknown): Promise<void> {
  const shown = error instanceof Error ? usageError(error) : error
  if (settings.debug || !(shown instanceof Errors.CLIError) || shown instanceof Errors.ExitError || shown.skipOclifErrorHandling) {
    return handle(shown as Error)
  }

  const color = resolveColorLevel({env: process.env, isTTY: Boolean(process.stderr.isTTY)}) > 0
  process.stderr.write(renderError(shown, color) + '\n')
  process.exit(shown.oclif.exit ?? 2)
}
