#!/usr/bin/env node
// Ingest throughput of `logsift serve` over logplex-1 POSTs, against a bare Node HTTP server in the same run.
//
//   npm run build && node bench/ingest.mjs [--rounds 3] [--seconds 5] [--frames 200] [--connections 4]
//                                          [--inflight 16] [--sessions 5] [--cases bare,router,sessions]
//                                          [--cpu-prof DIR] [--base CHECKOUT]
//                                          (cases also: always)
//
// Four processes, all on 127.0.0.1: this one (orchestration only), the server under test (`bin/run.js serve`
// from dist/, or a bare `http.createServer` that reads each body and answers 204), a load client (an undici
// Pool with --inflight POSTs queued over --connections keep-alive connections, one on the wire per connection;
// bodies built beforehand),
// and, for the router with sessions, a reader holding --sessions tailing SSE sessions open and reading them
// continuously. Each round measures the bare server, the router with no session and the router with
// --sessions, each for a warm-up second then --seconds; the medians are printed with the ratio to the bare
// server (target: the router with sessions at >= 50% of it), and the server's CPU time per accepted message
// (user + system, from /proc, so Linux only). --cases runs a subset (e.g. `sessions` alone with --cpu-prof,
// to profile the router under that load only; with --base and `always`, their profiles go to DIR/base and DIR/always). --base CHECKOUT adds a case `base`: the router of another
// build (an older commit's checkout, built), measured in the same rounds, for before/after figures that
// share one machine state. The case `always` is the router of this build with `--fsync always` (each POST
// answered once its batch is on disk), in the same rounds as the default (`interval`).
//
// Bodies are --frames octet-counted frames of `gen-heroku-logs.mjs` lines (seed 1), written as Heroku's HTTPS
// drains write them: `LEN <190>1 TIMESTAMP host SOURCE DYNO - MESSAGE\n`.
import {execFileSync, fork} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, get} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {nextMessage} from './lib/child.mjs'
import {cpuMs, startRouter} from './lib/router.mjs'

const here = fileURLToPath(import.meta.url)
const {values: opts} = parseArgs({
  options: {
    connections: {default: '4', type: 'string'},
    cases: {default: 'bare,router,sessions', type: 'string'},
    base: {type: 'string'},
    'cpu-prof': {type: 'string'},
    frames: {default: '200', type: 'string'},
    inflight: {default: '16', type: 'string'},
    role: {default: 'main', type: 'string'},
    rounds: {default: '3', type: 'string'},
    seconds: {default: '5', type: 'string'},
    sessions: {default: '5', type: 'string'},
  },
})

let routerCount = 0
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

switch (opts.role) {
  case 'bare': {
    await bareServer()
    break
  }

  case 'client': {
    await loadClient()
    break
  }

  case 'tails': {
    await tailReader()
    break
  }

  default: {
    await main()
  }
}

