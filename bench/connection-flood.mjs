#!/usr/bin/env node
// API latency with and without a connection flood, in the same run: p50, p99 and max of CALLS sequential
// `GET /apps/demo` from 127.0.0.1, first on a quiet router, then while scripts/flood.mjs holds SYSLOG idle
// syslog TCP connections and SLOWLORIS slow HTTP requests open from 127.0.0.2 (reopening what is closed).
//
//   npm run build && node bench/connection-flood.mjs [CALLS] [SYSLOG] [SLOWLORIS]     (default 1000 2000 600)
//
// Each call is a new connection (as a script calling the API once would open), so admission is measured too.
// Also sends one syslog line over a new TCP connection during the flood and reports how long until the API
// shows it.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {request} from 'undici'

const calls = Number(process.argv[2] ?? 1000)
const syslogConnections = process.argv[3] ?? '2000'
const slowloris = process.argv[4] ?? '600'
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'logsift-flood-'))
const apiKey = 'bench-' + Math.random().toString(36).slice(2)

const children = []
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM')
  rmSync(dir, {force: true, recursive: true})
})

/** Spawns `args` and resolves with it once a line of its stdout matches `pattern`, and with the match. */
async function start(args, pattern, env = process.env) {
  const child = spawn(process.execPath, args, {cwd: root, env, stdio: ['ignore', 'pipe', 'inherit']})
  children.push(child)
  let out = ''
  const match = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk
      const found = pattern.exec(out)
      if (found !== null) resolve(found)
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)))
  })
  return {child, match, output: () => out}
}

const router = await start(
  ['bin/run.js', 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', join(dir, 'router')],
  / on (http:\/\/\S+) .*syslog tcp:\/\/[\d.]+:(\d+)/,
  {...process.env, LOGSIFT_API_KEY: apiKey},
)
const [, url, syslogPort] = router.match
const headers = {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${apiKey}`}

async function api(method, path, body, signal) {
  const response = await request(url + path, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: {...headers, 'content-type': 'application/json', connection: 'close'},
    method,
    signal,
  })
  const text = await response.body.text()
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`)
  return text
}

/** Latencies of the calls that were answered, and how many were not (refused, reset, or no answer in 10 s). */
async function latencies() {
  const times = []
  let failed = 0
  for (let i = 0; i < calls; i++) {
    const start = performance.now()
    try {
      await api('GET', '/apps/demo', undefined, AbortSignal.timeout(10_000))
      times.push(performance.now() - start)
    } catch {
      failed++
    }
  }

  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN
  return {failed, max: times.at(-1) ?? Number.NaN, p50: at(0.5), p99: at(0.99)}
}

/** Sends one line over a new TCP connection; resolves with the ms until a log session shows it (undefined: 30 s passed). */
async function syslogToApi() {
  const marker = `flood-bench-${Date.now()}`
  const start = performance.now()
  const socket = connect(Number(syslogPort), '127.0.0.1')
  socket.on('error', (error) => console.error(`legitimate syslog sender: ${error.message}`))
  socket.end(`<13>1 ${new Date().toISOString()} host demo web.1 - ${marker}\n`)
  while (performance.now() - start < 30_000) {
    const shown = await api('POST', '/apps/demo/log-sessions', {lines: 1500}, AbortSignal.timeout(5000))
      .then(async (text) => (await request(JSON.parse(text).logplex_url)).body.text())
      .catch(() => '')
    if (shown.includes(marker)) return performance.now() - start
  }

  return undefined
}

await api('POST', '/apps', {name: 'demo'})
const quiet = await latencies()
const flood = await start([
  'scripts/flood.mjs', '--from', '127.0.0.2', '--http-port', new URL(url).port, '--syslog-port', syslogPort,
  '--syslog', syslogConnections, '--slowloris', slowloris,
], /ready\n/)
const attacked = await latencies()
const syslogMs = await syslogToApi()
flood.child.kill('SIGTERM')
await new Promise((resolve) => flood.child.once('exit', resolve))

const ms = (value) => value.toFixed(1).padStart(8)
console.log(`${calls} x GET /apps/demo, new connection each, ms      p50      p99      max  failed`)
console.log(`quiet                                             ${ms(quiet.p50)} ${ms(quiet.p99)} ${ms(quiet.max)} ${String(quiet.failed).padStart(7)}`)
console.log(`${syslogConnections} idle syslog + ${slowloris} slowloris from 127.0.0.2  ${ms(attacked.p50)} ${ms(attacked.p99)} ${ms(attacked.max)} ${String(attacked.failed).padStart(7)}`)
console.log(`p99 ratio (flood / quiet): ${(attacked.p99 / quiet.p99).toFixed(2)}`)
console.log(`a syslog line sent during the flood was in the API after ${syslogMs === undefined ? 'more than 30,000' : syslogMs.toFixed(0)} ms`)
console.log(`flood: ${flood.output().trim().split('\n').at(-1)}`)
