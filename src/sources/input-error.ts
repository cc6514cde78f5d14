/** A problem with one input (missing, a directory, unreadable): reported on one line, the other inputs go on. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    reason: string,
    /** The system's error code (ENOENT...), when a system error caused it. */
    readonly code?: string,
  ) {
    super(`${input}: ${reason}`)
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EPERM: 'operation not permitted',
}

/** Turns a system error into an InputError naming the input, keeping the system's words for rare cases. */
export function inputErrorFrom(input: string, error: unknown): InputError {
  const {code, message} = error as NodeJS.ErrnoException
  if (error instanceof InputError) return error
  if (code && REASONS[code]) return new InputError(input, REASONS[code], code)
  return new InputError(input, message.replace(/^\w+: /, ''), code)
}
