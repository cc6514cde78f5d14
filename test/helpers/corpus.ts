import {execFileSync} from 'node:child_process'
import {join} from 'node:path'

import {ROOT} from './cli.js'

/** The project's corpus generator (deterministic: same seed, same lines). */
export const GENERATOR = join(ROOT, 'scripts', 'gen-heroku-logs.mjs')

export type CorpusFormat = 'ndjson' | 'syslog' | 'text'

/** A record as the generator's ndjson format writes it. */
export interface CorpusRecord {
  dyno: string
  fields: Record<string, unknown>
  kind: string
  level: string
  msg: string
  source: string
  time: string
}

/** The generator's raw output. */
export function generateBytes(lines: number, seed: number, format: CorpusFormat = 'text'): Buffer {
  return execFileSync(process.execPath, [GENERATOR, '--lines', String(lines), '--seed', String(seed), '--format', format], {
    maxBuffer: 1024 * 1024 * 1024,
  })
}

/** `lines` generated lines (without their newlines) in the given format. */
export function generate(lines: number, seed: number, format: CorpusFormat = 'text'): string[] {
  const result = generateBytes(lines, seed, format).toString('utf8').split('\n')
  if (result.at(-1) === '') result.pop()
  return result
}

/** `lines` generated records, as the ndjson format gives them. */
export function generateRecords(lines: number, seed: number): CorpusRecord[] {
  return generate(lines, seed, 'ndjson').map((line) => JSON.parse(line) as CorpusRecord)
}

/** The MESSAGE part of a generated `heroku logs` line. */
export function messageOf(line: string): string {
  const colon = line.indexOf(']: ')
  return line.slice(colon + 3)
}
