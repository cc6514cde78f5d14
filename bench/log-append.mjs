#!/usr/bin/env node
// Append and read throughput of the router's file log engine (src/router/log/), in this process, on a fresh
// directory under the system's temporary directory (a real disk, so fsync costs what it costs).
//
//   npm run build && node bench/log-append.mjs [--seconds 3] [--batch 100] [--appenders 16] [--rounds 5]
//                                              [--cases append,read,router]
//
// Messages are the router lines (`heroku[router]: at=info method=...`, ~250 bytes with their header) of
// `scripts/gen-heroku-logs.mjs --seed 1`, appended in batches of --batch (what one logplex POST brings).
// Cases, each for --seconds on its own directory:
//   never / interval / always   one appender awaiting each append, fsync as named (interval is the default)
//   always xN                   --appenders appenders at once on the same app: appends arriving while an
//                               fsync runs share the next one (group commit); prints appends per fsync
// For each: messages/s, MB/s of message text, CPU time per message (user + system of this process), bytes on
// disk per message (segments and time indexes). Then, on the interval case's log: reading it all from offset
// 1 in pages of 1,000, and the time to find a receive time (the sparse index's job).
// Last, the router's own ingest work in this process: a logplex body of 200 of the same lines as Heroku's
// drains frame them is decoded (`decodeLogplexBody`) alone, then decoded and published to the router's
// `LogHub`, which stores it in the file engine (fsync interval) before buffering it, one body per turn of the
// event loop; --rounds of each, alternating, best of each kept (CPU time, so other work on the machine
// disturbs it less than wall time). The end-to-end comparison with the in-memory router (HTTP included) is
// bench/ingest.mjs --base.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const here = fileURLToPath(new URL('.', import.meta.url))
const dist = process.env.LOGSIFT_DIST ?? join(here, '../dist')
const {FileLogEngine} = await import(join(dist, 'router/log/file-engine.js'))
const {decodeLogplexBody} = await import(join(dist, 'router/ingest/logplex-input.js'))
const {LogHub} = await import(join(dist, 'router/hub.js'))

const {values: opts} = parseArgs({
  options: {
    appenders: {default: '16', type: 'string'},
    batch: {default: '100', type: 'string'},
    cases: {default: 'append,read,router', type: 'string'},
    rounds: {default: '5', type: 'string'},
    seconds: {default: '3', type: 'string'},
  },
})
const seconds = Number(opts.seconds)
const batchSize = Number(opts.batch)
const appenders = Number(opts.appenders)

/** `TIMESTAMP heroku[router]: MESSAGE` lines of the corpus, as the engine stores them. */
function routerMessages() {
  const text = execFileSync(process.execPath, [join(here, '../scripts/gen-heroku-logs.mjs'), '--lines', '40000', '--seed', '1'], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  const messages = []
  for (const line of text.split('\n')) {
    const match = /^(\S+) (heroku)\[(router)\]: (.*)$/.exec(line)
    if (match !== null) messages.push({dyno: match[3], priority: 158, receivedAt: 0, source: match[2], text: match[4], timestamp: match[1]})
  }

  return messages
}

const corpus = routerMessages()
const lineBytes = corpus.reduce((sum, message) => sum + Buffer.byteLength(`${message.timestamp} ${message.source}[${message.dyno}]: ${message.text}`), 0) / corpus.length
const textBytes = corpus.reduce((sum, message) => sum + Buffer.byteLength(message.text), 0) / corpus.length
/** Batches prepared beforehand, their receive times set when appended (one clock read per batch). */
const batches = []
for (let at = 0; at + batchSize <= corpus.length; at += batchSize) batches.push(corpus.slice(at, at + batchSize).map((message) => ({...message})))

function stamp(batch) {
  const now = Date.now()
  for (const message of batch) message.receivedAt = now
  return batch
}

function diskBytes(dir) {
  let bytes = 0
  for (const app of readdirSync(dir)) for (const name of readdirSync(join(dir, app))) bytes += statSync(join(dir, app, name)).size
  return bytes
}

const dirs = []
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-log-'))
  dirs.push(dir)
  return dir
}

async function appendCase(name, fsync, concurrent) {
  const dir = fresh()
  const engine = await FileLogEngine.open({dir, fsync})
  const log = engine.app('bench')
  let appended = 0
  let appends = 0
  let next = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(Array.from({length: concurrent}, async () => {
    while (performance.now() < deadline) {
      const batch = stamp(batches[next++ % batches.length])
      await log.append(batch)
      appended += batch.length
      appends++
    }
  }))
  await engine.close()
  const elapsed = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  const result = {
    appendsPerFsync: engine.fsyncRounds > 0 ? appends / engine.fsyncRounds : undefined,
    bytesPerMessage: diskBytes(dir) / appended,
    cpuNsPerMessage: ((used.user + used.system) * 1000) / appended,
    dir,
    messagesPerSecond: appended / elapsed,
    name,
  }
  print(result)
  return result
}

