import {Worker} from 'node:worker_threads'

/** Who sent a datagram. */
export interface DatagramPeer {
  address: string
  port: number
}

export interface UdpReaderOptions {
  host: string
  port: number
  /** SO_RCVBUF asked of the kernel; undefined: the system default. */
  receiveBufferBytes: number | undefined
  /** Datagram bytes read but not yet handled beyond which new ones are dropped (and counted): memory stays bounded. */
  maxBacklogBytes: number
  /** Called on the main thread with each run of datagrams read; `datagram` is only valid during the call. */
  onDatagram: (datagram: Buffer, peer: DatagramPeer) => void
  /** After each run: a place to publish what the run produced. */
  onRunEnd: () => void
  /** Datagrams dropped because the backlog was full. */
  onBacklogDrops: (count: number) => void
}

/** A UDP socket that a thread of its own reads. */
export interface UdpReader {
  address(): {address: string; port: number}
  /** SO_RCVBUF as the kernel reports it (Linux: twice what it grants). */
  readonly receiveBufferSize: number
  close(): Promise<void>
}

/** A bind failure, with the socket's error code for the caller's message. */
export class UdpBindError extends Error {
  constructor(readonly code: string | undefined, message: string) {
    super(message)
  }
}

/*
 * The reader thread. A string, not a module, so it runs the same from src/ (under tsx, in tests) and from
 * dist/. It does as little per datagram as it can: copy it into the run, and post the run once per turn of
 * its event loop, the buffer transferred, not copied again.
 */
const READER = `
const {parentPort, workerData} = require('node:worker_threads')
const {createSocket} = require('node:dgram')
const {host, port, receiveBufferBytes, maxBacklogBytes, type, backlog} = workerData
const pending = new Int32Array(backlog)
const socket = createSocket({type, recvBufferSize: receiveBufferBytes})
let datagrams = []
let peers = []
let runBytes = 0
let dropped = 0
let scheduled = false
function post() {
  scheduled = false
  const data = Buffer.allocUnsafeSlow(runBytes)
  const lengths = new Uint32Array(datagrams.length)
  const addresses = new Array(datagrams.length)
  const ports = new Uint16Array(datagrams.length)
  let offset = 0
  for (let i = 0; i < datagrams.length; i++) {
    datagrams[i].copy(data, offset)
    offset += datagrams[i].length
    lengths[i] = datagrams[i].length
    addresses[i] = peers[i].address
    ports[i] = peers[i].port
  }
  Atomics.add(pending, 0, runBytes)
  parentPort.postMessage({type: 'run', data: data.buffer, lengths, addresses, ports, dropped}, [data.buffer])
  datagrams = []
  peers = []
  runBytes = 0
  dropped = 0
}
socket.on('message', (datagram, peer) => {
  if (Atomics.load(pending, 0) + runBytes + datagram.length > maxBacklogBytes) dropped++
  else {
    datagrams.push(datagram)
    peers.push(peer)
    runBytes += datagram.length
  }
  if (!scheduled) {
    scheduled = true
    setImmediate(post)
  }
})
socket.once('error', (error) => parentPort.postMessage({type: 'error', code: error.code, message: error.message}))
socket.bind(port, host, () => {
  // After binding, a socket error (ICMP noise) must not end the reader.
  socket.removeAllListeners('error')
  socket.on('error', () => {})
  const {address, port} = socket.address()
  parentPort.postMessage({type: 'listening', address, port, receiveBufferSize: socket.getRecvBufferSize()})
})
parentPort.on('message', () => socket.close(() => {
  if (scheduled) post()
  parentPort.close()
}))
`

interface Run {
  type: 'run'
  data: ArrayBuffer
  lengths: Uint32Array
  addresses: string[]
  ports: Uint16Array
  dropped: number
}

type FromReader = Run | {type: 'error'; code?: string; message: string} | {type: 'listening'; address: string; port: number; receiveBufferSize: number}

/**
 * Reads a UDP socket on a thread of its own, so the kernel's buffer is emptied while the main thread parses
 * and routes: a burst is then lost only if the reader itself falls behind (counted by the kernel), or if
 * more than `maxBacklogBytes` wait for the main thread (counted by `onBacklogDrops`).
 */
export function startUdpReader(options: UdpReaderOptions, type: 'udp4' | 'udp6'): Promise<UdpReader> {
  const backlog = new SharedArrayBuffer(4)
  const pending = new Int32Array(backlog)
  const {host, maxBacklogBytes, port, receiveBufferBytes} = options
  const worker = new Worker(READER, {eval: true, workerData: {backlog, host, maxBacklogBytes, port, receiveBufferBytes, type}})
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    worker.on('error', reject)
    worker.on('message', (message: FromReader) => {
      switch (message.type) {
        case 'run': {
          handleRun(message, options)
          Atomics.sub(pending, 0, message.data.byteLength)
          break
        }

        case 'error': {
          void worker.terminate()
          reject(new UdpBindError(message.code, message.message))
          break
        }

        case 'listening': {
          const address = {address: message.address, port: message.port}
          resolve({
            address: () => address,
            async close() {
              worker.postMessage('close')
              await exited
            },
            receiveBufferSize: message.receiveBufferSize,
          })
        }
      }
    })
  })
}

function handleRun(run: Run, options: UdpReaderOptions): void {
  if (run.dropped > 0) options.onBacklogDrops(run.dropped)
  const data = Buffer.from(run.data)
  let offset = 0
  for (let i = 0; i < run.lengths.length; i++) {
    const length = run.lengths[i]
    options.onDatagram(data.subarray(offset, offset + length), {address: run.addresses[i], port: run.ports[i]})
    offset += length
  }

  options.onRunEnd()
}
