import {LogHub} from '../hub.js'

/** Messages through one app: taken in, and handed out to its drains and to session clients. */
export interface AppTrafficCounts {
  received: number
  drained: number
  streamed: number
}

/**
 * Per-app message counts, by app id. Plain numbers bumped once per batch on the hot path; /status and
 * /metrics read them when asked.
 */
export class Traffic {
  private readonly byApp = new Map<string, AppTrafficCounts>()

  received(appId: string, count: number): void {
    this.counts(appId).received += count
  }

  /** Taken by a drain's receiver. */
  drained(appId: string, count: number): void {
    this.counts(appId).drained += count
  }

  /** Written to a session client. */
  streamed(appId: string, count: number): void {
    this.counts(appId).streamed += count
  }

  forApp(appId: string): AppTrafficCounts {
    return {...(this.byApp.get(appId) ?? {drained: 0, received: 0, streamed: 0})}
  }

  private counts(appId: string): AppTrafficCounts {
    let counts = this.byApp.get(appId)
    if (counts === undefined) this.byApp.set(appId, (counts = {drained: 0, received: 0, streamed: 0}))
    return counts
  }
}

/** A LogHub that counts the messages each app takes in, once per append that its log stored. */
export class CountingHub extends LogHub {
  constructor(private readonly traffic: Traffic, ...args: ConstructorParameters<typeof LogHub>) {
    super(...args)
  }

  override async append(...args: Parameters<LogHub['append']>): Promise<void> {
    await super.append(...args)
    this.traffic.received(args[0], args[1].length)
  }
}
