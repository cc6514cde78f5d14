#!/usr/bin/env node
// Ingest throughput of `logsift serve` with 0, 10 and 100 alert rules on the app receiving the load, in one run:
// the cost per rule.
//
//   npm run build && node bench/alerts.mjs [--rounds 3] [--seconds 5] [--frames 200] [--connections 4] [--inflight 16]
//
// Three routers (`bin/run.js serve` from dist/), each with an app `demo` carrying 0, 10 or 100 alert rules, take
// logplex-1 POSTs of `gen-heroku-logs.mjs` lines (seed 1) from bench/ingest.mjs's load client, in turn, each
// round. The rules cycle through five kinds, as a user would write them: a count of router 5xx lines, a 5xx
// rate, a p99 of service on router lines, an absent on a worker dyno, and a count of error-level lines
// matching a regex. Their webhooks point at a closed port: a rule that fires costs a failed POST, not a wait.
// Prints the median messages/s and the server's CPU time per message (user + system, /proc: Linux only).
import {execFileSync, fork} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {cpuMs, startRouter} from './lib/router.mjs'

const {values: opts} = parseArgs({
  options: {
    connections: {default: '4', type: 'string'},
    frames: {default: '200', type: 'string'},
    inflight: {default: '16', type: 'string'},
    rounds: {default: '3', type: 'string'},
    seconds: {default: '5', type: 'string'},
  },
})

const ingest = fileURLToPath(new URL('ingest.mjs', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))
const RULE_COUNTS = [0, 10, 100]

/** The i-th rule: five kinds in turn. */
function rule(i) {
  const notify = ['http://127.0.0.1:9/alerts']
  const name = `rule-${i}`
  switch (i % 5) {
    case 0: return {dyno: 'router', name, notify, when: 'count > 1000 in 5m', where: 'status>=500'}
    case 1: return {name, notify, when: 'rate(status>=500) > 50%'}
    case 2: return {dyno: 'router', name, notify, when: 'p99(service) > 30s in 5m'}
    case 3: return {dyno: 'worker.1', name, notify, when: 'absent 1h'}
    default: return {grep: 'timeout|refused', level: 'error', name, notify, when: 'count > 100000 in 1m'}
  }
}

/** A router with the app `demo` carrying `rules` alert rules. */
async function startAlertingRouter(dir, rules) {
  const router = await startRouter({dataDir: join(dir, `router-${rules}`)})
  const app = await router.api('POST', '/apps', {name: 'demo'})
  for (let i = 0; i < rules; i++) await router.api('POST', '/apps/demo/alerts', rule(i))
  return {...router, rules, token: app.log_input_token}
}

async function measure(target, linesFile) {
  const cpuBefore = cpuMs(target.pid)
  const client = fork(ingest, ['--role', 'client'], {
    env: {
      ...process.env,
      INGEST_CLIENT: JSON.stringify({
        connections: Number(opts.connections), durationMs: Number(opts.seconds) * 1000, frames: Number(opts.frames),
        inflight: Number(opts.inflight), linesFile, token: target.token, url: target.url, warmupMs: 1000,
      }),
    },
  })
  const result = await new Promise((resolve, reject) => {
    client.once('message', resolve)
    client.once('exit', (code) => reject(new Error(`load client exited (${code})`)))
  })
  if (result.failed > 0) throw new Error(`${result.failed} POSTs failed, the first with ${result.firstFailure}`)
  return {cpuNsPerMessage: (cpuMs(target.pid) - cpuBefore) * 1e6 / result.acceptedMessages, rate: result.messages / (result.elapsedMs / 1000)}
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')

const dir = mkdtempSync(join(tmpdir(), 'logsift-alerts-bench-'))
const linesFile = join(dir, 'lines.log')
writeFileSync(linesFile, execFileSync(process.execPath, [join(root, 'scripts', 'gen-heroku-logs.mjs'), '--lines', '20000', '--seed', '1'], {maxBuffer: 64 * 1024 * 1024}))
const routers = []
try {
  for (const rules of RULE_COUNTS) routers.push(await startAlertingRouter(dir, rules))
  const rates = new Map(RULE_COUNTS.map((rules) => [rules, []]))
  const cpu = new Map(RULE_COUNTS.map((rules) => [rules, []]))
  for (let round = 1; round <= Number(opts.rounds); round++) {
    const figures = []
    for (const router of routers) {
      const run = await measure(router, linesFile)
      rates.get(router.rules).push(run.rate)
      cpu.get(router.rules).push(run.cpuNsPerMessage)
      figures.push(`${router.rules} rules ${fmt(run.rate)}`)
    }

    console.log(`round ${round}: ${figures.join(', ')} msg/s`)
  }

  console.log(`\nmedian of ${opts.rounds} rounds, ${opts.seconds} s each, ${opts.frames} frames per POST, ${opts.inflight} POSTs queued on ${opts.connections} connections:`)
  const base = median(cpu.get(0))
  for (const rules of RULE_COUNTS) {
    const rate = median(rates.get(rules))
    const ns = median(cpu.get(rules))
    const perRule = rules === 0 ? '' : `   ${((ns - base) / rules).toFixed(0).padStart(5)} ns/msg per rule`
    console.log(`${`${rules} alert rules`.padEnd(16)} ${fmt(rate).padStart(10)} msg/s ${(rate / median(rates.get(0)) * 100).toFixed(0).padStart(4)}%   server CPU ${ns.toFixed(0).padStart(6)} ns/msg${perRule}`)
  }
} finally {
  for (const router of routers) await router.stop()
  rmSync(dir, {force: true, recursive: true})
}
