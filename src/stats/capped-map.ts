/** A CappedMap as plain data: its entries in the order they were made, and its overflow entry. */
export interface CappedMapState<S> {
  entries: Array<[string, S]>
  overflow?: S
}

/**
 * A map that stops growing at `limit` keys: past it, unseen keys share one overflow entry. Keeps memory
 * bounded when keys come from the input (paths, field values, one-off dyno names) whatever its size.
 *
 * Maps of consecutive parts of a stream merge in order: each part's keys join in the order it met them, up
 * to the cap, which is the map one pass makes, unless a part met more keys than the cap on its own. Then
 * that part has already counted some records under the overflow entry, by key no longer known (memory stays
 * bounded), so the merged map counts them under the overflow entry even where one pass would have found their
 * key among the first `limit`: totals stay exact, the split between keys and overflow can differ.
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

  /** The entries and overflow as plain data, each value through `stateOf`. */
  state<S>(stateOf: (value: V) => S): CappedMapState<S> {
    const state: CappedMapState<S> = {entries: [...this.entries].map(([key, value]) => [key, stateOf(value)])}
    if (this.overflowEntry !== undefined) state.overflow = stateOf(this.overflowEntry)
    return state
  }

  /** Adds the entries of a map of the next part of the stream, through `merge`, in its order and up to the cap. */
  merge<S>(other: CappedMapState<S>, merge: (into: V, state: S) => void): void {
    for (const [key, state] of other.entries) merge(this.entries.get(key) ?? this.miss(key), state)
    if (other.overflow !== undefined) merge((this.overflowEntry ??= this.make(OVERFLOW_KEY)), other.overflow)
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
