import assert from 'node:assert/strict'
import {type AddressInfo, createServer} from 'node:net'

import {runCli} from '../helpers/cli.js'
import {isolatedEnv} from '../api/helpers.js'
import {drainRouter, StrictReceiver} from './drain-receivers.js'
import {call, createApp, postText, waitFor} from './helpers.js'

describe('logsift drains:info against the router', function () {
  this.timeout(30_000)

  it('shows state, counts, the last error, position and lag of a drain, with the password masked', async () => {
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    const router = await drainRouter({drains: {backoff: {baseMs: 50, capMs: 200}, timeoutMs: 2000}})
    await createApp(router, 'info')
    const added = await call(router, 'POST', '/apps/info/log-drains', {body: {url: receiver.url('user:hunter2')}})
    const {id, token} = added.json
    await postText(router, 'info', '2024-05-01T12:00:00.000000+00:00 app[web.1]: taken\n')
    await waitFor('one delivered', () => router.drainStatus(id)!.delivered === 1)
    receiver.answer = () => ({status: 400})
    await postText(router, 'info', '2024-05-01T12:00:01.000000+00:00 app[web.1]: refused\n')
    await waitFor('one refused', () => router.drainStatus(id)!.droppedRejected === 1)

    const env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    const result = await runCli(['drains:info', token, '-a', 'info'], {env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, new RegExp([
      `^=== http://user:\\*\\*\\*\\*@127\\.0\\.0\\.1:${receiver.port}/drain \\(${token}\\)`,
      'State: {8}failing \\(last error: the receiver answered 400\\)',
      'Delivered: {4}1',
      'Dropped: {6}1 \\(0 removed by retention first, 1 refused by the receiver\\)',
      'Position: {5}3',
      'Lag: {10}0 messages behind',
      'Last success: \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$',
    ].join('\\n')))
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/)

    const json = await runCli(['drains:info', receiver.url('user:hunter2'), '-a', 'info', '--json'], {env})
    assert.equal(json.code, 0, json.stderr)
    assert.equal(JSON.parse(json.stdout).delivery.dropped_rejected, 1)
  })
})

describe('a drain whose URL says TLS where the port has none', function () {
  this.timeout(30_000)

  it('says so in one line, for an HTTP server answering the TLS hello and a syslog port staying silent', async () => {
    const plainHttp = new StrictReceiver()
    await plainHttp.start()
    after(() => plainHttp.stop())
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    after(() => silent.close())
    const silentPort = (silent.address() as AddressInfo).port
    const router = await drainRouter({drains: {backoff: {baseMs: 50, capMs: 200}, timeoutMs: 1000}})
    await createApp(router, 'no-tls')
    const cases = [
      [`https://127.0.0.1:${plainHttp.port}/drain`, "the receiver's answer is not TLS: is it a port without TLS (syslog://, http://)?"],
      [`syslog+tls://127.0.0.1:${plainHttp.port}`, "the receiver's answer is not TLS: is it a port without TLS (syslog://, http://)?"],
      [`syslog+tls://127.0.0.1:${silentPort}`, `connected to 127.0.0.1:${silentPort}, but no TLS handshake in 1000 ms: is it a port without TLS (syslog://)?`],
    ]
    const ids: string[] = []
    for (const [url] of cases) ids.push((await call(router, 'POST', '/apps/no-tls/log-drains', {body: {url}})).json.id)
    await postText(router, 'no-tls', '2024-05-01T12:00:00.000000+00:00 app[web.1]: hello\n')
    for (const [index, [, reason]] of cases.entries()) {
      await waitFor(`the error of ${cases[index][0]}`, () => router.drainStatus(ids[index])!.lastError !== undefined, 10_000)
      assert.equal(router.drainStatus(ids[index])!.lastError, reason)
      assert.equal(router.drainStatus(ids[index])!.state, 'retrying')
    }
  })
})
