/**
 * The byte ranges of a segment whose batches this process has read and found whole and matching their
 * checksums. A segment's bytes that were read never change (appends go after them; cuts happen at open, or
 * to a failed write's own bytes past the size readers see), so a read need not check them again: CRC-32 was
 * ~0.45 s of CPU per read thread in a query over 10 M messages. Damage that appears on the disk under a
 * running router is found when it next starts.
 */
export class CheckedRanges {
  /** Sorted, merged, none empty: [start, end) pairs flattened. */
  private bounds: number[] = []

  constructor(ranges: ReadonlyArray<readonly [number, number]> = []) {
    for (const [start, end] of ranges) this.add(start, end)
  }

  /** Whether [start, end) lies within one checked range. */
  covers(start: number, end: number): boolean {
    const {bounds} = this
    for (let i = 0; i < bounds.length; i += 2) {
      if (bounds[i] > start) return false
      if (end <= bounds[i + 1]) return true
    }

    return false
  }

  add(start: number, end: number): void {
    if (end <= start) return
    const merged: number[] = []
    const {bounds} = this
    let i = 0
    for (; i < bounds.length && bounds[i + 1] < start; i += 2) merged.push(bounds[i], bounds[i + 1])
    for (; i < bounds.length && bounds[i] <= end; i += 2) {
      start = Math.min(start, bounds[i])
      end = Math.max(end, bounds[i + 1])
    }

    merged.push(start, end, ...bounds.slice(i))
    this.bounds = merged
  }

  /** The ranges, to post to another thread. */
  ranges(): Array<[number, number]> {
    const ranges: Array<[number, number]> = []
    for (let i = 0; i < this.bounds.length; i += 2) ranges.push([this.bounds[i], this.bounds[i + 1]])
    return ranges
  }
}
