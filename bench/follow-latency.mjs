#!/usr/bin/env node
// How long a line appended to a followed file takes to reach `logsift logs --tail`'s output.
//
//   node bench/follow-latency.mjs [LINES]      (default 200 lines, one every 20-70 ms)
//
// Appends one line at a time to a temporary file while `logsift logs -t FILE -o raw` runs, stamps the time
// of each append and of each output line's arrival, and prints p50, p99 and max (target: under 100 ms).
import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const lines = Number(process.argv[2] ?? 200)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'logsift-follow-'))
const file = join(dir, 'app.log')
writeFileSync(file, '')

const appendedAt = new Map()
const latencies = []
const child = spawn(process.execPath, [bin, 'logs', '--tail', file, '-o', 'raw'], {stdio: ['ignore', 'pipe', 'inherit']})
let pending = ''
child.stdout.on('data', (chunk) => {
  const now = performance.now()
  pending += chunk
  let newline
  while ((newline = pending.indexOf('\n')) !== -1) {
    const id = Number(/line (\d+)$/.exec(pending.slice(0, newline))?.[1])
    pending = pending.slice(newline + 1)
    if (appendedAt.has(id)) latencies.push(now - appendedAt.get(id))
  }
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
await sleep(1000) // let the follower start and reach the end of the empty file
for (let id = 0; id < lines; id++) {
  appendedAt.set(id, performance.now())
  appendFileSync(file, `2024-05-01T12:00:00.000000+00:00 app[web.1]: line ${id}\n`)
  await sleep(20 + Math.random() * 50)
}

const deadline = Date.now() + 5000
while (latencies.length < lines && Date.now() < deadline) await sleep(10)
child.kill('SIGTERM')
rmSync(dir, {force: true, recursive: true})

latencies.sort((a, b) => a - b)
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1)
console.log(`follow latency over ${latencies.length}/${lines} lines: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (target < 100 ms)`)
if (latencies.length < lines) process.exitCode = 1
