import type {KV} from 'nats'

/** JetStream's error for a failed compare-and-set on a key's revision. */
const WRONG_LAST_SEQUENCE = 10_071

/** What a holder checks before each unit of work: the lease is still its own at this revision (a fencing token). */
export interface HeldLease {
  readonly key: string
  readonly revision: number
}

/**
 * Leases on a KV bucket whose `ttl` is the lease's life (nats-server 2.9 has no per-key TTL: a key vanishes
 * `ttl` after its last write). One holder per key at a time: acquiring is a create (only when the key is
 * absent, i.e. never held, released or expired), renewing and releasing are compare-and-sets on the revision
 * held, so a holder that was too slow to renew learns it lost the lease instead of overwriting the new holder.
 * Meant for drains: one node delivers a drain at a time, and takes it over when its holder dies
 * (docs/cluster.md, "To be wired when drains read the log").
 */
export class Leases {
  constructor(private readonly bucket: KV, readonly holder: string) {}

  /** The lease on `key`, or undefined when another holder has it. */
  async acquire(key: string): Promise<HeldLease | undefined> {
    try {
      return {key, revision: await this.bucket.create(key, this.holder)}
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined
      throw error
    }
  }

  /** Extends the lease; undefined when it was lost (expired and taken, or released by someone else). */
  async renew(lease: HeldLease): Promise<HeldLease | undefined> {
    try {
      return {key: lease.key, revision: await this.bucket.update(lease.key, this.holder, lease.revision)}
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined
      throw error
    }
  }

  /** Gives the lease up at once (another holder need not wait for it to expire); a no-op when it was lost. */
  async release(lease: HeldLease): Promise<void> {
    try {
      await this.bucket.delete(lease.key, {previousSeq: lease.revision})
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error
    }
  }

  /** Who holds `key` now, if anyone. */
  async holderOf(key: string): Promise<string | undefined> {
    const entry = await this.bucket.get(key)
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.string()
  }
}

function isWrongLastSequence(error: unknown): boolean {
  return (error as {api_error?: {err_code?: number}}).api_error?.err_code === WRONG_LAST_SEQUENCE
}
