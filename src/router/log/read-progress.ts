import type {LinePrefilter} from '../../parse/split.js'
import type {BatchHeader} from './batch.js'
import type {StoredBytesSink, StoredMessage} from './engine.js'

import {decodeBatch, sinkBatch} from './batch.js'

/**
 * A read's way through the batches it visits, in order: the messages it takes from `offset` on, at most
 * `limit` offsets considered and none from `until` on (with a prefilter, those whose bytes cannot pass it are
 * considered and left out), ending after the batch that brings it to `maxMessages`. One read of
 * FileAppLog.readFrom, or one part of a read split across threads.
 */
export class ReadProgress {
  readonly messages: StoredMessage[] = []
  considered = 0

  constructor(
    public offset: number,
    private readonly limit: number,
    private readonly until: number,
    private readonly prefilter: LinePrefilter | undefined,
    private readonly maxMessages = Number.POSITIVE_INFINITY,
    /** Takes the messages as bytes instead (ReadOptions.sink): none is decoded. */
    private readonly sink?: StoredBytesSink,
  ) {}

  /** Whether the read may take more. */
  get open(): boolean {
    return this.considered < this.limit && this.offset < this.until && this.messages.length < this.maxMessages
  }

  /** Takes what the batch holds from `offset` on; returns whether the read may take more. */
  take(buffer: Buffer, at: number, header: BatchHeader): boolean {
    if (header.firstOffset + header.count > this.offset) {
      const budget = Math.min(this.limit - this.considered, this.until - Math.max(this.offset, header.firstOffset))
      const taken = this.sink === undefined
        ? decodeBatch(buffer, at, header, this.offset, budget, this.messages, this.prefilter)
        : sinkBatch(buffer, at, header, this.offset, budget, this.sink)
      this.considered += taken
      // Past the last message considered, returned or left out by the prefilter.
      this.offset = Math.max(this.offset, header.firstOffset) + taken
    }

    return this.open
  }
}
