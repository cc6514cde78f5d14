import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {appendFileSync, existsSync, readdirSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {request} from 'undici'

import {DropCounter} from '../../src/router/drops.js'
import {LogHub} from '../../src/router/hub.js'
import {MemoryLogEngine} from '../../src/router/log/memory-engine.js'
import {toEntry} from '../../src/router/message.js'
import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {isolatedEnv} from '../api/helpers.js'
import {BIN, cliEnv, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {createApp, createSession, dataDir, freePort, postText, readSession, sseEvents, Tail, waitFor} from './helpers.js'

const TS = '2024-05-01T12:00:00.000000+00:00'
/** The official Heroku CLI, as test/router/heroku-cli.test.ts finds it. */
const HEROKU = process.env.LOGSIFT_HEROKU_CLI ?? join(homedir(), '.cache', 'logsift-heroku-cli', 'node_modules', 'heroku', 'bin', 'run.js')

const line = (i: number): string => `${TS} app[web.1]: message ${i}`

/** `logsift serve` as a process on its own data dir: what a restart or a crash does to it is real. */
class RouterProcess {
  stdout = ''
  stderr = ''
  readonly exit: Promise<number | null>
  private readonly child: ChildProcessWithoutNullStreams

  private constructor(readonly dataDir: string, args: string[], prefix: string[]) {
    const port = args.includes('--port') ? [] : ['--port', '0']
    const command = [...prefix, process.execPath, BIN, 'serve', ...port, '--syslog-port', '0', '--data-dir', dataDir, ...args]
    this.child = spawn(command[0], command.slice(1), {cwd: ROOT, env: cliEnv()})
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
    this.exit = new Promise((resolve) => this.child.on('close', (code) => resolve(code)))
  }

  /** `prefix` runs it through another command (prlimit). */
  static async start(dataDir: string, args: string[] = [], prefix: string[] = []): Promise<RouterProcess> {
    const router = new RouterProcess(dataDir, args, prefix)
    await waitFor(`the router's start line (stderr: ${router.stderr})`, () => router.stdout.includes('\n'), 10_000)
    return router
  }

  /** What the helpers in ./helpers.js need of a router. */
  get running(): RunningRouter {
    return {apiKey: readFileSync(join(this.dataDir, 'api-key'), 'utf8').trim(), url: this.url} as RunningRouter
  }

  get url(): string {
    return /on (\S+) /.exec(this.stdout)![1]
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child.kill(signal)
    await this.exit
  }
}

/** POST /apps/{app}/logs: true once answered 204, false when the router is gone. */
async function post(router: RouterProcess, app: string, text: string): Promise<boolean> {
  try {
    return (await postReply(router, app, text)).status === 204
  } catch {
    return false
  }
}

async function postReply(router: RouterProcess, app: string, text: string): Promise<{status: number; retryAfter: unknown; text: string}> {
  const response = await request(`${router.url}/apps/${app}/logs`, {
    body: text,
    headers: {authorization: `Bearer ${router.running.apiKey}`, 'content-type': 'text/plain'},
    method: 'POST',
  })
  return {retryAfter: response.headers['retry-after'], status: response.statusCode, text: await response.body.text()}
}

describe('the durable log across router restarts (logsift serve as a process)', function () {
  // Routers start and stop, and the CLI runs, as processes.
  this.timeout(30_000)
  const routers: RouterProcess[] = []
  const started = async (dataDir: string, args: string[] = [], prefix: string[] = []): Promise<RouterProcess> => {
    const router = await RouterProcess.start(dataDir, args, prefix)
    routers.push(router)
    return router
  }

  afterEach(async () => {
    await Promise.all(routers.splice(0).map((router) => router.stop('SIGKILL')))
  })

  it('messages posted before a SIGTERM are there after the restart: for `logs -a` and for a new session', async () => {
    const dataDir = join(tempDir('logsift-durable-'), 'data')
    const first = await started(dataDir)
    await createApp(first.running, 'demo')
    for (let i = 1; i <= 3; i++) assert.ok(await post(first, 'demo', line(i)))
    await first.stop()

    const second = await started(dataDir)
    const logs = await runCli(['logs', '-a', 'demo', '-o', 'raw'], {env: isolatedEnv({LOGSIFT_API_URL: second.url, LOGSIFT_DATA_DIR: dataDir})})
    assert.equal(logs.code, 0, logs.stderr)
    assert.equal(logs.stdout, [1, 2, 3].map((i) => line(i) + '\n').join(''))
    const session = await readSession(await createSession(second.running, 'demo', {lines: 10}))
    assert.equal(session.text, [1, 2, 3].map((i) => line(i) + '\n').join(''))
  })

  it('with --fsync always, every message answered 204 before a SIGKILL is there after the restart', async () => {
    const dataDir = join(tempDir('logsift-durable-'), 'data')
    const first = await started(dataDir, ['--fsync', 'always'])
    await createApp(first.running, 'demo')
    const acknowledged: number[] = []
    let sent = 0
    let killed = false
    // Eight senders at once, so that fsyncs are shared; killed once 200 posts were acknowledged.
    const sender = async (): Promise<void> => {
      while (!killed) {
        const i = ++sent
        if (await post(first, 'demo', line(i))) acknowledged.push(i)
      }
    }

    const senders = Array.from({length: 8}, () => sender())
    await waitFor('200 acknowledged posts', () => acknowledged.length >= 200, 20_000)
    await first.stop('SIGKILL')
    killed = true
    await Promise.all(senders)

    const second = await started(dataDir)
    const stored = new Set((await readSession(await createSession(second.running, 'demo', {lines: 1500}))).text.split('\n').filter(Boolean))
    const missing = acknowledged.filter((i) => !stored.has(line(i)))
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged messages lost`)
  })

  for (const buffer of [1500, 2]) {
    it(`Last-Event-ID resumes right after the last message received, across a restart (no loss, no repeat; --buffer ${buffer})`, async () => {
      const dataDir = join(tempDir('logsift-durable-'), 'data')
      const first = await started(dataDir)
      await createApp(first.running, 'demo')
      for (let i = 1; i <= 5; i++) assert.ok(await post(first, 'demo', line(i)))
      const events = sseEvents((await readSession(await createSession(first.running, 'demo', {lines: 10}), {accept: 'text/event-stream'})).text)
      assert.deepEqual(events.map(([, data]) => data), [1, 2, 3, 4, 5].map((i) => line(i)))
      const [thirdId] = events[2]
      await first.stop()

      const second = await started(dataDir, ['--buffer', String(buffer)])
      for (let i = 6; i <= 7; i++) assert.ok(await post(second, 'demo', line(i)))
      const url = await createSession(second.running, 'demo', {lines: 10})
      const resumed = sseEvents((await readSession(url, {accept: 'text/event-stream', 'last-event-id': thirdId})).text)
      assert.deepEqual(resumed.map(([, data]) => data), [4, 5, 6, 7].map((i) => line(i)))
      assert.deepEqual(resumed.slice(0, 2), events.slice(3), 'the same ids for the same messages after the restart')

      // A tailing session resumed the same way goes on with each new message, once.
      const tail = await Tail.open(await createSession(second.running, 'demo', {tail: true}), {accept: 'text/event-stream', 'last-event-id': thirdId})
      try {
        await tail.waitFor('the messages after the id', (text) => sseEvents(text).length === 4)
        assert.ok(await post(second, 'demo', line(8)))
        await tail.waitFor('the new message', (text) => sseEvents(text).length >= 5)
        assert.deepEqual(sseEvents(tail.text).map(([, data]) => data), [4, 5, 6, 7, 8].map((i) => line(i)))
      } finally {
        tail.close()
      }
    })
  }

  /** A follower (a CLI as a process) across a SIGTERM and restart on the same port and data dir. */
  async function followAcrossRestart(follower: (router: RouterProcess, dataDir: string) => ChildProcessWithoutNullStreams): Promise<void> {
    const dataDir = join(tempDir('logsift-durable-'), 'data')
    const port = await freePort()
    const first = await started(dataDir, ['--port', String(port)])
    await createApp(first.running, 'demo')
    const child = follower(first, dataDir)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const closed = new Promise((resolve) => child.on('close', resolve))
    // The same line again and again: only event ids tell where the follower was.
    const tick = `${TS} app[web.1]: tick`
    // Posted once the follower tails: lines that come before join its first read to its tail by content alone.
    const tailing = (): boolean => {
      try {
        return readFileSync(join(dataDir, 'sessions.json'), 'utf8').includes('"tail":true')
      } catch {
        return false
      }
    }

    try {
      await waitFor('the follower\'s tail session', tailing, 20_000)
      for (let i = 1; i <= 3; i++) assert.ok(await post(first, 'demo', tick))
      await waitFor(`three lines (have ${JSON.stringify(stdout)})`, () => stdout === `${tick}\n`.repeat(3), 20_000)
      await first.stop()

      const second = await started(dataDir, ['--port', String(port)])
      for (let i = 4; i <= 5; i++) assert.ok(await post(second, 'demo', tick))
      assert.ok(await post(second, 'demo', line(6)))
      await waitFor(`the last line (have ${JSON.stringify(stdout)})`, () => stdout.endsWith(line(6) + '\n'), 20_000)
      assert.equal(stdout, `${tick}\n`.repeat(5) + line(6) + '\n', stderr)
    } finally {
      child.kill('SIGTERM')
      await closed
    }
  }

  it('`logs -a demo -t` follows across a restart: the session outlives it, Last-Event-ID resumes, nothing lost or repeated', async () => {
    await followAcrossRestart((router, dataDir) => spawn(process.execPath, [BIN, 'logs', '-a', 'demo', '-t', '-o', 'raw'], {
      cwd: ROOT, env: cliEnv(isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: dataDir})),
    }))
  })

  it('`heroku logs -t` (the Heroku CLI) follows across a restart as well', async () => {
    assert.ok(existsSync(HEROKU), `the Heroku CLI is not installed at ${HEROKU} (see test/router/heroku-cli.test.ts)`)
    await followAcrossRestart((router) => spawn(process.execPath, [HEROKU, 'logs', '-a', 'demo', '-t'], {
      env: {
        ...process.env, DISABLE_TELEMETRY: 'true', HEROKU_API_KEY: router.running.apiKey, HEROKU_COLOR: '0', HEROKU_HOST: router.url,
        HEROKU_LOGS_COLOR: '0', HOME: tempDir('logsift-heroku-home-'), NO_COLOR: '1',
      },
    }))
  })

  it('a log that cannot store (the file size limit reached) answers 503 with Retry-After, and stores nothing of that post', async () => {
    const dataDir = join(tempDir('logsift-durable-'), 'data')
    const router = await started(dataDir, [], ['prlimit', '--fsize=300000'])
    await createApp(router.running, 'demo')
    const body = (from: number): string => Array.from({length: 50}, (_, i) => line(from + i) + ' ' + 'x'.repeat(1000) + '\n').join('')
    let reply = {retryAfter: undefined as unknown, status: 204, text: ''}
    let posted = 0
    while (reply.status === 204 && posted < 1000) {
      reply = await postReply(router, 'demo', body(posted))
      if (reply.status === 204) posted += 50
    }

    assert.equal(reply.status, 503, reply.text)
    assert.equal(reply.retryAfter, '5')
    assert.match(reply.text, /cannot store messages now/)
    const stored = (await readSession(await createSession(router.running, 'demo', {lines: 1500}))).text.split('\n').filter(Boolean)
    assert.equal(stored.length, posted, 'every message of the answered posts, none of the refused one')
  })
})

describe('the durable log at start', () => {
  it('says in the router\'s log what recovery repaired (a torn write), and keeps what came before it', async () => {
    const dir = dataDir()
    const first = await startRouter({dataDir: dir, port: 0, syslogPort: 0})
    const app = await createApp(first, 'demo')
    await postText(first, 'demo', [1, 2].map((i) => line(i)).join('\n'))
    await first.close()
    const appDir = join(dir, 'log', app.id)
    const segment = readdirSync(appDir).find((name) => name.endsWith('.log'))!
    // What a crash in the middle of a write leaves: the start of a batch, no more.
    appendFileSync(join(appDir, segment), Buffer.from([200, 0, 0, 0, 1, 2, 3]))

    const logged: string[] = []
    const second = await startRouter({dataDir: dir, log: (text) => logged.push(text), port: 0, syslogPort: 0})
    try {
      assert.deepEqual(logged, [`repaired the log of app ${app.id}: 7 bytes of a torn write cut from ${join(appDir, segment)}`])
      assert.equal((await readSession(await createSession(second, 'demo'))).text, `${line(1)}\n${line(2)}\n`)
    } finally {
      await second.close()
    }
  })
})

describe('LogHub.publish (syslog, the router\'s own lines)', () => {
  it('counts what the log could not store as log_write_failed drops, and hands none of it out', async () => {
    const engine = new MemoryLogEngine()
    const drops = new DropCounter()
    const hub = new LogHub(10, engine, drops)
    const handedOut: string[] = []
    hub.subscribe('app', (batch) => handedOut.push(...batch.messages.map((message) => message.line)))
    await engine.close()
    hub.publish('app', [toEntry({message: 'one', pri: 134, timestamp: TS}, {dyno: 'web.1', source: 'app'}, 0), toEntry({message: 'two', pri: 134, timestamp: TS}, {dyno: 'web.1', source: 'app'}, 0)])
    await waitFor('the drops counted', () => drops.snapshot().log_write_failed === 2)
    assert.deepEqual(handedOut, [])
  })
})
