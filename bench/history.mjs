#!/usr/bin/env node
// History queries on the router's durable log (issue 10), side by side with `logsift logs FILE` on the same lines.
//
//   npm run build && node bench/history.mjs [--lines 10000000] [--runs 3] [--batch 200]
//
// 1. The corpus: `scripts/gen-heroku-logs.mjs --lines N --seed 1`, cached in bench/data/.
// 2. The stored log, cached in bench/data/history-N/ (a router data directory): the app `bench` is created
//    through a real `logsift serve`, which is then stopped, and the corpus is appended to the app's log
//    through the file engine directly (FileLogEngine from dist/, fsync never), in batches of --batch lines,
//    each decoded by the router's own text input (decodeTextBody, as `POST /apps/bench/logs` does). Each
//    batch is stamped as received at its first line's time, as a router receiving the lines live would
//    have: through the real ingest every message would be received now, and a time window could not be
//    found by receive time at all. (The real ingest runs at ~250,000 messages/s here, bench/RESULTS.md.)
// 3. `logsift serve` on that data directory (--retain long enough for the corpus' 2024 dates), then with
//    hyperfine, --runs each, warm:
//    (a) `logs FILE -w 'status>=500' -o raw` against `logs -a bench --since <first line> -w ... -o raw`,
//        outputs compared with cmp;
//    (b) a one-minute window in the middle of the log, `logs -a bench --since T --until T+1m -o raw`,
//        against the start-up of `node -e 0`, `logsift --version` and `logs -a bench -n 1` (a recent
//        session: the CLI's start-up, the API and one HTTP round trip), and the file read of the same window;
//        the target is judged on the window and `logs -a bench -n 1` run by turns (3 x --runs each), as the
//        median of each turn's difference;
//    (c) bytes on disk per message (segments and time indexes).
import {execFileSync} from 'node:child_process'
import {closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {cpuMs, startRouter} from './lib/router.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
const {values: opts} = parseArgs({
  options: {
    batch: {default: '200', type: 'string'},
    lines: {default: '10000000', type: 'string'},
    runs: {default: '3', type: 'string'},
  },
})
const lines = Number(opts.lines)
const runs = Number(opts.runs)
const data = join(root, 'bench', 'data')
const out = join(root, 'bench', 'out')
mkdirSync(data, {recursive: true})
mkdirSync(out, {recursive: true})
const corpus = join(data, `gen-heroku-logs-${lines}.log`)
const dataDir = join(data, `history-${lines}`)
const bin = join(root, 'bin', 'run.js')
const logsift = `node ${bin}`

if (!existsSync(corpus)) {
  console.error(`generating ${corpus}`)
  execFileSync(process.execPath, [join(root, 'scripts', 'gen-heroku-logs.mjs'), '--lines', String(lines), '--seed', '1', '--out', corpus], {stdio: 'inherit'})
}

/** `logsift serve` on the data directory. */
const serve = (args = []) => startRouter({args, dataDir})

/** Creates the app through the router, then appends the corpus to its log through the engine. */
async function load() {
  rmSync(dataDir, {force: true, recursive: true})
  const router = await serve()
  const app = await router.api('POST', '/apps', {name: 'bench'})
  await router.stop()

  const {FileLogEngine} = await import(join(dist, 'router/log/file-engine.js'))
  const {decodeTextBody} = await import(join(dist, 'router/ingest/text-input.js'))
  const {parseTimestamp} = await import(join(dist, 'parse/timestamp.js'))
  let received = 0
  // The engine's clock is the corpus' (segments are sealed by size and age as they would have been live).
  const engine = await FileLogEngine.open({
    dir: join(dataDir, 'log'), fsync: 'never', now: () => received,
    retention: {appMaxBytes: 64 * 1024 ** 3, maxAgeMs: 1e13, totalMaxBytes: 64 * 1024 ** 3}, retentionIntervalMs: 1e9,
  })
  const log = engine.app(app.id)
  const batchLines = Number(opts.batch)
  const query = new URLSearchParams()
  let pending = []
  let partial = ''
  let stored = 0
  const started = performance.now()
  const flush = async () => {
    const body = pending.join('')
    pending = []
    const time = parseTimestamp(body.slice(0, body.indexOf(' ')))
    if (Number.isFinite(time)) received = time
    const entries = decodeTextBody(Buffer.from(body), query, 64 * 1024, received)
    await log.append(entries)
    stored += entries.length
  }

  for await (const chunk of createReadStream(corpus, {encoding: 'utf8', highWaterMark: 1024 * 1024})) {
    const text = partial + chunk
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      pending.push(text.slice(start, end + 1))
      start = end + 1
      if (pending.length === batchLines) await flush()
    }

    partial = text.slice(start)
  }

  if (partial !== '') pending.push(partial + '\n')
  if (pending.length > 0) await flush()
  await engine.close()
  const seconds = (performance.now() - started) / 1000
  writeFileSync(join(dataDir, 'loaded'), JSON.stringify({app: app.id, messages: stored}) + '\n')
  console.log(`loaded ${stored.toLocaleString('en')} messages through the engine in ${seconds.toFixed(1)} s (${Math.round(stored / seconds).toLocaleString('en')}/s, decoding included)`)
}

