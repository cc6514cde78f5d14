/**
 * A failed write to standard output (a full disk, a closed descriptor), reported as one line and exit 2
 * whatever wrote it: a command's OutputSink, or oclif's own log (`--json`, tables). oclif's handler throws
 * such an error, which ended the run in a stack trace; a reader that went away (EPIPE, `| head`) is still
 * the quiet end of the run it was.
 */
let failure: Error | undefined
let reported = false

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

/** The failure, once a command reports it itself (so it is not reported twice). */
export function reportStdoutFailure(): void {
  reported = true
}
