import type {LogRecord} from '../parse/record.js'
import type {PathStats, RouterStats} from './types.js'

import {CappedMap, type CappedMapState} from './capped-map.js'
import {Distribution, type DistributionState} from './distribution.js'
import {normalizePath} from './paths.js'
import {percentilesOf} from './percentiles.js'
import {RouterLineReader} from './router-line.js'
import {TimeBuckets, type TimeBucketsState} from './time-buckets.js'

/** Distinct normalised paths kept; a site with more routes than this counts the rest under `(other)`. */
const MAX_PATHS = 5000
/** Per path, `service` is exact up to this many requests, then sketched (see Distribution). */
const PATH_EXACT_LIMIT = 256

interface PathEntry {
  count: number
  service: Distribution
}

/** A RouterAggregator as plain data. */
export interface RouterState {
  requests: number
  /** [status, count] of the statuses seen. */
  statuses: Array<[number, number]>
  connect: DistributionState
  service: DistributionState
  paths: CappedMapState<{count: number; service: DistributionState}>
  buckets: TimeBucketsState
}

/** Router lines (`heroku[router]`): requests over time, statuses, timings and paths. */
export class RouterAggregator {
  requests = 0
  /** Counts by status, indexed by the status itself (HTTP statuses are three digits). */
  private readonly statusCounts = new Float64Array(1000)
  // Router timings are whole milliseconds: counted per value, they stay exact.
  private readonly connect = new Distribution(undefined, true)
  private readonly service = new Distribution(undefined, true)
  private readonly paths = new CappedMap<PathEntry>(MAX_PATHS, () => ({count: 0, service: new Distribution(PATH_EXACT_LIMIT)}), 0)
  private readonly buckets: TimeBuckets
  private readonly reader = new RouterLineReader()

  /** `intervalMs` undefined: a width that fits the span (see TimeBuckets). */
  constructor(intervalMs: number | undefined) {
    this.buckets = new TimeBuckets(intervalMs)
  }

  /** A router line, and its time (NaN when it has none). */
  add(record: LogRecord, time: number): void {
    this.requests++
    if (!Number.isNaN(time)) this.buckets.add(time)

    const {reader} = this
    const message = record.message
    reader.reset(message)
    const path = reader.string(' path=') ?? oldRouterPath(message)
    const connect = reader.millis(' connect=')
    if (!Number.isNaN(connect)) this.connect.add(connect)
    const service = reader.millis(' service=')
    if (!Number.isNaN(service)) this.service.add(service)
    const status = reader.integer(' status=')
    if (status < 1000) this.statusCounts[status]++

    if (path !== undefined) {
      const entry = this.paths.get(normalizePath(path))
      entry.count++
      if (!Number.isNaN(service)) entry.service.add(service)
    }
  }

  /** The router's aggregates as plain data. */
  state(): RouterState {
    const statuses: Array<[number, number]> = []
    for (const [status, count] of this.statusCounts.entries()) if (count > 0) statuses.push([status, count])
    return {
      buckets: this.buckets.state(),
      connect: this.connect.state(),
      paths: this.paths.state((entry) => ({count: entry.count, service: entry.service.state()})),
      requests: this.requests,
      service: this.service.state(),
      statuses,
    }
  }

  /** Adds the router lines of the next part of the stream. */
  merge(other: RouterState): void {
    this.requests += other.requests
    for (const [status, count] of other.statuses) this.statusCounts[status] += count
    this.connect.merge(other.connect)
    this.service.merge(other.service)
    this.paths.merge(other.paths, (entry, state) => {
      entry.count += state.count
      entry.service.merge(state.service)
    })
    this.buckets.merge(other.buckets)
  }

  result(top: number): RouterStats {
    const classes: RouterStats['statusClasses'] = {'1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0}
    const statuses: RouterStats['statuses'] = []
    for (const [status, count] of this.statusCounts.entries()) {
      if (count === 0) continue
      classes[statusClass(status)] += count
      statuses.push({count, status})
    }

    statuses.sort((a, b) => b.count - a.count || a.status - b.status)

    const paths: PathStats[] = []
    for (const [path, entry] of this.paths.entries) paths.push(pathStats(path, entry))
    if (this.paths.overflow) paths.push(pathStats('(other)', this.paths.overflow))
    const byCount = [...paths].sort((a, b) => b.count - a.count || a.path.localeCompare(b.path))
    // Equal p99s (common: router timings are whole ms, and timeouts all read 30000ms) go by count, then path.
    const byP99 = paths.filter((path) => path.p99 !== null).sort((a, b) => (b.p99 ?? 0) - (a.p99 ?? 0) || b.count - a.count || a.path.localeCompare(b.path))

    return {
      connect: percentilesOf(this.connect),
      intervalSeconds: this.buckets.widthMs / 1000,
      paths: this.paths.entries.size,
      perInterval: this.buckets.buckets().map((bucket) => ({count: bucket.count, start: new Date(bucket.start).toISOString()})),
      requests: this.requests,
      service: percentilesOf(this.service),
      statusClasses: classes,
      statuses: statuses.slice(0, top),
      topPathsByCount: byCount.slice(0, top),
      topPathsByP99: byP99.slice(0, top),
    }
  }
}

function pathStats(path: string, entry: PathEntry): PathStats {
  const summary = percentilesOf(entry.service)
  return {count: entry.count, max: summary.max, p50: summary.p50, p99: summary.p99, path}
}

function statusClass(status: number): keyof RouterStats['statusClasses'] {
  if (status >= 100 && status < 200) return '1xx'
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  if (status >= 500 && status < 600) return '5xx'
  return 'other'
}

/**
 * The request path of a pre-2013 router line (`Error H12 (Request timeout) -> GET host/path dyno=...`): the
 * part of `host/path` from its first `/`.
 */
function oldRouterPath(message: string): string | undefined {  const arrow = message.indexOf(' -> ')
  if (arrow === -1) return undefined
  const target = message.indexOf(' ', arrow + 4)
  if (target === -1) return undefined
  const end = message.indexOf(' ', target + 1)
  const hostAndPath = message.slice(target + 1, end === -1 ? message.length : end)
  const slash = hostAndPath.indexOf('/')
  return slash === -1 ? '/' : hostAndPath.slice(slash)
}