if (!existsSync(join(dataDir, 'loaded'))) await load()
const {app, messages} = JSON.parse(readFileSync(join(dataDir, 'loaded'), 'utf8'))

/** The first whole line that starts at or after `position` in the corpus. */
function lineAt(position) {
  const buffer = Buffer.alloc(64 * 1024)
  const fd = openSync(corpus, 'r')
  const read = readSync(fd, buffer, 0, buffer.length, position)
  closeSync(fd)
  const text = buffer.toString('latin1', 0, read)
  const start = position === 0 ? 0 : text.indexOf('\n') + 1
  return text.slice(start, text.indexOf('\n', start))
}

function directoryBytes(dir) {
  let bytes = 0
  for (const name of readdirSync(dir)) bytes += statSync(join(dir, name)).size
  return bytes
}

const routerArgs = ['--retain', '2000d', '--retain-size', '32GiB']
let router = await serve(routerArgs)
const env = () => `LOGSIFT_API_URL=${router.url} LOGSIFT_DATA_DIR=${dataDir} LOGSIFT_API_KEY=${router.apiKey} HEROKU_API_KEY=`

/** CPU seconds (user + system) the router process has used so far. */
const routerCpu = () => cpuMs(router.pid) / 1000

/** Mean wall seconds of a command over --runs runs after a warm-up, its CPU, and the router's CPU per run. */
function mean(command) {
  const json = join(out, 'h.json')
  const cpuBefore = routerCpu()
  execFileSync('hyperfine', ['--style', 'none', '--runs', String(runs), '--warmup', '1', '--export-json', json, '--shell', 'bash', command], {stdio: ['ignore', 'ignore', 'inherit']})
  const [result] = JSON.parse(readFileSync(json, 'utf8')).results
  return {cpu: result.user + result.system, routerCpu: (routerCpu() - cpuBefore) / (runs + 1), wall: result.mean}
}

/**
 * Two commands run by turns, `runs * 3` times each after a warm-up of each: their median wall seconds, and
 * the median of the differences of the turns (b - a). Side by side, each turn's pair shares the machine's
 * state of the moment; runs of one command and then of the other, minutes apart, were seen to differ
 * by 100 ms on this machine for the same command.
 */
function paired(a, b) {
  const timed = (command) => {
    const started = process.hrtime.bigint()
    execFileSync('bash', ['-c', command], {stdio: ['ignore', 'ignore', 'inherit']})
    return Number(process.hrtime.bigint() - started) / 1e9
  }

  timed(a)
  timed(b)
  const as = []
  const bs = []
  for (let turn = 0; turn < runs * 3; turn++) {
    as.push(timed(a))
    bs.push(timed(b))
  }

  const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1]
  return {a: median(as), b: median(bs), difference: median(bs.map((value, i) => value - as[i])), turns: as.length}
}

