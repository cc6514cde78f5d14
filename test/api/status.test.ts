import assert from 'node:assert/strict'
import {connect} from 'node:net'

import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {runCli, tempDir, waitFor} from '../helpers/cli.js'
import {closedPort, fakePlatform, isolatedEnv, runAgainst} from './helpers.js'

/**
 * `logsift status` and `logsift apps:info` as processes against a real router, after traffic that made it
 * drop: a syslog message for an app it does not have, and a drain whose receiver is down.
 */
describe('logsift status and apps:info show drops', function () {
  this.timeout(30_000)

  let router: RunningRouter
  let env: NodeJS.ProcessEnv
  const run = (...args: string[]) => runCli(args, {env})

  before(async () => {
    const dataDir = tempDir('logsift-status-')
    router = await startRouter({
      dataDir, drains: {backoff: {baseMs: 5000, capMs: 5000}, queueSize: 2}, log: () => {}, port: 0, syslogPort: 0, udpReceiveBufferBytes: 1024 * 1024,
    })
    env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    assert.equal((await run('apps:create', 'demo')).code, 0)
    assert.equal((await run('apps:create', 'quiet')).code, 0)
    assert.equal((await run('drains:add', `http://127.0.0.1:${await closedPort()}/x`, '-a', 'demo')).code, 0)

    const socket = connect(router.syslogTcpPort, '127.0.0.1')
    socket.end('<13>1 2024-05-01T12:00:00Z host ghost web.1 - - for nobody\n')
    const post = (text: string) => fetch(`${router.url}/apps/demo/logs`, {body: text, headers: {authorization: `Bearer ${router.apiKey}`}, method: 'POST'})
    const drains = await (await fetch(`${router.url}/apps/demo/log-drains`, {headers: {authorization: `Bearer ${router.apiKey}`}})).json()
    await post('first\n')
    await waitFor('the drain to fail once', () => router.drainStatus(drains[0].id)?.state === 'retrying')
    // 6 more: 2 wait in the queue, 4 are lost to it.
    await post('a\nb\nc\nd\ne\nf\n')
    await waitFor('the drops', () => router.drops().syslog_unknown_app === 1 && router.drops().drain_overflow === 4)
  })

  after(() => router?.close())

  it('status: listeners, router-wide drops, and per app in, out and dropped', async () => {
    const result = await run('status')
    assert.equal(result.code, 0, result.stderr)
    const overflow = router.drops().drain_overflow
    const host = '127\\.0\\.0\\.1'
    assert.match(result.stdout, new RegExp([
      '^=== logsift router',
      'Up: {8}\\d+s \\(since \\S+Z\\)',
      `Listeners: ${router.url.replaceAll('.', '\\.')} \\(\\d+ open connections?\\)`,
      ` {11}tcp://${host}:${router.syslogTcpPort} \\(0 open connections\\)`,
      ` {11}udp://${host}:${router.syslogUdpPort} \\(UDP receive buffer 1 MiB\\)`,
      'Sessions: {2}0 open',
      `Dropped: {3}${overflow} drain_overflow, 1 syslog_unknown_app`,
      '',
      '=== Apps',
      'App {4}In {2}Out {2}Dropped',
      `demo {3}7 {3}0 {4}${overflow} drain_overflow`,
      'quiet {2}0 {3}0 {4}none',
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
    assert.match(demo.stdout, new RegExp(`\\nDropped: {9}${router.drops().drain_overflow} drain_overflow\\n`))
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
