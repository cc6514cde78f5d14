/** Where an alert is: `ok`, or `firing` from `since` (`clearSince`: when its condition last stopped holding). */
export interface EpisodeState {
  state: 'firing' | 'ok'
  /** When the current episode fired; undefined when ok. */
  since: number | undefined
  /** While firing: since when the condition has not held; undefined while it holds. */
  clearSince: number | undefined
}

export type Transition = 'firing' | 'resolved'

export function okState(): EpisodeState {
  return {clearSince: undefined, since: undefined, state: 'ok'}
}

/**
 * The hysteresis between a condition and its notifications, as Alertmanager's firing/resolved: an alert
 * fires once when its condition starts to hold, and resolves once it has not held for `resolveAfterMs`. A
 * condition that stops and starts again within that time stays one episode, with nothing sent. Pure: it
 * changes `episode` and says which transition, if any, happened.
 */
export function step(episode: EpisodeState, holds: boolean, now: number, resolveAfterMs: number): Transition | undefined {
  if (episode.state === 'ok') {
    if (!holds) return undefined
    episode.state = 'firing'
    episode.since = now
    episode.clearSince = undefined
    return 'firing'
  }

  if (holds) {
    episode.clearSince = undefined
    return undefined
  }

  episode.clearSince ??= now
  if (now - episode.clearSince < resolveAfterMs) return undefined
  episode.state = 'ok'
  episode.since = undefined
  episode.clearSince = undefined
  return 'resolved'
}