/** The baseline: reads each request body to its end and answers 204, nothing else. */
async function bareServer() {
  const server = createServer((req, res) => {
    req.on('data', () => {})
    req.on('end', () => {
      res.writeHead(204)
      res.end()
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => process.send({port: server.address().port}))
  process.on('disconnect', () => process.exit(0))
}

/** Turns `TIMESTAMP SOURCE[DYNO]: MESSAGE` lines into logplex-1 bodies of `frames` frames each. */
function buildBodies(linesFile, frames) {
  const frameOf = (line) => {
    const match = /^(\S+) ([^\s[]+)\[([^\s\]]+)\]: (.*)$/.exec(line)
    if (match === null) throw new Error(`not a heroku logs line: ${line}`)
    const msg = `<190>1 ${match[1]} host ${match[2]} ${match[3]} - ${match[4]}\n`
    return `${Buffer.byteLength(msg)} ${msg}`
  }

  const lines = readFileSync(linesFile, 'utf8').split('\n').filter(Boolean)
  const bodies = []
  for (let i = 0; i + frames <= lines.length; i += frames) {
    bodies.push(Buffer.from(lines.slice(i, i + frames).map(frameOf).join('')))
  }

  return bodies
}

/**
 * Keeps `inflight` POSTs going until told to stop; counts the 204s that complete inside the measured window
 * (after `warmupMs`), and anything that is not a 204.
 */
async function loadClient() {
  const {Pool} = await import('undici')
  const {connections, durationMs, frames, inflight, linesFile, token, url, warmupMs} = JSON.parse(process.env.INGEST_CLIENT)
  const bodies = buildBodies(linesFile, frames)
  const pool = new Pool(url, {connections, keepAliveTimeout: 60_000, pipelining: 1})
  const headers = {
    authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'),
    'content-type': 'application/logplex-1',
    'logplex-msg-count': String(frames),
  }

  let next = 0
  let ok = 0
  let accepted = 0
  let failed = 0
  let firstFailure
  let measuring = false
  let stopped = false
  const worker = async () => {
    while (!stopped) {
      const body = bodies[next++ % bodies.length]
      try {
        const response = await pool.request({body, headers, method: 'POST', path: '/logs'})
        await response.body.dump()
        if (response.statusCode !== 204) {
          failed++
          firstFailure ??= `HTTP ${response.statusCode}`
        } else {
          accepted++
          if (measuring && !stopped) ok++
        }
      } catch (error) {
        failed++
        firstFailure ??= error.message
      }
    }
  }

  const workers = Array.from({length: inflight}, worker)
  await sleep(warmupMs)
  measuring = true
  const start = performance.now()
  await sleep(durationMs)
  stopped = true
  const elapsedMs = performance.now() - start
  await Promise.all(workers)
  await pool.close()
  process.send({acceptedMessages: accepted * frames, elapsedMs, failed, firstFailure, messages: ok * frames, requests: ok})
  process.disconnect()
}

/**
 * Holds tailing SSE sessions open and reads everything they send. Per chunk it only looks for the last event
 * id and for L11 lines (and the count they give), so reading stays cheap: messages received = last id -
 * first id + 1 - dropped.
 */
async function tailReader() {
  const urls = JSON.parse(process.env.INGEST_TAILS)
  const sessions = urls.map(() => ({bytes: 0, dropped: 0, firstId: undefined, lastId: undefined}))
  const ID = Buffer.from('\nid: ')
  const L11 = Buffer.from('This tail session dropped ')
  const numberAt = (chunk, at) => {
    let number = 0
    for (let i = at; chunk[i] >= 0x30 && chunk[i] <= 0x39; i++) number = number * 10 + chunk[i] - 0x30
    return number
  }
  const idAt = (chunk, at) => numberAt(chunk, at + ID.length)

  const responses = []
  await Promise.all(urls.map((url, index) => new Promise((resolve, reject) => {
    const req = get(url, {headers: {accept: 'text/event-stream'}}, (res) => {
      if (res.statusCode !== 200) reject(new Error(`session ${url}: HTTP ${res.statusCode}`))
      responses.push(res)
      const session = sessions[index]
      res.on('data', (chunk) => {
        session.bytes += chunk.length
        // The first event of a chunk may open it without the newline before `id:`.
        if (session.firstId === undefined) {
          const opens = chunk.indexOf('id: ') === 0
          const first = opens ? -1 : chunk.indexOf(ID)
          if (opens || first !== -1) session.firstId = idAt(chunk, first)
        }

        const last = chunk.lastIndexOf(ID)
        if (last !== -1) session.lastId = idAt(chunk, last)
        // An L11 line cut by a chunk boundary would be missed; they are rare and short, so this is close enough.
        for (let at = chunk.indexOf(L11); at !== -1; at = chunk.indexOf(L11, at + 1)) session.dropped += numberAt(chunk, at + L11.length)
      })
      resolve()
    })
    req.on('error', reject)
  })))
  process.send({ready: true})
  process.on('message', () => {
    for (const res of responses) res.destroy()
    process.send({sessions})
    process.disconnect()
  })
}

/** A router with the app `demo`, its data under `dir`. */
async function startDemoRouter(dir, cpuProf, checkout, args = []) {
  const router = await startRouter({args, checkout, dataDir: join(dir, `router-${routerCount++}`), nodeArgs: cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProf]})
  const app = await router.api('POST', '/apps', {name: 'demo'})
  return {...router, token: app.log_input_token}
}

async function measure(target, linesFile, sessionUrls) {
  let tails
  if (sessionUrls.length > 0) {
    tails = fork(here, ['--role', 'tails'], {env: {...process.env, INGEST_TAILS: JSON.stringify(sessionUrls)}})
    await nextMessage(tails)
  }

  const cpuBefore = cpuMs(target.pid)
  const client = fork(here, ['--role', 'client'], {
    env: {
      ...process.env,
      INGEST_CLIENT: JSON.stringify({
        connections: Number(opts.connections),
        durationMs: Number(opts.seconds) * 1000,
        frames: Number(opts.frames),
        inflight: Number(opts.inflight),
        linesFile,
        token: target.token,
        url: target.url,
        warmupMs: 1000,
      }),
    },
  })
  const result = await nextMessage(client)
  // Server CPU per message over the whole run, warm-up included: unlike messages/s, it hardly moves with
  // whatever else the machine is doing.
  result.cpuNsPerMessage = (cpuMs(target.pid) - cpuBefore) * 1e6 / result.acceptedMessages
  if (result.failed > 0) throw new Error(`${result.failed} POSTs failed, the first with ${result.firstFailure}`)
  if (tails !== undefined) {
    // Let the sessions take what was accepted last, then ask what they got.
    await sleep(500)
    tails.send('stop')
    result.sessions = (await nextMessage(tails)).sessions
  }

  return {...result, rate: result.messages / (result.elapsedMs / 1000)}
}


function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-ingest-'))
  const linesFile = join(dir, 'lines.log')
  const corpus = fileURLToPath(new URL('../scripts/gen-heroku-logs.mjs', import.meta.url))
  writeFileSync(linesFile, execFileSync(process.execPath, [corpus, '--lines', '20000', '--seed', '1'], {maxBuffer: 64 * 1024 * 1024}))

  const cases = new Set(opts.cases.split(','))
  const bare = fork(here, ['--role', 'bare'])
  const {port} = await nextMessage(bare)
  const bareTarget = {pid: bare.pid, token: 't.00000000-0000-4000-8000-000000000000', url: `http://127.0.0.1:${port}`}
  const router = await startDemoRouter(dir, opts['cpu-prof'])
  const base = opts.base === undefined ? undefined : await startDemoRouter(dir, opts['cpu-prof'] === undefined ? undefined : join(opts['cpu-prof'], 'base'), opts.base)
  const always = cases.has('always') ? await startDemoRouter(dir, opts['cpu-prof'] === undefined ? undefined : join(opts['cpu-prof'], 'always'), undefined, ['--fsync', 'always']) : undefined
  const sessionCount = Number(opts.sessions)
  const rates = {always: [], bare: [], base: [], router: [], sessions: []}
  const cpu = {always: [], bare: [], base: [], router: [], sessions: []}
  const deliveries = []
  try {
    for (let round = 1; round <= Number(opts.rounds); round++) {
      const figures = []
      if (cases.has('bare')) {
        const run = await measure(bareTarget, linesFile, [])
        rates.bare.push(run.rate)
        cpu.bare.push(run.cpuNsPerMessage)
        figures.push(`bare ${fmt(rates.bare.at(-1))}`)
      }

      if (cases.has('router')) {
        const run = await measure(router, linesFile, [])
        rates.router.push(run.rate)
        cpu.router.push(run.cpuNsPerMessage)
        figures.push(`router ${fmt(rates.router.at(-1))}`)
      }

      if (always !== undefined) {
        const run = await measure(always, linesFile, [])
        rates.always.push(run.rate)
        cpu.always.push(run.cpuNsPerMessage)
        figures.push(`router --fsync always ${fmt(rates.always.at(-1))}`)
      }

      if (base !== undefined) {
        const run = await measure(base, linesFile, [])
        rates.base.push(run.rate)
        cpu.base.push(run.cpuNsPerMessage)
        figures.push(`base router ${fmt(rates.base.at(-1))}`)
      }

      if (cases.has('sessions')) {
        const urls = []
        for (let i = 0; i < sessionCount; i++) urls.push((await router.api('POST', '/apps/demo/log-sessions', {lines: 0, tail: true})).logplex_url)
        const tailed = await measure(router, linesFile, urls)
        rates.sessions.push(tailed.rate)
        cpu.sessions.push(tailed.cpuNsPerMessage)
        figures.push(`router + ${sessionCount} sessions ${fmt(tailed.rate)}`)
        const got = tailed.sessions.map((s) => (s.lastId === undefined ? 0 : s.lastId - s.firstId + 1 - s.dropped))
        const dropped = tailed.sessions.map((s) => s.dropped)
        deliveries.push(`round ${round}: each session received ${got.map(fmt).join(' / ')} messages, dropped (L11) ${dropped.map(fmt).join(' / ')}`)
      }

      console.log(`round ${round}: ${figures.join(', ')} msg/s`)
    }
  } finally {
    await router.stop()
    await base?.stop()
    await always?.stop()
    bare.kill()
    rmSync(dir, {force: true, recursive: true})
  }

  const bareRate = rates.bare.length === 0 ? undefined : median(rates.bare)
  const line = (name, key) => {
    const rate = median(rates[key])
    const share = bareRate === undefined ? '' : `${(rate / bareRate * 100).toFixed(0).padStart(5)}% of bare`
    console.log(`${name.padEnd(28)} ${fmt(rate).padStart(12)} msg/s${share}   server CPU ${median(cpu[key]).toFixed(0).padStart(5)} ns/msg`)
  }

  console.log(`\nmedian of ${opts.rounds} rounds, ${opts.seconds} s each, ${opts.frames} frames per POST, ${opts.inflight} POSTs queued on ${opts.connections} keep-alive connections:`)
  if (rates.bare.length > 0) line('bare node:http server', 'bare')
  if (rates.router.length > 0) line('logsift serve, 0 sessions', 'router')
  if (rates.always.length > 0) line('logsift serve --fsync always', 'always')
  if (rates.base.length > 0) line(`base ${opts.base}, 0 sessions`, 'base')
  if (rates.sessions.length > 0) line(`logsift serve, ${sessionCount} sessions`, 'sessions')
  for (const delivery of deliveries) console.log(`  ${delivery}`)
  if (rates.base.length > 0 && rates.router.length > 0) {
    console.log(`this / base: ${(median(rates.router) / median(rates.base) * 100).toFixed(0)}% of the base's msg/s, ${(median(cpu.router) / median(cpu.base) * 100).toFixed(0)}% of its CPU per message`)
  }

  // Each round measures its cases seconds apart: their ratio within a round moves less than the medians do
  // when the machine's speed drifts (a VM's neighbours).
  const perRound = (key) => rates[key].map((rate, i) => `${(rate / rates.base[i] * 100).toFixed(0)}%`).join(', ')
  if (rates.base.length > 0 && rates.router.length > 0) console.log(`  per round, this / base: ${perRound('router')}`)
  if (rates.base.length > 0 && rates.always.length > 0) console.log(`  per round, --fsync always / base: ${perRound('always')}`)
  if (rates.base.length > 0 && rates.always.length > 0) {
    console.log(`--fsync always / base: ${(median(rates.always) / median(rates.base) * 100).toFixed(0)}% of the base's msg/s, ${(median(cpu.always) / median(cpu.base) * 100).toFixed(0)}% of its CPU per message`)
  }

  if (bareRate !== undefined && rates.sessions.length > 0) {
    const ratio = median(rates.sessions) / bareRate
    console.log(`target (${sessionCount} sessions >= 50% of bare): ${ratio >= 0.5 ? 'met' : 'missed'} at ${(ratio * 100).toFixed(0)}%`)
  }
}

function fmt(rate) {
  return Math.round(rate).toLocaleString('en-US')
}
