import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'

import {type DatagramPeer, startUdpReader, type UdpReader} from '../../src/router/ingest/udp-reader.js'
import {waitFor} from './helpers.js'

/** Sends `count` datagrams from another process, blocking this thread meanwhile (the reader's thread runs on). */
function sendBlocking(port: number, count: number): void {
  const sender = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b'datagram %d' % i, ('127.0.0.1', int(sys.argv[1])))
`
  const result = spawnSync('python3', ['-c', sender, String(port), String(count)])
  assert.equal(result.status, 0, String(result.stderr))
}

describe('UDP reader thread', function () {
  this.timeout(10_000)
  let reader: UdpReader | undefined
  afterEach(() => reader?.close())

  it('hands every datagram, with its sender, to the main thread in runs', async () => {
    const got: Array<[string, DatagramPeer]> = []
    let runs = 0
    reader = await startUdpReader({
      host: '127.0.0.1', maxBacklogBytes: 1024 * 1024, onBacklogDrops: () => assert.fail('nothing should be dropped'),
      onDatagram: (datagram, peer) => got.push([datagram.toString(), peer]), onRunEnd: () => runs++, port: 0, receiveBufferBytes: 1024 * 1024,
    }, 'udp4')
    sendBlocking(reader.address().port, 200)
    await waitFor('200 datagrams', () => got.length === 200)
    assert.deepEqual(got.map(([text]) => text), Array.from({length: 200}, (_, i) => `datagram ${i}`))
    assert.equal(got[0][1].address, '127.0.0.1')
    assert.ok(got[0][1].port > 0)
    assert.ok(runs >= 1 && runs < 200, `${runs} runs`)
    assert.ok(reader.receiveBufferSize >= 1024 * 1024)
  })

  it('drops, and counts, what arrives while more than maxBacklogBytes wait for the main thread', async () => {
    let kept = 0
    let dropped = 0
    reader = await startUdpReader({
      host: '127.0.0.1', maxBacklogBytes: 200, onBacklogDrops: (count) => (dropped += count),
      onDatagram: () => kept++, onRunEnd: () => {}, port: 0, receiveBufferBytes: undefined,
    }, 'udp4')
    // The main thread is blocked while they arrive: the reader's backlog fills.
    sendBlocking(reader.address().port, 100)
    await waitFor('every datagram kept or dropped', () => kept + dropped === 100)
    assert.ok(dropped > 0, `kept ${kept}`)
  })

  it('a port in use is an error with its code', async () => {
    reader = await startUdpReader({
      host: '127.0.0.1', maxBacklogBytes: 1024, onBacklogDrops: () => {}, onDatagram: () => {}, onRunEnd: () => {}, port: 0, receiveBufferBytes: undefined,
    }, 'udp4')
    await assert.rejects(startUdpReader({
      host: '127.0.0.1', maxBacklogBytes: 1024, onBacklogDrops: () => {}, onDatagram: () => {}, onRunEnd: () => {}, port: reader.address().port, receiveBufferBytes: undefined,
    }, 'udp4'), {code: 'EADDRINUSE'})
  })
})
