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
