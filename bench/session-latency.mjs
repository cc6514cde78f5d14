#!/usr/bin/env node
// Ingest-to-screen latency: how long a message POSTed to `logsift serve` takes to reach the stdout of a
// `logsift logs -a demo --tail`, and, in the same run, to reach a bare SSE reader of a session (the router's
// share of it).
//
//   npm run build && node bench/session-latency.mjs [MESSAGES]     (default 300, one every 10-30 ms)
//
// Starts `bin/run.js serve` on free loopback ports, creates the app `demo`, runs `bin/run.js logs -a demo
// --tail -o raw` against it (LOGSIFT_API_URL, LOGSIFT_API_KEY) and opens one SSE session itself. Then POSTs
// one logplex-1 frame at a time over a keep-alive connection, stamps the time just before each request, and
// the time each line arrives on either reader. Prints p50, p99 and max for both (target: p50 and p99 under
// 20 ms for the CLI). A CLI without `logs -a` (it exits at once) leaves the SSE reader's figures only, and the
// output says so.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {get} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Pool} from 'undici'

import {startRouter} from './lib/router.mjs'

const messages = Number(process.argv[2] ?? 300)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'logsift-latency-'))
const apiKey = 'bench-' + Math.random().toString(36).slice(2)
const env = {...process.env, LOGSIFT_API_KEY: apiKey}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const children = []
// Whatever goes wrong, the router and the CLI must not outlive the benchmark.
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM')
})
process.on('uncaughtException', (error) => {
  console.error(error)
  process.exit(1)
})
const router = await startRouter({apiKey, dataDir: join(dir, 'router')})
children.push(router.child)
const {api, url} = router

const {log_input_token: token} = await api('POST', '/apps', {name: 'demo'})

/** Calls `onLine` with each complete line of a stream of text chunks, and the time its chunk arrived. */
function lineReader(onLine) {
  let pending = ''
  return (chunk) => {
    const now = performance.now()
    pending += chunk
    let newline
    while ((newline = pending.indexOf('\n')) !== -1) {
      onLine(pending.slice(0, newline), now)
      pending = pending.slice(newline + 1)
    }
  }
}

const postedAt = new Map()
const arrivals = {cli: new Map(), sse: new Map()}
const record = (reader) => (line, now) => {
  const id = /bench-latency (\d+)$/.exec(line)?.[1]
  if (id !== undefined && !arrivals[reader].has(Number(id))) arrivals[reader].set(Number(id), now)
}

const cli = spawn(process.execPath, [bin, 'logs', '-a', 'demo', '--tail', '-o', 'raw', '-n', '0'], {
  env: {...env, LOGSIFT_API_URL: url},
  stdio: ['ignore', 'pipe', 'inherit'],
})
children.push(cli)
let cliExit
cli.once('exit', (code) => (cliExit = code))
cli.stdout.setEncoding('utf8')
cli.stdout.on('data', lineReader(record('cli')))

const {logplex_url: sessionUrl} = await api('POST', '/apps/demo/log-sessions', {lines: 0, tail: true})
const sse = get(sessionUrl, {headers: {accept: 'text/event-stream'}}, (res) => {
  res.setEncoding('utf8')
  res.on('data', lineReader(record('sse')))
})
sse.on('error', () => {})

const pool = new Pool(url, {connections: 1})
const headers = {authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'), 'content-type': 'application/logplex-1', 'logplex-msg-count': '1'}
async function post(id) {
  const msg = `<190>1 ${new Date().toISOString()} host app web.1 - bench-latency ${id}\n`
  postedAt.set(id, performance.now())
  const response = await pool.request({body: `${Buffer.byteLength(msg)} ${msg}`, headers, method: 'POST', path: '/logs'})
  await response.body.dump()
  if (response.statusCode !== 204) throw new Error(`POST /logs: HTTP ${response.statusCode}`)
}

// Warm up until both readers see what is posted (the CLI has connected its session), then forget those.
const WARMUP_BASE = 1_000_000
for (let i = 0; ; i++) {
  if (i === 300) throw new Error('the readers saw nothing after several seconds of posting')
  await post(WARMUP_BASE + i)
  await sleep(20)
  if ((arrivals.cli.size > 0 || cliExit !== undefined) && arrivals.sse.size > 0) break
}

const readers = [['sse', 'bare SSE reader']]
if (cliExit === undefined) readers.unshift(['cli', '`logsift logs -a demo --tail` stdout'])
else console.log(`\`logsift logs -a demo --tail\` exited (${cliExit}) instead of tailing: measuring ingest -> SSE client only`)

await sleep(200)
for (let id = 0; id < messages; id++) {
  await post(id)
  await sleep(10 + Math.random() * 20)
}

const deadline = Date.now() + 5000
const done = () => readers.every(([reader]) => [...arrivals[reader].keys()].filter((id) => id < WARMUP_BASE).length === messages)
while (!done() && Date.now() < deadline) await sleep(10)
await pool.close()
sse.destroy()
for (const child of children) child.kill('SIGTERM')
rmSync(dir, {force: true, recursive: true})

let missing = 0
for (const [reader, name] of readers) {
  const latencies = []
  for (let id = 0; id < messages; id++) {
    const at = arrivals[reader].get(id)
    if (at === undefined) missing++
    else latencies.push(at - postedAt.get(id))
  }

  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1)
  console.log(`${name}: ${latencies.length}/${messages} messages, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`)
}

console.log('target: p50 and p99 under 20 ms (for the CLI)')
if (missing > 0) process.exitCode = 1
