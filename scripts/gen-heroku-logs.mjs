#!/usr/bin/env node
// Writes a deterministic corpus of realistic Heroku logs, for tests and benchmarks.
//
//   node scripts/gen-heroku-logs.mjs [--lines N] [--seed S] [--format text|ndjson|syslog] [--out FILE]
//
//   --lines N    how many records (default 1000); a multi-line stack trace counts one per line
//   --seed S     a whole number (default 1); the same seed gives the same records, byte for byte
//   --format     text:   `heroku logs` lines, `2024-05-01T12:00:00.123456+00:00 app[web.1]: message`
//                ndjson: the same records as JSON objects, one a line:
//                        {"time","source","dyno","level","kind","msg","fields"}
//                        `level` is what logsift's level rules (src/parse/level.ts) give the record; `kind`
//                        says which kind of line it is; `fields` holds what a logfmt or JSON message
//                        carries (logfmt values as strings), and is {} for prose
//                syslog: the same records as Logplex drains frame them, octet-counted RFC 5424,
//                        `LEN <PRI>1 TIME host SOURCE DYNO - MESSAGE` and a newline, LEN counting the bytes
//                        after its space (newline included), one frame a line
//   --out FILE   write there instead of standard output
//
// The mix: router lines (today's logfmt and the pre-2013 style, with H-code errors), app output in logfmt,
// JSON (pino and winston shapes) and prose (Rails, Python logging, Node), Node and Python stack traces,
// Postgres logs and metrics, dyno lifecycle (restarts, crashes, R14, R10, one-off and scheduler dynos),
// runtime metrics and Logplex L10 errors, from web.1, web.2, worker.1, run.1234 and scheduler.5678.
// Nothing in it looks like a secret to logsift's redactor; the only addresses are devN@example.com.

import {createWriteStream} from 'node:fs'

const USAGE = 'usage: node scripts/gen-heroku-logs.mjs [--lines N] [--seed S] [--format text|ndjson|syslog] [--out FILE]'

