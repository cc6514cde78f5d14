import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'

import {BIN, cliEnv, EXAMPLE_LOG, ROOT} from '../helpers/cli.js'

/** Runs the CLI with its standard output on /dev/full: every write fails with ENOSPC, as on a full disk. */
function toFullDisk(args: string[]) {
  const full = openSync('/dev/full', 'w')
  try {
    const run = spawnSync(process.execPath, [BIN, ...args], {cwd: ROOT, encoding: 'utf8', env: cliEnv({LOGSIFT_API_URL: 'http://127.0.0.1:9'}), stdio: ['ignore', full, 'pipe'], timeout: 60_000})
    return {code: run.status, stderr: run.stderr}
  } finally {
    closeSync(full)
  }
}

describe('a full disk under standard output', function () {
  this.timeout(120_000)
  const cases: string[][] = [
    ['logs', EXAMPLE_LOG],
    ['logs', EXAMPLE_LOG, '-o', 'json'],
    ['logs:stats', EXAMPLE_LOG],
    ['logs:stats', EXAMPLE_LOG, '--json'],
    ['errors'],
  ]
  for (const args of cases) {
    it(`${args.filter((arg) => arg !== EXAMPLE_LOG).join(' ')}: one line naming the failure, exit 2, no stack trace`, () => {
      const {code, stderr} = toFullDisk(args)
      assert.equal(code, 2, stderr)
      const lines = stderr.trim().split('\n')
      assert.equal(lines.length, 1, stderr)
      assert.match(lines[0], /cannot write output: ENOSPC: no space left on device/)
      assert.doesNotMatch(stderr, /\n\s+at /)
    })
  }
})
