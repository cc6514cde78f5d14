import {mkdir, readdir} from 'node:fs/promises'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'

import {BatchEncoder} from './batch.js'
import {
  type AppLog, DEFAULT_RETENTION, type EngineCapabilities, type LogEngine, type RetentionPolicy, type RetentionReport,
} from './engine.js'
import {type AppLogContext, FileAppLog, type RecoveryRepair, type Removed} from './file-app-log.js'
import {ReadThreads} from './read-threads.js'

/**
 * When appended data reaches the disk:
 * - `always`: before append() resolves (batches appended while an fsync runs share the next one);
 * - `interval`: within `fsyncIntervalMs` (a crash of the machine loses at most that much; a crash of the
 *   router alone loses nothing, the data being in the page cache);
 * - `never`: when the operating system writes it back.
 */
export type FsyncPolicy = 'always' | 'interval' | 'never'

export interface FileEngineOptions {
  /** The engine's directory: one subdirectory per app. */
  readonly dir: string
  /** Default `interval`. */
  readonly fsync?: FsyncPolicy
  /** Default 1,000. */
  readonly fsyncIntervalMs?: number
  readonly retention?: Partial<RetentionPolicy>
  /** A segment is sealed at this size. Default 16 MiB; at most an eighth of the per-app limit, and 1 GiB. */
  readonly segmentBytes?: number
  /** A segment is sealed once its first message is this old, so that age retention can remove it. Default 6 h. */
  readonly segmentMs?: number
  /** Bytes between entries of a segment's time index. Default 64 KiB. */
  readonly indexIntervalBytes?: number
  /** How often retention runs on its own. Default 60,000. */
  readonly retentionIntervalMs?: number
  /**
   * A write that takes longer than this (ms: the kernel throttles a disk that falls behind) sends the next
   * ones to the thread pool, together, until one is quick again. Default 2; 0 writes off the event loop always.
   */
  readonly slowWriteMs?: number
  /** The clock retention and segment age are judged by. Default Date.now. */
  readonly now?: () => number
  /**
   * Worker threads for large prefiltered reads (a history query with a filter): reading, checking and
   * searching batches on every core. Default: the cores available, at most MAX_READ_THREADS (each is a heap
   * of its own); 1 reads on the engine's thread. Measured on 2 idle cores, two workers make a filtered query
   * over 10 M messages 15 % faster for 25 % more CPU; on a busy machine they cost more than they save
   * (bench/RESULTS.md).
   */
  readonly readThreads?: number
}

/** What opening found and repaired. */
export interface RecoveryReport {
  readonly apps: number
  readonly segments: number
  readonly messages: number
  /** Segments repaired: torn tails cut (a crash in the middle of a write leaves one), damage stepped over. */
  readonly repairs: readonly RecoveryRepair[]
}

const MIN_SEGMENT_BYTES = 4096
const MAX_READ_THREADS = 4
/** Index entries hold positions as u32; a segment stays well under that. */
const MAX_SEGMENT_BYTES = 1024 ** 3

/**
 * The log engine on local files: `<dir>/<app>/` holds the app's segment files, their time indexes and its
 * cursors (docs/log-format.md). Open it with FileLogEngine.open, which recovers what a crash left.
 */
export class FileLogEngine implements LogEngine {
  readonly capabilities: EngineCapabilities = {durable: true}
  recovery: RecoveryReport = {apps: 0, messages: 0, repairs: [], segments: 0}
  /** fsync rounds so far: fewer than appends under `always` when appends arrive together (group commit). */
  fsyncRounds = 0
  /** Reads made in parts on the read threads so far. */
  get readsInParts(): number {
    return this.context.readThreads?.readsInParts ?? 0
  }

  private readonly logs = new Map<string, FileAppLog>()
  private readonly context: AppLogContext
  private readonly retention: RetentionPolicy
  private totalBytes = 0
  private closed = false
  private readonly timers: NodeJS.Timeout[] = []
  private retentionScheduled = false

