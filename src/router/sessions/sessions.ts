import {randomUUID} from 'node:crypto'
import {readFile, rename, writeFile} from 'node:fs/promises'

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

/**
 * Log sessions by id. The id is a random uuid and the session URL is its only secret, as on Heroku. A session
 * nobody reads for `ttlMs` expires (Logplex: 360 s); the same URL can be read again until then, which is how
 * the Heroku CLI reconnects with `Last-Event-ID`.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, LogSession>()
  private readonly sweeper: NodeJS.Timeout
  private saving: Promise<void> | undefined
  private saveAgain = false
  /** Told of each session created here: a cluster node shares it so that another node can resume it. */
  onCreated: ((session: SavedSession) => void) | undefined

  /**
   * With `file`, sessions are kept there too (`<dataDir>/sessions.json`): a session URL outlives a restart of
   * the router, and a client reconnecting with `Last-Event-ID` resumes exactly where it was.
   */
  constructor(private readonly ttlMs: number, private readonly file?: string) {
    // A sweep bounds memory for sessions never read; `open` checks expiry itself, so the interval is loose.
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(ttlMs, 1000), 60_000))
    this.sweeper.unref()
  }

  /**
   * Makes the sessions of the file again, each from its request by `revive` (undefined skips one that is no
   * longer valid), with a full time to live. A file that cannot be read is reported and left for the next save.
   */
  async restore(revive: (appId: string, body: Record<string, unknown>) => SessionRequest | undefined): Promise<string | undefined> {
    if (this.file === undefined) return undefined
    let saved: SavedSessions
    try {
      saved = JSON.parse(await readFile(this.file, 'utf8')) as SavedSessions
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      return `could not read the log sessions in ${this.file} (${(error as Error).message}); they are forgotten`
    }

    for (const {appId, body, createdAt, id} of Array.isArray(saved.sessions) ? saved.sessions : []) {
      const request = revive(appId, body)
      if (request !== undefined) this.sessions.set(id, {...request, appId, body, createdAt, id, lastUsed: Date.now(), readers: 0})
    }

    return undefined
  }

  create(appId: string, request: SessionRequest, createdAt: string, body: Record<string, unknown> = {}): LogSession {
    const session: LogSession = {...request, appId, body, createdAt, id: randomUUID(), lastUsed: Date.now(), readers: 0}
    this.sessions.set(session.id, session)
    this.save()
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

  /** Stops sweeping; resolves once the sessions file is written. */
  async close(): Promise<void> {
    clearInterval(this.sweeper)
    await this.saving
  }

  /** Writes the sessions file, one write at a time: changes made during one are carried by the next. */
  private save(): void {
    if (this.file === undefined) return
    if (this.saving !== undefined) {
      this.saveAgain = true
      return
    }

    const saved: SavedSessions = {
      sessions: [...this.sessions.values()].map(({appId, body, createdAt, id}) => ({appId, body, createdAt, id})),
      version: 1,
    }
    const file = this.file
    const temporary = `${file}.${process.pid}.tmp`
    this.saving = writeFile(temporary, JSON.stringify(saved) + '\n', {mode: 0o600})
      .then(() => rename(temporary, file))
      // Sessions are a convenience: a failed write leaves the previous file, and the next change tries again.
      .catch(() => {})
      .finally(() => {
        this.saving = undefined
        if (this.saveAgain) {
          this.saveAgain = false
          this.save()
        }
      })
  }

  private expired(session: LogSession, now: number): boolean {
    return session.readers === 0 && now - session.lastUsed > this.ttlMs
  }

  private sweep(): void {
    const now = Date.now()
    const before = this.sessions.size
    for (const [id, session] of this.sessions) if (this.expired(session, now)) this.sessions.delete(id)
    if (this.sessions.size !== before) this.save()
  }
}

/** A session as kept in `<dataDir>/sessions.json` (and shared by cluster nodes): its request as it came. */
export interface SavedSession {
  appId: string
  body: Record<string, unknown>
  createdAt: string
  id: string
}

interface SavedSessions {
  version: 1
  sessions: SavedSession[]
}
