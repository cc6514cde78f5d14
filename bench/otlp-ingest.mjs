#!/usr/bin/env node
// OTLP/HTTP ingest of `logsift serve` against logplex-1 ingest of the same messages, in the same run.
//
//   npm run build && node bench/otlp-ingest.mjs [--rounds 3] [--seconds 5] [--records 200] [--connections 4] [--inflight 16]
//
// One router (`bin/run.js serve` from dist/, its own process), one app. The same `gen-heroku-logs.mjs` lines
// (seed 1) are posted three ways, each body holding --records of them: logplex-1 to `/logs` (octet-counted
// RFC 5424 frames, as Heroku's HTTPS drains write them), and an OTLP ExportLogsServiceRequest to `/v1/logs`,
// as protobuf and as OTLP/JSON (one resource per body, `service.instance.id` the dyno, the message the body,
// severity INFO, a time in nanoseconds), encoded beforehand with protobufjs from the vendored .proto files.
// Each round measures the three in turn, a warm-up second then --seconds each, with an undici Pool of
// --inflight POSTs over --connections keep-alive connections in this process; medians are printed as
// messages/s with the ratio to logplex-1, and the router's CPU per 1,000 messages (from /proc: Linux only).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import protobuf from 'protobufjs'
import {Pool} from 'undici'

import {cpuMs, startRouter} from './lib/router.mjs'

const {values: opts} = parseArgs({
  options: {
    connections: {default: '4', type: 'string'},
    inflight: {default: '16', type: 'string'},
    records: {default: '200', type: 'string'},
    rounds: {default: '3', type: 'string'},
    seconds: {default: '5', type: 'string'},
  },
})

const root = fileURLToPath(new URL('..', import.meta.url))
const protos = new protobuf.Root()
protos.resolvePath = (_origin, target) => join(root, 'src', 'router', 'otlp', 'proto', target)
protos.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto')
const Request = protos.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')

const LINE = /^(\S+) ([^\s[]+)\[([^\s\]]+)\]: (.*)$/

function corpus() {
  const generator = join(root, 'scripts', 'gen-heroku-logs.mjs')
  const text = execFileSync(process.execPath, [generator, '--lines', '20000', '--seed', '1'], {maxBuffer: 64 * 1024 * 1024}).toString()
  return text.split('\n').map((line) => LINE.exec(line)).filter((match) => match !== null)
}

function logplexBody(lines) {
  return Buffer.from(lines.map(([, time, source, dyno, message]) => {
    const msg = `<190>1 ${time} host ${source} ${dyno} - ${message}\n`
    return `${Buffer.byteLength(msg)} ${msg}`
  }).join(''))
}

function otlpRequest(lines) {
  return {resourceLogs: [{
    resource: {attributes: [{key: 'service.name', value: {stringValue: 'demo'}}, {key: 'service.instance.id', value: {stringValue: lines[0][3]}}]},
    scopeLogs: [{logRecords: lines.map(([, time, , , message]) => ({
      body: {stringValue: message}, severityNumber: 9, timeUnixNano: String(BigInt(Date.parse(time)) * 1_000_000n),
    }))}],
  }]}
}

function bodies(matches, records) {
  const sets = {json: [], logplex: [], protobuf: []}
  for (let i = 0; i + records <= matches.length; i += records) {
    const lines = matches.slice(i, i + records)
    sets.logplex.push(logplexBody(lines))
    const request = otlpRequest(lines)
    sets.protobuf.push(Buffer.from(Request.encode(Request.fromObject(request)).finish()))
    sets.json.push(Buffer.from(JSON.stringify(request)))
  }

  return sets
}

/** A router with the app `demo`, and the app's log input token. */
async function startDemoRouter(dir) {
  const router = await startRouter({dataDir: join(dir, 'router')})
  const app = await router.api('POST', '/apps', {name: 'demo'})
  return {...router, token: app.log_input_token}
}

async function load(router, kind, sets, records, seconds) {
  const path = kind === 'logplex' ? '/logs' : '/v1/logs'
  const type = {json: 'application/json', logplex: 'application/logplex-1', protobuf: 'application/x-protobuf'}[kind]
  const headers = {authorization: 'Basic ' + Buffer.from(`token:${router.token}`).toString('base64'), 'content-type': type}
  const pool = new Pool(router.url, {connections: Number(opts.connections), pipelining: 1})
  const list = sets[kind]
  let sent = 0
  let next = 0
  let stopAt = 0
  const worker = async () => {
    while (Date.now() < stopAt) {
      const {body, statusCode} = await pool.request({body: list[next++ % list.length], headers, method: 'POST', path})
      await body.dump()
      if (statusCode !== 204 && statusCode !== 200) throw new Error(`${kind}: HTTP ${statusCode}`)
      sent += records
    }
  }

  const run = async (ms) => {
    stopAt = Date.now() + ms
    await Promise.all(Array.from({length: Number(opts.inflight)}, worker))
  }

  await run(1000)
  sent = 0
  const cpu = cpuMs(router.pid)
  const started = Date.now()
  await run(seconds * 1000)
  const elapsed = (Date.now() - started) / 1000
  const result = {cpuPer1000: ((cpuMs(router.pid) - cpu) / sent) * 1000, rate: sent / elapsed}
  await pool.close()
  return result
}

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]
const dir = mkdtempSync(join(tmpdir(), 'logsift-otlp-bench-'))
const router = await startDemoRouter(dir)
try {
  const records = Number(opts.records)
  const sets = bodies(corpus(), records)
  const kinds = ['logplex', 'protobuf', 'json']
  const results = Object.fromEntries(kinds.map((kind) => [kind, []]))
  for (let round = 0; round < Number(opts.rounds); round++) {
    for (const kind of kinds) {
      const result = await load(router, kind, sets, records, Number(opts.seconds))
      results[kind].push(result)
      process.stderr.write(`round ${round + 1} ${kind}: ${Math.round(result.rate)} messages/s\n`)
    }
  }

  const base = median(results.logplex.map((result) => result.rate))
  const names = {json: 'OTLP/JSON to /v1/logs', logplex: 'logplex-1 to /logs', protobuf: 'OTLP protobuf to /v1/logs'}
  console.log(`| input | messages/s (median of ${opts.rounds}) | vs logplex-1 | router CPU per 1,000 messages |`)
  console.log('| --- | --- | --- | --- |')
  for (const kind of kinds) {
    const rate = median(results[kind].map((result) => result.rate))
    const cpu = median(results[kind].map((result) => result.cpuPer1000))
    console.log(`| ${names[kind]} | ${Math.round(rate).toLocaleString('en-US')} | ${Math.round((rate / base) * 100)}% | ${cpu.toFixed(3)} ms |`)
  }
} finally {
  await router.stop()
  rmSync(dir, {force: true, recursive: true})
}
