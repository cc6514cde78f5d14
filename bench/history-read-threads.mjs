#!/usr/bin/env node
// The file engine's prefiltered reads on one thread against reads split across read threads (issue 12), on
// the log bench/history.mjs stores (run it first), through the engine directly: no router, no client.
//
//   npm run build && node bench/history-read-threads.mjs [--reads 600] [--threads 1,2]
//
// Each run opens the engine with `readThreads: N` and reads `--reads` spans of 16,000 offsets from the log's
// start with the query `status>=500`, asking for the next span before taking the last (as a history session
// does), and prints wall and CPU time (all threads of the process) and the candidates returned.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const {values: opts} = parseArgs({options: {reads: {default: '600', type: 'string'}, threads: {default: '1,2', type: 'string'}}})
const dir = join(root, 'bench', 'data', 'history-10000000', 'log')
if (!existsSync(dir)) throw new Error(`no stored log in ${dir}: run bench/history.mjs first`)
const {FileLogEngine} = await import(join(root, 'dist', 'router', 'log', 'file-engine.js'))
const {compileLinePrefilter} = await import(join(root, 'dist', 'query', 'prefilter.js'))
const SPAN = 16_000
const query = {now: Date.now(), where: ['status>=500']}
const prefilter = compileLinePrefilter(query)

for (const threads of opts.threads.split(',').map(Number)) {
  const engine = await FileLogEngine.open({dir, readThreads: threads, retention: {appMaxBytes: 1e13, maxAgeMs: 1e15, totalMaxBytes: 1e13}})
  const log = engine.app((await engine.apps())[0])
  const wall = performance.now()
  const cpu = process.cpuUsage()
  let candidates = 0
  let reading = log.read({offset: 1}, SPAN, {prefilter, query})
  for (let i = 0; i < Number(opts.reads); i++) {
    const {messages, next} = await reading
    reading = log.read({offset: next}, SPAN, {prefilter, query})
    candidates += messages.length
  }

  await reading
  const used = process.cpuUsage(cpu)
  console.log(`readThreads ${threads}: ${((performance.now() - wall) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ${candidates.toLocaleString('en')} candidates, ${engine.readsInParts} reads in parts; load ${(await import('node:os')).loadavg()[0].toFixed(1)}`)
  await engine.close()
}
