import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {createRedactor} from '../../../src/redact/redactor.js'
import type {RouterOptions, RunningRouter} from '../../../src/router/server.js'
import {runCli, tempDir} from '../../helpers/cli.js'
import {call, createApp, createSession, dataDir, postText, readSession, testRouter, waitFor} from '../helpers.js'
import {WebhookReceiver} from './webhook-receiver.js'

const SECOND = 1000
const MINUTE = 60 * SECOND

/** The alerts' clock: starts now (so replays find what the log stamped on arrival) and moves only when told. */
class FakeClock {
  time = Date.now()
  readonly now = () => this.time

  advance(ms: number): void {
    this.time += ms
  }
}

function routerOptions(clock: FakeClock, extra: Partial<RouterOptions> = {}): Partial<RouterOptions> {
  return {alerts: {backoff: {baseMs: 20, capMs: 100}, maxAttempts: 4, now: clock.now, tickMs: 10}, ...extra}
}

/** `count` router lines, each `status` and `service` from the functions of their index. */
function routerLines(count: number, status: (i: number) => number, service: (i: number) => number = () => 20, from = 0): string {
  let text = ''
  for (let i = from; i < from + count; i++) {
    const time = `2024-05-01T12:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}.${String(i % 10).padStart(3, '0')}000+00:00`
    text += `${time} heroku[router]: at=info method=GET path="/items/${i}" host=demo.herokuapp.com request_id=r${i} fwd="10.0.0.1" dyno=web.1 connect=1ms service=${service(i)}ms status=${status(i)} bytes=120 protocol=https\n`
  }

  return text
}

async function addAlert(router: RunningRouter, app: string, body: object): Promise<any> {
  const reply = await call(router, 'POST', `/apps/${app}/alerts`, {body})
  assert.equal(reply.status, 201, reply.text)
  return reply.json
}

async function alertInfo(router: RunningRouter, app: string, name: string): Promise<any> {
  const reply = await call(router, 'GET', `/apps/${app}/alerts/${name}`)
  assert.equal(reply.status, 200, reply.text)
  return reply.json
}

/** Waits until the alert's status passes `test`; returns the alert. */
async function waitForStatus(router: RunningRouter, app: string, name: string, test: (status: any) => boolean): Promise<any> {
  let info: any
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    info = await alertInfo(router, app, name)
    if (test(info.status)) return info
    await new Promise((resolve) => setTimeout(resolve, 10))
  }

  throw new Error(`timed out waiting for the status of ${name}; last ${JSON.stringify(info?.status)}`)
}

/** Waits until the alert's measured value is `value` (the tick has seen the clock move). */
function waitForValue(router: RunningRouter, app: string, name: string, value: number | null): Promise<any> {
  return waitForStatus(router, app, name, (status) => status.value === value)
}

