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
  it('refuses connections over maxConnections, counts them, and keeps serving the others', async () => {
    const router = await testRouter({maxConnections: 2})
    const port = Number(new URL(router.url).port)
    const held = [await open(port), await open(port)]
    const extra = await open(port)
    await new Promise((resolve) => extra.once('close', resolve))
    await waitFor('the refused connection to be counted', () => router.drops().connections === 1)

    held[0].destroy()
    // The router notices the freed slot when the close reaches it: retry until then.
    let status = 0
    const deadline = Date.now() + 5000
    while (status !== 200) {
      if (Date.now() > deadline) throw new Error('the router never served a request after a slot freed')
      status = await call(router, 'GET', '/apps').then((reply) => reply.status, () => 0)
    }

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
