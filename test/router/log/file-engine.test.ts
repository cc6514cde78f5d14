import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {FileLogEngine} from '../../../src/router/log/file-engine.js'
import {logEngineConformance} from './conformance.js'

const scratch: string[] = []
after(() => {
  for (const dir of scratch) rmSync(dir, {force: true, recursive: true})
})

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-log-'))
  scratch.push(dir)
  return dir
}

for (const fsync of ['always', 'interval', 'never'] as const) {
  logEngineConformance(`file engine, fsync ${fsync}`, {durable: true}, () => {
    const dir = freshDir()
    // Small segments and a dense index, so that the cases cross segment and index boundaries.
    return {open: ({now, retention}) => FileLogEngine.open({dir, fsync, indexIntervalBytes: 2048, now, retention, segmentBytes: 16 * 1024})}
  })
}
