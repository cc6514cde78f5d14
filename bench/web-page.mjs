#!/usr/bin/env node
// The router's page (issue 13): what a user waits for and what it costs the browser.
//
//   npm run build
//   node bench/web-page.mjs first-lines [RUNS]        time to first lines on opening an app with 1,500 recent lines
//   node bench/web-page.mjs cpu [SECONDS] [RATE]       browser CPU while RATE lines/s (default 5,000) arrive
//   node bench/web-page.mjs history [MESSAGES]         history query latency over MESSAGES stored (default 10 M)
//
// The router runs in this process (dist/router/server.js, on free loopback ports); the page is Debian's
// chromium driven by playwright-core, headless, 1400x900. `first-lines` opens the page's `logsift open` link
// in a fresh browser context each run and times (from navigation) the first row shown and all 1,500 received.
// `cpu` posts batches of RATE/10 router lines every 100 ms to the app's text input while the live tail is
// open, and reads the renderer's main-thread busy time (CDP Performance.getMetrics TaskDuration) and the CPU
// time of every chromium process (/proc/PID/stat) over the window; it also reports the rows in the DOM, the
// page's longest event-loop stall and whether every line arrived. `history` writes MESSAGES router lines
// spread over 10 hours straight into an app's durable log (the file engine, as the router stores them), then
// times the page's history requests for a one-hour range (the last, and one 5 h back) until it has its first 100
// rows, newest first, with and without a filter, and `logs -a --since --until -n 200` over the last hour.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {chromium} from 'playwright-core'
import {Pool} from 'undici'

import {startRouter} from '../dist/router/server.js'
import {FileLogEngine} from '../dist/router/log/file-engine.js'

const [mode = 'first-lines', ...rest] = process.argv.slice(2)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'logsift-web-bench-'))
process.on('exit', () => rmSync(dir, {force: true, recursive: true}))
process.on('SIGTERM', () => process.exit(143))

const retention = {appMaxBytes: 8 * 1024 ** 3, maxAgeMs: 30 * 24 * 3600 * 1000, totalMaxBytes: 16 * 1024 ** 3}
const start = (options = {}) => startRouter({dataDir: join(dir, 'router'), logRetention: retention, port: 0, syslogPort: 0, log: () => {}, ...options})

function stamp(ms) {
  return new Date(ms).toISOString().replace('Z', '+00:00')
}

function routerText(i) {
  const status = i % 97 === 0 ? 503 : i % 13 === 0 ? 404 : 200
  return `at=info method=GET path="/items/${i % 1000}" host=demo.example.com request_id=r-${i} fwd="10.0.0.1" dyno=web.${1 + (i % 4)} connect=1ms service=${5 + (i % 300)}ms status=${status} bytes=${100 + (i % 900)} protocol=https`
}

function routerLine(i, ms) {
  return `${stamp(ms)} heroku[router]: ${routerText(i)}`
}

async function api(router, method, path, body) {
  const response = await fetch(router.url + path, {body: body === undefined ? undefined : JSON.stringify(body), headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'application/json'}, method})
  return response.status === 204 ? undefined : response.json()
}

async function post(pool, router, app, lines) {
  const {body, statusCode} = await pool.request({body: lines.join('\n') + '\n', headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'text/plain'}, method: 'POST', path: `/apps/${app}/logs`})
  await body.text()
  if (statusCode !== 204) throw new Error(`post: ${statusCode}`)
}

async function openLink(router, app) {
  const {token} = await api(router, 'POST', '/web/api/open-tokens')
  return `${router.url}/web/#open=${token}&app=${app}`
}

