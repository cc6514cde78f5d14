import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {request} from 'undici'

import type {RunningRouter} from '../../src/router/server.js'
import {BIN, cliEnv, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {isolatedEnv} from '../api/helpers.js'
import {drainRouter, StrictReceiver} from './drain-receivers.js'
import {call, createApp, postText, waitFor} from './helpers.js'

const FAST = {backoff: {baseMs: 50, capMs: 400}, timeoutMs: 2000}
const L10 = /^<172>1 \S+ host heroku logplex - Error L10 \(output buffer overflow\): (\d+) messages dropped since \S+\.$/

/** `count` heroku-format lines numbered from `from`, as one text body. */
function lines(from: number, count: number): string {
  let body = ''
  for (let i = from; i < from + count; i++) body += `2024-05-01T12:00:00.000000+00:00 app[web.1]: message ${i}\n`
  return body
}

/** The numbers of the messages a receiver got, in order (L10 lines as -1). */
function numbers(messages: readonly string[]): number[] {
  return messages.map((message) => (L10.test(message) ? -1 : Number(/ message (\d+)$/.exec(message)?.[1] ?? Number.NaN)))
}

function range(from: number, count: number): number[] {
  return Array.from({length: count}, (_, i) => from + i)
}

async function addDrain(router: RunningRouter, app: string, url: string, since?: number | string): Promise<{id: string; token: string}> {
  const reply = await call(router, 'POST', `/apps/${app}/log-drains`, {body: since === undefined ? {url} : {since, url}})
  assert.equal(reply.status, 201, reply.text)
  return reply.json
}

describe('drains read the durable log from a saved position', function () {
  this.timeout(60_000)
  let receiver: StrictReceiver

  beforeEach(async () => {
    receiver = new StrictReceiver()
    await receiver.start()
  })
  afterEach(() => receiver.stop())

  it('five POSTs of 1,000 lines in a row to a healthy receiver: 5,000 of 5,000 delivered, in order, each once', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'burst')
    const drain = await addDrain(router, 'burst', receiver.url())
    for (let i = 0; i < 5; i++) await postText(router, 'burst', lines(i * 1000, 1000))
    await waitFor('5,000 messages', () => receiver.messages.length >= 5000, 20_000)
    assert.deepEqual(receiver.faults, [])
    assert.deepEqual(numbers(receiver.messages), range(0, 5000))
    assert.equal(new Set(receiver.attempts).size, receiver.attempts.length, 'no batch sent twice')
    await waitFor('the last answer to be counted', () => router.drainStatus(drain.id)!.position === 5001)
    const report = (await router.drainReport(drain.id))!
    assert.equal(report.lag, 0)
    assert.equal(report.dropped, 0)
  })

  it('a receiver down for 60 s under 1,000 messages/s gets all 60,000+ after it returns, in order, none twice, no L10', async function () {
    // 60 s at 1,000/s is 40 times what the old in-memory queue (1,024) held and 40 times the recent buffer
    // (1,500): nothing but the durable log can hold it.
    this.timeout(240_000)
    const router = await drainRouter({drains: {...FAST, backoff: {baseMs: 100, capMs: 1000}}})
    await createApp(router, 'outage')
    const drain = await addDrain(router, 'outage', receiver.url())
    const {port} = receiver
    let sent = 0
    let streaming = true
    // 1,000 messages/s as a stream of POSTs of 50, paced by the clock rather than by sleeps between them.
    const stream = (async () => {
      const started = Date.now()
      while (streaming) {
        const due = Math.floor((Date.now() - started) / 50) * 50 + 50
        if (due > sent) {
          const count = due - sent
          await postText(router, 'outage', lines(sent, count))
          sent += count
        } else {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      }
    })()
    await waitFor('the first 1,000 delivered', () => receiver.messages.length >= 1000, 10_000)
    await receiver.stop()
    const downAt = sent
    await waitFor('60,000 sent while the receiver is down', () => sent - downAt >= 60_000, 100_000)
    assert.equal(router.drainStatus(drain.id)!.state, 'retrying')
    await receiver.start(port)
    await waitFor('2,000 more after it is back', () => sent - downAt >= 62_000, 20_000)
    streaming = false
    await stream
    await waitFor(`all ${sent} delivered`, () => receiver.messages.length >= sent, 60_000)
    assert.deepEqual(receiver.faults, [])
    assert.deepEqual(numbers(receiver.messages), range(0, sent))
    assert.equal(router.drainStatus(drain.id)!.droppedOverflow, 0)
  })

  it('retention overtaking a stopped drain: one L10 line with exactly the number removed before the drain reached them, since the first loss', async () => {
    const dataDir = tempDir('logsift-drain-retention-')
    // 64 KiB per app: segments of 8 KiB, about 100 of these messages each.
    const router = await drainRouter({dataDir, drains: FAST, logRetention: {appMaxBytes: 64 * 1024}})
    const app = await createApp(router, 'behind')
    const drain = await addDrain(router, 'behind', receiver.url())
    let up = false
    receiver.answer = () => (up ? {status: 204} : {status: 503})
    await postText(router, 'behind', lines(0, 10))
    await waitFor('the first batch to be refused for now', () => receiver.attempts.length > 0)
    const postedAt = Date.now()
    for (let i = 10; i < 3010; i += 100) await postText(router, 'behind', lines(i, 100))
    const appDir = join(dataDir, 'log', app.id)
    const firstStored = (): number => Math.min(...readdirSync(appDir).filter((name) => name.endsWith('.log')).map((name) => Number.parseInt(name, 10)))
    await waitFor('retention to remove the oldest segments', () => firstStored() > 11)
    const lostBy = Date.now()
    // The receiver comes back well after the loss, so that the L10 line's time tells the two apart.
    await waitFor('two seconds after the loss', () => Date.now() > lostBy + 2000, 5000)
    up = true
    await waitFor('everything still stored', () => numbers(receiver.messages).at(-1) === 3009, 10_000)
    const received = numbers(receiver.messages)
    // The batch in flight is resent as it was (the router holds it), then the L10 line, then the log from its first stored offset.
    assert.deepEqual(received.slice(0, 11), [...range(0, 10), -1])
    const dropped = Number(L10.exec(receiver.messages[10])![1])
    assert.equal(dropped, firstStored() - 11)
    // Since the first loss (seen at the next failed attempt, 400 ms apart at most here), as Logplex's buffer
    // keeps the time of its first drop; not when the drain came to send the line.
    const since = Date.parse(/ since (\S+)\.$/.exec(receiver.messages[10])![1])
    assert.ok(since >= postedAt - 1 && since <= lostBy + 1000, `since ${new Date(since).toISOString()}, lost between ${new Date(postedAt).toISOString()} and ${new Date(lostBy).toISOString()}`)
    assert.deepEqual(received.slice(11), range(10 + dropped, 3000 - dropped))
    assert.equal(received.filter((n) => n === -1).length, 1)
    assert.equal(router.drainStatus(drain.id)!.droppedOverflow, dropped)
    assert.equal(router.drops().drain_overflow, dropped)
  })

  it('a drain added starts at the end of the log; with since it replays from that time; removed, its position is deleted', async () => {
    const dataDir = tempDir('logsift-drain-since-')
    const router = await drainRouter({dataDir, drains: FAST})
    const app = await createApp(router, 'since')
    await postText(router, 'since', lines(0, 3))
    const between = Date.now() + 1
    while (Date.now() <= between);
    await postText(router, 'since', lines(3, 4))
    const fresh = await addDrain(router, 'since', receiver.url('fresh:x'))
    const replay = new StrictReceiver()
    await replay.start()
    after(() => replay.stop())
    const replaying = await addDrain(router, 'since', replay.url(), new Date(between).toISOString())
    await postText(router, 'since', lines(7, 2))
    await waitFor('the new messages', () => receiver.messages.length === 2 && replay.messages.length === 6)
    assert.deepEqual(numbers(receiver.messages), [7, 8])
    assert.deepEqual(numbers(replay.messages), [3, 4, 5, 6, 7, 8])

    const cursors = () => Object.keys(JSON.parse(readFileSync(join(dataDir, 'log', app.id, 'cursors.json'), 'utf8')).cursors)
    await waitFor('both positions saved', () => cursors().includes(`drain:${fresh.id}`) && cursors().includes(`drain:${replaying.id}`))
    assert.equal((await call(router, 'DELETE', `/apps/since/log-drains/${replaying.id}`)).status, 200)
    await waitFor('the removed drain\'s position deleted', () => !cursors().some((name) => name.startsWith(`drain:${replaying.id}`)))
    assert.ok(cursors().includes(`drain:${fresh.id}`))

    const refused = await call(router, 'POST', '/apps/since/log-drains', {body: {since: 'yesterday', url: replay.url('other:y')}})
    assert.equal(refused.status, 422)
    assert.match(refused.json.message, /since must be an RFC 3339 time or epoch milliseconds/)
  })

  it('drains:add --since 1h replays the last hour (a logsift extension; refused against Heroku)', async () => {
    const router = await drainRouter({drains: FAST})
    await createApp(router, 'cli-since')
    await postText(router, 'cli-since', lines(0, 5))
    const env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
    const added = await runCli(['drains:add', receiver.url(), '-a', 'cli-since', '--since', '1h'], {env})
    assert.equal(added.code, 0, added.stderr)
    assert.match(added.stdout, /^Successfully added drain http:\/\/127\.0\.0\.1:\d+\/drain\n/)
    await waitFor('the last hour', () => receiver.messages.length === 5)
    assert.deepEqual(numbers(receiver.messages), range(0, 5))

    const heroku = await runCli(['drains:add', receiver.url(), '-a', 'cli-since', '--since', '1h', '--api-url', 'https://api.heroku.com'], {env})
    assert.equal(heroku.code, 2)
    assert.match(heroku.stderr, /--since is an extension of logsift's router/)
  })
})

const KEY = 'drain-crash-test-key'

/** `logsift serve` as a child process on free ports. */
class Serve {
  stdout = ''
  stderr = ''
  /** The exit code, or the signal that ended it (so a crash names itself: SIGSEGV, SIGABRT). */
  readonly exit: Promise<number | string | null>
  private readonly child: ChildProcessWithoutNullStreams
  private base: string | undefined

  constructor(dir: string, args: string[] = []) {
    this.child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir, ...args], {cwd: ROOT, env: cliEnv({LOGSIFT_API_KEY: KEY})})
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
    this.exit = new Promise((resolve) => this.child.on('close', (code, signal) => resolve(code ?? signal)))
  }

  async url(): Promise<string> {
    await waitFor(`the start line (stderr: ${this.stderr})`, () => this.stdout.includes('\n'), 10_000)
    return (this.base ??= /on (\S+) /.exec(this.stdout)![1])
  }

  async call(method: 'GET' | 'POST', path: string, body?: string, type = 'application/json'): Promise<{status: number; json: any}> {
    const reply = await request((await this.url()) + path, {body, headers: {authorization: `Bearer ${KEY}`, 'content-type': type}, method})
    const text = await reply.body.text()
    return {json: text === '' ? undefined : JSON.parse(text), status: reply.statusCode}
  }

  kill(signal: NodeJS.Signals): Promise<number | string | null> {
    this.child.kill(signal)
    return this.exit
  }
}

