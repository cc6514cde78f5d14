import {mkdir, open, readFile, rename} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import type {ReaderState} from './engine.js'
import type {FsyncPolicy} from './file-engine.js'

const CURSORS_FILE = 'cursors.json'
const CURSORS_VERSION = 1

/** The cursors file cannot be read as one; the message names it. */
export class CursorFileError extends Error {}

/** What the cursors file holds: readers' positions and their states (AppLog.readerState). */
interface Cursors {
  readonly offsets: Map<string, number>
  readonly states: Map<string, ReaderState>
}

/**
 * An app's named cursors and readers' states in `<app dir>/cursors.json`, read once, then kept in memory.
 * Each change rewrites the file atomically (temporary file, fsync, rename, fsync of the directory under
 * `always`). Changes made while a write runs share the next one, so a drain saving its position and counts
 * after every batch costs at most one write at a time.
 */
export class CursorFile {
  private values: Cursors | undefined
  private writing: Promise<void> | undefined
  private queued: Promise<void> | undefined

  constructor(private readonly directory: string, private readonly fsync: FsyncPolicy) {}

  get file(): string {
    return join(this.directory, CURSORS_FILE)
  }

  async get(name: string): Promise<number | undefined> {
    return (await this.load()).offsets.get(name)
  }

  async set(name: string, offset: number): Promise<void> {
    if (!(Number.isSafeInteger(offset) && offset >= 0)) throw new RangeError(`cursor ${name}: ${offset} is not an offset`)
    ;(await this.load()).offsets.set(name, offset)
    return this.write()
  }

  /** Removes a cursor; no write when there was none. */
  async delete(name: string): Promise<void> {
    if ((await this.load()).offsets.delete(name)) return this.write()
  }

  async getState(name: string): Promise<ReaderState | undefined> {
    return (await this.load()).states.get(name)
  }

  async setState(name: string, state: ReaderState): Promise<void> {
    ;(await this.load()).states.set(name, {...state})
    return this.write()
  }

  /** Removes a reader's state; no write when there was none. */
  async deleteState(name: string): Promise<void> {
    if ((await this.load()).states.delete(name)) return this.write()
  }

  /** Settles when every change made so far is written (or has failed). */
  async flush(): Promise<void> {
    await this.queued?.catch(() => {})
    await this.writing?.catch(() => {})
  }

  private async load(): Promise<Cursors> {
    if (this.values !== undefined) return this.values
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      text = `{"version": ${CURSORS_VERSION}, "cursors": {}}`
    }

    this.values ??= parseCursors(this.file, text)
    return this.values
  }

  /** One write at a time; every change made while one runs is carried by the single write queued after it. */
  private write(): Promise<void> {
    if (this.queued !== undefined) return this.queued
    if (this.writing === undefined) {
      this.writing = this.writeNow().finally(() => {
        this.writing = undefined
      })
      return this.writing
    }

    this.queued = this.writing.catch(() => {}).then(() => {
      this.queued = undefined
      return this.write()
    })
    return this.queued
  }

  private async writeNow(): Promise<void> {
    await mkdir(this.directory, {recursive: true})
    // Taken after a first wait, so that changes made together (a drain's position and its next frame) share the write.
    const {offsets, states} = this.values ?? {offsets: new Map(), states: new Map()}
    const text = JSON.stringify({cursors: Object.fromEntries(offsets), states: Object.fromEntries(states), version: CURSORS_VERSION}) + '\n'
    const temporary = `${this.file}.tmp`
    const handle = await open(temporary, 'w', 0o600)
    try {
      await handle.writeFile(text)
      if (this.fsync !== 'never') await handle.sync()
    } finally {
      await handle.close()
    }

    await rename(temporary, this.file)
    if (this.fsync === 'always') await syncDirectory(dirname(this.file))
  }
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function parseCursors(file: string, text: string): Cursors {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new CursorFileError(`${file} is not JSON (${(error as Error).message}); move it away to start the app's readers from the beginning`)
  }

  // `states` is absent from files written before readers kept any.
  const {cursors, states = {}, version} = (parsed ?? {}) as {cursors?: unknown; states?: unknown; version?: unknown}
  if (version !== CURSORS_VERSION || !isObject(cursors) || !isObject(states)) {
    throw new CursorFileError(`${file} is not a cursors file (expected {"version": ${CURSORS_VERSION}, "cursors": {...}, "states": {...}})`)
  }

  const offsets = new Map<string, number>()
  for (const [name, offset] of Object.entries(cursors)) {
    if (!(Number.isSafeInteger(offset) && (offset as number) >= 0)) throw new CursorFileError(`${file}: cursor ${name} holds ${JSON.stringify(offset)}, not an offset`)
    offsets.set(name, offset as number)
  }

  const readerStates = new Map<string, ReaderState>()
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state) || !Object.values(state).every((value) => typeof value === 'string' || Number.isFinite(value))) {
      throw new CursorFileError(`${file}: state ${name} holds ${JSON.stringify(state)}, not names of numbers and texts`)
    }

    readerStates.set(name, state as ReaderState)
  }

  return {offsets, states: readerStates}
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
