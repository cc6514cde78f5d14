/**
 * The last `capacity` items, oldest overwritten first: a fixed array and a moving start, so adding is
 * constant time and nothing is copied or reallocated however long the router runs.
 */
export class RecentBuffer<T> {
  private readonly items: Array<T | undefined>
  /** Index of the oldest item. */
  private start = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.items = Array.from<T | undefined>({length: capacity})
  }

  get size(): number {
    return this.count
  }

  push(item: T): void {
    if (this.capacity === 0) return
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item
      this.count++
      return
    }

    this.items[this.start] = item
    this.start = (this.start + 1) % this.capacity
  }

  /** The item at `index`, 0 being the oldest and `size - 1` the newest. */
  at(index: number): T {
    return this.items[(this.start + index) % this.capacity] as T
  }
}
