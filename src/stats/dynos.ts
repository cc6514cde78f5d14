import type {DynoStats} from './types.js'

import {measureIn} from '../query/units.js'
import {CappedMap, type CappedMapState} from './capped-map.js'

/** Dynos tracked one by one; one-off `run.NNNN` dynos past this share `(other)`. */
const MAX_DYNOS = 1000
const MIB = 1024 * 1024

const MEMORY_TOTAL = ' sample#memory_total='
const PROCESS_MEM = 'Process running mem='
const STATE_CHANGED = 'State changed from '

/**
 * Heroku's own lines about a dyno (`heroku[web.1]: ...`): memory from runtime metrics and from
 * `Process running mem=`, R14/R15 counts, and restarts and crashes from state changes.
 */
export class DynoAggregator {
  private readonly dynos = new CappedMap<DynoStats>(MAX_DYNOS, (dyno) => ({
    crashes: 0, dyno, peakMemoryMB: null, peakProcessMemoryMB: null, r14: 0, r15: 0, restarts: 0,
  }))

  /** A `heroku[DYNO]` line that is not the router's. */
  addPlatformLine(message: string, dyno: string): void {
    if (message.startsWith(STATE_CHANGED)) {
      if (message.endsWith(' to crashed')) this.dynos.get(dyno).crashes++
      else if (message.endsWith(' to starting')) this.dynos.get(dyno).restarts++
    } else if (message.startsWith(PROCESS_MEM)) {
      const mb = processMemoryMB(message)
      if (!Number.isNaN(mb)) {
        const entry = this.dynos.get(dyno)
        entry.peakProcessMemoryMB = Math.max(entry.peakProcessMemoryMB ?? 0, mb)
      }
    } else {
      const mb = memoryTotalMB(message)
      if (!Number.isNaN(mb)) {
        // Runtime metrics name their dyno in `source=` too; the header's dyno is the same one.
        const entry = this.dynos.get(dyno)
        entry.peakMemoryMB = Math.max(entry.peakMemoryMB ?? 0, round2(mb))
      }
    }
  }

  /** An error code on a dyno's line: R14 and R15 are counted per dyno. */
  addErrorCode(code: string, dyno: string): void {
    if (code === 'R14') this.dynos.get(dyno).r14++
    else if (code === 'R15') this.dynos.get(dyno).r15++
  }

  /** The dynos as plain data. */
  state(): CappedMapState<DynoStats> {
    return this.dynos.state((dyno) => ({...dyno}))
  }

  /** Adds the dynos of the next part of the stream: counts add up, peaks are the higher. */
  merge(other: CappedMapState<DynoStats>): void {
    this.dynos.merge(other, (dyno, state) => {
      dyno.crashes += state.crashes
      dyno.restarts += state.restarts
      dyno.r14 += state.r14
      dyno.r15 += state.r15
      dyno.peakMemoryMB = higher(dyno.peakMemoryMB, state.peakMemoryMB)
      dyno.peakProcessMemoryMB = higher(dyno.peakProcessMemoryMB, state.peakProcessMemoryMB)
    })
  }

  result(): DynoStats[] {
    const dynos = [...this.dynos.entries.values()]
    dynos.sort((a, b) => a.dyno.localeCompare(b.dyno, 'en', {numeric: true}))
    if (this.dynos.overflow) dynos.push(this.dynos.overflow)
    return dynos
  }
}

/** `sample#memory_total=211.32MB` in a runtime-metrics line, in MB; NaN when absent or not a size. */
function memoryTotalMB(message: string): number {
  const at = message.indexOf(MEMORY_TOTAL)
  if (at === -1) return Number.NaN
  const start = at + MEMORY_TOTAL.length
  let end = message.indexOf(' ', start)
  if (end === -1) end = message.length
  return measureIn(message.slice(start, end), 'bytes') / MIB
}

function higher(a: null | number, b: null | number): null | number {
  if (a === null) return b
  return b === null ? a : Math.max(a, b)
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

/** `Process running mem=696M(135.9%)`: Heroku's `M` is MiB. */
function processMemoryMB(message: string): number {
  let end = PROCESS_MEM.length
  while (end < message.length && message.charCodeAt(end) !== 0x28) end++ // (
  const text = message.slice(PROCESS_MEM.length, end)
  if (text.endsWith('M')) return Number(text.slice(0, -1))
  if (text.endsWith('G')) return Number(text.slice(0, -1)) * 1024
  return measureIn(text, 'bytes') / MIB
}
