import assert from 'node:assert/strict'
import {createServer} from 'node:http'
import {type AddressInfo, connect} from 'node:net'

import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {runCli, tempDir, waitFor} from '../helpers/cli.js'
import {fakePlatform, isolatedEnv, runAgainst} from './helpers.js'

/**
 * `logsift status` and `logsift apps:info` as processes against a real router, after traffic that made it
 * drop: a syslog message for an app it does not have, and a drain whose receiver refuses every batch.
 */
describe('logsift status and apps:info show drops', function () {
  this.timeout(30_000)

  let router: RunningRouter
  let env: NodeJS.ProcessEnv
  const run = (...args: string[]) => runCli(args, {env})

  before(async () => {
    const dataDir = tempDir('logsift-status-')
    router = await startRouter({
      dataDir, drains: {backoff: {baseMs: 5000, capMs: 5000}}, log: () => {}, port: 0, syslogPort: 0, udpReceiveBufferBytes: 1024 * 1024,
    })
    env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    assert.equal((await run('apps:create', 'demo')).code, 0)
    assert.equal((await run('apps:create', 'quiet')).code, 0)
    const refusing = createServer((req, res) => req.resume().on('end', () => res.writeHead(400).end()))
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    after(() => refusing.close())
    assert.equal((await run('drains:add', `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/x`, '-a', 'demo')).code, 0)

    const socket = connect(router.syslogTcpPort, '127.0.0.1')
    socket.end('<13>1 2024-05-01T12:00:00Z host ghost web.1 - - for nobody\n')
    const post = (text: string) => fetch(`${router.url}/apps/demo/logs`, {body: text, headers: {authorization: `Bearer ${router.apiKey}`}, method: 'POST'})
    const drains = await (await fetch(`${router.url}/apps/demo/log-drains`, {headers: {authorization: `Bearer ${router.apiKey}`}})).json()
    await post('first\n')
    await waitFor('the drain to be refused once', () => router.drainStatus(drains[0].id)?.state === 'failing')
    // 6 more, refused too.
    await post('a\nb\nc\nd\ne\nf\n')
    await waitFor('the drops', () => router.drops().syslog_unknown_app === 1 && router.drops().drain_rejected === 7)
  })

  after(() => router?.close())

  it('status: listeners, router-wide drops, and per app in, out and dropped', async () => {
    const result = await run('status')
    assert.equal(result.code, 0, result.stderr)
    const rejected = router.drops().drain_rejected
    const host = '127\\.0\\.0\\.1'
    assert.match(result.stdout, new RegExp([
      '^=== logsift router',
      'Up: {8}\\d+s \\(since \\S+Z\\)',
      `Listeners: ${router.url.replaceAll('.', '\\.')} \\(\\d+ open connections?\\)`,
      ` {11}tcp://${host}:${router.syslogTcpPort} \\(0 open connections\\)`,
      ` {11}udp://${host}:${router.syslogUdpPort} \\(UDP receive buffer 1 MiB\\)`,
      'Sessions: {2}0 open',
      `Dropped: {3}${rejected} drain_rejected, 1 syslog_unknown_app`,
      '',
      '=== Apps',
      'App {4}In {2}Out {2}Dropped',
      `demo {3}7 {3}0 {4}${rejected} drain_rejected`,
      'quiet {2}0 {3}0 {4}none',
      '',
      '=== Drains',
      'App {3}Drain +State {4}Delivered {2}Dropped {2}Position {2}Lag',
      `demo {2}http://${host}:\\d+/x {2}failing {2}0 {10}${rejected} {8}8 {9}0`,
      '$',
    ].join('\\n')))
  })

  it('status --json is GET /status', async () => {
    const result = await run('status', '--json')
    assert.equal(result.code, 0, result.stderr)
    const status = JSON.parse(result.stdout)
    assert.equal(status.drops.syslog_unknown_app, 1)
    assert.equal(status.apps.find((app: any) => app.name === 'demo').messages_in, 7)
  })

  it('apps:info shows what was dropped of the app', async () => {
    const demo = await run('apps:info', '-a', 'demo')
    assert.equal(demo.code, 0, demo.stderr)
    assert.match(demo.stdout, new RegExp(`\\nDropped: {9}${router.drops().drain_rejected} drain_rejected\\n`))
    const quiet = await run('apps:info', '-a', 'quiet')
    assert.match(quiet.stdout, /\nDropped: {9}none\n/)
  })

  describe('against an API that is not logsift\'s router', () => {
    const platform = fakePlatform()

    it('status says so and exits 2', async () => {
      const result = await runAgainst(platform, ['status'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /is not logsift's router: it has no GET \/status/)
    })
  })
})
