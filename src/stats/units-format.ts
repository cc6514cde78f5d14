import type {Dimension} from '../query/units.js'

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A duration in ms as people read latencies: `0.4ms`, `23ms`, `1.25s`, `2.5m`, `195.7h`. */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 10 && !Number.isInteger(ms)) return `${trim(ms.toFixed(1))}ms`
  if (abs < 1000) return `${Math.round(ms)}ms`
  if (abs < 60_000) return `${trim((ms / 1000).toFixed(2))}s`
  if (abs < 3_600_000) return `${trim((ms / 60_000).toFixed(1))}m`
  return `${trim((ms / 3_600_000).toFixed(1))}h`
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const

/** Bytes in Heroku's spelling, powers of 1024: `512B`, `4.5kB`, `211.3MB`. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }

  return unit === 0 ? `${Math.round(value)}B` : `${trim(value.toFixed(1))}${BYTE_UNITS[unit]}`
}

const RATE_UNITS: ReadonlyArray<readonly [unit: string, seconds: number]> = [['s', 1], ['min', 60], ['h', 3600], ['d', 86_400]]

/** Records per second as people read a rate: per second, or per minute, hour or day below one a second (`2.5/h`). */
export function formatRate(perSecond: number): string {
  const [unit, seconds] = (perSecond === 0 ? RATE_UNITS[0] : RATE_UNITS.find(([, width]) => perSecond * width >= 1)) ?? RATE_UNITS.at(-1)!
  return `${formatNumber(perSecond * seconds)}/${unit}`
}

/** A measured number without a unit: up to 3 decimals (1 from 100 on), no grouping, like the logs write them. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n)
  return trim(n.toFixed(Math.abs(n) >= 100 ? 1 : 3))
}

/** A value in its dimension's base unit, for reading. */
export function formatQuantity(value: number, dimension: Dimension): string {
  if (dimension === 'time') return formatMs(value)
  if (dimension === 'bytes') return formatBytes(value)
  return formatNumber(value)
}

/** A span of time: `0.3s`, `12m 5s`, `3h 2m`, `2d 4h`. */
export function formatSpan(seconds: number): string {
  if (seconds < 60) return `${trim(seconds.toFixed(seconds < 10 ? 3 : 1))}s`
  const days = Math.floor(seconds / 86_400)
  const hours = Math.floor((seconds % 86_400) / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = Math.floor(seconds % 60)
  if (days > 0) return `${days}d ${hours}h`
  if (hours > 0) return `${hours}h ${minutes}m`
  return `${minutes}m ${rest}s`
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed
}