  private constructor(private readonly options: FileEngineOptions) {
    this.retention = {...DEFAULT_RETENTION, ...options.retention}
    const fsync = options.fsync ?? 'interval'
    const readThreads = options.readThreads ?? Math.min(MAX_READ_THREADS, availableParallelism())
    const maxSegmentBytes = Math.min(MAX_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(this.retention.appMaxBytes / 8)))
    this.context = {
      bytesChanged: (delta) => {
        this.totalBytes += delta
      },
      encoder: new BatchEncoder(),
      readThreads: readThreads > 1 ? new ReadThreads(readThreads) : undefined,
      fsync,
      indexIntervalBytes: options.indexIntervalBytes ?? 64 * 1024,
      now: options.now ?? Date.now,
      rolled: () => this.scheduleRetention(),
      syncing: () => {
        this.fsyncRounds++
      },
      segmentBytes: Math.min(options.segmentBytes ?? 16 * 1024 * 1024, maxSegmentBytes),
      segmentMs: options.segmentMs ?? 6 * 60 * 60 * 1000,
      slowWriteMs: options.slowWriteMs ?? 2,
    }
  }

  /** Opens (creating) the engine's directory and every app log in it, cutting torn tails; see `recovery`. */
  static async open(options: FileEngineOptions): Promise<FileLogEngine> {
    const engine = new FileLogEngine(options)
    await engine.load()
    engine.startTimers()
    return engine
  }

  app(appId: string): AppLog {
    return this.log(appId)
  }

  async apps(): Promise<string[]> {
    return [...this.logs.values()].filter((log) => log.hasData).map((log) => log.appId)
  }

  async enforceRetention(): Promise<RetentionReport> {
    const removed = new Map<string, number>()
    let bytesRemoved = 0
    const count = (log: FileAppLog, what: Removed): void => {
      if (what.messages === 0 && what.bytes === 0) return
      removed.set(log.appId, (removed.get(log.appId) ?? 0) + what.messages)
      bytesRemoved += what.bytes
    }

    const cutoff = this.context.now() - this.retention.maxAgeMs
    for (const log of this.logs.values()) count(log, log.expire(cutoff))
    for (const log of this.logs.values()) count(log, log.shrinkTo(this.retention.appMaxBytes))
    while (this.totalBytes > this.retention.totalMaxBytes) {
      const oldest = this.oldestSealed()
      if (oldest === undefined) break
      const what = {bytes: 0, messages: 0}
      oldest.removeOldest(what)
      count(oldest, what)
    }

    return {bytesRemoved, removed}
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) clearInterval(timer)
    await Promise.all([...this.logs.values()].map((log) => log.close()))
    await this.context.readThreads?.close()
  }

  private log(appId: string): FileAppLog {
    let log = this.logs.get(appId)
    if (log === undefined) {
      log = new FileAppLog(appId, join(this.options.dir, directoryName(appId)), this.context)
      if (this.closed) log.closed = true
      this.logs.set(appId, log)
    }

    return log
  }

  private async load(): Promise<void> {
    await mkdir(this.options.dir, {mode: 0o700, recursive: true})
    const entries = await readdir(this.options.dir, {withFileTypes: true})
    const repairs: RecoveryRepair[] = []
    let segments = 0
    let messages = 0
    for (const entry of entries) {
      const appId = entry.isDirectory() ? appIdOf(entry.name) : undefined
      if (appId === undefined) continue
      const log = this.log(appId)
      repairs.push(...(await log.load()))
      const stats = await log.stats()
      segments += stats.segments
      messages += stats.nextOffset - stats.firstOffset
    }

    this.recovery = {apps: this.logs.size, messages, repairs, segments}
  }

  private startTimers(): void {
    if (this.context.fsync === 'interval') {
      const interval = this.options.fsyncIntervalMs ?? 1000
      this.timers.push(setInterval(() => this.flushAll(), interval).unref())
    }

    const retentionInterval = this.options.retentionIntervalMs ?? 60_000
    this.timers.push(setInterval(() => this.scheduleRetention(), retentionInterval).unref())
  }

  private flushAll(): void {
    // A failed interval fsync cannot be reported to an append that has resolved; the next round tries again.
    for (const log of this.logs.values()) log.flush().catch(() => {})
  }

  private scheduleRetention(): void {
    if (this.retentionScheduled || this.closed) return
    this.retentionScheduled = true
    setImmediate(() => {
      this.retentionScheduled = false
      if (!this.closed) this.enforceRetention().catch(() => {})
    })
  }

  private oldestSealed(): FileAppLog | undefined {
    let oldest: FileAppLog | undefined
    for (const log of this.logs.values()) {
      const time = log.oldestSealedTime
      if (time !== undefined && (oldest === undefined || time < (oldest.oldestSealedTime as number))) oldest = log
    }

    return oldest
  }
}

/** App ids are used as directory names, so every character that could be special in a path is escaped. */
function directoryName(appId: string): string {
  if (appId === '') throw new RangeError('an app id cannot be empty')
  return encodeURIComponent(appId).replace(/\./g, '%2E').replace(/\*/g, '%2A')
}

function appIdOf(name: string): string | undefined {
  try {
    return decodeURIComponent(name)
  } catch {
    return undefined
  }
}