describe('alerts on live logs', function () {
  this.timeout(30_000)
  let receiver: WebhookReceiver

  beforeEach(async () => {
    receiver = new WebhookReceiver()
    await receiver.start()
  })
  afterEach(() => receiver.stop())

  it('fires once for a burst of 5xx lines and resolves once after the condition has cleared', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'burst')
    await addAlert(router, 'burst', {dyno: 'router', name: '5xx', notify: [receiver.url()], resolve_after: '1m', when: 'count > 10 in 5m', where: 'status>=500'})
    await postText(router, 'burst', routerLines(30, () => 200))
    await postText(router, 'burst', routerLines(20, (i) => (i % 2 === 0 ? 503 : 200), undefined, 30))
    assert.equal((await alertInfo(router, 'burst', '5xx')).status.value, 10)
    await postText(router, 'burst', routerLines(5, () => 500, undefined, 50))
    await waitFor('the firing notification', () => receiver.taken().length === 1)
    await postText(router, 'burst', routerLines(20, () => 502, undefined, 55))
    await waitForValue(router, 'burst', '5xx', 35)

    const [firing] = receiver.taken()
    assert.equal(firing.status, 'firing')
    assert.equal(firing.alert, '5xx')
    assert.equal(firing.app, 'burst')
    assert.equal(firing.condition, 'count > 10 in 5m')
    // The batch of five took the count from 10 to 15.
    assert.equal(firing.value, 15)
    assert.equal(firing.window, '5m')
    assert.equal(firing.matching, 15)
    assert.match(firing.first_line, /request_id=r30 .* status=503/)
    assert.match(firing.last_line, /request_id=r54 .* status=500/)
    assert.equal(firing.logs_command, "logsift logs -a burst --since 2024-05-01T12:00:03.000Z --until 2024-05-01T12:00:05.005Z -d router -w 'status>=500'")
    assert.equal(firing.window_end, new Date(clock.time).toISOString())

    // Past the window the count is 0; a minute later (resolve_after) it resolves, once.
    clock.advance(5 * MINUTE + SECOND)
    await waitForValue(router, 'burst', '5xx', 0)
    assert.equal(receiver.taken().length, 1)
    clock.advance(MINUTE)
    await waitFor('the resolve', () => receiver.taken().length === 2)
    clock.advance(10 * MINUTE)
    await waitForValue(router, 'burst', '5xx', 0)
    const [, resolved] = receiver.taken()
    assert.equal(resolved.status, 'resolved')
    assert.equal(resolved.firing_since, firing.firing_since)
    assert.equal(resolved.value, 0)
    assert.equal(receiver.taken().length, 2)
    // Nothing matches in the window any more: the resolve covers the episode, from its first line to its last.
    assert.equal(resolved.matching, 0)
    assert.equal(resolved.first_line, firing.first_line)
    assert.match(resolved.last_line, /request_id=r74 .* status=502/)
    assert.equal(resolved.logs_command, "logsift logs -a burst --since 2024-05-01T12:00:03.000Z --until 2024-05-01T12:00:07.005Z -d router -w 'status>=500'")

    // The events are in the app's own log, where tails, drains and history see them.
    const log = (await readSession(await createSession(router, 'burst', {source: 'heroku', dyno: 'logsift'}))).text
    assert.match(log, /heroku\[logsift\]: Alert "5xx" firing: count > 10 in 5m \(value 15\)\n/)
    assert.match(log, /heroku\[logsift\]: Alert "5xx" resolved: count > 10 in 5m \(value 0\)\n/)
    const info = await alertInfo(router, 'burst', '5xx')
    assert.deepEqual([info.status.state, info.status.notifications_sent, info.status.notify_failures, info.status.last_event.status], ['ok', 2, 0, 'resolved'])
  })

  it('sends nothing more while the condition flaps within the hysteresis', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'flap')
    await addAlert(router, 'flap', {name: 'errors', notify: [receiver.url()], resolve_after: '2m', when: 'count >= 5 in 1m', grep: 'ERROR'})
    for (let flap = 0; flap < 4; flap++) {
      await postText(router, 'flap', 'ERROR one\nERROR two\nERROR three\nERROR four\nERROR five\n')
      await waitForValue(router, 'flap', 'errors', 5)
      clock.advance(MINUTE + SECOND)
      await waitForValue(router, 'flap', 'errors', 0)
      assert.equal((await alertInfo(router, 'flap', 'errors')).status.state, 'firing')
    }

    assert.deepEqual(receiver.taken().map((body) => body.status), ['firing'])
    clock.advance(2 * MINUTE)
    await waitFor('the resolve', () => receiver.taken().length === 2)
    assert.deepEqual(receiver.taken().map((body) => body.status), ['firing', 'resolved'])
  })

  it('fires absent for a dyno that goes quiet, while other dynos keep logging', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'quiet')
    await addAlert(router, 'quiet', {dyno: 'worker.2', name: 'worker-2-silent', notify: [receiver.url()], when: 'absent 10m'})
    await postText(router, 'quiet', 'job done', '?dyno=worker.2')
    clock.advance(9 * MINUTE)
    await postText(router, 'quiet', 'still here', '?dyno=worker.1')
    await waitForValue(router, 'quiet', 'worker-2-silent', 9 * MINUTE)
    assert.equal(receiver.taken().length, 0)
    clock.advance(MINUTE)
    await waitFor('the absent alert', () => receiver.taken().length === 1)
    const [firing] = receiver.taken()
    assert.equal(firing.status, 'firing')
    assert.equal(firing.value_text, 'quiet for 10m')
    assert.match(firing.last_line, /app\[worker\.2\]: job done$/)
    assert.match(firing.logs_command, /^logsift logs -a quiet --since \S+ -d worker\.2$/)

    // It resolves once the dyno speaks again (and the hysteresis has passed).
    await postText(router, 'quiet', 'back', '?dyno=worker.2')
    clock.advance(5 * MINUTE)
    await waitFor('the resolve', () => receiver.taken().length === 2)
    assert.equal(receiver.taken()[1].status, 'resolved')
  })

  it('fires rate and percentile conditions at the values logs:stats gives for the same lines', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'ratio')
    // 400 requests, 14 of them 5xx (3.5%); service times 1..400 ms in a scrambled order.
    const text = routerLines(400, (i) => (i % 29 === 3 ? 503 : i % 31 === 0 ? 404 : 200), (i) => ((i * 7919) % 400) + 1)
    const file = join(tempDir(), 'ratio.log')
    writeFileSync(file, text)
    const stats = await runCli(['logs:stats', file, '--json', '-d', 'router', '--value', 'service'])
    assert.equal(stats.code, 0, stats.stderr)
    const {router: requests, value} = JSON.parse(stats.stdout)
    const rate = requests.statusClasses['5xx'] / requests.requests

    const notify = [receiver.url()]
    await addAlert(router, 'ratio', {name: 'rate-over', notify, when: 'rate(status>=500) > 3%'})
    await addAlert(router, 'ratio', {name: 'rate-under', notify, when: 'rate(status>=500) > 4%'})
    await addAlert(router, 'ratio', {name: 'p99-over', notify, when: `p99(service) > ${value.p99 - 1}ms in 5m`})
    await addAlert(router, 'ratio', {name: 'p99-at', notify, when: `p99(service) > ${value.p99 / 1000}s in 5m`})
    await addAlert(router, 'ratio', {dyno: 'router', name: 'p50-over', notify, when: `p50(service) >= ${value.p50}ms`})
    await postText(router, 'ratio', text)
    await waitFor('three notifications', () => receiver.taken().length === 3)
    await waitForValue(router, 'ratio', 'p99-at', value.p99)

    const byName = new Map(receiver.taken().map((body) => [body.alert, body]))
    assert.deepEqual([...byName.keys()].sort(), ['p50-over', 'p99-over', 'rate-over'])
    assert.equal(byName.get('rate-over').value, rate)
    assert.equal(byName.get('rate-over').matching, requests.statusClasses['5xx'])
    assert.equal(byName.get('rate-over').value_text, `3.5% of ${requests.requests} requests`)
    assert.equal(byName.get('p99-over').value, value.p99)
    assert.equal(byName.get('p50-over').value, value.p50)
    assert.match(byName.get('p99-over').logs_command, /^logsift logs -a ratio --since \S+ --until \S+ -w service$/)
    assert.match(byName.get('rate-over').logs_command, / -d router -w 'status>=500'$/)
    const under = await alertInfo(router, 'ratio', 'rate-under')
    assert.deepEqual([under.status.state, under.status.value], ['ok', rate])
    assert.equal((await alertInfo(router, 'ratio', 'p99-at')).status.state, 'ok')
  })

  it('neither repeats nor loses notifications across a restart in the middle of an episode', async () => {
    const clock = new FakeClock()
    const dir = dataDir()
    const first = await testRouter(routerOptions(clock, {dataDir: dir}))
    await createApp(first, 'restart')
    await addAlert(first, 'restart', {name: 'errors', notify: [receiver.url()], resolve_after: '1m', when: 'count > 2 in 10m', grep: 'ERROR'})
    await postText(first, 'restart', 'ERROR a\nERROR b\nERROR c\n')
    await waitFor('the firing notification', () => receiver.taken().length === 1)
    await first.close()

    clock.advance(2 * MINUTE)
    const second = await testRouter(routerOptions(clock, {dataDir: dir}))
    const info = await alertInfo(second, 'restart', 'errors')
    // The window was replayed from the log: the same three lines, still firing, nothing sent again.
    assert.deepEqual([info.status.state, info.status.value, info.status.firing_since], ['firing', 3, receiver.taken()[0].firing_since])
    await postText(second, 'restart', 'ERROR d\n')
    await waitForValue(second, 'restart', 'errors', 4)
    assert.equal(receiver.taken().length, 1)

    clock.advance(10 * MINUTE)
    await waitForValue(second, 'restart', 'errors', 0)
    assert.equal(receiver.taken().length, 1)
    clock.advance(MINUTE)
    await waitFor('the resolve', () => receiver.taken().length === 2)
    assert.deepEqual(receiver.taken().map((body) => body.status), ['firing', 'resolved'])
    // The resolve still shows the episode's first line, which only the first router's window held.
    assert.match(receiver.taken()[1].first_line, /: ERROR a$/)
  })

  it('keeps a notification the receiver had not taken across a restart, and sends it once', async () => {
    const clock = new FakeClock()
    const dir = dataDir()
    const first = await testRouter(routerOptions(clock, {alerts: {backoff: {baseMs: 60_000, capMs: 60_000}, maxAttempts: 4, now: clock.now, tickMs: 10}, dataDir: dir}))
    await createApp(first, 'pending')
    await addAlert(first, 'pending', {name: 'errors', notify: [receiver.url()], when: 'count > 0 in 10m', grep: 'ERROR'})
    receiver.answer = () => 503
    await postText(first, 'pending', 'ERROR a\n')
    await waitForStatus(first, 'pending', 'errors', (status) => status.notify_failures === 1)
    assert.equal(receiver.attempts, 1)
    await first.close()

    receiver.answer = () => 204
    const second = await testRouter(routerOptions(clock, {dataDir: dir}))
    await waitFor('the kept notification', () => receiver.taken().length === 1)
    assert.equal(receiver.taken()[0].status, 'firing')
    const info = await alertInfo(second, 'pending', 'errors')
    assert.deepEqual([info.status.state, info.status.notifications_sent, info.status.notify_failures], ['firing', 1, 1])
    await postText(second, 'pending', 'ERROR b\n')
    await waitForValue(second, 'pending', 'errors', 2)
    assert.equal(receiver.attempts, 2)
  })

  it('retries a failing receiver with backoff and counts the failures in alerts:info, status and /metrics', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'failing')
    let answers = [500, 503, 429]
    receiver.answer = () => answers.shift() ?? 204
    await addAlert(router, 'failing', {name: 'errors', notify: [receiver.url('/hook', 'user:s3cret')], resolve_after: '1m', when: 'count > 0 in 1m', grep: 'ERROR'})
    await postText(router, 'failing', 'ERROR boom\n')
    await waitFor('the notification after three failures', () => receiver.taken().length === 1)
    assert.equal(receiver.attempts, 4)
    assert.equal(receiver.received[0].authorization, 'Basic ' + Buffer.from('user:s3cret').toString('base64'))
    assert.equal(receiver.received[0].path, '/hook')

    const info = await waitForStatus(router, 'failing', 'errors', (status) => status.notifications_sent === 1)
    assert.deepEqual([info.status.notifications_sent, info.status.notify_failures, info.status.notifications_dropped], [1, 3, 0])
    assert.equal(info.status.last_error, `http://user:****@127.0.0.1:${receiver.port}/hook answered 429`)
    assert.deepEqual(info.notify, [{format: 'json', url: `http://user:****@127.0.0.1:${receiver.port}/hook`}])

    // A receiver that keeps failing is given up after the last attempt, and counted.
    answers = [500, 500, 500, 500]
    await postText(router, 'failing', 'ERROR again\n')
    clock.advance(2 * MINUTE)
    await waitForValue(router, 'failing', 'errors', 0)
    clock.advance(MINUTE)
    await waitForStatus(router, 'failing', 'errors', (status) => status.notifications_dropped === 1)
    assert.equal(receiver.attempts, 8)
    const status = (await call(router, 'GET', '/status')).json
    const app = status.apps.find((each: any) => each.name === 'failing')
    assert.deepEqual(app.alerts, {firing: 0, notifications_dropped: 1, notifications_sent: 1, notify_failures: 7, rules: 1})
    const metrics = (await call(router, 'GET', '/metrics')).text
    assert.match(metrics, /logsift_alert_notifications_total\{app="failing",result="failed"\} 7/)
    assert.match(metrics, /logsift_alert_notifications_total\{app="failing",result="dropped"\} 1/)
    assert.match(metrics, /logsift_alerts_firing\{app="failing"\} 0/)
    assert.doesNotMatch(JSON.stringify(status) + metrics, /s3cret/)
  })

  it('sends Slack text, and lines redacted by the router\'s --redact rules', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock, {redactor: createRedactor({})}))
    await createApp(router, 'slack')
    await addAlert(router, 'slack', {name: 'login', notify: [`slack=${receiver.url('/services/T1/B2/SECRET')}`], when: 'count > 0 in 5m', grep: 'login failed'})
    await postText(router, 'slack', 'login failed user=ann password=hunter2\n')
    await waitFor('the Slack notification', () => receiver.taken().length === 1)
    const {body, contentType, path} = receiver.received[0]
    assert.equal(path, '/services/T1/B2/SECRET')
    assert.equal(contentType, 'application/json')
    assert.deepEqual(Object.keys(body), ['text'])
    assert.match(body.text, /^:rotating_light: \*FIRING\* alert \*login\* on \*slack\*: `count > 0 in 5m` \(value 1, since \S+\)\nFirst: `.*login failed user=ann password=\[REDACTED\]`\n`logsift logs -a slack --since \S+ --until \S+ -g 'login failed'`$/)
    assert.doesNotMatch(body.text, /hunter2/)
    const listed = (await call(router, 'GET', '/apps/slack/alerts')).json
    assert.deepEqual(listed[0].notify, [{format: 'slack', url: `http://127.0.0.1:${receiver.port}/services/T1/B2/****`}])
  })

  it('replays the window from the log when an alert is added, and fires for what is already there', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'replayed')
    await postText(router, 'replayed', 'ERROR a\nERROR b\nok\nERROR c\n')
    await addAlert(router, 'replayed', {grep: 'ERROR', name: 'errors', notify: [receiver.url()], when: 'count >= 3 in 5m'})
    await waitFor('the firing notification', () => receiver.taken().length === 1)
    const [firing] = receiver.taken()
    assert.deepEqual([firing.value, firing.matching], [3, 3])
    assert.match(firing.first_line, /app\[web\.1\]: ERROR a$/)
    assert.match(firing.last_line, /app\[web\.1\]: ERROR c$/)
  })

  it('stops retrying the firing of an alert that is removed, and sends its resolve instead', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock, {alerts: {backoff: {baseMs: 200, capMs: 200}, maxAttempts: 100, now: clock.now, tickMs: 10}, log: () => {}}))
    await createApp(router, 'removed')
    receiver.answer = () => 503
    await addAlert(router, 'removed', {grep: 'ERROR', name: 'errors', notify: [receiver.url()], when: 'count > 0 in 5m'})
    await postText(router, 'removed', 'ERROR a\n')
    await waitFor('two attempts', () => receiver.attempts === 2)
    receiver.answer = (body) => (body.status === 'firing' ? 503 : 204)
    const triedBefore = receiver.attempted.length
    assert.equal((await call(router, 'DELETE', '/apps/removed/alerts/errors')).status, 200)
    await waitFor('the resolve', () => receiver.taken('resolved').length === 1)
    // A second alert on the same webhook: its first two attempts are refused and its third taken, two backoffs
    // later: time enough for the removed alert's firing to have been retried (every 100-200 ms) twice, had it gone on.
    let againRefused = 0
    receiver.answer = (body) => (body.alert === 'errors' || againRefused++ < 2 ? 503 : 204)
    await addAlert(router, 'removed', {grep: 'ERROR', name: 'again', notify: [receiver.url()], when: 'count > 0 in 5m'})
    await waitForStatus(router, 'removed', 'again', (status) => status.notifications_sent === 1)
    // At most one attempt of the removed alert's firing was under way when it was removed, and it came first.
    const removedAttempts = receiver.attempted.slice(triedBefore).filter((body) => body.alert === 'errors').map((body) => body.status)
    assert.ok(removedAttempts.length <= 2, `${removedAttempts.length} attempts of the removed alert`)
    assert.equal(removedAttempts.at(-1), 'resolved')
    // alerts.json is rewritten after the webhook answered: wait for the write that empties the outbox.
    const saved = () => JSON.parse(readFileSync(join(router.dataDir, 'alerts.json'), 'utf8'))
    await waitFor('the outbox saved empty', () => saved().outbox.length === 0)
    assert.deepEqual(Object.keys(saved().alerts).length, 1)
  })

  it('resolves an alert removed while firing, saying so, with retries, so the receiver closes the incident', async () => {
    const clock = new FakeClock()
    const logged: string[] = []
    const router = await testRouter(routerOptions(clock, {log: (line) => logged.push(line)}))
    await createApp(router, 'gone')
    await addAlert(router, 'gone', {grep: 'ERROR', name: 'errors', notify: [receiver.url(), `slack=${receiver.url('/slack')}`], when: 'count > 0 in 5m'})
    await postText(router, 'gone', 'ERROR a\n')
    await waitFor('the firing notifications', () => receiver.taken().length === 2)
    let refused = 0
    receiver.answer = () => (refused++ < 2 ? 503 : 204)
    assert.equal((await call(router, 'DELETE', '/apps/gone/alerts/errors')).status, 200)
    await waitFor('the resolves', () => receiver.received.length === 4)
    assert.equal(receiver.attempts, 6)
    const [firing, resolved] = receiver.received.filter((each) => each.path === '/hook').map((each) => each.body)
    assert.deepEqual([resolved.status, resolved.reason, resolved.alert, resolved.firing_since], ['resolved', 'removed', 'errors', firing.firing_since])
    assert.equal(firing.reason, null)
    assert.match(receiver.received.find((each) => each.path === '/slack' && each.body.text.includes('RESOLVED'))!.body.text, /\*RESOLVED\* \(alert removed\)/)
    assert.ok(logged.some((line) => line.includes('alert "errors" of gone removed while firing: notifying its webhooks that it resolved')), logged.join('\n'))
    const log = (await readSession(await createSession(router, 'gone', {source: 'heroku', dyno: 'logsift'}))).text
    assert.match(log, /heroku\[logsift\]: Alert "errors" resolved \(removed\): count > 0 in 5m \(value 1\)\n/)
    // Counted as the app's, as its other notifications (counters never go down).
    const app = (await call(router, 'GET', '/status')).json.apps.find((each: any) => each.name === 'gone')
    assert.deepEqual(app.alerts, {firing: 0, notifications_dropped: 0, notifications_sent: 4, notify_failures: 2, rules: 0})
  })

  it('sends the resolve of an alert removed while firing after a restart, when the receiver had not taken it', async () => {
    const clock = new FakeClock()
    const dir = dataDir()
    const first = await testRouter(routerOptions(clock, {dataDir: dir, log: () => {}}))
    await createApp(first, 'gone-restart')
    await addAlert(first, 'gone-restart', {grep: 'ERROR', name: 'errors', notify: [receiver.url()], when: 'count > 0 in 5m'})
    await postText(first, 'gone-restart', 'ERROR a\n')
    await waitFor('the firing notification', () => receiver.taken('firing').length === 1)
    receiver.answer = () => 503
    assert.equal((await call(first, 'DELETE', '/apps/gone-restart/alerts/errors')).status, 200)
    await waitFor('an attempt of the resolve', () => receiver.attempted.some((body) => body.status === 'resolved'))
    await first.close()

    receiver.answer = () => 204
    await testRouter(routerOptions(clock, {dataDir: dir, log: () => {}}))
    await waitFor('the resolve after the restart', () => receiver.taken('resolved').length === 1)
    assert.deepEqual([receiver.taken('resolved')[0].alert, receiver.taken('resolved')[0].reason], ['errors', 'removed'])
  })

  it('keeps the notification counters of /metrics and status counting after an alert is removed (counters never go down)', async () => {
    const clock = new FakeClock()
    const router = await testRouter(routerOptions(clock))
    await createApp(router, 'counted')
    let refused = 0
    receiver.answer = () => (refused++ < 1 ? 503 : 204)
    await addAlert(router, 'counted', {grep: 'ERROR', name: 'errors', notify: [receiver.url()], when: 'count > 0 in 5m'})
    await addAlert(router, 'counted', {grep: 'never', name: 'quiet', notify: [receiver.url()], when: 'count > 0 in 5m'})
    await postText(router, 'counted', 'ERROR a\n')
    await waitForStatus(router, 'counted', 'errors', (status) => status.notifications_sent === 1)
    const counted = /logsift_alert_notifications_total\{app="counted",result="sent"\} 1\n[^]*result="failed"\} 1\n/
    assert.match((await call(router, 'GET', '/metrics')).text, counted)
    assert.equal((await call(router, 'DELETE', '/apps/counted/alerts/errors')).status, 200)
    // The resolve of the removed alert counts on too.
    await waitFor('the resolve of the removed alert', () => receiver.taken('resolved').length === 1)
    assert.match((await call(router, 'GET', '/metrics')).text, /logsift_alert_notifications_total\{app="counted",result="sent"\} 2\n[^]*result="failed"\} 1\n/)
    const app = (await call(router, 'GET', '/status')).json.apps.find((each: any) => each.name === 'counted')
    assert.deepEqual(app.alerts, {firing: 0, notifications_dropped: 0, notifications_sent: 2, notify_failures: 1, rules: 1})
  })

  it('refuses alerts it cannot run, with the reason', async () => {
    const router = await testRouter()
    await createApp(router, 'refused')
    const table: Array<[object, RegExp]> = [
      [{name: 'x', when: 'count > 10'}, /When count > 10: a count needs a window/],
      [{name: 'x', when: 'count > 1 in 5m', where: 'status>>5'}, /--where/],
      [{name: 'x', when: 'count > 1 in 5m', notify: ['ftp://example.com/x']}, /webhook URL is https:\/\//],
      [{name: 'x', when: 'count > 1 in 5m', notify: ['https://user:pw@exa mple.com/x']}, /^Notify https:\/\/user:\*\*\*\*@exa mple\.com\/x is not a valid URL\.$/],
      [{name: 'bad name!', when: 'absent 1m'}, /Name must be/],
      [{name: 'x', resolve_after: 'soon', when: 'absent 1m'}, /Resolve_after must be a duration/],
    ]
    for (const [body, message] of table) {
      const reply = await call(router, 'POST', '/apps/refused/alerts', {body})
      assert.equal(reply.status, 422, JSON.stringify(body))
      assert.equal(reply.json.id, 'invalid_params')
      assert.match(reply.json.message, message)
    }

    await addAlert(router, 'refused', {name: 'x', when: 'absent 1m'})
    const taken = await call(router, 'POST', '/apps/refused/alerts', {body: {name: 'x', when: 'absent 2m'}})
    assert.deepEqual([taken.status, taken.json.message], [422, 'Name x has already been taken.'])
    assert.equal((await call(router, 'GET', '/apps/refused/alerts/nope')).status, 404)
    assert.equal((await call(router, 'DELETE', '/apps/refused/alerts/x')).status, 200)
    assert.deepEqual((await call(router, 'GET', '/apps/refused/alerts')).json, [])
  })

  it('keeps alert definitions across a restart', async () => {
    const dir = dataDir()
    const first = await testRouter({dataDir: dir})
    await createApp(first, 'kept')
    const added = await addAlert(first, 'kept', {grep: 'x', name: 'kept', notify: ['https://user:pw@example.com/h'], when: 'count > 1 in 5m'})
    await first.close()
    const second = await testRouter({dataDir: dir})
    const [kept] = (await call(second, 'GET', '/apps/kept/alerts')).json
    assert.deepEqual({...kept, status: null}, {...added, status: null})
    assert.equal(kept.status.state, 'ok')
  })
})
