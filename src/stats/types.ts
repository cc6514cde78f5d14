import type {LevelName} from '../parse/record.js'
import type {Dimension} from '../query/units.js'

/** What `logs:stats` computes, as `--json` prints it. Times are RFC 3339 in UTC; durations are in ms. */
export interface Stats {
  records: number
  /** The earliest and latest record time, and records per second between them. */
  span: Span
  /** Records by source (`app`, `heroku`; `(none)` for lines without a header), most first. */
  sources: Count[]
  /** Records by dyno type, the part of the dyno before the first dot (`web` for `web.1`), most first. */
  dynoTypes: Count[]
  /** Records by level, most severe first, every level listed. */
  levels: Record<LevelName, number>
  router: RouterStats
  /** Every Heroku error code seen, most frequent first. */
  errors: ErrorCodeCount[]
  /** Per dyno, the ones with memory samples, memory errors or state changes, by name. */
  dynos: DynoStats[]
  /** With `--by`. */
  groups?: Groups
  /** With `--value` (and no `--by`): the field over every record that has it. */
  value?: ValueSummary
}

export interface Span {
  first: null | string
  last: null | string
  seconds: number
  perSecond: number
}

export interface Count {
  key: string
  count: number
}

export interface Percentiles {
  count: number
  min: null | number
  p50: null | number
  p90: null | number
  p99: null | number
  max: null | number
}

export interface RouterStats {
  requests: number
  /** Requests per bucket of `intervalSeconds`, every bucket from the first request to the last. */
  intervalSeconds: number
  perInterval: Array<{start: string; count: number}>
  statusClasses: Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'other', number>
  /** The most frequent statuses (`--top`), most first. */
  statuses: Array<{status: number; count: number}>
  /** Router `connect` and `service`, in ms. */
  connect: Percentiles
  service: Percentiles
  /** Distinct normalised paths (capped; later ones count under `(other)`). */
  paths: number
  /** The top paths by request count, and by p99 of `service`. */
  topPathsByCount: PathStats[]
  topPathsByP99: PathStats[]
}

export interface PathStats {
  path: string
  count: number
  /** `service`, in ms. */
  p50: null | number
  p99: null | number
  max: null | number
}

export interface ErrorCodeCount {
  code: string
  title: string
  cause: string
  count: number
  first: null | string
  last: null | string
}

export interface DynoStats {
  dyno: string
  r14: number
  r15: number
  /** Peak `sample#memory_total` (runtime metrics), in MB (MiB, as Heroku writes them). */
  peakMemoryMB: null | number
  /** Peak `Process running mem=` (written when the dyno is over its quota), in MB. */
  peakProcessMemoryMB: null | number
  /** `State changed from … to starting`. */
  restarts: number
  /** `State changed from … to crashed`. */
  crashes: number
}

export interface Groups {
  by: string
  /** Distinct values kept: at most 10,000, after which new values count under `(other)` and `capped` is true. */
  distinct: number
  capped: boolean
  /** Records that had no value for the key. */
  missing: number
  /** The most frequent groups (`--top`), most first; with `--value`, each has its summary. */
  top: Array<{key: string; count: number; value?: ValueSummary}>
}

export interface ValueSummary extends Percentiles {
  key: string
  sum: number
  /** What the numbers are: `time` in ms, `bytes` in bytes, or `count` (bare numbers). */
  dimension: Dimension
  unit: 'bytes' | 'ms' | ''
  /** Records whose value was not a number, or a number of another dimension. */
  skipped: number
}
