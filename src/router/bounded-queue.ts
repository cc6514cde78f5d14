/**
 * A bounded first-in first-out queue on a fixed array: pushing onto a full queue evicts the oldest item and
 * says so, so the caller counts what was lost. Constant time either way, nothing copied or reallocated however
 * long the router runs. An app's recent messages and a drain's queue are both this.
 */
export class BoundedQueue<T> {
  private readonly items: Array<T | undefined>
  private start = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.items = Array.from<T | undefined>({length: capacity})
  }

  get size(): number {
    return this.count
  }

  /** Adds `item` at the end; returns true when the oldest item was evicted to make room (or, at capacity 0, `item`). */
  push(item: T): boolean {
    if (this.capacity === 0) return true
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item
      this.count++
      return false
    }

    this.items[this.start] = item
    this.start = (this.start + 1) % this.capacity
    return true
  }

  /** The item at `index`, 0 being the oldest and `size - 1` the newest. */
  at(index: number): T {
    return this.items[(this.start + index) % this.capacity] as T
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.start]
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.start]
    this.items[this.start] = undefined
    this.start = (this.start + 1) % this.capacity
    this.count--
    return item
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const all: T[] = []
    while (this.count > 0) all.push(this.shift() as T)
    return all
  }
}
