import {readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {Undelivered} from './delivery.js'
import type {Outgoing} from './frames.js'

/** Drain id → what it had not delivered when the router stopped. */
export type Spooled = Map<string, Undelivered>

const SPOOL_FILE = 'drain-spool.json'
const SPOOL_VERSION = 1

export function spoolFile(dataDir: string): string {
  return join(dataDir, SPOOL_FILE)
}

/** Written on a clean stop (temporary file, then rename, so a crash mid-write leaves no half file). Nothing to keep: no file. */
export async function writeSpool(dataDir: string, spooled: Spooled): Promise<void> {
  const file = spoolFile(dataDir)
  const drains = Object.fromEntries([...spooled].filter(([, undelivered]) => undelivered.messages.length > 0))
  if (Object.keys(drains).length === 0) {
    await rm(file, {force: true})
    return
  }

  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify({drains, version: SPOOL_VERSION}), {mode: 0o600})
  await rename(temporary, file)
}

/**
 * Reads and removes the spool. A file that cannot be read as one is moved aside (`.bad`) rather than
 * stopping the router: the messages in it are lost, the router's state is not.
 */
export async function takeSpool(dataDir: string): Promise<{spooled: Spooled; problem?: string}> {
  const file = spoolFile(dataDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {spooled: new Map()}
    throw error
  }

  const spooled: Spooled = new Map()
  try {
    const parsed = JSON.parse(text) as {version?: unknown; drains?: Record<string, unknown>}
    if (parsed.version !== SPOOL_VERSION || typeof parsed.drains !== 'object' || parsed.drains === null) throw new Error('not a drain spool')
    for (const [id, undelivered] of Object.entries(parsed.drains)) {
      if (!isUndelivered(undelivered)) throw new Error(`drain ${id} holds something that is not a list of messages`)
      spooled.set(id, undelivered)
    }
  } catch (error) {
    await rename(file, `${file}.bad`)
    return {problem: `${file} was unreadable (${(error as Error).message}); moved to ${file}.bad`, spooled: new Map()}
  }

  await rm(file, {force: true})
  return {spooled}
}

function isUndelivered(value: unknown): value is Undelivered {
  if (typeof value !== 'object' || value === null) return false
  const {inFlight, messages} = value as Record<string, unknown>
  if (!Array.isArray(messages) || !messages.every(isOutgoing)) return false
  if (inFlight === undefined) return true
  const {count, frameId} = (inFlight ?? {}) as Record<string, unknown>
  return typeof frameId === 'string' && typeof count === 'number' && Number.isInteger(count) && count >= 0
}

function isOutgoing(value: unknown): value is Outgoing {
  if (typeof value !== 'object' || value === null) return false
  const {dyno, line, pri, source} = value as Record<string, unknown>
  return typeof dyno === 'string' && typeof line === 'string' && typeof source === 'string' && (pri === undefined || typeof pri === 'number')
}
