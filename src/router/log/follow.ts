import type {FollowOptions, ReadResult, StoredMessage} from './engine.js'

const DEFAULT_FOLLOW_LIMIT = 1000

/** What a log gives a follower: reads, and a wake-up when something is appended. */
export interface Followable {
  read(start: {offset: number}, limit: number): Promise<ReadResult>
  /** Resolves once the log's next offset is past `offset`, or it is closed, or `signal` aborts. */
  appendedAfter(offset: number, signal?: AbortSignal): Promise<void>
  readonly closed: boolean
}

/** `AppLog.follow` for any log that can say when it grew: read while there is something, otherwise wait. */
export async function* follow(log: Followable, from: number, options: FollowOptions = {}): AsyncGenerator<StoredMessage[]> {
  const {signal} = options
  const limit = options.limit ?? DEFAULT_FOLLOW_LIMIT
  let next = from
  while (!log.closed && !signal?.aborted) {
    const {messages, next: after} = await log.read({offset: next}, limit)
    next = after
    if (messages.length > 0) {
      yield messages
      continue
    }

    await log.appendedAfter(next, signal)
  }
}

/** The wake-ups of one log's followers. */
export class AppendWaiters {
  private readonly waiters = new Set<() => void>()

  /** Resolves at the next `wake()` unless `ready()` holds already, or when the signal aborts. */
  wait(ready: () => boolean, signal?: AbortSignal): Promise<void> {
    if (ready() || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }

      this.waiters.add(done)
      signal?.addEventListener('abort', done, {once: true})
    })
  }

  wake(): void {
    if (this.waiters.size === 0) return
    for (const waiter of [...this.waiters]) waiter()
  }
}
