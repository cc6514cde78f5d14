import {randomUUID} from 'node:crypto'
import {appendFile, readFile, rename, writeFile} from 'node:fs/promises'

import type {LinePrefilter} from '../../parse/split.js'
import type {QueryOptions} from '../../query/compile.js'
import type {NameTest} from '../../query/selector.js'
import type {LogMessage} from '../message.js'

/** What `POST /apps/{app}/log-sessions` asked for, checked. */
export interface SessionRequest {
  /** Recent lines to send first (at most the buffer). */
  lines: number
  tail: boolean
  /** Dyno (exact, or the type before the dot) and source (exact) filters; undefined passes all. */
  dynoTest: NameTest | undefined
  sourceTest: NameTest | undefined
  /** Read the app's log from the first message received at or after this time (epoch ms), not the recent buffer. */
  since?: number
  /** Stop at the last message received at or before this time (epoch ms). */
  until?: number
  /**
   * Filters beyond dyno and source (level, where, grep, exclude: the CLI's query), compiled. `inWindow`: the
   * message's own time is known to lie in [since, until) (a history chunk inside the window), so a filter may
   * leave out its time test; one that ignores the flag tests everything, which is always right.
   */
  filter?: (message: LogMessage, inWindow?: boolean) => boolean
  /** `filter` tests the time window alone: every message known to lie in it passes. */
  windowFilterOnly?: boolean
  /** The filter's byte condition, for reads of the log that can test it before decoding (AppLog.read). */
  prefilter?: LinePrefilter
  /** What `prefilter` was compiled from, for an engine that tests it on other threads. */
  prefilterQuery?: QueryOptions
}

export interface LogSession extends SessionRequest {
  readonly id: string
  readonly appId: string
  readonly createdAt: string
  /** The request as it came, kept in the sessions file so the session is made again after a restart. */
  readonly body: Record<string, unknown>
  /** When it was last created or left by a client (ms); an open stream keeps it alive. */
  lastUsed: number
  /** Streams reading it now. */
  readers: number
}

/** Whether the message passes the session's filters; `inWindow`: its own time is known to be in the window. */
export function sessionMatches(session: SessionRequest, message: LogMessage, inWindow = false): boolean {
  return (session.dynoTest === undefined || session.dynoTest(message.dyno))
    && (session.sourceTest === undefined || session.sourceTest(message.source))
    && (session.filter === undefined || session.filter(message, inWindow))
}

/** Lines the sessions file may hold beyond twice the live sessions before it is written again with those alone. */
const FILE_SLACK_LINES = 1000

