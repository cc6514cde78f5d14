#!/usr/bin/env node
// A steady connection flood on a router, for the tests and bench/connection-flood.mjs: from one source
// address it keeps SYSLOG idle TCP connections open to the syslog port and SLOWLORIS HTTP connections to the
// HTTP port that send a request's headers one line every INTERVAL ms and never finish them. Whatever the
// router closes is opened again REOPEN ms later, so the pressure never lets up.
//
//   node scripts/flood.mjs --from 127.0.0.2 --host 127.0.0.1 --syslog-port P --http-port Q \
//     [--syslog 2000] [--slowloris 600] [--interval 2000] [--reopen 1000]
//
// Prints `ready` once it has opened as many connections as asked for, then on SIGTERM or SIGINT one line
// `opened N closed M failed F` (closed: by the router, or reset) and exits 0.
import {connect} from 'node:net'
import {parseArgs} from 'node:util'

const {values} = parseArgs({
  options: {
    from: {default: '127.0.0.2', type: 'string'},
    host: {default: '127.0.0.1', type: 'string'},
    'http-port': {type: 'string'},
    interval: {default: '2000', type: 'string'},
    reopen: {default: '1000', type: 'string'},
    slowloris: {default: '600', type: 'string'},
    syslog: {default: '2000', type: 'string'},
    'syslog-port': {type: 'string'},
  },
})
const interval = Number(values.interval)
const reopen = Number(values.reopen)
const counts = {closed: 0, failed: 0, opened: 0}
const wanted = Number(values.syslog) + Number(values.slowloris)
const open = new Set()
let stopping = false
let ready = false

/** Keeps one connection to `port` open, reopening it after the router closes it; `start` runs on each connect. */
function hold(port, start) {
  if (stopping) return
  const socket = connect({host: values.host, localAddress: values.from, port})
  let timer
  socket.on('connect', () => {
    counts.opened++
    if (!ready && counts.opened >= wanted) {
      ready = true
      process.stdout.write('ready\n')
    }

    timer = start(socket)
  })
  socket.on('data', () => {})
  socket.on('error', () => counts.failed++)
  socket.on('close', () => {
    clearInterval(timer)
    if (stopping) return
    counts.closed++
    setTimeout(() => hold(port, start), reopen)
  })
  open.add(socket)
  socket.on('close', () => open.delete(socket))
}

const idle = () => undefined
const slowloris = (socket) => {
  socket.write('GET /apps HTTP/1.1\r\nHost: router\r\n')
  let header = 0
  return setInterval(() => socket.write(`X-Slow-${header++}: 1\r\n`), interval)
}

for (let i = 0; i < Number(values.syslog); i++) hold(Number(values['syslog-port']), idle)
for (let i = 0; i < Number(values.slowloris); i++) hold(Number(values['http-port']), slowloris)

const stop = () => {
  stopping = true
  for (const socket of open) socket.destroy()
  process.stdout.write(`opened ${counts.opened} closed ${counts.closed} failed ${counts.failed}\n`)
  process.exit(0)
}

process.on('SIGTERM', stop)
process.on('SIGINT', stop)
