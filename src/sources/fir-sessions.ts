import {LogStream, type RenewSession} from './session.js'
import type {StreamMessage} from './stream-messages.js'

/** How often the Heroku CLI makes a Fir app's session anew: 15 minutes, or HEROKU_LOG_STREAM_TIMEOUT minutes. */
export function firSessionRenewMs(env: NodeJS.ProcessEnv): number {
  const minutes = Number(env.HEROKU_LOG_STREAM_TIMEOUT || '15')
  return (Number.isFinite(minutes) && minutes > 0 ? minutes : 15) * 60_000
}

/** Messages the new stream may send before the old one catches up, past which the old one is given up on. */
const MAX_HELD = 5000

/**
 * The move from one Fir session to the next with nothing lost or repeated. Fir keeps no history and has no
 * event ids, so the new session is opened while the old one is still read: what is published once the new
 * one is connected comes on both, what came before only on the old one. The old stream's messages are passed
 * on (and remembered) until the new stream's first message is found among them: from there the two carry the
 * same messages, so the new stream's are passed on from the first one the old stream had not sent, and the old
 * stream is closed. Messages are told apart by their bytes (a line's timestamp is to the microsecond).
 */
export class SessionHandover {
  /** Whether the new stream is now the one read. */
  switched = false
  private readonly oldSent: Buffer[] = []
  private held: StreamMessage[] = []

  /** The old stream's messages: passed on until the switch, dropped after it. */
  fromOld(messages: readonly StreamMessage[]): StreamMessage[] {
    if (this.switched) return []
    for (const message of messages) this.oldSent.push(message.raw)
    return [...messages, ...this.align()]
  }

  /** The new stream's messages: held until the streams are aligned, passed on after. */
  fromNew(messages: readonly StreamMessage[]): StreamMessage[] {
    if (this.switched) return [...messages]
    this.held.push(...messages)
    if (this.held.length > MAX_HELD) return this.oldEnded()
    return this.align()
  }

  /** The old stream ended before the streams aligned: what the new one sent that the old one did not. */
  oldEnded(): StreamMessage[] {
    if (this.switched) return []
    this.switched = true
    const sent = new Set(this.oldSent.map((raw) => raw.toString('latin1')))
    const rest = this.held.filter((message) => !sent.has(message.raw.toString('latin1')))
    this.held = []
    return rest
  }

  private align(): StreamMessage[] {
    if (this.held.length === 0) return []
    const first = this.held[0].raw
    const at = this.oldSent.findIndex((raw) => raw.equals(first))
    if (at === -1) return []
    const common = this.oldSent.length - at
    // The old stream is ahead: the new one has not yet sent all it shares with it.
    if (this.held.length < common) {
      if (!this.held.every((message, i) => message.raw.equals(this.oldSent[at + i]))) return this.oldEnded()
      return []
    }

    this.switched = true
    const rest = this.held.slice(common)
    this.held = []
    return rest
  }
}

type Event = {stream: LogStream; messages: StreamMessage[]} | {stream: LogStream; end: true; error?: unknown}

/**
 * Follows a Fir app as `heroku logs` does (always a tail, a new session every `renewMs`), but with each new
 * session handed over to without losing or repeating a line (see SessionHandover). `create` makes a session
 * (the same request every time); a session that expires or drops is reconnected or renewed by LogStream.
 */
export async function * followFirSessions(firstUrl: string, create: RenewSession, renewMs: number, notice: (message: string) => void): AsyncGenerator<StreamMessage[]> {
  const events: Event[] = []
  let wake: (() => void) | undefined
  const push = (event: Event) => {
    events.push(event)
    wake?.()
  }

  const follow = (url: string): LogStream => {
    const stream = new LogStream(notice)
    const pump = async () => {
      try {
        for await (const messages of stream.follow(url, create)) push({messages, stream})
        push({end: true, stream})
      } catch (error) {
        push({end: true, error, stream})
      }
    }

    void pump()
    return stream
  }

  let current = follow(firstUrl)
  let next: LogStream | undefined
  let handover: SessionHandover | undefined
  let renewAt = Date.now() + renewMs
  try {
    for (;;) {
      if (events.length === 0) {
        const waitMs = next === undefined ? Math.max(0, renewAt - Date.now()) : undefined
        await new Promise<void>((resolve) => {
          wake = resolve
          if (waitMs !== undefined) setTimeout(resolve, waitMs).unref()
        })
        wake = undefined
      }

      if (next === undefined && Date.now() >= renewAt) {
        handover = new SessionHandover()
        next = follow(await create())
        continue
      }

      const event = events.shift()
      // A stream handed over from may still deliver what it had read: that is dropped.
      if (event === undefined || (event.stream !== current && event.stream !== next)) continue
      const out = handle(event, event.stream === current ? 'old' : 'new', handover)
      if (out.length > 0) yield out
      if (handover?.switched === true) {
        current.stop()
        current = next!
        next = undefined
        handover = undefined
        renewAt = Date.now() + renewMs
      }
    }
  } finally {
    current.stop()
    next?.stop()
  }
}

/** What of a stream's event to pass on; a stream's end is an error's to report, or mid-handover hands over at once. */
function handle(event: Event, from: 'new' | 'old', handover: SessionHandover | undefined): StreamMessage[] {
  if ('end' in event) {
    if (event.error !== undefined) throw event.error
    return from === 'old' && handover !== undefined ? handover.oldEnded() : []
  }

  if (handover === undefined) return event.messages
  return from === 'old' ? handover.fromOld(event.messages) : handover.fromNew(event.messages)
}