describe('drains across a crash (SIGKILL) and a clean stop (SIGTERM) of the router', function () {
  this.timeout(60_000)

  const cases = [['always', 'SIGKILL'], ['interval', 'SIGKILL'], ['interval', 'SIGTERM']] as const
  for (const [fsync, signal] of cases) {
    it(`--fsync ${fsync}, ${signal}: every message answered 2xx before the stop is delivered after the restart, in order, once; the batch in flight goes again with its frame id`, async () => {
      const receiver = new StrictReceiver()
      await receiver.start()
      after(() => receiver.stop())
      // Down (503) but listening, so that the frame id of the batch in flight at the kill is seen.
      let up = false
      receiver.answer = () => (up ? {status: 204} : {status: 503})
      const dir = tempDir(`logsift-drain-crash-${fsync}-`)
      const args = fsync === 'always' ? ['--fsync', 'always'] : []
      const first = new Serve(dir, args)
      after(() => first.kill('SIGKILL'))
      assert.equal((await first.call('POST', '/apps', JSON.stringify({name: 'crash'}))).status, 201)
      assert.equal((await first.call('POST', '/apps/crash/log-drains', JSON.stringify({url: receiver.url()}))).status, 201)

      // POSTs of 20, one after another (so the log's order is the numbers'), until the kill; what was answered 2xx counts.
      const acknowledged: number[] = []
      let killed = false
      const sender = (async () => {
        for (let from = 0; !killed; from += 20) {
          const reply = await first.call('POST', '/apps/crash/logs', lines(from, 20), 'text/plain').catch(() => undefined)
          if (reply?.status === 204) acknowledged.push(...range(from, 20))
        }
      })()
      await waitFor('2,000 acknowledged and a batch attempted', () => acknowledged.length >= 2000 && receiver.attempts.length > 0, 20_000)
      killed = true
      assert.equal(await first.kill(signal), signal === 'SIGKILL' ? 'SIGKILL' : 0)
      await sender
      const inFlight = receiver.attempts.at(-1)!
      const attemptsBefore = receiver.attempts.length
      up = true

      const second = new Serve(dir, args)
      after(() => second.kill('SIGTERM'))
      await second.url()
      const wanted = new Set(acknowledged)
      await waitFor(`all ${wanted.size} acknowledged messages`, () => numbers(receiver.messages).filter((n) => wanted.has(n)).length >= wanted.size, 30_000)
      assert.equal(receiver.attempts[attemptsBefore], inFlight, 'the first batch after the restart is the one in flight at the kill, with its frame id')
      assert.deepEqual(receiver.faults, [])
      const received = numbers(receiver.messages)
      assert.equal(new Set(received).size, received.length, 'none twice')
      assert.deepEqual(received, [...received].sort((a, b) => a - b), 'in order')
      assert.ok(!received.includes(-1), 'no L10')
      assert.equal(await second.kill('SIGTERM'), 0, second.stderr)
    })
  }
})

