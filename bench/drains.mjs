#!/usr/bin/env node
// Drain delivery of `logsift serve`: messages/s delivered to one HTTPS drain and one syslog drain at once,
// against the ingest rate with no drain, in the same run; and the delivery latency from ingest to receiver.
//
//   npm run build && node bench/drains.mjs [--rounds 3] [--seconds 5] [--frames 200] [--inflight 16]
//                                          [--rate 1000] [--latency-seconds 5]
//                                          [--cpu-prof DIR]
//
// Processes, all on 127.0.0.1: this one (orchestration), the router (`bin/run.js serve` from dist/), the
// receivers (an HTTP server answering 204 that counts `Logplex-Msg-Count`, and a TCP server that counts
// octet-counted frames), and a load client (an undici Pool keeping --inflight logplex-1 POSTs of --frames
// messages in flight). Each round measures, for --seconds after a warm-up second, the router with an app
// without drains, then an app with both drains: messages accepted per second, and delivered per second to
// each drain (counted at the receivers while the load runs, then what the drains still deliver within 10 s
// after it stops). Then the latency: --rate messages/s for --latency-seconds, in POSTs of 10 messages, each
// message carrying the time it was sent; the receivers take the difference on arrival (both clocks are
// `performance.timeOrigin + performance.now()` on one machine).
import {fork} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer as createTcpServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {nextMessage} from './lib/child.mjs'
import {cpuMs, startRouter} from './lib/router.mjs'

