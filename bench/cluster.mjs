#!/usr/bin/env node
// Router nodes on a NATS JetStream cluster (issue 11) against the single-machine router, in one run.
//
//   npm run build && node bench/cluster.mjs [--seconds 5] [--lines 100] [--inflight 8] [--cases single,1,2,3,failover-kill,failover-term]
//                                           [--latency-samples 1000]
//
// For each case: a fresh 3-server nats-server cluster (JetStream, file store, on 127.0.0.1, R3) and N router
// nodes (`bin/run.js serve --nats ...`, separate processes), or one router on its data directory (`single`,
// no NATS). This process sends text/plain POSTs of --lines lines each, --inflight at a time spread over
// the nodes, for a warm-up second then --seconds, and reports accepted lines per second and the CPU time
// (user + system from /proc) per line of the router processes and of the nats-servers. Then it tails the app
// from the first node (SSE) while posting one line every 5 ms through the last node, each line carrying its
// send time, and reports the latency from send to the tail's receipt, p50 and p99.
// Cases `failover-kill` and `failover-term`: the drain's failover. Node A (a process) creates an app with an
// HTTPS drain to a receiver in this process and so holds the drain's lease; node B starts; 100 lines/s are
// posted to B; A is stopped with SIGKILL (its lease runs out: TTL 10 s) or SIGTERM (it gives the lease back).
// Reports the time from the signal to the first frame delivered after it, the longest gap between frames,
// and that every accepted line arrived (after dedupe by Logplex-Frame-Id), none lost.
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {Pool, request} from 'undici'

const root = fileURLToPath(new URL('..', import.meta.url))
const {values: opts} = parseArgs({options: {
  cases: {default: 'single,1,2,3', type: 'string'},
  inflight: {default: '8', type: 'string'},
  'latency-samples': {default: '1000', type: 'string'},
  lines: {default: '100', type: 'string'},
  seconds: {default: '5', type: 'string'},
}})
const API_KEY = 'bench-key'
const TICKS = 100 // USER_HZ: /proc/PID/stat counts CPU time in these

const freePort = () => new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const {port} = server.address()
    server.close(() => resolve(port))
  })
})

function waitForOutput(child, text, what) {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000)
    const seen = (chunk) => {
      output += chunk
      const at = output.indexOf(text)
      if (at === -1) return
      clearTimeout(timer)
      resolve(output.slice(at))
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', seen)
  })
}

