import type {HeldLease, Leases} from './lease.js'

/**
 * Work of which one node of a cluster at a time does each piece (a drain, an app's alerts), each under the
 * lease of its key. On a single router there are no claims: it does everything.
 */
export interface Claims {
  /** This node's id, as `holderOf` names holders. */
  readonly holder: string
  /**
   * Competes for `key`: `gained` is called once this node holds its lease, `lost` as soon as it may not hold
   * it any more (taken by another node, or not renewed in time); then it competes again.
   */
  claim(key: string, gained: () => void, lost: () => void): void
  /** Stops competing for `key` and releases its lease if held (`lost` is not called: the caller stopped the work). */
  unclaim(key: string): Promise<void>
  /** The fencing check before work is saved: the lease is held and cannot have expired yet. */
  holds(key: string): boolean
  /** The node holding `key` now, if any. */
  holderOf(key: string): Promise<string | undefined>
}

interface Claim {
  readonly key: string
  readonly gained: () => void
  readonly lost: () => void
  lease: HeldLease | undefined
  /** Epoch ms until which the lease is surely ours: the last renewal was sent before it, plus two thirds of the TTL. */
  validUntil: number
  busy: boolean
  dropped: boolean
}

/**
 * Claims on leases of one KV bucket whose keys live `ttlMs` after their last write. Every `ttlMs / 3` each
 * claim is renewed if held, or tried if not: the first node to try a free key gets it, and keeps it while it
 * lives, so a node's work moves only when it dies, stops or is cut off from NATS (no rebalancing). A lease
 * counts as ours until two thirds of the TTL after the renewal was sent: a renewal that fails or hangs past
 * that ends the work here, a third of the TTL before another node can take the key.
 */
export class LeaseKeeper implements Claims {
  private readonly claims = new Map<string, Claim>()
  private readonly timer: NodeJS.Timeout

  constructor(private readonly leases: Leases, private readonly ttlMs: number) {
    this.timer = setInterval(() => this.round(), ttlMs / 3)
    this.timer.unref()
  }

  get holder(): string {
    return this.leases.holder
  }

  claim(key: string, gained: () => void, lost: () => void): void {
    const claim: Claim = {busy: false, dropped: false, gained, key, lease: undefined, lost, validUntil: 0}
    this.claims.set(key, claim)
    void this.step(claim)
  }

  async unclaim(key: string): Promise<void> {
    const claim = this.claims.get(key)
    if (claim === undefined) return
    this.claims.delete(key)
    claim.dropped = true
    const {lease} = claim
    claim.lease = undefined
    if (lease !== undefined) await this.leases.release(lease).catch(() => {})
  }

  holds(key: string): boolean {
    const claim = this.claims.get(key)
    return claim?.lease !== undefined && Date.now() < claim.validUntil
  }

  holderOf(key: string): Promise<string | undefined> {
    return this.leases.holderOf(key)
  }

  /** Stops renewing and releases every lease held, so other nodes take the work over at once. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await Promise.all([...this.claims.keys()].map((key) => this.unclaim(key)))
  }

  private round(): void {
    const now = Date.now()
    for (const claim of this.claims.values()) {
      if (claim.lease !== undefined && now >= claim.validUntil) this.lose(claim)
      void this.step(claim)
    }
  }

  /** Renews the claim's lease, or tries to acquire it. */
  private async step(claim: Claim): Promise<void> {
    if (claim.busy || claim.dropped) return
    claim.busy = true
    const sentAt = Date.now()
    const held = claim.lease
    try {
      const lease = held === undefined ? await this.leases.acquire(claim.key) : await this.leases.renew(held)
      if (claim.dropped) {
        if (lease !== undefined) await this.leases.release(lease)
        return
      }

      const had = claim.lease !== undefined
      if (lease === undefined) {
        if (had) this.lose(claim)
        return
      }

      claim.lease = lease
      claim.validUntil = sentAt + (this.ttlMs * 2) / 3
      if (!had) claim.gained()
    } catch {
      // NATS did not answer: the lease stays ours until it may have expired (round() ends it then).
    } finally {
      claim.busy = false
    }
  }

  private lose(claim: Claim): void {
    claim.lease = undefined
    claim.lost()
  }
}
