/**
 * A map that stops growing at `limit` keys: past it, unseen keys share one overflow entry. Keeps memory
 * bounded when keys come from the input (paths, field values, one-off dyno names) whatever its size.
 */
export class CappedMap<V> {
  readonly entries = new Map<string, V>()
  private overflowEntry: V | undefined
  private readonly recentKeys: Array<string | undefined> = Array.from({length: RECENT})
  private readonly recentValues: Array<V | undefined> = Array.from({length: RECENT})
  private next = 0

  /**
   * @param recent how many of the last keys found to compare before hashing: worth it when a handful of keys
   * repeat (sources, dynos), not when there are dozens (paths).
   */
  constructor(
    private readonly limit: number,
    private readonly make: (key: string) => V,
    private readonly recent = RECENT,
  ) {}

  /** The overflow entry, if any key missed the cap. */
  get overflow(): V | undefined {
    return this.overflowEntry
  }

  /** The entry for `key`, made on first use, or the shared overflow entry when the map is full. */
  get(key: string): V {
    // Most keys repeat from a handful (app/heroku, a few dynos): comparing with the last few found avoids
    // hashing a fresh string per record.
    for (let i = 0; i < this.recent; i++) if (this.recentKeys[i] === key) return this.recentValues[i] as V
    const found = this.entries.get(key)
    if (found !== undefined) {
      this.remember(key, found)
      return found
    }

    return this.miss(key)
  }

  private remember(key: string, value: V): void {
    if (this.recent === 0) return
    this.recentKeys[this.next] = key
    this.recentValues[this.next] = value
    this.next = (this.next + 1) % this.recent
  }

  private miss(key: string): V {
    if (this.entries.size < this.limit) {
      const made = this.make(key)
      this.entries.set(key, made)
      this.remember(key, made)
      return made
    }

    this.overflowEntry ??= this.make(OVERFLOW_KEY)
    return this.overflowEntry
  }
}

const RECENT = 8

/** How the overflow entry is named in reports. */
export const OVERFLOW_KEY = '(other)'
