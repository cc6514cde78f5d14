import assert from 'node:assert/strict'

import {runCli} from '../helpers/cli.js'
import {createApp, testRouter} from '../router/helpers.js'
import {WebhookReceiver} from '../router/alerts/webhook-receiver.js'
import {isolatedEnv} from './helpers.js'

describe('logsift alerts, alerts:add, alerts:info, alerts:remove (CLI against the router)', function () {
  this.timeout(30_000)
  const receiver = new WebhookReceiver()
  before(() => receiver.start())
  after(() => receiver.stop())

  it('adds, lists, shows and removes alerts, with webhook secrets masked everywhere', async () => {
    const router = await testRouter({alerts: {tickMs: 10}})
    const env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    const cli = (args: string[]) => runCli(args, {env})
    await createApp(router, 'demo')
    const secretUrl = receiver.url('/hook', 'ops:s3cret')

    const added = await cli(['alerts:add', '5xx', '-a', 'demo', '-d', 'router', '--when', 'rate(status>=500)>2%', '--notify', secretUrl, '--notify', 'slack=https://hooks.slack.com/services/T0/B0/XXXXSECRET', '--resolve-after', '10m'])
    assert.deepEqual([added.code, added.stderr], [0, ''])
    assert.equal(added.stdout, `Successfully added alert 5xx: rate(status>=500) > 2% in 5m, notifying http://ops:****@127.0.0.1:${receiver.port}/hook, https://hooks.slack.com/services/T0/B0/**** (slack)\n`)
    const errors = await cli(['alerts:add', 'errors', '-a', 'demo', '-l', 'error', '-g', 'timed out', '--exclude', 'healthz', '-i', '--when', 'count > 10 in 5m'])
    assert.equal(errors.stdout, "Successfully added alert errors: count > 10 in 5m, writing its events into the app's log only\n")

    const listed = await cli(['alerts', '-a', 'demo'])
    assert.deepEqual([listed.code, listed.stderr], [0, ''])
    assert.equal(listed.stdout, [
      '=== Alerts',
      "5xx     rate(status>=500) > 2% in 5m  -d router                                     ok",
      "errors  count > 10 in 5m              -l error -g 'timed out' --exclude healthz -i  ok",
      '',
    ].join('\n'))

    const info = await cli(['alerts:info', '5xx', '-a', 'demo'])
    assert.equal(info.stdout, [
      '=== 5xx',
      'When:          rate(status>=500) > 2% in 5m',
      'Filters:       -d router',
      'Resolve after: 10m',
      `Notify:        http://ops:****@127.0.0.1:${receiver.port}/hook, https://hooks.slack.com/services/T0/B0/**** (slack)`,
      'State:         ok',
      'Value:         no data (0 matching in the window)',
      'Last event:    none',
      'Notifications: 0 sent, 0 failed attempts, 0 given up',
      '',
    ].join('\n'))
    const json = await cli(['alerts', '-a', 'demo', '--json'])
    assert.doesNotMatch(json.stdout + listed.stdout + info.stdout + added.stdout, /s3cret|XXXXSECRET/)
    assert.deepEqual(JSON.parse(json.stdout).map((alert: {name: string}) => alert.name), ['5xx', 'errors'])

    const removed = await cli(['alerts:remove', 'errors', '-a', 'demo'])
    assert.deepEqual([removed.code, removed.stdout], [0, 'Successfully removed alert errors\n'])
    assert.equal((await cli(['alerts', '-a', 'demo'])).stdout.split('\n').length, 3)
  })

  it('says what is wrong with a condition, with exit 2', async () => {
    const router = await testRouter()
    const env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    await createApp(router, 'bad')
    const result = await runCli(['alerts:add', 'x', '-a', 'bad', '--when', 'count > 10'], {env})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /When count > 10: a count needs a window: count > 10 in 5m/)
    assert.match(result.stderr, /Error ID: invalid_params/)
    const missing = await runCli(['alerts:info', 'nope', '-a', 'bad'], {env})
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /Couldn't find that alert\./)
  })
})
