import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {request} from 'undici'

import {BIN, cliEnv, ROOT, tempDir} from '../helpers/cli.js'
import {drainRouter, StrictReceiver} from './drain-receivers.js'
import {call, createApp, postText, waitFor} from './helpers.js'
import {makeCertificates} from './rsyslog-peer.js'

const KEY = 'spool-test-key'

/** `logsift serve` as a child process on free ports. */
class Serve {
  stdout = ''
  stderr = ''
  readonly exit: Promise<number | null>
  private readonly child: ChildProcessWithoutNullStreams

  constructor(dir: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir], {cwd: ROOT, env: cliEnv({LOGSIFT_API_KEY: KEY, ...env})})
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
    this.exit = new Promise((resolve) => this.child.on('close', (code) => resolve(code)))
  }

  async url(): Promise<string> {
    await waitFor(`the start line (stderr: ${this.stderr})`, () => this.stdout.includes('\n'), 10_000)
    return /on (\S+) /.exec(this.stdout)![1]
  }

  async call(method: 'GET' | 'POST', path: string, body: string, type = 'application/json'): Promise<{status: number; json: any}> {
    const reply = await request((await this.url()) + path, {body: method === 'GET' ? undefined : body, headers: {authorization: `Bearer ${KEY}`, 'content-type': type}, method})
    const text = await reply.body.text()
    return {json: text === '' ? undefined : JSON.parse(text), status: reply.statusCode}
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM')
    return this.exit
  }
}

function lines(count: number): string {
  let body = ''
  for (let i = 0; i < count; i++) body += `2024-05-01T12:00:00.${String(i).padStart(6, '0')}+00:00 app[web.1]: spooled ${i}\n`
  return body
}

describe('drain queues across a restart', function () {
  this.timeout(40_000)

  it('SIGTERM writes undelivered messages to the data directory; the next start delivers them, in order, once', async () => {
    const dir = tempDir('logsift-spool-')
    const certificates = await makeCertificates(dir)
    // An HTTPS receiver whose CA only NODE_EXTRA_CA_CERTS makes trusted; down while the first router runs.
    const receiver = new StrictReceiver({cert: readFileSync(certificates.good.cert), key: readFileSync(certificates.good.key)})
    await receiver.start()
    const {port} = receiver
    await receiver.stop()
    const env = {NODE_EXTRA_CA_CERTS: certificates.ca}
    const data = join(dir, 'data')

    const first = new Serve(data, env)
    assert.equal((await first.call('POST', '/apps', JSON.stringify({name: 'spooled'}))).status, 201)
    const drain = await first.call('POST', '/apps/spooled/log-drains', JSON.stringify({url: `https://user:hunter2@localhost:${port}/drain`}))
    assert.equal(drain.status, 201)
    assert.equal((await first.call('POST', '/apps/spooled/logs', lines(50), 'text/plain')).status, 204)
    let state = await first.call('GET', `/apps/spooled/log-drains/${drain.json.id}`, '')
    for (const deadline = Date.now() + 5000; state.json.delivery.state !== 'retrying' && Date.now() < deadline;) {
      state = await first.call('GET', `/apps/spooled/log-drains/${drain.json.id}`, '')
    }

    assert.equal(state.json.delivery.state, 'retrying')
    assert.match(state.json.delivery.last_error, /ECONNREFUSED/)
    assert.equal(state.json.delivery.queued, 50)
    assert.equal(await first.stop(), 0, first.stderr)
    const spool = join(data, 'drain-spool.json')
    assert.ok(existsSync(spool))
    assert.doesNotMatch(readFileSync(spool, 'utf8'), /hunter2/)

    after(() => receiver.stop())
    await receiver.start(port)
    const second = new Serve(data, env)
    after(() => second.stop())
    await second.url()
    await waitFor('50 messages after the restart', () => receiver.messages.length >= 50, 15_000)
    assert.deepEqual(receiver.faults, [])
    assert.deepEqual(receiver.messages, Array.from({length: 50}, (_, i) => `<190>1 2024-05-01T12:00:00.${String(i).padStart(6, '0')}+00:00 host app web.1 - spooled ${i}`))
    assert.equal(existsSync(spool), false)
    assert.doesNotMatch(first.stderr + first.stdout + second.stderr + second.stdout, /hunter2/)
  })

  it('resends a batch the stop cut off mid-attempt first, with the same frame id', async () => {
    const receiver = new StrictReceiver()
    await receiver.start()
    after(() => receiver.stop())
    let first = true
    // The first POST is taken but answered only long after the router has stopped: its answer is lost.
    receiver.answer = () => (first ? ((first = false), {delayMs: 30_000, status: 204}) : {status: 204})
    const dir = tempDir('logsift-spool-inflight-')
    const fast = {backoff: {baseMs: 50, capMs: 200}, timeoutMs: 20_000}
    const one = await drainRouter({dataDir: dir, drains: fast})
    await createApp(one, 'cut')
    assert.equal((await call(one, 'POST', '/apps/cut/log-drains', {body: {url: receiver.url()}})).status, 201)
    await postText(one, 'cut', lines(3))
    await waitFor('the first attempt', () => receiver.attempts.length === 1)
    await postText(one, 'cut', lines(5).split('\n').slice(3).join('\n'))
    await one.close()

    await drainRouter({dataDir: dir, drains: fast})
    await waitFor('the resend and the rest', () => receiver.attempts.length >= 2 && receiver.messages.length === 8, 10_000)
    assert.equal(receiver.attempts[1], receiver.attempts[0])
    assert.equal(receiver.posts[1].messages.length, 3)
    assert.deepEqual(receiver.messages.slice(3).map((message) => message.replace(/^.* - /, '')), ['spooled 0', 'spooled 1', 'spooled 2', 'spooled 3', 'spooled 4'])
  })
})