const launchOptions = {args: ['--no-sandbox', '--disable-dev-shm-usage'], executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true}
const viewport = {height: 900, width: 1400}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function firstLines(runs = 5) {
  const router = await start()
  await api(router, 'POST', '/apps', {name: 'demo'})
  const pool = new Pool(router.url)
  const now = Date.now()
  await post(pool, router, 'demo', Array.from({length: 1500}, (_, i) => routerLine(i, now - (1500 - i) * 100)))
  const browser = await chromium.launch(launchOptions)
  const first = []
  const all = []
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({viewport})
    const page = await context.newPage()
    const link = await openLink(router, 'demo')
    const began = Date.now()
    await page.goto(link)
    await page.waitForSelector('.row', {timeout: 30_000})
    first.push(Date.now() - began)
    await page.waitForFunction(() => document.querySelector('[data-testid=received]')?.textContent === '1500 messages', undefined, {timeout: 30_000})
    all.push(Date.now() - began)
    await context.close()
  }

  console.log(`first row shown: median ${median(first)} ms (runs: ${first.join(', ')})`)
  console.log(`all 1,500 received and rendered: median ${median(all)} ms (runs: ${all.join(', ')})`)
  await browser.close()
  await pool.close()
  await router.close()
}

/** user+system CPU ms of every process whose command line names this browser's profile directory. */
function browserCpuMs(profile) {
  let ticks = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) continue
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {}
  }

  return ticks * (1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()))
}

async function cpu(seconds = 20, rate = 5000) {
  const router = await start({bufferSize: 1500, sessionQueueBytes: 16 * 1024 * 1024})
  await api(router, 'POST', '/apps', {name: 'demo'})
  const pool = new Pool(router.url, {connections: 4})
  // A profile directory of our own, so that this browser's processes can be told from any other chromium's.
  const profile = join(dir, 'profile')
  const context = await chromium.launchPersistentContext(profile, {...launchOptions, viewport})
  const page = context.pages()[0] ?? await context.newPage()
  await page.goto(await openLink(router, 'demo'))
  await page.waitForSelector('[data-testid=received]')
  await page.evaluate(() => {
    window.__stall = 0
    let last = performance.now()
    setInterval(() => {
      const now = performance.now()
      window.__stall = Math.max(window.__stall, now - last - 50)
      last = now
    }, 50)
  })
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((each) => each.name === name).value
  const task0 = await metric('TaskDuration')
  const cpu0 = browserCpuMs(profile)
  const began = Date.now()
  const perBatch = rate / 10
  let sent = 0
  for (let tick = 0; tick < seconds * 10; tick++) {
    const due = began + tick * 100
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
    const now = Date.now()
    post(pool, router, 'demo', Array.from({length: perBatch}, (_, i) => routerLine(sent + i, now)))
    sent += perBatch
  }

  const wall = Date.now() - began
  const task = (await metric('TaskDuration')) - task0
  const browserCpu = browserCpuMs(profile) - cpu0
  await page.waitForFunction((count) => Number(document.querySelector('[data-testid=received]').textContent.split(' ')[0]) >= count, sent, {timeout: 60_000}).catch(() => {})
  const received = Number((await page.$eval('[data-testid=received]', (element) => element.textContent)).split(' ')[0])
  const rows = await page.$$eval('.row', (elements) => elements.length)
  const stall = await page.evaluate(() => window.__stall)
  console.log(`${sent} lines in ${(wall / 1000).toFixed(1)} s (${Math.round(sent / (wall / 1000))} lines/s); received by the page: ${received}`)
  console.log(`renderer main thread busy: ${(100 * task / (wall / 1000)).toFixed(1)}% of one core; all chromium processes: ${(100 * browserCpu / wall).toFixed(1)}% of one core`)
  console.log(`rows in the DOM at the end: ${rows}; longest main-thread stall: ${Math.round(stall)} ms`)
  await context.close()
  await pool.close()
  await router.close()
}