async function startNats(dir) {
  const ports = await Promise.all([0, 1, 2].map(() => freePort()))
  const routes = await Promise.all([0, 1, 2].map(() => freePort()))
  const servers = []
  for (let i = 0; i < 3; i++) {
    const config = join(dir, `n${i}.conf`)
    writeFileSync(config, `server_name: n${i}\nlisten: 127.0.0.1:${ports[i]}\njetstream {store_dir: "${join(dir, `n${i}`)}", max_file_store: 100GB}\n`
      + `cluster {name: bench, listen: 127.0.0.1:${routes[i]}, routes: [${routes.filter((_, j) => j !== i).map((port) => `nats-route://127.0.0.1:${port}`).join(', ')}]}\n`)
    const child = spawn('/usr/sbin/nats-server', ['-c', config], {stdio: ['ignore', 'pipe', 'pipe']})
    servers.push(child)
    await waitForOutput(child, 'Server is ready', `nats-server n${i}`)
  }

  return {servers, urls: ports.map((port) => `nats://127.0.0.1:${port}`)}
}

async function startRouter(dir, nats) {
  const args = ['bin/run.js', 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir]
  if (nats !== undefined) args.push('--nats', nats.join(','))
  const child = spawn(process.execPath, args, {cwd: root, env: {...process.env, LOGSIFT_API_KEY: API_KEY}, stdio: ['ignore', 'pipe', 'pipe']})
  const line = await waitForOutput(child, 'logsift router on ', 'the router')
  return {child, url: /logsift router on (\S+)/.exec(line)[1]}
}

async function api(url, method, path, body, headers = {}) {
  const response = await request(url + path, {body, headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${API_KEY}`, ...headers}, method})
  return {status: response.statusCode, text: await response.body.text()}
}

const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function until(what, check) {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function throughput(urls, routerPids, natsPids) {
  const lines = Number(opts.lines)
  const body = Array.from({length: lines}, (_, i) => `at=info method=GET path="/items/${i}" host=demo.herokuapp.com fwd="10.0.0.1" dyno=web.1 connect=1ms service=${i % 97}ms status=200 bytes=${1000 + i}`).join('\n')
  const pools = urls.map((url) => new Pool(url, {connections: Math.ceil(Number(opts.inflight) / urls.length)}))
  let accepted = 0
  let refused = 0
  let counting = false
  let running = true
  const worker = async (i) => {
    const pool = pools[i % pools.length]
    while (running) {
      const response = await pool.request({body, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'text/plain'}, method: 'POST', path: '/apps/bench/logs'})
      await response.body.dump()
      if (!counting) continue
      if (response.statusCode === 204) accepted += lines
      else refused++
    }
  }

  const workers = Array.from({length: Number(opts.inflight)}, (_, i) => worker(i))
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const before = {nats: natsPids.map(cpuTicks), routers: routerPids.map(cpuTicks)}
  counting = true
  const started = process.hrtime.bigint()
  await new Promise((resolve) => setTimeout(resolve, Number(opts.seconds) * 1000))
  counting = false
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const after = {nats: natsPids.map(cpuTicks), routers: routerPids.map(cpuTicks)}
  running = false
  await Promise.all(workers)
  await Promise.all(pools.map((pool) => pool.close()))
  const usPerLine = (part) => (after[part].reduce((sum, ticks, i) => sum + ticks - before[part][i], 0) / TICKS) * 1e6 / accepted
  return {linesPerSecond: accepted / seconds, natsUs: natsPids.length === 0 ? 0 : usPerLine('nats'), refused, routerUs: usPerLine('routers')}
}

async function tailLatency(tailUrl, postUrl) {
  const session = JSON.parse((await api(tailUrl, 'POST', '/apps/bench/log-sessions', JSON.stringify({lines: 0, tail: true}), {'content-type': 'application/json'})).text)
  const response = await request(session.logplex_url)
  const latencies = []
  const samples = Number(opts['latency-samples'])
  let buffered = ''
  response.body.setEncoding('utf8')
  response.body.on('data', (chunk) => {
    const now = performance.timeOrigin + performance.now()
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop()
    for (const line of lines) {
      const match = /sent=([\d.]+)/.exec(line)
      if (match) latencies.push(now - Number(match[1]))
    }
  })
  for (let i = 0; i < samples; i++) {
    const sent = performance.timeOrigin + performance.now()
    await api(postUrl, 'POST', '/apps/bench/logs', `latency probe ${i} sent=${sent.toFixed(3)}`, {'content-type': 'text/plain'})
    await new Promise((resolve) => setTimeout(resolve, 5))
  }

  await until('every probe on the tail', async () => latencies.length >= samples)
  response.body.destroy()
  latencies.sort((a, b) => a - b)
  return {p50: latencies[Math.floor(samples * 0.5)], p99: latencies[Math.floor(samples * 0.99)]}
}

async function runCase(name) {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-cluster-'))
  const nodes = name === 'single' ? 1 : Number(name)
  const nats = name === 'single' ? undefined : await startNats(dir)
  const routers = []
  try {
    for (let i = 0; i < nodes; i++) routers.push(await startRouter(join(dir, `router${i}`), nats?.urls))
    const urls = routers.map((router) => router.url)
    const created = await api(urls[0], 'POST', '/apps', JSON.stringify({name: 'bench'}), {'content-type': 'application/json'})
    if (created.status !== 201) throw new Error(`creating the app: ${created.status} ${created.text}`)
    for (const url of urls) await until('every node to know the app', async () => (await api(url, 'GET', '/apps/bench')).status === 200)
    const load = await throughput(urls, routers.map((router) => router.child.pid), nats?.servers.map((server) => server.pid) ?? [])
    const latency = await tailLatency(urls[0], urls.at(-1))
    return {name: name === 'single' ? 'single router (file log)' : `${nodes} node${nodes === 1 ? '' : 's'}, 3 NATS servers, R3`, ...load, ...latency}
  } finally {
    for (const router of routers) router.child.kill('SIGTERM')
    for (const server of nats?.servers ?? []) server.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    rmSync(dir, {force: true, recursive: true})
  }
}

/** A drain receiver: every frame's arrival time, and each line once (frames deduped by Logplex-Frame-Id). */
async function drainReceiver() {
  const frames = []
  const seen = new Set()
  const lines = []
  const server = createHttpServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const id = req.headers['logplex-frame-id']
      frames.push(performance.now())
      if (!seen.has(id)) {
        seen.add(id)
        for (const match of body.matchAll(/steady (\d+)/g)) lines.push(Number(match[1]))
      }

      res.writeHead(204).end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {close: () => server.close(), frames, lines, url: `http://127.0.0.1:${server.address().port}/logs`}
}

async function failover(signal) {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-failover-'))
  const nats = await startNats(dir)
  const receiver = await drainReceiver()
  const routers = []
  try {
    const a = await startRouter(join(dir, 'a'), nats.urls)
    routers.push(a)
    await api(a.url, 'POST', '/apps', JSON.stringify({name: 'bench'}), {'content-type': 'application/json'})
    const drain = JSON.parse((await api(a.url, 'POST', '/apps/bench/log-drains', JSON.stringify({url: receiver.url}), {'content-type': 'application/json'})).text)
    const holder = async (url) => JSON.parse((await api(url, 'GET', '/status')).text).apps.flatMap((app) => app.drains).find((each) => each.id === drain.id)?.node
    await until('node A to hold the drain', async () => typeof (await holder(a.url)) === 'string')
    const held = await holder(a.url)
    const b = await startRouter(join(dir, 'b'), nats.urls)
    routers.push(b)
    await until('node B to know the app', async () => (await api(b.url, 'GET', '/apps/bench')).status === 200)
    let sent = 0
    const accepted = []
    let running = true
    const stream = (async () => {
      while (running) {
        const n = sent++
        if ((await api(b.url, 'POST', '/apps/bench/logs', `steady ${n}`, {'content-type': 'text/plain'})).status === 204) accepted.push(n)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    await until('frames from node A', async () => receiver.lines.length >= 300)
    const stoppedAt = performance.now()
    a.child.kill(signal)
    await until('a frame after the stop', async () => receiver.frames.at(-1) > stoppedAt && (await holder(b.url)) !== held)
    const firstAfter = receiver.frames.find((time) => time > stoppedAt)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    running = false
    await stream
    await until('every accepted line delivered', async () => new Set(receiver.lines).size >= accepted.length)
    const gaps = receiver.frames.slice(1).map((time, i) => time - receiver.frames[i])
    const delivered = new Set(receiver.lines)
    return {
      duplicates: receiver.lines.length - delivered.size, failoverMs: firstAfter - stoppedAt, lines: accepted.length,
      lost: accepted.filter((n) => !delivered.has(n)).length, maxGapMs: Math.max(...gaps), signal,
    }
  } finally {
    for (const router of routers) router.child.kill('SIGKILL')
    for (const server of nats.servers) server.kill('SIGKILL')
    receiver.close()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    rmSync(dir, {force: true, recursive: true})
  }
}

const cases = opts.cases.split(',')
const failovers = []
for (const name of cases.filter((each) => each.startsWith('failover-'))) failovers.push(await failover(name === 'failover-kill' ? 'SIGKILL' : 'SIGTERM'))
if (failovers.length > 0) {
  console.log('| holder stopped with | time to the next frame | longest gap between frames | lines accepted | lost | delivered twice (deduped by frame id) |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const row of failovers) console.log(`| ${row.signal} | ${(row.failoverMs / 1000).toFixed(2)} s | ${(row.maxGapMs / 1000).toFixed(2)} s | ${row.lines} | ${row.lost} | ${row.duplicates} |`)
}

const rows = []
for (const name of cases.filter((each) => !each.startsWith('failover-'))) rows.push(await runCase(name))
if (rows.length > 0) {
  console.log('| case | lines/s | router CPU µs/line (all nodes) | nats-server CPU µs/line (all 3) | refused POSTs | tail latency p50 | p99 |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const row of rows) {
    console.log(`| ${row.name} | ${Math.round(row.linesPerSecond)} | ${row.routerUs.toFixed(1)} | ${row.natsUs.toFixed(1)} | ${row.refused} | ${row.p50.toFixed(1)} ms | ${row.p99.toFixed(1)} ms |`)
  }
}