function print({appendsPerFsync, bytesPerMessage, cpuNsPerMessage, messagesPerSecond, name}) {
  const mb = (messagesPerSecond * textBytes) / 1e6
  const perFsync = appendsPerFsync === undefined ? '' : `, ${appendsPerFsync.toFixed(1)} appends per fsync`
  console.log(`${name.padEnd(14)} ${fmt(messagesPerSecond)} msg/s (${mb.toFixed(1)} MB/s of text), ${cpuNsPerMessage.toFixed(0)} ns CPU/msg, ${bytesPerMessage.toFixed(1)} bytes on disk/msg${perFsync}`)
}

async function readCase(dir) {
  const engine = await FileLogEngine.open({dir})
  const log = engine.app('bench')
  const stats = await log.stats()
  let offset = stats.firstOffset
  let read = 0
  const start = performance.now()
  for (;;) {
    const page = await log.read({offset}, 1000)
    if (page.messages.length === 0) break
    read += page.messages.length
    offset = page.next
  }

  const elapsed = (performance.now() - start) / 1000
  console.log(`read all       ${fmt(read / elapsed)} msg/s (${((stats.bytes / elapsed) / 1e6).toFixed(0)} MB/s of log), ${fmt(read)} messages in pages of 1,000`)

  const first = (await log.read({offset: stats.firstOffset}, 1)).messages[0].receivedAt
  const last = (await log.read({offset: stats.nextOffset - 1}, 1)).messages[0].receivedAt
  const lookups = 200
  const lookupStart = performance.now()
  for (let i = 0; i < lookups; i++) await log.read({time: first + ((last - first) * i) / lookups}, 100)
  const lookupMs = (performance.now() - lookupStart) / lookups
  console.log(`read at a time ${lookupMs.toFixed(2)} ms per lookup of 100 messages (${lookups} receive times spread over ${fmt(stats.bytes / 1e6)} MB, ${stats.segments} segments)`)
  await engine.close()
}

/** Logplex bodies of 200 router lines each, framed as Heroku's drains frame them. */
function logplexBodies() {
  const bodies = []
  for (let at = 0; at + 200 <= corpus.length; at += 200) {
    const frames = corpus.slice(at, at + 200).map((message) => {
      const syslog = `<158>1 ${message.timestamp} host ${message.source} ${message.dyno} - ${message.text}\n`
      return `${Buffer.byteLength(syslog)} ${syslog}`
    })
    bodies.push(Buffer.from(frames.join('')))
  }

  return bodies
}

/**
 * CPU ns per message of `ingest(body)` over the bodies, for about a second, one body per turn of the event
 * loop as POSTs arrive, so that the engine's writes progress between them as they would in the router.
 */
async function cpuPerMessage(bodies, ingest) {
  let messages = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  while (performance.now() - start < 1000) {
    for (const body of bodies) {
      messages += ingest(body)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  const used = process.cpuUsage(cpu)
  return ((used.user + used.system) * 1000) / messages
}

async function routerCase() {
  const bodies = logplexBodies()
  const dir = fresh()
  const engine = await FileLogEngine.open({dir})
  // The router's hub over the file engine: decoded, stored, numbered and buffered, as a POST's lines are.
  const hub = new LogHub(1500, engine)
  const decode = (body) => decodeLogplexBody(body, '200', 1024 * 1024, Date.now())
  const withoutEngine = (body) => decode(body).length
  const withEngine = (body) => {
    const entries = decode(body)
    hub.publish('bench', entries)
    return entries.length
  }

  const best = {with: Infinity, without: Infinity}
  for (let round = 0; round < Number(opts.rounds); round++) {
    best.without = Math.min(best.without, await cpuPerMessage(bodies, withoutEngine))
    best.with = Math.min(best.with, await cpuPerMessage(bodies, withEngine))
  }

  await engine.close()
  console.log(`router ingest  decode alone ${best.without.toFixed(0)} ns CPU/msg; decode + the hub storing in the file engine (fsync interval) ${best.with.toFixed(0)} ns (end to end against the in-memory router: bench/ingest.mjs --base)`)
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')

console.log(`${corpus.length} router lines, ${lineBytes.toFixed(0)} bytes each as a \`heroku logs\` line (${textBytes.toFixed(0)} of message text), batches of ${batchSize}, ${seconds} s per case, ${tmpdir()}`)
const cases = new Set(opts.cases.split(','))
try {
  // The router case first: the append cases leave gigabytes for the kernel to write back, which slows
  // whatever writes next.
  if (cases.has('router')) await routerCase()
  if (cases.has('append') || cases.has('read')) {
    await appendCase('never', 'never', 1)
    const interval = await appendCase('interval', 'interval', 1)
    await appendCase('always', 'always', 1)
    await appendCase(`always x${appenders}`, 'always', appenders)
    if (cases.has('read')) await readCase(interval.dir)
  }
} finally {
  for (const dir of dirs) rmSync(dir, {force: true, recursive: true})
}