const here = fileURLToPath(import.meta.url)
const {values: opts} = parseArgs({
  options: {
    'cpu-prof': {type: 'string'},
    frames: {default: '200', type: 'string'},
    inflight: {default: '16', type: 'string'},
    'latency-seconds': {default: '5', type: 'string'},
    rate: {default: '1000', type: 'string'},
    role: {default: 'main', type: 'string'},
    rounds: {default: '3', type: 'string'},
    seconds: {default: '5', type: 'string'},
  },
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const clock = () => performance.timeOrigin + performance.now()

switch (opts.role) {
  case 'receivers': {
    await receivers()
    break
  }

  case 'client': {
    await loadClient()
    break
  }

  default: {
    await main()
  }
}

/** `t=EPOCH_MS` in a message: the time the client sent it. */
const SENT = /t=(\d+\.\d+)/

/**
 * The HTTPS drain's receiver (plain HTTP: TLS would measure OpenSSL, not the drain) and the syslog drain's.
 * Counts messages; with latency on, records each message's delay. Answers `{http, syslog, latencies}` to
 * 'report' and resets on 'reset'.
 */
async function receivers() {
  let counts = {http: 0, syslog: 0}
  let latencies = {http: [], syslog: []}
  let measureLatency = false
  const record = (kind, text) => {
    const now = clock()
    for (const match of text.matchAll(/t=(\d+\.\d+)/g)) latencies[kind].push(now - Number(match[1]))
  }

  const http = createHttpServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => measureLatency && chunks.push(chunk))
    req.on('end', () => {
      counts.http += Number(req.headers['logplex-msg-count'])
      if (measureLatency) record('http', Buffer.concat(chunks).toString())
      res.writeHead(204)
      res.end()
    })
  })
  http.keepAliveTimeout = 60_000
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))

  const syslog = createTcpServer((socket) => {
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      let at = 0
      for (;;) {
        const space = pending.indexOf(0x20, at)
        if (space === -1) break
        const length = Number(pending.toString('latin1', at, space))
        if (space + 1 + length > pending.length) break
        counts.syslog++
        if (measureLatency) record('syslog', pending.toString('latin1', space + 1, space + 1 + length))
        at = space + 1 + length
      }

      pending = pending.subarray(at)
    })
    socket.on('error', () => {})
  })
  await new Promise((resolve) => syslog.listen(0, '127.0.0.1', resolve))

  process.on('message', (message) => {
    if (message.type === 'reset') {
      counts = {http: 0, syslog: 0}
      latencies = {http: [], syslog: []}
      measureLatency = message.latency
      process.send({type: 'reset'})
    } else {
      process.send({...counts, latencies, type: 'report'})
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({http: http.address().port, syslog: syslog.address().port})
}

function body(frames, sent) {
  let text = ''
  for (let i = 0; i < frames; i++) {
    const msg = `<190>1 2024-05-01T12:00:00.000000+00:00 host app web.1 - at=info method=GET path="/items/${i}" host=bench.example.com status=200 bytes=512 t=${sent ?? clock().toFixed(3)}\n`
    text += `${Buffer.byteLength(msg)} ${msg}`
  }

  return Buffer.from(text)
}

/** Throughput: --inflight POSTs of --frames messages; latency: POSTs of 10 stamped messages at --rate. */
async function loadClient() {
  const {Pool} = await import('undici')
  const {durationMs, frames, inflight, mode, rate, token, url, warmupMs} = JSON.parse(process.env.DRAINS_CLIENT)
  const pool = new Pool(url, {connections: 4, keepAliveTimeout: 60_000, pipelining: 1})
  const headers = {authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'), 'content-type': 'application/logplex-1'}
  const post = async (payload, count) => {
    const response = await pool.request({body: payload, headers: {...headers, 'logplex-msg-count': String(count)}, method: 'POST', path: '/logs'})
    await response.body.dump()
    if (response.statusCode !== 204) throw new Error(`POST /logs answered ${response.statusCode}`)
  }

  const start = Date.now()
  const measureFrom = start + warmupMs
  const end = measureFrom + durationMs
  let accepted = 0
  if (mode === 'latency') {
    const perPost = 10
    const interval = (1000 * perPost) / rate
    for (let next = Date.now(); next < end; next += interval) {
      await sleep(Math.max(0, next - Date.now()))
      const stamp = clock().toFixed(3)
      await post(body(perPost, stamp), perPost)
      accepted += perPost
    }
  } else {
    const payload = body(frames, '0.000')
    const worker = async () => {
      while (Date.now() < end) {
        await post(payload, frames)
        if (Date.now() >= measureFrom && Date.now() < end) accepted += frames
      }
    }

    await Promise.all(Array.from({length: inflight}, worker))
  }

  await pool.close()
  process.send({accepted, seconds: mode === 'latency' ? (end - start) / 1000 : durationMs / 1000})
}

async function runClient(config) {
  const child = fork(here, ['--role', 'client'], {env: {...process.env, DRAINS_CLIENT: JSON.stringify(config)}})
  const result = await nextMessage(child)
  child.disconnect()
  return result
}

function percentile(sorted, p) {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
}

async function main() {
  const rounds = Number(opts.rounds)
  const seconds = Number(opts.seconds)
  const frames = Number(opts.frames)
  const inflight = Number(opts.inflight)
  const dataDir = mkdtempSync(join(tmpdir(), 'logsift-bench-drains-'))
  const router = await startRouter({dataDir, nodeArgs: opts['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof']]})
  const receiver = fork(here, ['--role', 'receivers'])
  const ports = await nextMessage(receiver)
  const ask = async (message) => {
    const answer = nextMessage(receiver)
    receiver.send(message)
    return answer
  }

  try {
    const plain = await router.api('POST', '/apps', {name: 'no-drains'})
    const drained = await router.api('POST', '/apps', {name: 'two-drains'})
    const https = await router.api('POST', '/apps/two-drains/log-drains', {url: `http://user:secret@127.0.0.1:${ports.http}/logplex`})
    const syslog = await router.api('POST', '/apps/two-drains/log-drains', {url: `syslog://127.0.0.1:${ports.syslog}`})
    const common = {durationMs: seconds * 1000, frames, inflight, mode: 'throughput', url: router.url, warmupMs: 1000}
    const rates = {delivered: {http: [], syslog: []}, drained: [], plain: []}
    // Router CPU per message ingested: on 2 cores the receivers and the client compete with it for the CPU.
    const cpu = {drained: [], plain: []}
    let dropped = 0
    for (let round = 1; round <= rounds; round++) {
      let cpuBefore = cpuMs(router.pid)
      const bare = await runClient({...common, token: plain.log_input_token})
      rates.plain.push(bare.accepted / bare.seconds)
      cpu.plain.push((1000 * (cpuMs(router.pid) - cpuBefore)) / (bare.accepted * (1 + common.warmupMs / common.durationMs)))

      await ask({latency: false, type: 'reset'})
      const before = await Promise.all([https, syslog].map((drain) => router.api('GET', `/apps/two-drains/log-drains/${drain.id}`)))
      cpuBefore = cpuMs(router.pid)
      const loaded = await runClient({...common, token: drained.log_input_token})
      const during = await ask({type: 'report'})
      cpu.drained.push((1000 * (cpuMs(router.pid) - cpuBefore)) / (loaded.accepted * (1 + common.warmupMs / common.durationMs)))
      rates.drained.push(loaded.accepted / loaded.seconds)
      // Delivered while the load ran (warm-up included, over the whole run), as a rate over the same time.
      const runSeconds = loaded.seconds + common.warmupMs / 1000
      rates.delivered.http.push(during.http / runSeconds)
      rates.delivered.syslog.push(during.syslog / runSeconds)
      for (let waited = 0; waited < 10_000; waited += 100) {
        const states = await Promise.all([https, syslog].map((drain) => router.api('GET', `/apps/two-drains/log-drains/${drain.id}`)))
        if (states.every((state) => state.delivery.lag === 0)) {
          dropped += states.reduce((sum, state, i) => sum + state.delivery.dropped - before[i].delivery.dropped, 0)
          break
        }

        await sleep(100)
      }

      console.log(`round ${round}: no drains ${Math.round(rates.plain.at(-1))}/s; with two drains ingest ${Math.round(rates.drained.at(-1))}/s, delivered https ${Math.round(rates.delivered.http.at(-1))}/s, syslog ${Math.round(rates.delivered.syslog.at(-1))}/s`)
    }

    await ask({latency: true, type: 'reset'})
    const paced = await runClient({durationMs: Number(opts['latency-seconds']) * 1000, mode: 'latency', rate: Number(opts.rate), token: drained.log_input_token, url: router.url, warmupMs: 0})
    await sleep(1000)
    const {latencies} = await ask({type: 'report'})

    const plainRate = median(rates.plain)
    const drainedRate = median(rates.drained)
    console.log(`\nmedian of ${rounds} rounds of ${seconds} s, ${inflight} POSTs of ${frames} messages in flight:`)
    console.log(`  ingest, app without drains:           ${Math.round(plainRate)} messages/s`)
    console.log(`  ingest, app with an HTTPS and a syslog drain: ${Math.round(drainedRate)} messages/s (${(100 * (1 - drainedRate / plainRate)).toFixed(1)}% lower; target < 30%)`)
    console.log(`  router CPU per 1,000 messages ingested: ${median(cpu.plain).toFixed(3)} ms without drains, ${median(cpu.drained).toFixed(3)} ms with both drains`)
    console.log(`  delivered to the HTTPS drain:         ${Math.round(median(rates.delivered.http))} messages/s`)
    console.log(`  delivered to the syslog drain:        ${Math.round(median(rates.delivered.syslog))} messages/s`)
    console.log(`  dropped (L10 or refused), all rounds: ${dropped}`)
    for (const kind of ['http', 'syslog']) {
      const sorted = latencies[kind].sort((a, b) => a - b)
      console.log(`  latency to the ${kind === 'http' ? 'HTTPS' : 'syslog'} drain at ${opts.rate} messages/s (${sorted.length}/${paced.accepted} arrived): p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`)
    }
  } finally {
    receiver.disconnect()
    await router.stop()
    rmSync(dataDir, {force: true, recursive: true})
  }
}