async function history(total = 10_000_000) {
  const hours = 10
  const origin = Date.now() - (hours + 1) * 3600_000
  const step = (hours * 3600_000) / total
  let router = await start()
  const app = await api(router, 'POST', '/apps', {name: 'big'})
  await router.close()
  const engine = await FileLogEngine.open({dir: join(dir, 'router', 'log'), fsync: 'never', retention})
  const log = engine.app(app.id)
  const filled = Date.now()
  for (let i = 0; i < total; i += 10_000) {
    const batch = []
    for (let j = i; j < Math.min(total, i + 10_000); j++) {
      const ms = Math.floor(origin + j * step)
      batch.push({dyno: 'router', receivedAt: ms, source: 'heroku', text: routerText(j), timestamp: stamp(ms)})
    }

    await log.append(batch)
  }

  const {bytes} = await log.stats()
  await engine.close()
  console.log(`stored ${total.toLocaleString('en')} messages (${(bytes / 1024 ** 3).toFixed(2)} GiB) in ${((Date.now() - filled) / 1000).toFixed(0)} s`)
  router = await start()
  const cookieReply = await fetch(router.url + '/web/api/login', {body: JSON.stringify({key: router.apiKey}), headers: {'content-type': 'application/json', origin: router.url}, method: 'POST'})
  const cookie = cookieReply.headers.get('set-cookie').split(';')[0]
  // As the page asks: pages newest first until it has 100 rows to show (a page scans at most 200,000 messages).
  const firstRows = async (since, until, filter) => {
    const params = new URLSearchParams({filter, since, until})
    let rows = 0
    let requests = 0
    for (;;) {
      const page = await (await fetch(`${router.url}/web/api/apps/big/history?${params}`, {headers: {cookie}})).json()
      requests++
      rows += page.messages.length
      if (rows >= 100 || page.before === null) return {requests, rows}
      params.set('after', String(page.after))
      params.set('before', String(page.before))
    }
  }

  for (const [label, hoursBack] of [['the last hour', 1], ['an hour 5 h before the end', 5]]) {
    const since = new Date(origin + (hours - hoursBack) * 3600_000).toISOString()
    const until = new Date(origin + (hours - hoursBack + 1) * 3600_000).toISOString()
    for (const filter of ['', '-w status>=500', "-d router -w 'service>290ms' -g 'items/99\\b'"]) {
      const times = []
      let result
      // Far back is slow (the log is read from its end): once is enough there.
      for (let run = 0; run < (hoursBack === 1 ? 3 : 1); run++) {
        const began = performance.now()
        result = await firstRows(since, until, filter)
        times.push(performance.now() - began)
      }

      console.log(`history, ${label} (${total / hours} messages an hour), filter ${JSON.stringify(filter)}: first ${result.rows} rows in ${result.requests} requests, median ${median(times).toFixed(0)} ms (runs: ${times.map((time) => time.toFixed(0)).join(', ')})`)
    }
  }

  const since = new Date(origin + (hours - 1) * 3600_000).toISOString()
  const until = new Date(origin + hours * 3600_000).toISOString()
  const began = performance.now()
  try {
    execFileSync(process.execPath, [bin, 'logs', '-a', 'big', '--since', since, '--until', until, '-n', '200', '-o', 'raw'], {env: {...process.env, LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}, maxBuffer: 1024 ** 3, stdio: ['ignore', 'ignore', 'pipe']})
    console.log(`for comparison, logsift logs -a big --since --until -n 200 over the last hour (reads it all): ${((performance.now() - began) / 1000).toFixed(1)} s`)
  } catch (error) {
    console.log(`for comparison, logsift logs -a big --since --until -n 200 over the last hour failed after ${((performance.now() - began) / 1000).toFixed(1)} s: ${String(error.stderr).trim()}`)
  }
  await router.close()
}

if (mode === 'first-lines') await firstLines(Number(rest[0] ?? 5))
else if (mode === 'cpu') await cpu(Number(rest[0] ?? 20), Number(rest[1] ?? 5000))
else if (mode === 'history') await history(Number(rest[0] ?? 10_000_000))
else throw new Error(`unknown mode ${mode}: first-lines, cpu or history`)
