import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {createServer, request} from 'node:http'
import type {AddressInfo} from 'node:net'
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {RunningRouter} from '../../src/router/server.js'
import {call, createApp, dataDir, postText, testRouter, waitFor} from './helpers.js'
import {OtlpReceiver} from './otlp-peer.js'

/** The official Heroku CLI (see heroku-cli.test.ts), on the router's Fir features. */
const HEROKU = process.env.LOGSIFT_HEROKU_CLI ?? join(homedir(), '.cache', 'logsift-heroku-cli', 'node_modules', 'heroku', 'bin', 'run.js')

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

const line = (n: number, tag: string) => `2024-05-01T12:00:0${n % 10}.000000+00:00 ${tag}: line ${n}`

describe('the Heroku CLI (heroku@11) on Fir features of the router', function () {
  // Each run of the Heroku CLI is 1–3 s of start-up alone on a quiet two-core machine, ten times that on a busy one.
  this.timeout(180_000)
  let router: RunningRouter
  let home: string

  before(async function () {
    assert.ok(existsSync(HEROKU), `the Heroku CLI is not installed at ${HEROKU} (see test/router/heroku-cli.test.ts)`)
    home = dataDir()
    router = await testRouter({drains: {backoff: {baseMs: 20, capMs: 100}}})
    await createApp(router, 'demo')
    assert.equal((await call(router, 'POST', '/apps', {body: {generation: 'fir', name: 'firapp'}})).status, 201)
  })

  function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env, DISABLE_TELEMETRY: 'true', HEROKU_API_KEY: router.apiKey, HEROKU_COLOR: '0', HEROKU_HOST: router.url,
      HEROKU_LOGS_COLOR: '0', HOME: home, NO_COLOR: '1', ...extra,
    }
  }

  function heroku(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      execFile(process.execPath, [HEROKU, ...args], {env: env()}, (error, stdout, stderr) => {
        resolve({code: error === null ? 0 : (error as {code?: number}).code ?? null, stderr, stdout})
      })
    })
  }

  it('telemetry:add, telemetry, telemetry:info and telemetry:remove work unchanged, and the drain delivers', async () => {
    const receiver = await OtlpReceiver.start()
    after(() => receiver.close())
    const added = await heroku('telemetry:add', receiver.url, '--app', 'firapp', '--signals', 'logs', '--transport', 'http', '--headers', '{"x-api-key":"k1"}')
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.stdout, `successfully added drain ${receiver.url}\n`)

    const listed = await heroku('telemetry', '--app', 'firapp')
    assert.equal(listed.code, 0, listed.stderr)
    const [drain] = (await call(router, 'GET', '/apps/firapp/telemetry-drains')).json
    assert.match(listed.stdout, /firapp Telemetry Drains/)
    assert.match(listed.stdout, new RegExp(`${drain.id}\\s+logs\\s+${receiver.url.replaceAll('.', '\\.')}`))

    const info = await heroku('telemetry:info', drain.id)
    assert.equal(info.code, 0, info.stderr)
    assert.match(info.stdout, /App:\s+firapp/)
    assert.match(info.stdout, /Transport:\s+HTTP/)
    assert.match(info.stdout, /Headers:\s+\{"x-api-key":"k1"\}/)

    await postText(router, 'firapp', line(1, 'app[web-58f4b7c6d-x2k9p]'))
    await waitFor('the record at the receiver', () => receiver.records().length === 1)
    assert.equal(receiver.records()[0].record.body.stringValue, 'line 1')
    assert.equal(receiver.requests[0].headers['x-api-key'], 'k1')

    const grpc = await heroku('telemetry:add', 'https://otel.example.com:4317', '--app', 'firapp', '--transport', 'grpc')
    assert.equal(grpc.code, 0, grpc.stderr)
    const removed = await heroku('telemetry:remove', drain.id)
    assert.equal(removed.code, 0, removed.stderr)
    const left = (await call(router, 'GET', '/apps/firapp/telemetry-drains')).json
    assert.deepEqual(left.map((each: any) => [each.exporter.type, each.signals]), [['otlp', ['traces', 'metrics', 'logs']]])
    assert.equal((await heroku('telemetry:remove', '--app', 'firapp')).code, 0)
    assert.equal((await heroku('telemetry', '--app', 'firapp')).stdout, 'There are no telemetry drains in firapp\n')
  })

  it('heroku logs on a Fir app always tails, sends no history (-n ignored), filters -p web, and goes on after its session is re-created', async () => {
    await postText(router, 'firapp', line(2, 'app[web-58f4b7c6d-x2k9p]'))
    // HEROKU_LOG_STREAM_TIMEOUT (minutes) is how often the CLI re-creates a Fir session: 15 unless set.
    // Between the CLI and the router, to see each session it creates.
    let sessionsCreated = 0
    const proxy = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/apps/firapp/log-sessions') sessionsCreated++
      const {port} = new URL(router.url)
      req.pipe(request({headers: req.headers, host: '127.0.0.1', method: req.method, path: req.url, port}, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(res)
      }))
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    after(() => {
      proxy.closeAllConnections()
      proxy.close()
    })
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [HEROKU, 'logs', '-a', 'firapp', '-n', '5', '-p', 'web'], {
      env: env({HEROKU_HOST: proxyUrl, HEROKU_LOG_STREAM_TIMEOUT: '0.05'}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    try {
      await waitFor(`the CLI to say it fetches logs (stderr ${JSON.stringify(stderr)})`, () => stderr.includes('Fetching logs'), 60_000)
      // Posted until one arrives: the CLI opens its session some time after saying so.
      for (let n = 3; !stdout.includes('line'); n++) {
        await postText(router, 'firapp', [line(n, 'app[worker-58f4b7c6d-abcde]'), line(n, 'app[web-58f4b7c6d-x2k9p]')].join('\n'))
        await new Promise((resolve) => setTimeout(resolve, 200))
      }

      // 3 s after it opened the first.
      await waitFor('the CLI to re-create its session', () => sessionsCreated >= 2, 30_000)
      // As on Heroku, what comes between two sessions is not sent: posted until the new session has one.
      const before = stdout.length
      for (let n = 10; !stdout.slice(before).includes('app[web.1]'); n++) {
        await postText(router, 'firapp', [line(n, 'app[web-api.1]'), line(n, 'app[web.1]')].join('\n'))
        await new Promise((resolve) => setTimeout(resolve, 200))
      }

      assert.ok(sessionsCreated >= 2)
      const lines = stdout.split('\n').filter(Boolean)
      assert.ok(!lines.includes(line(2, 'app[web-58f4b7c6d-x2k9p]')), 'no history')
      assert.ok(lines.every((each) => each.includes('app[web-58f4b7c6d-x2k9p]') || each.includes('app[web.1]')), stdout)
      assert.equal(child.exitCode, null, 'still tailing')
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve))
      child.kill('SIGTERM')
      await closed
    }
  })
})
