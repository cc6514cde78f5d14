// The router as the benchmarks run it: `logsift serve` of a checkout in a child process, and its API.
import {execFileSync, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** This checkout. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * `logsift serve` of `checkout` on free ports (HTTP on port 0, syslog off) with its data in `dataDir`,
 * resolved once it says where it listens. `args` go after serve's own, `nodeArgs` to node (`--cpu-prof`).
 */
export async function startRouter({apiKey = 'bench-' + Math.random().toString(36).slice(2), args = [], checkout = ROOT, dataDir, env = process.env, nodeArgs = []}) {
  const child = spawn(process.execPath, [...nodeArgs, join(checkout, 'bin', 'run.js'), 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dataDir, ...args], {
    env: {...env, LOGSIFT_API_KEY: apiKey},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = / on (http:\/\/\S+) /.exec(out)
      if (match !== null) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`logsift serve exited (${code}): ${out}`)))
  })
  return {
    /** A Platform API call with the key: `body` as JSON, or as it is with another content `type`. */
    async api(method, path, body, type = 'application/json') {
      const response = await fetch(url + path, {
        body: body === undefined || type !== 'application/json' ? body : JSON.stringify(body),
        headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${apiKey}`, 'content-type': type},
        method,
      })
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return response.status === 204 ? undefined : response.json()
    },
    apiKey,
    child,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
    url,
  }
}

let ticksPerSecond

/** User + system CPU a process has used so far, in ms, from /proc (Linux). */
export function cpuMs(pid) {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim())
  // utime and stime are fields 14 and 15 of stat(5), counted from the state field (3) here.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / ticksPerSecond
}
