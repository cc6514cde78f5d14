#!/usr/bin/env node
// Drain catch-up after an outage: how fast `logsift serve` delivers what its app stored while the drain's
// receiver was down, once it is back.
//
//   npm run build && node bench/drain-catchup.mjs [--messages 200000] [--rounds 3] [--baseline DIR]
//                                                   [--baseline-args='--drain-buffer 200000']
//
// Each round: a router (`bin/run.js serve` of this checkout, and of --baseline DIR when given, a built
// checkout of another commit) with one app and one HTTP drain whose port nothing listens on; --messages
// messages posted as logplex-1 POSTs of 500 (about 170 bytes each) while it is down; then a bare Node HTTP
// server (answers 204, counts `Logplex-Msg-Count`) starts on that port. Catch-up speed is the messages
// received divided by the time from its first POST to the one that completes them — the drain's retry
// backoff before the first POST is left out. --baseline-args are added to the baseline's serve (the in-memory
// queue of builds before issue 10 must be told to hold them all: `--drain-buffer N`).
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {ROOT, startRouter} from './lib/router.mjs'

const {values: opts} = parseArgs({
  options: {
    baseline: {type: 'string'},
    'baseline-args': {default: '', type: 'string'},
    messages: {default: '200000', type: 'string'},
    rounds: {default: '3', type: 'string'},
  },
})

const PER_POST = 500

function body(from, count) {
  let text = ''
  for (let i = from; i < from + count; i++) {
    const msg = `<190>1 2024-05-01T12:00:00.000000+00:00 host app web.1 - at=info method=GET path="/items/${i}" host=bench.example.com status=200 bytes=512\n`
    text += `${Buffer.byteLength(msg)} ${msg}`
  }

  return text
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** One round: messages stored with the receiver down, then the catch-up timed at the receiver. */
async function round(root, extraArgs, messages) {
  const dataDir = mkdtempSync(join(tmpdir(), 'logsift-bench-catchup-'))
  const router = await startRouter({args: extraArgs, checkout: root, dataDir})
  try {
    const app = await router.api('POST', '/apps', {name: 'catchup'})
    const port = await freePort()
    await router.api('POST', '/apps/catchup/log-drains', {url: `http://127.0.0.1:${port}/drain`})
    const auth = 'Basic ' + Buffer.from(`token:${app.log_input_token}`).toString('base64')
    for (let from = 0; from < messages; from += PER_POST) {
      const response = await fetch(`${router.url}/logs`, {
        body: body(from, Math.min(PER_POST, messages - from)),
        headers: {authorization: auth, 'content-type': 'application/logplex-1', 'logplex-msg-count': String(Math.min(PER_POST, messages - from))},
        method: 'POST',
      })
      if (response.status !== 204) throw new Error(`POST /logs answered ${response.status}`)
    }

    let received = 0
    let first
    let done
    const finished = new Promise((resolve) => {
      done = resolve
    })
    const receiver = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        first ??= performance.now()
        received += Number(req.headers['logplex-msg-count'])
        res.writeHead(204).end()
        if (received >= messages) done(performance.now())
      })
    })
    receiver.keepAliveTimeout = 60_000
    await new Promise((resolve) => receiver.listen(port, '127.0.0.1', resolve))
    const last = await Promise.race([finished, new Promise((resolve) => setTimeout(() => resolve(undefined), 120_000))])
    receiver.closeAllConnections()
    await new Promise((resolve) => receiver.close(resolve))
    if (last === undefined) return {received, rate: Number.NaN}
    return {received, rate: received / ((last - first) / 1000)}
  } finally {
    await router.stop()
    rmSync(dataDir, {force: true, recursive: true})
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const messages = Number(opts.messages)
const builds = [['this checkout', ROOT, []]]
if (opts.baseline !== undefined) builds.push([`baseline ${opts.baseline}`, opts.baseline, opts['baseline-args'].split(' ').filter(Boolean)])
const rates = new Map(builds.map(([name]) => [name, []]))
for (let i = 1; i <= Number(opts.rounds); i++) {
  // Alternated within each round, so a noisy neighbour weighs on both alike.
  for (const [name, root, args] of builds) {
    const {rate, received} = await round(root, args, messages)
    rates.get(name).push(rate)
    console.log(`round ${i}, ${name}: ${received} of ${messages} delivered, ${Math.round(rate)} messages/s`)
  }
}

console.log(`\nmedian catch-up speed after ${messages} messages stored with the receiver down:`)
for (const [name, values] of rates) console.log(`  ${name}: ${Math.round(median(values))} messages/s`)
