#!/usr/bin/env node
// `logs` on one thread against the default (worker threads), by CPU time (user + system) as well as wall time,
// with peak RSS: on a shared machine CPU time is the steadier figure, and it says what a spare core would give.
// Runs are interleaved (each round runs every build and job once), and medians are printed.
//
//   node bench/threads-cpu.mjs [--runs 3] [--base OTHER_CHECKOUT] [--lines 2000000]
//
// With --base, the same jobs also run with another build (an older commit's checkout, built), with
// `--threads 1` and `--threads 2`. Needs GNU time (/usr/bin/time).
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {cpus} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

const {values} = parseArgs({options: {base: {type: 'string'}, lines: {default: '2000000', type: 'string'}, runs: {default: '3', type: 'string'}}})
const root = new URL('..', import.meta.url).pathname
const corpus = join(root, 'bench', 'data', `gen-heroku-logs-${values.lines}.log`)
if (!existsSync(corpus)) execFileSync(process.execPath, [join(root, 'scripts', 'gen-heroku-logs.mjs'), '--lines', values.lines, '--seed', '1', '--out', corpus], {stdio: 'inherit'})
const out = join(root, 'bench', 'out')
execFileSync('mkdir', ['-p', out])

const jobs = [
  {args: ['-o', 'raw', '--where', 'status>=500'], name: 'where'},
  {args: ['-o', 'json', '--level', 'warn'], name: 'json-warn'},
  {args: ['--color', 'always'], name: 'pretty'},
  {args: ['-o', 'raw', '-n', '10'], name: 'last-10'},
]
const builds = [
  ...(values.base ? [{bin: join(values.base, 'bin', 'run.js'), name: 'base --threads 1', threads: ['--threads', '1']}, {bin: join(values.base, 'bin', 'run.js'), name: 'base --threads 2', threads: ['--threads', '2']}] : []),
  {bin: join(root, 'bin', 'run.js'), name: 'this --threads 1', threads: ['--threads', '1']},
  {bin: join(root, 'bin', 'run.js'), name: 'this default', threads: []},
]

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
console.log(`corpus: ${corpus} (${(statSync(corpus).size / 1e6).toFixed(0)} MB); node ${process.version}; ${cpus().length} cores; load before: ${load()}`)
const results = new Map()
for (let round = 0; round < Number(values.runs); round++) {
  for (const job of jobs) {
    for (const build of builds) {
      const output = join(out, `cpu-${job.name}-${build.name.replaceAll(/\W+/g, '_')}.txt`)
      const timing = join(out, 'cpu-time.txt')
      const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timing, process.execPath, build.bin, 'logs', corpus, ...job.args, ...build.threads], {stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 2 ** 31})
      if (run.status !== 0) throw new Error(`${build.name} ${job.name}: exit ${run.status}`)
      execFileSync('bash', ['-c', 'cat > "$0"', output], {input: run.stdout})
      const [wall, user, system, kb] = readFileSync(timing, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
      const key = `${job.name}|${build.name}`
      if (!results.has(key)) results.set(key, {cpu: [], output, rss: [], wall: []})
      const result = results.get(key)
      result.cpu.push(user + system)
      result.wall.push(wall)
      result.rss.push(kb / 1024)
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
for (const job of jobs) {
  const outputs = builds.map((build) => readFileSync(results.get(`${job.name}|${build.name}`).output))
  const same = outputs.every((bytes) => bytes.equals(outputs[0]))
  console.log(`\n${job.name}: logs ${job.args.join(' ')} (outputs ${same ? 'identical' : 'DIFFERENT'})`)
  for (const build of builds) {
    const {cpu, rss, wall} = results.get(`${job.name}|${build.name}`)
    console.log(`  ${build.name.padEnd(18)} cpu ${median(cpu).toFixed(2)} s [${cpu.map((x) => x.toFixed(2)).join(' ')}]  wall ${median(wall).toFixed(2)} s  peak ${Math.max(...rss).toFixed(0)} MB`)
  }
}

console.log(`\nload after: ${load()}`)
