/** What the ring keeps: a copy that no longer shares memory with the read buffer. */
interface Detachable<T> {
  detach(): T
  /** Called when a newer record takes its place: what it holds outside memory can go. */
  release?(): void
}

/** The last N records seen, in a fixed ring: memory stays bounded by N however long the input. */
export class LastRecords<T extends Detachable<T>> {
  private readonly ring: T[] = []
  private next = 0

  constructor(private readonly capacity: number) {}

  push(record: T): void {
    if (this.capacity === 0) return
    // Detach: a kept record must not pin the whole read chunk its bytes came from.
    const kept = record.detach()
    if (this.ring.length < this.capacity) this.ring.push(kept)
    else {
      this.ring[this.next].release?.()
      this.ring[this.next] = kept
    }

    this.next = (this.next + 1) % this.capacity
  }

  /** The kept records, oldest first, leaving the ring empty. */
  take(): T[] {
    const records = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
    this.ring.length = 0
    this.next = 0
    return records
  }
}
