import {Flags} from '@oclif/core'

import {THREADED_MIN_BYTES} from '../pipeline/threaded-scan.js'

/** `--threads`, as the commands that read big files on worker threads take it. */
export const threadsFlag = Flags.integer({
  description: `worker threads for a plain file of ${THREADED_MIN_BYTES / 1024 / 1024} MiB or more (not gzip, stdin, pipes or --tail) [env: LOGSIFT_THREADS; default: 1]`,
  min: 1,
})

/** What a command does with a bad LOGSIFT_THREADS: report it and exit 2. */
type Fail = (message: string, options: {exit: 2; suggestions: string[]}) => never

/** --threads, else LOGSIFT_THREADS, else one. */
export function threadCount(flag: number | undefined, env: NodeJS.ProcessEnv, fail: Fail): number {
  if (flag !== undefined) return flag
  const value = env.LOGSIFT_THREADS
  if (value === undefined || value === '') return 1
  const threads = Number(value)
  if (!Number.isInteger(threads) || threads < 1) return fail(`LOGSIFT_THREADS=${value}: give a whole number of threads, 1 or more`, {exit: 2, suggestions: ['LOGSIFT_THREADS=1 reads on one thread']})
  return threads
}

/** LOGSIFT_THREADS_MIN_BYTES lowers the size from which files are read on threads (for tests and benchmarks). */
export function threadedMinBytes(env: NodeJS.ProcessEnv): number {
  const bytes = Number(env.LOGSIFT_THREADS_MIN_BYTES)
  return Number.isInteger(bytes) && bytes >= 0 ? bytes : THREADED_MIN_BYTES
}
