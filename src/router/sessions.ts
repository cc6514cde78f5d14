import {randomUUID} from 'node:crypto'

import type {NameTest} from '../query/selector.js'
import type {LogMessage} from './message.js'

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
  /** Filters beyond dyno and source (level, where, grep, exclude: the CLI's query), compiled. */
  filter?: (message: LogMessage) => boolean
}

export interface LogSession extends SessionRequest {
  readonly id: string
  readonly appId: string
  readonly createdAt: string
  /** When it was last created or left by a client (ms); an open stream keeps it alive. */
  lastUsed: number
  /** Streams reading it now. */
  readers: number
}

export function sessionMatches(session: SessionRequest, message: LogMessage): boolean {
  return (session.dynoTest === undefined || session.dynoTest(message.dyno))
    && (session.sourceTest === undefined || session.sourceTest(message.source))
    && (session.filter === undefined || session.filter(message))
}

/**
 * Log sessions by id. The id is a random uuid and the session URL is its only secret, as on Heroku. A session
 * nobody reads for `ttlMs` expires (Logplex: 360 s); the same URL can be read again until then, which is how
 * the Heroku CLI reconnects with `Last-Event-ID`.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, LogSession>()
  private readonly sweeper: NodeJS.Timeout

  constructor(private readonly ttlMs: number) {
    // A sweep bounds memory for sessions never read; `open` checks expiry itself, so the interval is loose.
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(ttlMs, 1000), 60_000))
    this.sweeper.unref()
  }

  create(appId: string, request: SessionRequest, createdAt: string): LogSession {
    const session: LogSession = {...request, appId, createdAt, id: randomUUID(), lastUsed: Date.now(), readers: 0}
    this.sessions.set(session.id, session)
    return session
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

  close(): void {
    clearInterval(this.sweeper)
  }

  private expired(session: LogSession, now: number): boolean {
    return session.readers === 0 && now - session.lastUsed > this.ttlMs
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, session] of this.sessions) if (this.expired(session, now)) this.sessions.delete(id)
  }
}