describe('a drain\'s counts across a restart of the router', function () {
  this.timeout(60_000)

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal}: drains:info and status still say what the drain delivered and dropped, its last error and last success`, async () => {
      const receiver = new StrictReceiver()
      await receiver.start()
      after(() => receiver.stop())
      // The first batch is taken, every later one refused.
      receiver.answer = () => (receiver.posts.length === 0 ? {status: 204} : {status: 400})
      const dir = tempDir(`logsift-drain-counts-${signal}-`)
      const first = new Serve(dir)
      after(() => first.kill('SIGKILL'))
      const app = (await first.call('POST', '/apps', JSON.stringify({name: 'counts'}))).json
      const drain = (await first.call('POST', '/apps/counts/log-drains', JSON.stringify({url: receiver.url()}))).json
      assert.equal((await first.call('POST', '/apps/counts/logs', lines(0, 1), 'text/plain')).status, 204)
      await waitFor('the first batch taken', () => receiver.messages.length === 1)
      assert.equal((await first.call('POST', '/apps/counts/logs', lines(1, 3), 'text/plain')).status, 204)
      const delivery = async (router: Serve) => (await router.call('GET', `/apps/counts/log-drains/${drain.id}`)).json.delivery
      await waitFor('three refused', async () => (await delivery(first)).dropped_rejected === 3)
      const before = await delivery(first)
      assert.equal(before.delivered, 1)
      assert.equal(before.last_error, 'the receiver answered 400')
      if (signal === 'SIGKILL') {
        // A crash loses at most what changed since the counts were last written, as for the position.
        const saved = () => JSON.parse(readFileSync(join(dir, 'log', app.id, 'cursors.json'), 'utf8')).states?.[`drain:${drain.id}`]
        await waitFor('the counts saved', () => saved()?.droppedRejected === 3)
      }

      await first.kill(signal)
      const second = new Serve(dir)
      after(() => second.kill('SIGKILL'))
      const env = isolatedEnv({LOGSIFT_API_KEY: KEY, LOGSIFT_API_URL: await second.url()})
      const info = await runCli(['drains:info', drain.token, '-a', 'counts'], {env})
      assert.equal(info.code, 0, info.stderr)
      assert.match(info.stdout, /\nState: +idle \(last error: the receiver answered 400\)\nDelivered: +1\nDropped: +3 \(0 removed by retention first, 3 refused by the receiver\)\n/)
      assert.match(info.stdout, new RegExp(`\\nLast success: +${before.last_success_at.replaceAll('.', '\\.')}\\n`))
      const status = await runCli(['status'], {env})
      assert.equal(status.code, 0, status.stderr)
      assert.match(status.stdout, /\n=== Drains\nApp +Drain +State +Delivered +Dropped +Position +Lag\ncounts +http:\S+ +idle +1 +3 +5 +0\n/)
      assert.equal(await second.kill('SIGTERM'), 0, second.stderr)
    })
  }
})
