import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'
import {type AddressInfo, connect, createServer, type Server, type Socket} from 'node:net'

import type {RunningRouter} from '../../src/router/server.js'
import {drainRouter} from './drain-receivers.js'
import {call, createApp, createSession, frame, postText, readSession, waitFor} from './helpers.js'

const MESSAGE = '<190>1 2024-05-01T12:00:00.000000+00:00 host app web.1 - from a drain'

function post(router: RunningRouter, headers: Record<string, string>, user?: string, password?: string) {
  const all: Record<string, string> = {'content-type': 'application/logplex-1', 'logplex-msg-count': '1', ...headers}
  if (user !== undefined) all.authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
  return call(router, 'POST', '/logs', {body: frame(MESSAGE), headers: all, key: null})
}

async function appLines(router: RunningRouter, app: string): Promise<string[]> {
  return (await readSession(await createSession(router, app, {lines: 1500}))).text.split('\n').filter(Boolean)
}

describe('receiving from drains', function () {
  this.timeout(20_000)

  describe('an app with an allowlist', () => {
    const drainToken = `d.${randomUUID()}`
    let router: Awaited<ReturnType<typeof drainRouter>>
    let inputToken: string

    before(async () => {
      router = await drainRouter({allow: [{app: 'guarded', drainToken}, {app: 'guarded', password: 'pa:ss', user: 'heroku'}]})
      inputToken = (await createApp(router, 'guarded')).log_input_token
    })

    it('takes a POST with an allowed drain token', async () => {
      const reply = await post(router, {'logplex-drain-token': drainToken}, 'token', inputToken)
      assert.equal(reply.status, 204, reply.text)
    })

    it('takes a POST with allowed Basic credentials instead of the input token', async () => {
      const reply = await post(router, {}, 'heroku', 'pa:ss')
      assert.equal(reply.status, 204, reply.text)
    })

    it('refuses the input token alone, another drain token, and wrong credentials with 401, and counts them', async () => {
      const before = router.drops().unauthorized
      const replies = [
        await post(router, {}, 'token', inputToken),
        await post(router, {'logplex-drain-token': `d.${randomUUID()}`}, 'token', inputToken),
        await post(router, {}, 'heroku', 'wrong'),
        await post(router, {}),
      ]
      assert.deepEqual(replies.map((reply) => reply.status), [401, 401, 401, 401])
      assert.equal(replies[0].headers['www-authenticate'], 'Basic realm="logsift"')
      assert.equal(router.drops().unauthorized - before, 4)
    })

    it('logs refusals once per source address per minute, never the credentials', async () => {
      for (let i = 0; i < 20; i++) await post(router, {}, 'heroku', 'secret-guess')
      const refusals = router.logged.filter((line) => line.startsWith('refused POST /logs from 127.0.0.1'))
      assert.equal(refusals.length, 1)
      assert.doesNotMatch(router.logged.join('\n'), /secret-guess|pa:ss/)
    })
  })

  it('takes a batch retried with the same Logplex-Frame-Id once', async () => {
    const router = await drainRouter()
    const {log_input_token: token} = await createApp(router, 'once')
    const frameId = 'ab'.repeat(16)
    for (let i = 0; i < 2; i++) {
      const reply = await post(router, {'logplex-frame-id': frameId}, 'token', token)
      assert.equal(reply.status, 204)
    }

    assert.equal((await appLines(router, 'once')).length, 1)
  })

  it('a retry whose answer was lost arrives once at a second router', async () => {
    const target = await drainRouter()
    const inbox = await createApp(target, 'inbox')
    // A proxy that forwards everything but cuts the first answer off before the sender sees it.
    const targetPort = Number(new URL(target.url).port)
    let cut = false
    const open = new Set<Socket>()
    const proxy: Server = createServer((client: Socket) => {
      const upstream = connect(targetPort, '127.0.0.1')
      open.add(client).add(upstream)
      client.pipe(upstream)
      upstream.on('data', (chunk: Buffer) => {
        if (!cut) {
          cut = true
          client.destroy()
          upstream.destroy()
          return
        }

        client.write(chunk)
      })
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    after(() => {
      for (const socket of open) socket.destroy()
      return new Promise((resolve) => proxy.close(resolve))
    })

    const sender = await drainRouter({drains: {backoff: {baseMs: 50, capMs: 200}, timeoutMs: 2000}})
    await createApp(sender, 'origin')
    const {port} = proxy.address() as AddressInfo
    const added = await call(sender, 'POST', '/apps/origin/log-drains', {body: {url: `http://token:${inbox.log_input_token}@127.0.0.1:${port}/logs`}})
    assert.equal(added.status, 201)
    await postText(sender, 'origin', '2024-05-01T12:00:00.000000+00:00 app[web.1]: only once\n')
    await waitFor('the retry delivered', () => sender.drainStatus(added.json.id)!.delivered === 1, 10_000)
    assert.ok(cut)
    assert.deepEqual(await appLines(target, 'inbox'), ['2024-05-01T12:00:00.000000+00:00 app[web.1]: only once'])
  })

  describe('loop detection at drains:add', () => {
    let router: RunningRouter
    let a: {log_input_token: string}
    let b: {log_input_token: string}

    before(async () => {
      router = await drainRouter()
      a = await createApp(router, 'loop-a')
      b = await createApp(router, 'loop-b')
    })

    it('refuses a drain into the same app', async () => {
      const reply = await call(router, 'POST', '/apps/loop-a/log-drains', {body: {url: `${router.url.replace('//', `//token:${a.log_input_token}@`)}/logs`}})
      assert.equal(reply.status, 422)
      assert.equal(reply.json.message, "Url sends loop-a's logs back into this router in a loop (loop-a → loop-a); messages would go round forever.")
    })

    it('allows a drain into another app, then refuses the drain back', async () => {
      const forward = await call(router, 'POST', '/apps/loop-a/log-drains', {body: {url: `${router.url.replace('//', `//token:${b.log_input_token}@`)}/logs`}})
      assert.equal(forward.status, 201)
      const back = await call(router, 'POST', '/apps/loop-b/log-drains', {body: {url: `${router.url.replace('//', `//token:${a.log_input_token}@`)}/logs`}})
      assert.equal(back.status, 422)
      assert.match(back.json.message, /\(loop-b → loop-a → loop-b\)/)
      assert.doesNotMatch(back.json.message, new RegExp(a.log_input_token))
    })
  })
})
