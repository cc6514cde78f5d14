import assert from 'node:assert/strict'
import {connect, type Socket} from 'node:net'

import {startRouter} from '../../src/router/server.js'
import {call, createApp, dataDir, frame, testRouter, waitFor} from './helpers.js'

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
  })
}

describe('router limits and shutdown', () => {
  it('at maxConnections closes the longest idle connection for a new one, counts it, and serves the new one', async () => {
    const router = await testRouter({maxConnections: 2})
    const port = Number(new URL(router.url).port)
    const held = [await open(port), await open(port)]
    const evicted = new Promise((resolve) => held[0].once('close', resolve))
    assert.equal((await call(router, 'GET', '/apps')).status, 200)
    await evicted
    assert.equal(held[1].destroyed, false)
    assert.equal(router.drops().connections, 1)
    held[1].destroy()
  })

  it('close() lets a request already being received finish, then stops', async () => {
    const router = await startRouter({dataDir: dataDir(), port: 0, syslogPort: 0})
    const {log_input_token: token} = await createApp(router, 'demo')
    const body = frame('<13>1 2024-05-01T12:00:00Z host app web.1 - first') + frame('<13>1 2024-05-01T12:00:01Z host app web.1 - second')
    const socket = await open(Number(new URL(router.url).port))
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => (received += chunk))
    // 100-continue: the router answers it once it has the request in hand, so close() surely comes after.
    socket.write([
      'POST /logs HTTP/1.1', 'Host: router', `Authorization: Basic ${Buffer.from(`t:${token}`).toString('base64')}`,
      'Content-Type: application/logplex-1', `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 100-continue', '', '',
    ].join('\r\n'))
    await waitFor('100 Continue', () => received.includes('100 Continue'))
    const closed = router.close()
    socket.write(body)
    await waitFor(`the answer (have ${JSON.stringify(received)})`, () => /HTTP\/1\.1 204/.test(received))
    await closed
    await assert.rejects(call(router, 'GET', '/apps'))
    socket.destroy()
  })
})
