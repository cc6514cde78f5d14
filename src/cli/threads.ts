import {Flags} from '@oclif/core'

import {defaultThreads, MAX_DEFAULT_THREADS, THREADED_MIN_BYTES} from '../pipeline/threaded-scan.js'

/** `--threads`, as the commands that read big files on worker threads take it. */
export const threadsFlag = Flags.integer({
  description: `worker threads for a plain file of ${THREADED_MIN_BYTES / 1024 / 1024} MiB or more (not gzip, stdin, pipes or --tail) [env: LOGSIFT_THREADS; default: the cores available, at most ${MAX_DEFAULT_THREADS}]`,
  min: 1,
})

/** What a command does with a bad LOGSIFT_THREADS: report it and exit 2. */
type Fail = (message: string, options: {exit: 2; suggestions: string[]}) => never

/**
 * --threads, else LOGSIFT_THREADS, else the cores available up to MAX_DEFAULT_THREADS (each worker adds
 * ~25 MB; two stay under the reader's 150 MB bound). Small files, stdin, pipes, gzip, URLs and apps are read
 * on one thread whatever this says. CPU and memory of one thread against two: bench/RESULTS.md.
 */
export function threadCount(flag: number | undefined, env: NodeJS.ProcessEnv, fail: Fail): number {
  if (flag !== undefined) return flag
  const value = env.LOGSIFT_THREADS
  if (value === undefined || value === '') return defaultThreads()
  const threads = Number(value)
  if (!Number.isInteger(threads) || threads < 1) return fail(`LOGSIFT_THREADS=${value}: give a whole number of threads, 1 or more`, {exit: 2, suggestions: ['LOGSIFT_THREADS=1 reads on one thread']})
  return threads
}

/** LOGSIFT_THREADS_MIN_BYTES lowers the size from which files are read on threads (for tests and benchmarks). */
export function threadedMinBytes(env: NodeJS.ProcessEnv): number {
  const bytes = Number(env.LOGSIFT_THREADS_MIN_BYTES)
  return Number.isInteger(bytes) && bytes >= 0 ? bytes : THREADED_MIN_BYTES
}
