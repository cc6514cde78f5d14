/**
 * A failed write to standard output (a full disk, a closed descriptor), reported as one line and exit 2
 * whatever wrote it: a command's OutputSink, or oclif's own log (`--json`, tables). oclif's handler throws
 * such an error, which ended the run in a stack trace; a reader that went away (EPIPE, `| head`) is still
 * the quiet end of the run it was.
 */
let failure: Error | undefined
let reported = false

/** Takes standard output's errors from oclif, and reports the first failure as the process exits. */
export function watchStdout(bin: string): void {
  for (const listener of process.stdout.listeners('error')) process.stdout.off('error', listener as (error: Error) => void)
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') failure ??= error
  })
  process.on('exit', () => {
    if (failure === undefined) return
    if (!reported) process.stderr.write(`${bin}: cannot write output: ${failure.message}\n`)
    process.exitCode = 2
  })
}

/** A command reported the failure itself (this.error, exit 2): it is not reported again at the exit. */
export function reportStdoutFailure(): void {
  reported = true
}
