import type {LogRecord} from '../parse/record.js'

/** The last N records seen, in a fixed ring: memory stays bounded by N however long the input. */
export class LastRecords {
  private readonly ring: LogRecord[] = []
  private next = 0

  constructor(private readonly capacity: number) {}

  push(record: LogRecord): void {
    if (this.capacity === 0) return
    // Detach: a kept record must not pin the whole read chunk its bytes came from.
    const kept = record.detach()
    if (this.ring.length < this.capacity) this.ring.push(kept)
    else this.ring[this.next] = kept
    this.next = (this.next + 1) % this.capacity
  }

  /** The kept records, oldest first, leaving the ring empty. */
  take(): LogRecord[] {
    const records = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
    this.ring.length = 0
    this.next = 0
    return records
  }
}
