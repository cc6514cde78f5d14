import {readFile, rename, writeFile} from 'node:fs/promises'

import type {EpisodeState, Transition} from './episode.js'
import type {PendingNotification} from './webhook.js'

/** What an alert has done since it was added: kept across restarts, shown by `alerts:info`, status and /metrics. */
export interface AlertCounters {
  /** Notifications a webhook took. */
  sent: number
  /** Attempts that failed (each retry counts). */
  failed: number
  /** Notifications given up after the last attempt, or refused with a 4xx. */
  dropped: number
  lastError: string | undefined
  lastEvent: {status: Transition; at: number; valueText: string} | undefined
}

export interface SavedAlert {
  episode: EpisodeState
  counters: AlertCounters
  /** While firing: the episode's first line, which its resolve shows (absent from files of older versions). */
  firstLine?: {line: string; time: number}
}

export interface SavedState {
  alerts: Map<string, SavedAlert>
  outbox: PendingNotification[]
}

const VERSION = 1

export function newCounters(): AlertCounters {
  return {dropped: 0, failed: 0, lastError: undefined, lastEvent: undefined, sent: 0}
}

/**
 * `<dataDir>/alerts.json`: each alert's episode (firing since when) and counters, and the notifications not
 * yet taken by their webhooks, so a restart in the middle of an episode neither repeats nor loses one. A file
 * that cannot be read is moved aside (`.bad`) and the problem returned: alerts then start afresh.
 */
export async function readAlertState(file: string): Promise<{problem: string | undefined; state: SavedState}> {
  const empty: SavedState = {alerts: new Map(), outbox: []}
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {problem: undefined, state: empty}
    return {problem: `cannot read ${file}: ${(error as Error).message}; alerts start with no episode`, state: empty}
  }

  try {
    const parsed = JSON.parse(text) as {version: number; alerts: Record<string, SavedAlert>; outbox: PendingNotification[]}
    if (parsed?.version !== VERSION) throw new Error(`version ${JSON.stringify(parsed?.version)}, expected ${VERSION}`)
    if (typeof parsed.alerts !== 'object' || parsed.alerts === null || Array.isArray(parsed.alerts)) throw new Error('"alerts" is not an object')
    if (!Array.isArray(parsed.outbox)) throw new Error('"outbox" is not an array')
    return {problem: undefined, state: {alerts: new Map(Object.entries(parsed.alerts)), outbox: parsed.outbox}}
  } catch (error) {
    await rename(file, `${file}.bad`).catch(() => {})
    return {problem: `${file} is corrupt (${(error as Error).message}); moved to ${file}.bad, alerts start with no episode`, state: empty}
  }
}

/** Written whole (temporary file, then rename): a crash leaves the old file or the new one. */
export async function writeAlertState(file: string, state: SavedState): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  const saved = {alerts: Object.fromEntries(state.alerts), outbox: state.outbox, version: VERSION}
  await writeFile(temporary, JSON.stringify(saved) + '\n', {mode: 0o600})
  await rename(temporary, file)
}
