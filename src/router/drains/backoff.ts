import {setTimeout as sleep} from 'node:timers/promises'

export interface BackoffOptions {
  /** The first delay, before jitter. */
  baseMs: number
  /** No delay is longer. */
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = {baseMs: 250, capMs: 30_000}

/**
 * The delay before retry number `attempt` (0 for the first): exponential, capped, with "equal jitter" (half
 * fixed, half random) so drains that failed together do not come back in step yet never retry at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return exponential / 2 + random() * (exponential / 2)
}

/**
 * Runs `run` until it returns or `signal` aborts. A failure (the log unreadable for a moment, a cursor that
 * could not be saved) is told to `onFailure` and `run` starts again after a backoff: a delivery loop, log
 * drain or telemetry drain, is never ended by one.
 */
export async function retryUntilAborted(run: () => Promise<void>, signal: AbortSignal, backoff: BackoffOptions, onFailure: (error: Error) => void): Promise<void> {
  for (let failures = 0; !signal.aborted; failures++) {
    try {
      await run()
      return
    } catch (error) {
      if (signal.aborted) return
      onFailure(error as Error)
      await sleep(backoffDelay(failures, backoff), undefined, {signal}).catch(() => {})
    }
  }
}

