#!/usr/bin/env node
// A burst of syslog datagrams over UDP, sent as fast as one sender can, to `logsift serve` and to rsyslog's
// imudp in the same run: how many each kept, and, from the kernel's count in /proc/net/udp, how many the
// kernel dropped for want of buffer room.
//
//   npm run build && node bench/udp-burst.mjs [--bursts 1000,50000] [--runs 3] [--udp-receive-buffer BYTES]
//                                             [--rsyslog-rcvbuf BYTES]
//
// Processes, all on 127.0.0.1: this one (orchestration), the router (`bin/run.js serve` from dist/, its
// defaults: an 8 MiB receive buffer asked), rsyslogd (`-n`, imudp with its defaults or `RcvBufSize` from
// --rsyslog-rcvbuf, which rsyslog as root forces past net.core.rmem_max; an omfile with the raw message), and the sender (python3, one socket, sendto in a loop: no pacing). The router's count is what
// `GET /status` says the app took in; rsyslog's is the lines of its file. Each is read once it stops growing.
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const {values: opts} = parseArgs({
  options: {
    bursts: {default: '1000,50000', type: 'string'},
    'rsyslog-rcvbuf': {type: 'string'},
    runs: {default: '3', type: 'string'},
    'udp-receive-buffer': {type: 'string'},
  },
})
const RSYSLOGD = '/usr/sbin/rsyslogd'
const SENDER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
port, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    s.sendto(b'<13>1 2024-05-01T12:00:00Z host burst web.1 - - datagram %d of a burst' % i, ('127.0.0.1', port))
`

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function send(port, count) {
  return new Promise((resolve, reject) => {
    const sender = spawn('python3', ['-c', SENDER, String(port), String(count)], {stdio: 'inherit'})
    sender.on('error', reject)
    sender.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the sender exited with ${code}`))))
  })
}

/** The kernel's drop count for the UDP socket on 127.0.0.1:port (the `drops` column of /proc/net/udp). */
function kernelDrops(port) {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const row = readFileSync('/proc/net/udp', 'utf8').split('\n').find((line) => line.trim().split(/\s+/)[1] === hex)
  return row === undefined ? undefined : Number(row.trim().split(/\s+/)[12])
}

/** Polls `read` until its value has not changed for a second (or all are accounted for). */
async function settled(read, total) {
  let last = -1
  let stableSince = Date.now()
  for (;;) {
    const value = await read()
    if (value !== last) {
      last = value
      stableSince = Date.now()
    }

    if (value >= total || Date.now() - stableSince > 1000) return value
    await sleep(50)
  }
}

class Router {
  static async start(dir) {
    const router = new Router()
    const args = [join(ROOT, 'bin', 'run.js'), 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir]
    if (opts['udp-receive-buffer']) args.push('--udp-receive-buffer', opts['udp-receive-buffer'])
    router.child = spawn(process.execPath, args, {env: {...process.env, LOGSIFT_API_KEY: 'bench'}, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    router.child.stdout.on('data', (chunk) => (out += chunk))
    while (!out.includes('\n')) await sleep(20)
    router.line = out.trim()
    router.url = /on (http\S+) /.exec(out)[1]
    router.udpPort = Number(/udp:\/\/[\d.]+:(\d+)/.exec(out)[1])
    return router
  }

  async api(method, path, body) {
    const response = await fetch(this.url + path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {authorization: 'Bearer bench', 'content-type': 'application/json'},
      method,
    })
    return response.json()
  }

  async kept(app) {
    const status = await this.api('GET', '/status')
    return status.apps.find((each) => each.name === app).messages_in
  }

  stop() {
    this.child.kill('SIGTERM')
    return new Promise((resolve) => this.child.on('close', resolve))
  }
}

class Rsyslog {
  static async start(dir) {
    const rsyslog = new Rsyslog()
    rsyslog.port = await freePort()
    rsyslog.file = join(dir, 'received.log')
    mkdirSync(join(dir, 'work'), {recursive: true})
    writeFileSync(join(dir, 'rsyslog.conf'), `
global(workDirectory="${join(dir, 'work')}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${rsyslog.port}" ruleset="toFile"${opts['rsyslog-rcvbuf'] ? ` rcvbufSize="${opts['rsyslog-rcvbuf']}"` : ''})
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="toFile") { action(type="omfile" file="${rsyslog.file}" template="raw") }
`)
    rsyslog.child = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'pid')], {stdio: 'inherit'})
    // Listening once a probe arrives.
    for (let i = 0; rsyslog.lines() === 0; i++) {
      if (i > 200) throw new Error('rsyslogd did not start')
      await send(rsyslog.port, 1)
      await sleep(50)
    }

    await settled(() => rsyslog.lines(), Infinity)
    rsyslog.probes = rsyslog.lines()
    return rsyslog
  }

  lines() {
    if (!existsSync(this.file)) return 0
    const text = readFileSync(this.file, 'latin1')
    let count = 0
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++
    return count
  }

  stop() {
    this.child.kill('SIGTERM')
    return new Promise((resolve) => this.child.on('close', resolve))
  }
}

async function burstRouter(count) {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-udp-burst-'))
  const router = await Router.start(dir)
  try {
    await router.api('POST', '/apps', {name: 'burst'})
    await send(router.udpPort, count)
    const kept = await settled(async () => (await router.kept('burst')) + (kernelDrops(router.udpPort) ?? 0), count) - (kernelDrops(router.udpPort) ?? 0)
    return {kept, kernel: kernelDrops(router.udpPort), line: router.line}
  } finally {
    await router.stop()
    rmSync(dir, {force: true, recursive: true})
  }
}

async function burstRsyslog(count) {
  const dir = mkdtempSync(join(tmpdir(), 'rsyslog-udp-burst-'))
  const rsyslog = await Rsyslog.start(dir)
  try {
    await send(rsyslog.port, count)
    const kept = (await settled(() => rsyslog.lines() - rsyslog.probes + (kernelDrops(rsyslog.port) ?? 0), count)) - (kernelDrops(rsyslog.port) ?? 0)
    return {kept, kernel: kernelDrops(rsyslog.port)}
  } finally {
    await rsyslog.stop()
    rmSync(dir, {force: true, recursive: true})
  }
}

const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)} %`
const rmemMax = existsSync('/proc/sys/net/core/rmem_max') ? readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim() : 'unknown'
console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((each) => each.toFixed(2)).join(' ')}, net.core.rmem_max ${rmemMax}, ${execFileSync(RSYSLOGD, ['-v']).toString().split('\n')[0]}`)
console.log('| burst | run | logsift kept | logsift kernel drops | rsyslog imudp kept | rsyslog kernel drops | logsift / rsyslog |')
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
let startLine
for (const count of opts.bursts.split(',').map(Number)) {
  for (let run = 1; run <= Number(opts.runs); run++) {
    const logsift = await burstRouter(count)
    startLine ??= logsift.line
    const rsyslog = await burstRsyslog(count)
    console.log(`| ${count} | ${run} | ${logsift.kept} (${pct(logsift.kept, count)}) | ${logsift.kernel} | ${rsyslog.kept} (${pct(rsyslog.kept, count)}) | ${rsyslog.kernel} | ${(logsift.kept / rsyslog.kept).toFixed(2)}x |`)
  }
}

console.log(`\nthe router said: ${startLine}`)