/** One run, timed: a query on a router just started (nothing learnt yet). */
function once(command) {
  const cpuBefore = routerCpu()
  const started = performance.now()
  execFileSync('bash', ['-c', command])
  return {cpu: Number.NaN, routerCpu: routerCpu() - cpuBefore, wall: (performance.now() - started) / 1000}
}

function show(name, {cpu, routerCpu, wall}, command) {
  const cpuText = Number.isNaN(cpu) ? '' : ` (CPU ${(cpu * 1000).toFixed(0)} ms${routerCpu > 0 ? ` + router ${(routerCpu * 1000).toFixed(0)} ms` : ''})`
  console.log(`  ${name.padEnd(34)} ${(wall * 1000).toFixed(0).padStart(7)} ms${cpuText}   ${command}`)
}

try {
  const firstTs = lineAt(0).slice(0, lineAt(0).indexOf(' '))
  const middle = lineAt(Math.floor(statSync(corpus).size / 2))
  const windowStart = new Date(Date.parse(middle.slice(0, middle.indexOf(' ')))).toISOString().replace(/\.\d+Z$/, 'Z')
  const windowEnd = new Date(Date.parse(windowStart) + 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
  console.log(`corpus: ${lines.toLocaleString('en')} lines (${(statSync(corpus).size / 1e6).toFixed(0)} MB), ${messages.toLocaleString('en')} messages stored; node ${process.version}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)

  console.log('(a) a filtered query over all of it')
  const fileQuery = `${logsift} logs ${corpus} -w 'status>=500' -o raw > ${out}/history-file.txt`
  const appQuery = `${env()} ${logsift} logs -a bench --since ${firstTs} -w 'status>=500' -o raw > ${out}/history-app.txt`
  // The history read runs on one thread: the file read on one thread too, beside the default (threads for a big file).
  const fileOneThreadQuery = `${logsift} logs ${corpus} -w 'status>=500' -o raw --threads 1 > ${out}/history-file-1.txt`
  const fileRun = mean(fileQuery)
  const fileOneThreadRun = mean(fileOneThreadQuery)
  const appRun = mean(appQuery)
  show('logs FILE', fileRun, fileQuery)
  show('logs FILE --threads 1', fileOneThreadRun, fileOneThreadQuery)
  show('logs -a bench --since', appRun, appQuery)
  const fileSeconds = fileRun.wall
  const appSeconds = appRun.wall
  const same = execFileSync('bash', ['-c', `cmp -s ${out}/history-file.txt ${out}/history-app.txt && echo same || echo DIFFERENT`], {encoding: 'utf8'}).trim()
  const matched = readFileSync(join(out, 'history-app.txt'), 'latin1').split('\n').length - 1
  console.log(`  -> ${(appSeconds / fileSeconds).toFixed(2)}x the file (target <= 1.5x) ${appSeconds / fileSeconds <= 1.5 ? 'MET' : 'MISSED'}; CPU ${((appRun.cpu + appRun.routerCpu) / fileRun.cpu).toFixed(2)}x; outputs ${same}, ${matched.toLocaleString('en')} lines`)
  console.log(`  -> ${(appSeconds / fileOneThreadRun.wall).toFixed(2)}x the file read on one thread; CPU ${((appRun.cpu + appRun.routerCpu) / fileOneThreadRun.cpu).toFixed(2)}x`)

  console.log(`(b) a one-minute window, ${windowStart} to ${windowEnd}`)
  // A router just started has learnt nothing of the log's times: its first window reads what it must.
  await router.stop()
  router = await serve(routerArgs)
  const windowQuery = () => `${env()} ${logsift} logs -a bench --since ${windowStart} --until ${windowEnd} -o raw > ${out}/window-app.txt`
  const firstWindow = once(windowQuery())
  const node = mean('node -e 0')
  const version = mean(`${logsift} --version`)
  const recentQuery = `${env()} ${logsift} logs -a bench -n 1 -o raw > /dev/null`
  const recent = mean(recentQuery)
  const windowRun = mean(windowQuery())
  const fileWindowQuery = `${logsift} logs ${corpus} --since ${windowStart} --until ${windowEnd} -o raw > ${out}/window-file.txt`
  const fileWindow = mean(fileWindowQuery)
  const windowSeconds = windowRun.wall
  show('node -e 0', node, 'node -e 0')
  show('logsift --version', version, `${logsift} --version`)
  show('logs -a bench -n 1 (start-up)', recent, recentQuery)
  show('logs -a bench --since --until, first', firstWindow, '(the same, once, on a router just started)')
  show('logs -a bench --since --until', windowRun, windowQuery())
  show('logs FILE --since --until', fileWindow, fileWindowQuery)
  const windowLines = readFileSync(join(out, 'window-app.txt'), 'latin1').split('\n').length - 1
  const sameWindow = execFileSync('bash', ['-c', `cmp -s ${out}/window-file.txt ${out}/window-app.txt && echo same || echo DIFFERENT`], {encoding: 'utf8'}).trim()
  const beyond = windowSeconds - recent.wall
  console.log(`  -> ${(beyond * 1000).toFixed(0)} ms beyond the start-up of logs -a by the means above; outputs ${sameWindow}, ${windowLines.toLocaleString('en')} lines`)
  const turns = paired(recentQuery, windowQuery())
  console.log(`  -> by turns (${turns.turns} of each, medians): start-up ${(turns.a * 1000).toFixed(0)} ms, window ${(turns.b * 1000).toFixed(0)} ms, difference of the turns ${(turns.difference * 1000).toFixed(0)} ms (target < 100 ms) ${turns.difference < 0.1 ? 'MET' : 'MISSED'}`)
  // Where the time beyond start-up goes: the router's answer to the session (read here to its last byte, as
  // the CLI reads it), and what the CLI takes to print the same lines read from a file.
  const answers = []
  for (let run = 0; run <= runs; run++) {
    const session = await router.api('POST', `/apps/bench/log-sessions`, {since: windowStart, tail: false, until: windowEnd})
    const started = performance.now()
    const response = await fetch(session.logplex_url, {headers: {accept: 'text/event-stream', 'logsift-message-events': '1'}})
    let bytes = 0
    for await (const chunk of response.body) bytes += chunk.length
    if (run > 0) answers.push({ms: performance.now() - started, bytes})
  }
  const answerMs = answers.reduce((sum, {ms}) => sum + ms, 0) / answers.length
  console.log(`  the router's answer (session read to its last byte, ${(answers[0].bytes / 1e6).toFixed(1)} MB): ${answerMs.toFixed(0)} ms mean, ${Math.min(...answers.map(({ms}) => ms)).toFixed(0)}-${Math.max(...answers.map(({ms}) => ms)).toFixed(0)} ms`)
  // `logs` exits 1 when nothing matched (as grep): the start-up is measured on the window's first line.
  writeFileSync(join(out, 'window-first.log'), readFileSync(join(out, 'window-file.txt'), 'latin1').split('\n')[0] + '\n')
  const printQuery = `${logsift} logs ${out}/window-file.txt -o raw > /dev/null`
  const printRun = mean(printQuery)
  const oneLineQuery = `${logsift} logs ${out}/window-first.log -o raw > /dev/null`
  const oneLineRun = mean(oneLineQuery)
  show('logs FILE of the window\'s lines', printRun, printQuery)
  show('logs FILE of one line', oneLineRun, oneLineQuery)
  console.log(`  -> printing the window's lines from a file: ${((printRun.wall - oneLineRun.wall) * 1000).toFixed(0)} ms beyond that command's start-up`)

  const bytes = directoryBytes(join(dataDir, 'log', app))
  console.log(`(c) bytes on disk: ${(bytes / 1e6).toFixed(0)} MB for ${messages.toLocaleString('en')} messages, ${(bytes / messages).toFixed(1)} per message (the corpus: ${(statSync(corpus).size / lines).toFixed(1)} bytes per line)`)
} finally {
  await router.stop()
}
