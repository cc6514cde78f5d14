#!/usr/bin/env node
// Start-up of `logsift logs` on a small file against `node -e 0`, by turns: each round runs every command once,
// so a machine that slows down or speeds up mid-run weighs on all of them alike (this VM's `node -e 0` has
// ranged from 59 to 133 ms between sessions).
//
//   npm run build && node bench/start-up.mjs [--rounds 40] [--base CHECKOUT]
//
// Prints each command's median and mean wall time and its median's ratio to `node -e 0`'s (issue 12's goal
// for `logs examples/heroku.log --level warn`: at most 2.5x). --base CHECKOUT adds the same `logs` command run
// by another build (an older commit's worktree, built), in the same rounds, and the median of the rounds'
// differences. Outputs go to /dev/null; the script first checks that both builds print the same.
import {execFileSync, spawnSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const {values: opts} = parseArgs({options: {base: {type: 'string'}, rounds: {default: '40', type: 'string'}}})
const rounds = Number(opts.rounds)
const logsArgs = (checkout) => [join(checkout, 'bin', 'run.js'), 'logs', join(root, 'examples', 'heroku.log'), '--level', 'warn']
const commands = [
  {args: ['-e', '0'], name: 'node -e 0'},
  {args: [join(root, 'bin', 'run.js'), '--version'], name: 'logsift --version'},
  {args: logsArgs(root), name: 'logsift logs examples/heroku.log --level warn'},
  ...(opts.base === undefined ? [] : [{args: logsArgs(opts.base), name: `base ${opts.base}: same logs command`}]),
]

if (opts.base !== undefined) {
  const output = (checkout) => execFileSync(process.execPath, logsArgs(checkout), {encoding: 'utf8'})
  if (output(root) !== output(opts.base)) throw new Error(`${opts.base} prints other output for the logs command`)
}

const times = commands.map(() => [])
for (let round = 0; round < rounds; round++) {
  for (const [i, {args}] of commands.entries()) {
    const started = process.hrtime.bigint()
    const run = spawnSync(process.execPath, args, {stdio: 'ignore'})
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}`)
    times[i].push(Number(process.hrtime.bigint() - started) / 1e6)
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length
const nodeMedian = median(times[0])
console.log(`${rounds} rounds by turns; node ${process.version}`)
for (const [i, {name}] of commands.entries()) {
  const ratio = i === 0 ? '' : `  ${(median(times[i]) / nodeMedian).toFixed(2)}x node -e 0`
  console.log(`${median(times[i]).toFixed(1).padStart(8)} ms median ${mean(times[i]).toFixed(1).padStart(8)} ms mean  ${name}${ratio}`)
}

if (opts.base !== undefined) {
  // Each round's two runs came one after the other: their difference cancels most of the machine's drift.
  const differences = times[2].map((time, round) => time - times[3][round])
  console.log(`this build minus the base, median of the rounds' differences: ${median(differences).toFixed(1)} ms`)
}
