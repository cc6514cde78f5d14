import {stat} from 'node:fs/promises'

import type {Input} from '../sources/inputs.js'

import {isGzipFile} from '../sources/file.js'
import {formatBytes} from './units-format.js'

/** Inputs smaller than this finish before a bar would be any use. */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024
const REDRAW_MS = 100
const WIDTH = 30

/**
 * The total bytes to read when every input is a plain file (a gzip's bytes read are its uncompressed ones,
 * so its size says nothing about progress, and a FIFO or a device has no size), or undefined.
 */
export async function totalFileBytes(inputs: readonly Input[]): Promise<number | undefined> {
  let total = 0
  for (const input of inputs) {
    if (input.kind !== 'file' || (await isGzipFile(input.path))) return undefined
    const size = await stat(input.path).then((stats) => (stats.isFile() ? stats.size : undefined), () => undefined)
    if (size === undefined) return undefined
    total += size
  }

  return total
}

/** `[██████░░░░]  45%  171.2MB of 380.4MB` on one stderr line, redrawn at most every 100 ms. */
export class ProgressBar {
  private read = 0
  private drawnAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(bytes: number): void {
    this.read += bytes
    const now = this.now()
    if (now - this.drawnAt < REDRAW_MS) return
    this.drawnAt = now
    this.stream.write(`\r${progressLine(this.read, this.total)}`)
  }

  /** Erases the bar, so the report starts on a clean line. */
  done(): void {
    if (Number.isFinite(this.drawnAt)) this.stream.write('\r\u001B[K')
  }
}

export function progressLine(read: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, read / total) : 1
  const filled = Math.round(fraction * WIDTH)
  return `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(read)} of ${formatBytes(total)}`
}
