#!/usr/bin/env node
// `npm run demo`: a live tail on the embedded router, with nothing to set up.
//
// Starts the router on free ports with a throwaway data directory, creates the app `demo`, replays the
// bundled examples/heroku.log into it with fresh timestamps (router lines, dyno output, errors), and runs
// `logsift logs -a demo --tail` in this terminal until Ctrl-C. Extra arguments go to `logs`
// (`npm run demo -- --level warn`, `npm run demo -- -d router -w 'status>=500'`).
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {request} from 'undici'

import {startRouter} from '../dist/router/server.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const dataDir = mkdtempSync(join(tmpdir(), 'logsift-demo-'))
const router = await startRouter({dataDir, port: 0, syslogPort: 0})
const headers = {authorization: `Bearer ${router.apiKey}`, 'content-type': 'application/json'}

const created = await request(`${router.url}/apps`, {body: JSON.stringify({name: 'demo'}), headers, method: 'POST'})
await created.body.dump()
if (created.statusCode !== 201) throw new Error(`could not create the demo app: HTTP ${created.statusCode}`)

// Each example line without its timestamp; the replay stamps it with the time it is sent.
const lines = readFileSync(join(root, 'examples', 'heroku.log'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => line.slice(line.indexOf(' ') + 1))
let next = 0

async function replay() {
  const batch = []
  for (let i = 0; i < 3 + Math.floor(Math.random() * 5); i++) {
    batch.push(`${new Date().toISOString().replace('Z', '+00:00')} ${lines[next]}`)
    next = (next + 1) % lines.length
  }

  const response = await request(`${router.url}/apps/demo/logs`, {
    body: batch.join('\n') + '\n',
    headers: {...headers, 'content-type': 'text/plain'},
    method: 'POST',
  })
  await response.body.dump()
}

await replay()
const feeder = setInterval(() => replay().catch(() => {}), 400)

const tail = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'logs', '-a', 'demo', '--tail', ...process.argv.slice(2)], {
  env: {...process.env, LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url},
  stdio: 'inherit',
})

async function stop(code) {
  clearInterval(feeder)
  await router.close()
  rmSync(dataDir, {force: true, recursive: true})
  process.exit(code)
}

// Ctrl-C reaches the tail too (same process group); the demo ends when it does.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => tail.kill('SIGTERM'))
tail.on('exit', (code, signal) => stop(signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : (code ?? 0)))
