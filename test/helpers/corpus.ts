import {execFileSync} from 'node:child_process'
import {join} from 'node:path'

import {ROOT} from './cli.js'

/**
 * The project's shared corpus generator (deterministic: same seed, same lines), in `shared/` beside the
 * repository as the developers' guide lays it out; LOGSIFT_CORPUS_GENERATOR points elsewhere.
 */
export const GENERATOR = process.env.LOGSIFT_CORPUS_GENERATOR ?? join(ROOT, '..', 'shared', 'corpus', 'gen-heroku-logs.mjs')

/** `lines` generated lines (without their newlines) in the given format. */
export function generate(lines: number, seed: number, format: 'ndjson' | 'text' = 'text'): string[] {
  const out = execFileSync(process.execPath, [GENERATOR, '--lines', String(lines), '--seed', String(seed), '--format', format], {
    maxBuffer: 1024 * 1024 * 1024,
  }).toString('utf8')
  const result = out.split('\n')
  if (result.at(-1) === '') result.pop()
  return result
}

/** The MESSAGE part of a generated `heroku logs` line. */
export function messageOf(line: string): string {
  const colon = line.indexOf(']: ')
  return line.slice(colon + 3)
}