function fail(message) {
  process.stderr.write(`gen-heroku-logs: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function parseArgs(argv) {
  const options = {format: 'text', lines: 1000, out: undefined, seed: 1}
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(USAGE + '\n')
      process.exit(0)
    }

    const [name, inline] = flag.startsWith('--') && flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined]
    const value = inline ?? argv[++i]
    if (value === undefined) fail(`${name} needs a value`)
    switch (name) {
      case '--lines':
      case '--seed': {
        if (!/^\d+$/.test(value)) fail(`${name} must be a whole number, not ${JSON.stringify(value)}`)
        options[name.slice(2)] = Number(value)
        break
      }

      case '--format': {
        if (!['text', 'ndjson', 'syslog'].includes(value)) fail(`--format must be text, ndjson or syslog, not ${JSON.stringify(value)}`)
        options.format = value
        break
      }

      case '--out': {
        options.out = value
        break
      }

      default: {
        fail(`unknown argument ${JSON.stringify(flag)}`)
      }
    }
  }

  return options
}

// ---------------------------------------------------------------------------------------------------------
// Randomness: xoshiro128** seeded through splitmix32, so nearby seeds give unrelated streams.

function createRandom(seed) {
  let s = seed >>> 0
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }

  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  const next = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }

  return {
    /** A uint32. */
    next,
    /** A float in [0, 1). */
    float: () => next() / 4_294_967_296,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor((next() / 4_294_967_296) * (max - min + 1)),
    /** One element of a list. */
    pick: (list) => list[Math.floor((next() / 4_294_967_296) * list.length)],
    /** True with probability p. */
    chance: (p) => next() / 4_294_967_296 < p,
  }
}

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k))
}

const HEX = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))

const VARIANT = '89ab'

const TEMPLATES = new Map()

/** A template split into literal text and holes, alternately: `/products/#` is ['/products/', '#', '']. */
function compiled(template) {
  let parts = TEMPLATES.get(template)
  if (parts === undefined) {
    parts = template.split(/([#%@])/)
    TEMPLATES.set(template, parts)
  }

  return parts
}

/** A version-4 UUID. */
function uuid(random) {
  const a = random.next()
  const b = random.next()
  const c = random.next()
  const d = random.next()
  const e = random.next()
  return HEX[a >>> 24] + HEX[(a >>> 16) & 0xff] + HEX[(a >>> 8) & 0xff] + HEX[a & 0xff] + '-'
    + HEX[b >>> 24] + HEX[(b >>> 16) & 0xff] + '-4' + HEX[(b >>> 8) & 0xff][1] + HEX[b & 0xff] + '-'
    + VARIANT[c >>> 30] + HEX[(c >>> 16) & 0xff][1] + HEX[(c >>> 8) & 0xff] + '-'
    + HEX[c & 0xff] + HEX[d >>> 24] + HEX[(d >>> 16) & 0xff] + HEX[(d >>> 8) & 0xff] + HEX[d & 0xff] + HEX[e & 0xff]
}

const SCALE = [1, 10, 100, 1000]

/** `x.toFixed(digits)` for a non-negative x, without toFixed's cost (rounding may differ in the last digit). */
function fixed(x, digits) {
  const scaled = Math.round(x * SCALE[digits])
  const whole = Math.floor(scaled / SCALE[digits])
  return digits === 0 ? String(whole) : `${whole}.${String(scaled - whole * SCALE[digits]).padStart(digits, '0')}`
}

/** A draw from an exponential distribution with the given mean, for latencies and sizes. */
function exponential(random, mean) {
  return -Math.log(1 - random.float()) * mean
}

// ---------------------------------------------------------------------------------------------------------
// The app being logged: a small shop with a web tier, a worker, a scheduler job and one-off dynos.

const HOST = 'acme-shop.herokuapp.com'
const WEB_DYNOS = ['web.1', 'web.2']
const APP_DYNOS = ['web.1', 'web.1', 'web.2', 'web.2', 'worker.1']
const METRIC_DYNOS = ['web.1', 'web.2', 'worker.1']
const ONE_OFF = 'run.1234'
const SCHEDULER = 'scheduler.5678'
const POSTGRES = 'postgres.3947'
const MEMORY_QUOTA_MB = 512

const ROUTES = [
  // [method, path template, weight]: `#` becomes an id.
  ['GET', '/', 12], ['GET', '/products', 10], ['GET', '/products/#', 14], ['GET', '/products?page=#', 5],
  ['GET', '/cart', 6], ['POST', '/cart/items', 5], ['DELETE', '/cart/items/#', 2], ['POST', '/checkout', 3],
  ['GET', '/orders/#', 4], ['GET', '/api/v1/products/#', 8], ['GET', '/api/v1/orders?status=open', 3],
  ['PUT', '/api/v1/orders/#', 2], ['PATCH', '/api/v1/customers/#', 1], ['POST', '/webhooks/payments', 2],
  ['GET', '/assets/application-5f3a9c1e.js', 6], ['GET', '/assets/application-0b7e4d22.css', 5],
  ['GET', '/healthcheck', 4], ['HEAD', '/', 1], ['GET', '/search?q=lamp', 2],
]
const ROUTE_TABLE = ROUTES.flatMap((route) => Array.from({length: route[2]}, () => route))
const STATUSES = [
  ...Array.from({length: 70}, () => 200), 201, 201, 204, 204, 301, 302, 302, 304, 304, 304, 304, 400, 401, 403,
  404, 404, 404, 404, 422, 429, 500, 502,
]

/** What an app reports for a request that did not fail on its side. */
const APP_STATUSES = STATUSES.filter((status) => status < 500)

const APP_EVENTS = [
  // [level, msg, extra logfmt fields]: `#` becomes an id, `%` a small count, `@` an address.
  ['info', 'order created', 'order_id=# total_cents=# items=%'],
  ['info', 'product viewed', 'product_id=#'],
  ['info', 'cart updated', 'cart_id=# items=%'],
  ['info', 'customer signed in', 'customer_id=#'],
  ['info', 'receipt sent', 'order_id=# to=@'],
  ['info', 'newsletter confirmation sent', 'to=@'],
  ['info', 'cache refreshed', 'entries=#'],
  ['debug', 'cache hit', 'key=products/#'],
  ['debug', 'sql', 'table=orders rows=#'],
  ['warn', 'slow request', 'threshold_ms=1000'],
  ['warn', 'retrying payment gateway', 'attempt=% order_id=#'],
  ['warn', 'stock low', 'product_id=# remaining=%'],
  ['error', 'payment failed', 'order_id=# reason=gateway_timeout'],
  ['error', 'could not reach search index', 'attempt=%'],
]
const INFO_EVENTS = APP_EVENTS.filter(([level]) => level === 'info' || level === 'debug')
const WORKER_JOBS = ['SendReceiptJob', 'SyncInventoryJob', 'ChargeOrderJob', 'RebuildSearchIndexJob', 'ExpireCartsJob']
const PINO_LEVELS = {debug: 20, error: 50, info: 30, warn: 40}
const JSON_EVENTS = [
  ['info', 'request completed'], ['info', 'request completed'], ['info', 'request completed'], ['info', 'job finished'],
  ['debug', 'feature flag evaluated'], ['warn', 'response slow'], ['error', 'upstream request failed'],
]
const UPSTREAM_ERRORS = [
  ['TimeoutError', 'upstream timed out after 5000 ms'], ['FetchError', 'socket hang up'],
  ['ConnectionRefusedError', 'connect ECONNREFUSED 10.0.4.12:6379'],
]
const PROCESS_COMMANDS = {web: '`npm start`', worker: '`node dist/worker.js`'}
const ONE_OFF_COMMANDS = ['`bash`', '`node dist/console.js`', '`npm run migrate`']
const SCHEDULER_COMMANDS = ['`npm run report:daily`', '`node dist/jobs/expire-carts.js`']

const ROUTER_ERRORS = [
  // [weight, code, at, desc, needs a dyno, status, service range]
  [30, 'H12', 'error', 'Request timeout', true, 503, [30000, 30001]],
  [15, 'H10', 'error', 'App crashed', false, 503],
  [10, 'H13', 'error', 'Connection closed without response', true, 503, [5, 4000]],
  [10, 'H18', 'error', 'Server Request Interrupted', true, 503, [5, 800]],
  [10, 'H11', 'error', 'Backlog too deep', false, 503],
  [5, 'H14', 'error', 'No web dynos running', false, 503],
  [20, 'H27', 'info', 'Client Request Interrupted', true, 499, [20, 3000]],
]
const ROUTER_ERROR_TABLE = ROUTER_ERRORS.flatMap((entry) => Array.from({length: entry[0]}, () => entry))

// ---------------------------------------------------------------------------------------------------------

class Generator {
  constructor(seed) {
    this.random = createRandom(seed)
    /** Microseconds since the epoch of the next record. */
    this.micros = Date.UTC(2024, 4, 1, 12, 0, 0) * 1000
    this.secondPrefix = ''
    this.second = -1
    /** Records decided ahead of time: the rest of a stack trace or a lifecycle episode. */
    this.pending = []
    this.runtimeIds = new Map(METRIC_DYNOS.map((dyno) => [dyno, `heroku.${this.random.int(100_000_000, 999_999_999)}.${uuid(this.random)}`]))
    this.pid = new Map(APP_DYNOS.map((dyno) => [dyno, this.random.int(4, 60)]))
  }

  /** The next record: [source, dyno, level, kind, message, time]. */
  next() {
    const record = this.pending.length > 0 ? this.pending.shift() : this.fresh()
    // Lines of one burst (a trace, an episode) are microseconds apart; others about a millisecond.
    this.micros += record.burst ? this.random.int(3, 90) : this.random.int(50, 2400)
    record.time = this.timestamp()
    return record
  }

  timestamp() {
    const second = Math.floor(this.micros / 1_000_000)
    if (second !== this.second) {
      this.second = second
      this.secondPrefix = new Date(second * 1000).toISOString().slice(0, 19) + '.'
    }

    return this.secondPrefix + String(this.micros - second * 1_000_000).padStart(6, '0') + '+00:00'
  }

  fresh() {
    const roll = this.random.float()
    if (roll < 0.5) return this.routerLine()
    if (roll < 0.515) return this.routerError()
    if (roll < 0.53) return this.legacyRouterLine()
    if (roll < 0.69) return this.appLogfmt()
    if (roll < 0.81) return this.appJson()
    if (roll < 0.91) return this.appProse()
    if (roll < 0.965) return this.runtimeMetrics()
    if (roll < 0.972) return this.postgresMetrics()
    if (roll < 0.9865) return this.postgresLog()
    // Traces and lifecycle episodes are several lines each: about 2.5% and 3.5% of the lines.
    if (roll < 0.9915) return this.stackTrace()
    if (roll < 0.9995) return this.lifecycle()
    return this.logplexOverflow()
  }

  /** A template filled in: `#` an id, `%` a small count, `@` an address. */
  fill(template) {
    const {random} = this
    const parts = compiled(template)
    let out = parts[0]
    for (let i = 1; i < parts.length; i += 2) {
      const hole = parts[i]
      out += (hole === '#' ? String(random.int(1, 9999)) : hole === '%' ? String(random.int(1, 9)) : `dev${random.int(0, 9)}@example.com`) + parts[i + 1]
    }

    return out
  }

  request() {
    const {random} = this
    const [method, template] = random.pick(ROUTE_TABLE)
    return {
      fwd: `${random.int(11, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
      method,
      path: this.fill(template),
      requestId: uuid(random),
    }
  }

  serviceMs() {
    const {random} = this
    const roll = random.float()
    if (roll < 0.75) return Math.round(exponential(random, 35)) + 1
    if (roll < 0.97) return Math.round(exponential(random, 350)) + 20
    return Math.round(exponential(random, 4000)) + 500
  }

  routerLine() {
    const {random} = this
    const request = this.request()
    const status = request.path.startsWith('/assets/') ? random.pick([200, 304]) : random.pick(STATUSES)
    const bytes = status === 204 || status === 304 ? 0 : Math.round(exponential(random, 6000)) + 120
    const message = `at=info method=${request.method} path="${request.path}" host=${HOST} request_id=${request.requestId} fwd="${request.fwd}" dyno=${random.pick(WEB_DYNOS)} connect=${random.int(0, 3)}ms service=${this.serviceMs()}ms status=${status} bytes=${bytes} protocol=https`
    return {dyno: 'router', kind: 'router', level: 'info', message, source: 'heroku'}
  }

  routerError() {
    const {random} = this
    const [, code, at, desc, withDyno, status, service] = random.pick(ROUTER_ERROR_TABLE)
    const request = this.request()
    const timing = withDyno
      ? `dyno=${random.pick(WEB_DYNOS)} connect=${random.int(0, 5)}ms service=${random.int(service[0], service[1])}ms status=${status} bytes=${code === 'H12' ? 0 : random.int(0, 512)}`
      : `dyno= connect= service= status=${status} bytes=`
    const message = `at=${at} code=${code} desc="${desc}" method=${request.method} path="${request.path}" host=${HOST} request_id=${request.requestId} fwd="${request.fwd}" ${timing} protocol=https`
    return {dyno: 'router', kind: 'router-error', level: at === 'error' ? 'error' : 'info', message, source: 'heroku'}
  }

  /** The router's format before 2013: no `at=`, the error code up front. */
  legacyRouterLine() {
    const {random} = this
    const request = this.request()
    const dyno = random.pick(WEB_DYNOS)
    if (random.chance(0.2)) {
      const message = `Error H12 (Request timeout) -> ${request.method} ${HOST}${request.path} dyno=${dyno} queue=0 wait=0ms service=30000ms bytes=0`
      return {dyno: 'router', kind: 'router-legacy', level: 'error', message, source: 'heroku'}
    }

    const message = `${request.method} ${HOST}${request.path} dyno=${dyno} queue=${random.int(0, 2)} wait=${random.int(0, 4)}ms service=${this.serviceMs()}ms bytes=${Math.round(exponential(random, 6000)) + 120}`
    return {dyno: 'router', kind: 'router-legacy', level: 'info', message, source: 'heroku'}
  }

  appLogfmt() {
    const {random} = this
    const dyno = random.pick(APP_DYNOS)
    if (dyno === 'worker.1' && random.chance(0.6)) {
      const failed = random.chance(0.05)
      const level = failed ? 'error' : 'info'
      const message = `level=${level} msg="${failed ? 'job failed' : 'job done'}" job=${random.pick(WORKER_JOBS)} job_id=${uuid(random)} queue=default attempts=${failed ? random.int(2, 5) : 1} duration_ms=${fixed(exponential(random, 900) + 3, 1)}`
      return {dyno, kind: 'app-logfmt', level, message, source: 'app'}
    }

    const [level, msg, extra] = random.pick(APP_EVENTS)
    // Slow requests are slow, and a gateway timeout takes the gateway's 5 s.
    const duration = msg === 'slow request' ? random.int(1000, 9000) : msg === 'payment failed' ? random.int(5000, 5400) : exponential(random, 180) + 0.4
    const message = `level=${level} msg="${msg}" request_id=${uuid(random)} ${this.fill(extra)} duration_ms=${fixed(duration, 1)}`
    return {dyno, kind: 'app-logfmt', level, message, source: 'app'}
  }

  appJson() {
    const {random} = this
    const dyno = random.pick(APP_DYNOS)
    const [level, msg] = random.pick(JSON_EVENTS)
    const ms = Math.floor(this.micros / 1000)
    const status = level === 'error' ? random.pick([500, 502, 503]) : random.pick(APP_STATUSES)
    const error = level === 'error' ? random.pick(UPSTREAM_ERRORS) : undefined
    const duration = error?.[0] === 'TimeoutError' ? random.int(5000, 5200) : Math.round(level === 'warn' ? random.int(1500, 8000) : exponential(random, 120) + 1)
    if (random.chance(0.7)) {
      // pino: numeric levels, epoch-millisecond time.
      let message = `{"level":${PINO_LEVELS[level]},"time":${ms},"pid":${this.pid.get(dyno)},"hostname":"${dyno}","req_id":"${uuid(random)}","msg":"${msg}","res":{"statusCode":${status}},"duration_ms":${duration}`
      if (error) message += `,"err":{"type":"${error[0]}","message":"${error[1]}"}`
      return {dyno, kind: 'app-json', level, message: message + '}', source: 'app'}
    }

    // winston: named levels, `message`, an ISO timestamp.
    let message = `{"level":"${level}","message":"${msg}","service":"shop-web","statusCode":${status},"duration_ms":${duration}`
    if (error) message += `,"err":{"type":"${error[0]}","message":"${error[1]}"}`
    message += `,"timestamp":"${new Date(ms).toISOString()}"}`
    return {dyno, kind: 'app-json', level, message, source: 'app'}
  }

  appProse() {
    const {random} = this
    const dyno = random.pick(APP_DYNOS)
    const line = (message, level = 'info') => ({dyno, kind: 'app-text', level, message, source: 'app'})
    const roll = random.int(0, 9)
    switch (roll) {
      case 0: {
        const request = this.request()
        return line(`Started ${request.method} "${request.path}" for ${request.fwd} at ${new Date(Math.floor(this.micros / 1000)).toISOString().replace('T', ' ').slice(0, 19)} +0000`)
      }

      case 1: {
        return line(`Completed ${random.pick(['200 OK', '200 OK', '200 OK', '302 Found', '404 Not Found'])} in ${this.serviceMs()}ms (Views: ${fixed(exponential(random, 20), 1)}ms | ActiveRecord: ${fixed(exponential(random, 8), 1)}ms)`)
      }

      case 2: {
        // Ruby's Logger, as Rails writes it: the letter up front gives the level.
        const [letter, word, level, text] = random.pick([
          ['I', ' INFO', 'info', 'Processing by ProductsController#show as HTML'],
          ['I', ' INFO', 'info', 'Rendered products/show.html.erb within layouts/application'],
          ['W', ' WARN', 'warn', 'Rack::Timeout exceeded 15 seconds for GET /reports'],
          ['E', 'ERROR', 'error', 'ActiveRecord::RecordNotFound (Couldn\'t find Order with id=404)'],
          ['D', 'DEBUG', 'debug', 'Product Load (0.4ms)  SELECT products.* FROM products LIMIT 20'],
        ])
        return line(`${letter}, [${new Date(Math.floor(this.micros / 1000)).toISOString().slice(0, 23)}${String(random.int(0, 999)).padStart(3, '0')} #${this.pid.get(dyno)}] ${word} -- : ${text}`, level)
      }

      case 3: {
        const [word, level, text] = random.pick([
          ['INFO', 'info', 'app.inventory:synced 120 products'],
          ['WARNING', 'warn', 'app.billing:gateway answered slowly'],
          ['ERROR', 'error', 'app.billing:charge failed for order 4511'],
        ])
        return line(`${word}:${text}`, level)
      }

      case 4: {
        return line(random.pick(['Listening on port 5000', 'Connected to Redis at 10.0.4.12:6379', 'Worker ready, polling queue default', 'GC finished in 12 ms']))
      }

      case 5: {
        return line(`Error: connect ECONNREFUSED 10.0.4.${random.int(2, 40)}:5432`, 'error')
      }

      case 6: {
        const [tag, level] = random.pick([['WARN', 'warn'], ['warn', 'warn'], ['ERROR', 'error']])
        return line(`[${tag}] ${random.pick(['feature flag service unreachable, using defaults', 'image resize queue is backing up'])}`, level)
      }

      default: {
        return line(`${random.pick(['Sending', 'Fetched', 'Processed'])} ${random.int(1, 500)} ${random.pick(['events', 'webhooks', 'thumbnails'])} in ${random.int(2, 900)} ms`)
      }
    }
  }

  runtimeMetrics() {
    const {random} = this
    const dyno = random.pick(METRIC_DYNOS)
    const prefix = `source=${dyno} dyno=${this.runtimeIds.get(dyno)}`
    if (random.chance(0.5)) {
      const load = exponential(random, 0.4)
      const message = `${prefix} sample#load_avg_1m=${fixed(load, 2)} sample#load_avg_5m=${fixed(load * 0.9, 2)} sample#load_avg_15m=${fixed(load * 0.8, 2)}`
      return {dyno, kind: 'metrics', level: 'info', message, source: 'heroku'}
    }

    const rss = 120 + exponential(random, 160)
    const cache = exponential(random, 20)
    const swap = rss > MEMORY_QUOTA_MB ? rss - MEMORY_QUOTA_MB : 0
    const message = `${prefix} sample#memory_total=${fixed(rss + cache, 2)}MB sample#memory_rss=${fixed(rss, 2)}MB sample#memory_cache=${fixed(cache, 2)}MB sample#memory_swap=${fixed(swap, 2)}MB sample#memory_pgpgin=${random.int(10_000, 900_000)}pages sample#memory_pgpgout=${random.int(10_000, 900_000)}pages sample#memory_quota=${MEMORY_QUOTA_MB}.00MB`
    return {dyno, kind: 'metrics', level: 'info', message, source: 'heroku'}
  }

  postgresMetrics() {
    const {random} = this
    const message = `source=DATABASE addon=postgresql-rugged-48213 sample#current_transaction=${random.int(1_000_000, 9_000_000)} sample#db_size=${random.int(100_000_000, 900_000_000)}bytes sample#tables=37 sample#active-connections=${random.int(2, 40)} sample#waiting-connections=${random.int(0, 2)} sample#index-cache-hit-rate=0.${random.int(95_000, 99_999)} sample#table-cache-hit-rate=0.${random.int(90_000, 99_999)} sample#load-avg-1m=${exponential(random, 0.3).toFixed(2)} sample#read-iops=${exponential(random, 20).toFixed(1)} sample#write-iops=${exponential(random, 10).toFixed(1)}`
    return {dyno: 'heroku-postgres', kind: 'metrics', level: 'info', message, source: 'app'}
  }

  postgresLog() {
    const {random} = this
    const session = random.int(1, 9999)
    const line = (message, level) => ({dyno: POSTGRES, kind: 'postgres', level, message: `[DATABASE] [${session}-1]  ${message}`, source: 'app'})
    const roll = random.float()
    if (roll < 0.6) return line(`sql_error_code = 00000 LOG:  duration: ${(exponential(random, 1500) + 500).toFixed(3)} ms  statement: SELECT orders.* FROM orders WHERE customer_id = ${random.int(1, 9999)}`, 'info')
    if (roll < 0.85) return line('sql_error_code = 00000 LOG:  checkpoint starting: time', 'info')
    return line('sql_error_code = 57014 ERROR:  canceling statement due to statement timeout', 'error')
  }

  /** A multi-line trace: the first line now, the rest queued as a burst from the same dyno. */
  stackTrace() {
    const {random} = this
    const dyno = random.pick(APP_DYNOS)
    const lines = random.chance(0.5)
      ? [
        `TypeError: Cannot read properties of undefined (reading '${random.pick(['id', 'price', 'items'])}')`,
        '    at CartService.total (/app/dist/services/cart.js:42:31)',
        '    at async CheckoutController.create (/app/dist/controllers/checkout.js:18:19)',
        '    at async /app/node_modules/express/lib/router/layer.js:95:5',
      ]
      : [
        'Traceback (most recent call last):',
        '  File "/app/shop/views.py", line 88, in checkout',
        '    total = cart.total()',
        '  File "/app/shop/models.py", line 41, in total',
        '    return sum(item.price for item in self.items)',
        `KeyError: '${random.pick(['price', 'sku', 'currency'])}'`,
      ]
    // A crash report's first line (and Python's closing `KeyError: ...`) is an error; its frames stay info.
    const levelOf = (message) => (/^(\w*Error:|Traceback )/.test(message) ? 'error' : 'info')
    const [first, ...rest] = lines.map((message) => ({dyno, kind: 'trace', level: levelOf(message), message, source: 'app'}))
    for (const record of rest) record.burst = true
    this.pending.push(...rest)
    return first
  }

  /** A dyno's lifecycle episode from the platform: a restart, a crash, memory trouble, a one-off or a job. */
  lifecycle() {
    const {random} = this
    const heroku = (dyno, message, level = 'info') => ({burst: true, dyno, kind: 'platform', level, message, source: 'heroku'})
    const episode = []
    const roll = random.float()
    const dyno = random.pick(METRIC_DYNOS)
    const command = PROCESS_COMMANDS[dyno.slice(0, dyno.indexOf('.'))]
    if (roll < 0.35) {
      episode.push(
        heroku(dyno, 'Cycling'), heroku(dyno, 'State changed from up to starting'), heroku(dyno, 'Stopping all processes with SIGTERM'),
        heroku(dyno, 'Process exited with status 143'), heroku(dyno, `Starting process with command ${command}`),
        heroku(dyno, 'State changed from starting to up'),
      )
    } else if (roll < 0.55) {
      const mb = random.int(520, 700)
      episode.push(
        heroku(dyno, `Process running mem=${mb}M(${(mb / MEMORY_QUOTA_MB * 100).toFixed(1)}%)`, 'warn'),
        heroku(dyno, 'Error R14 (Memory quota exceeded)', 'error'),
      )
    } else if (roll < 0.65) {
      episode.push(
        heroku(dyno, 'Process exited with status 137'), heroku(dyno, 'State changed from up to crashed', 'error'),
        heroku(dyno, 'State changed from crashed to starting'), heroku(dyno, `Starting process with command ${command}`),
        heroku(dyno, 'State changed from starting to up'),
      )
    } else if (roll < 0.7) {
      episode.push(
        heroku('web.1', 'Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch', 'error'),
        heroku('web.1', 'Stopping process with SIGKILL'), heroku('web.1', 'Process exited with status 137'),
        heroku('web.1', 'State changed from starting to crashed', 'error'),
      )
    } else if (roll < 0.85) {
      episode.push(
        heroku(ONE_OFF, `Starting process with command ${random.pick(ONE_OFF_COMMANDS)} by user dev${random.int(0, 9)}@example.com`),
        heroku(ONE_OFF, 'State changed from starting to up'),
        {burst: true, dyno: ONE_OFF, kind: 'app-text', level: 'info', message: `Running migrations: ${random.int(0, 3)} pending`, source: 'app'},
        heroku(ONE_OFF, 'Process exited with status 0'), heroku(ONE_OFF, 'State changed from up to complete'),
      )
    } else {
      episode.push(
        heroku(SCHEDULER, `Starting process with command ${random.pick(SCHEDULER_COMMANDS)}`),
        heroku(SCHEDULER, 'State changed from starting to up'),
        {burst: true, dyno: SCHEDULER, kind: 'app-logfmt', level: 'info', message: `level=info msg="report written" rows=${random.int(100, 90_000)} duration_ms=${random.int(200, 60_000)}`, source: 'app'},
        heroku(SCHEDULER, 'Process exited with status 0'), heroku(SCHEDULER, 'State changed from up to complete'),
      )
    }

    const [first, ...rest] = episode
    this.pending.push(...rest)
    return first
  }

  logplexOverflow() {
    const since = new Date(Math.floor(this.micros / 1000) - this.random.int(1000, 60_000)).toISOString().slice(0, 19)
    const message = `Error L10 (output buffer overflow): ${this.random.int(100, 2000)} messages dropped since ${since}+00:00.`
    return {dyno: 'logplex', kind: 'logplex', level: 'error', message, source: 'heroku'}
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output formats.

const LOGFMT_KINDS = new Set(['router', 'router-error', 'app-logfmt', 'metrics'])

/** The fields of a logfmt message as this generator writes them: no escapes, values kept as strings. */
function logfmtFields(message) {
  const fields = {}
  let i = 0
  while (i < message.length) {
    const space = message.indexOf(' ', i)
    const equals = message.indexOf('=', i)
    const tokenEnd = space === -1 ? message.length : space
    if (equals === -1 || equals > tokenEnd) {
      fields[message.slice(i, tokenEnd)] = true
      i = tokenEnd + 1
    } else if (message.charCodeAt(equals + 1) === 0x22) {
      const close = message.indexOf('"', equals + 2)
      fields[message.slice(i, equals)] = message.slice(equals + 2, close)
      i = close + 2
    } else {
      fields[message.slice(i, equals)] = message.slice(equals + 1, tokenEnd)
      i = tokenEnd + 1
    }
  }

  return fields
}

function fieldsOf(record) {
  if (record.kind === 'app-json') return JSON.parse(record.message)
  if (LOGFMT_KINDS.has(record.kind)) return logfmtFields(record.message)
  return {}
}

/** Logplex's fixed PRIs: local7.info for app output, local3.info for the router, user.emerg for the platform. */
function priOf(record) {
  if (record.source === 'app') return 190
  return record.dyno === 'router' ? 158 : 40
}

const FORMATTERS = {
  ndjson: (r) => JSON.stringify({time: r.time, source: r.source, dyno: r.dyno, level: r.level, kind: r.kind, msg: r.message, fields: fieldsOf(r)}) + '\n',
  syslog(r) {
    const body = `<${priOf(r)}>1 ${r.time} host ${r.source} ${r.dyno} - ${r.message}\n`
    return `${Buffer.byteLength(body)} ${body}`
  },
  text: (r) => `${r.time} ${r.source}[${r.dyno}]: ${r.message}\n`,
}

async function main() {
  const options = parseArgs(process.argv.slice(2))
  const output = options.out === undefined ? process.stdout : createWriteStream(options.out)
  // A reader that stops early (`| head`) ends the run quietly.
  output.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0)
    fail(error.message)
  })
  const format = FORMATTERS[options.format]
  const generator = new Generator(options.seed)
  // Lines go into 1 MiB buffers (every character is ASCII, so latin1 is exact and the cheapest encoding),
  // one write per buffer: big writes are most of what makes this fast.
  const CHUNK_BYTES = 1 << 20
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  let used = 0
  const flush = async () => {
    if (!output.write(chunk.subarray(0, used))) await new Promise((resolve) => output.once('drain', resolve))
    chunk = Buffer.allocUnsafe(CHUNK_BYTES)
    used = 0
  }

  for (let remaining = options.lines; remaining > 0; remaining--) {
    const line = format(generator.next())
    if (used + line.length > CHUNK_BYTES) await flush()
    used += chunk.latin1Write(line, used)
  }

  if (used > 0) await flush()
  if (output !== process.stdout) await new Promise((resolve) => output.end(resolve))
}

await main()