/**
 * Log sessions by id. The id is a random uuid and the session URL is its only secret, as on Heroku. A session
 * nobody reads for `ttlMs` expires (Logplex: 360 s); the same URL can be read again until then, which is how
 * the Heroku CLI reconnects with `Last-Event-ID`.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, LogSession>()
  private readonly sweeper: NodeJS.Timeout
  /** The file's writes, one after another, in the order they were asked for. */
  private writing: Promise<void> = Promise.resolve()
  /** Lines in the file: a session created, or the ids a sweep found expired. */
  private fileLines = 0
  /** Told of each session created here: a cluster node shares it so that another node can resume it. */
  onCreated: ((session: SavedSession) => void) | undefined

  /**
   * With `file`, sessions are kept there too (`<dataDir>/sessions.json`): a session URL outlives a restart of
   * the router, and a client reconnecting with `Last-Event-ID` resumes exactly where it was. The file is a
   * journal, one JSON line per session created and one per sweep's expired ids: a creation costs one short
   * append. (The whole set written at each one cost the router's thread ~8 ms a `POST /log-sessions` with
   * ~1,500 live sessions, profiled on bench/history.mjs, and grew with them.) It is written again with the live
   * sessions alone when it holds more than twice their number.
   */
  constructor(private readonly ttlMs: number, private readonly file?: string) {
    // A sweep bounds memory for sessions never read; `open` checks expiry itself, so the interval is loose.
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(ttlMs, 1000), 60_000))
    this.sweeper.unref()
  }

  /**
   * Makes the sessions of the file again, each from its request by `revive` (undefined skips one that is no
   * longer valid), with a full time to live. A line that cannot be read (the last one, cut by a crash) is
   * skipped; a file that cannot be read at all is reported, and replaced when the file is next written whole.
   */
  async restore(revive: (appId: string, body: Record<string, unknown>) => SessionRequest | undefined): Promise<string | undefined> {
    if (this.file === undefined) return undefined
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      return `could not read the log sessions in ${this.file} (${(error as Error).message}); they are forgotten`
    }

    const saved = new Map<string, SavedSession>()
    for (const entry of savedEntries(text)) {
      if ('gone' in entry) for (const id of entry.gone) saved.delete(id)
      else saved.set(entry.id, entry)
    }

    for (const {appId, body, createdAt, id} of saved.values()) {
      const request = revive(appId, body)
      if (request !== undefined) this.sessions.set(id, {...request, appId, body, createdAt, id, lastUsed: Date.now(), readers: 0})
    }

    // Written again whole: the live sessions alone, in this version's form.
    this.rewrite()
    return undefined
  }

  create(appId: string, request: SessionRequest, createdAt: string, body: Record<string, unknown> = {}): LogSession {
    const session: LogSession = {...request, appId, body, createdAt, id: randomUUID(), lastUsed: Date.now(), readers: 0}
    this.sessions.set(session.id, session)
    this.append({appId, body, createdAt, id: session.id})
    this.onCreated?.({appId, body, createdAt, id: session.id})
    return session
  }

  /** A session created on another node of a cluster, made again from its request by `revive` (undefined skips it). */
  adopt(saved: SavedSession, revive: (appId: string, body: Record<string, unknown>) => SessionRequest | undefined): void {
    if (this.sessions.has(saved.id)) return
    const request = revive(saved.appId, saved.body)
    if (request !== undefined) this.sessions.set(saved.id, {...request, ...saved, lastUsed: Date.now(), readers: 0})
  }

  /** The session, now counted as being read, or undefined when it does not exist or has expired. */
  open(id: string): LogSession | undefined {
    const session = this.sessions.get(id)
    if (session === undefined) return undefined
    if (this.expired(session, Date.now())) {
      this.sessions.delete(id)
      return undefined
    }

    session.readers++
    return session
  }

  release(session: LogSession): void {
    session.readers--
    session.lastUsed = Date.now()
  }

  /** Stops sweeping; resolves once every write asked of the sessions file is done. */
  async close(): Promise<void> {
    clearInterval(this.sweeper)
    await this.writing
  }

  /** Adds a line to the sessions file, after the writes asked before it. */
  private append(entry: SavedSession | {gone: string[]}): void {
    const {file} = this
    if (file === undefined) return
    this.fileLines++
    const line = JSON.stringify(entry) + '\n'
    // Sessions are a convenience: a failed write is left, and the file is written whole at the next rewrite.
    this.writing = this.writing.then(() => appendFile(file, line, {mode: 0o600})).catch(() => {})
  }

  /** Writes the sessions file again with the live sessions alone (to a new file, renamed over the old one). */
  private rewrite(): void {
    const {file} = this
    if (file === undefined) return
    const text = [...this.sessions.values()].map(({appId, body, createdAt, id}) => JSON.stringify({appId, body, createdAt, id}) + '\n').join('')
    this.fileLines = this.sessions.size
    const temporary = `${file}.${process.pid}.tmp`
    this.writing = this.writing
      .then(() => writeFile(temporary, text, {mode: 0o600}))
      .then(() => rename(temporary, file))
      .catch(() => {})
  }

  private expired(session: LogSession, now: number): boolean {
    return session.readers === 0 && now - session.lastUsed > this.ttlMs
  }

  private sweep(): void {
    const now = Date.now()
    const gone: string[] = []
    for (const [id, session] of this.sessions) {
      if (this.expired(session, now)) {
        this.sessions.delete(id)
        gone.push(id)
      }
    }

    if (gone.length === 0) return
    if (this.fileLines + 1 > 2 * this.sessions.size + FILE_SLACK_LINES) this.rewrite()
    else this.append({gone})
  }
}

/**
 * The entries of a sessions file: JSON lines, each a session created or a sweep's expired ids; or one JSON
 * object holding `sessions`, as logsift wrote the file before it was a journal.
 */
function savedEntries(text: string): Array<SavedSession | {gone: string[]}> {
  const entries: Array<SavedSession | {gone: string[]}> = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      continue
    }

    if (typeof entry !== 'object' || entry === null) continue
    if (Array.isArray((entry as {sessions?: unknown}).sessions)) entries.push(...(entry as {sessions: SavedSession[]}).sessions)
    else if (Array.isArray((entry as {gone?: unknown}).gone)) entries.push(entry as {gone: string[]})
    else if (typeof (entry as SavedSession).id === 'string') entries.push(entry as SavedSession)
  }

  return entries
}

/** A session as kept in `<dataDir>/sessions.json` (and shared by cluster nodes): its request as it came. */
export interface SavedSession {
  appId: string
  body: Record<string, unknown>
  createdAt: string
  id: string
}
