import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {connect} from 'node:net'

import type {RunningRouter} from '../../src/router/server.js'
import {BIN, cliEnv, ROOT, runCli, waitFor} from '../helpers/cli.js'
import {drainRouter, OctetReceiver, StrictReceiver} from '../router/drain-receivers.js'
import {call, createApp, createSession, frame, postLogplex, readSession, sseEvents} from '../router/helpers.js'
import {isolatedEnv} from './helpers.js'

const FAST = {backoff: {baseMs: 50, capMs: 400}, certificateNoticeMs: 60_000, timeoutMs: 3000}
const TRACE = 'Error: boom\n    at a (a.js:1:2)\n    at b (b.js:3:4)'

/** Runs util-linux `logger` with `input` on stdin, one message per line. */
function logger(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('logger', ['--server', '127.0.0.1', ...args], {stdio: ['pipe', 'inherit', 'inherit']})
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`logger exited ${code}`))))
    child.stdin.end(input)
  })
}

/**
 * The sender's syslog PRI and multi-line messages from the wire to every reader: logger and a raw socket into
 * the router, then `logsift logs -a` and `logs:stats -a` (the built CLI), sessions, and syslog and HTTPS drains.
 */
describe('severity and multi-line messages end to end', function () {
  this.timeout(60_000)
  let router: RunningRouter
  let env: NodeJS.ProcessEnv
  const receivers: Array<OctetReceiver | StrictReceiver> = []

  before(async () => {
    router = await drainRouter({drains: FAST})
    env = isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})
  })
  after(async () => {
    for (const receiver of receivers) await receiver.stop()
  })

  const cli = (...args: string[]) => runCli(args, {env})

  /** An app with a syslog drain and an HTTPS drain, each to its own receiver. */
  async function appWithDrains(name: string): Promise<{token: string; syslog: OctetReceiver; https: StrictReceiver}> {
    const {log_input_token: token} = await createApp(router, name)
    const syslog = new OctetReceiver()
    const https = new StrictReceiver()
    for (const receiver of [syslog, https]) {
      await receiver.start()
      receivers.push(receiver)
      const reply = await call(router, 'POST', `/apps/${name}/log-drains`, {body: {url: receiver.url()}})
      assert.equal(reply.status, 201, reply.text)
    }

    return {https, syslog, token}
  }

  it('logger -p local0.err: logs -a --level err prints all 200, logs:stats -a counts 200 errors, drains get <131>', async () => {
    const {https, syslog} = await appWithDrains('demo')
    const lines = Array.from({length: 200}, (_, i) => `disk ${i} failing`)
    await logger(['--port', String(router.syslogTcpPort), '--tcp', '--rfc5424', '--octet-count', '-p', 'local0.err', '--tag', 'demo'], lines.join('\n') + '\n')
    await waitFor('200 messages at both drains', () => syslog.frames.length === 200 && https.messages.length === 200, 10_000)

    const errors = await cli('logs', '-a', 'demo', '--level', 'err', '-n', '1500')
    assert.equal(errors.code, 0, errors.stderr)
    const printed = errors.stdout.split('\n').filter(Boolean)
    assert.deepEqual(printed.map((line) => line.replace(/^\S+ app\[web\.1\]: /, '')), lines)

    const stats = await cli('logs:stats', '-a', 'demo', '--json')
    assert.equal(stats.code, 0, stats.stderr)
    assert.equal(JSON.parse(stats.stdout).levels.error, 200)

    assert.deepEqual(syslog.faults, [])
    assert.ok(syslog.frames.every((message) => message.startsWith('<131>1 ')), syslog.frames[0])
    assert.ok(https.messages.every((message) => message.startsWith('<131>1 ')), https.messages[0])
  })

  it('frames Heroku stamped keep their content\'s level, and go to drains with the PRI they came with', async () => {
    const {https, syslog, token} = await appWithDrains('stamped')
    const ts = '2024-05-01T12:00:00.000000+00:00'
    const body = frame(`<190>1 ${ts} host heroku router - at=error code=H12 desc="Request timeout" method=GET path="/" status=503`)
      + frame(`<190>1 ${ts} host heroku router - at=info method=GET path="/" status=200`)
      // HOSTNAME `host`: an HTTPS drain's frame, whose PRI says nothing of the message.
      + frame(`<131>1 ${ts} host app web.1 - relayed by a drain`)
    const reply = await postLogplex(router, token, body, {'logplex-msg-count': '3'})
    assert.equal(reply.status, 204, reply.text)
    await waitFor('3 messages at both drains', () => syslog.frames.length === 3 && https.messages.length === 3)

    const json = await cli('logs', '-a', 'stamped', '-o', 'json')
    assert.equal(json.code, 0, json.stderr)
    const levels = json.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).level)
    assert.deepEqual(levels, ['error', 'info', 'info'])
    assert.deepEqual(syslog.frames.map((message) => message.slice(0, 5)), ['<190>', '<190>', '<131>'])
    assert.deepEqual(https.messages.map((message) => message.slice(0, 5)), ['<190>', '<190>', '<131>'])
  })

  describe('an octet-counted 3-line stack trace sent on a raw socket', () => {
    let drains: {syslog: OctetReceiver; https: StrictReceiver}

    before(async () => {
      drains = await appWithDrains('trace')
      const message = `<131>1 2024-05-01T12:00:00.000000+00:00 myhost trace web.1 - - ${TRACE}`
      const socket = connect(router.syslogTcpPort, '127.0.0.1')
      await new Promise<void>((resolve) => socket.end(`${Buffer.byteLength(message)} ${message}`, resolve))
      await waitFor('the trace at both drains', () => drains.syslog.frames.length === 1 && drains.https.messages.length === 1)
    })

    const herokuLine = `2024-05-01T12:00:00.000000+00:00 app[web.1]: ${TRACE}`

    it('is one server-sent event, and its lines in order in a plain text session', async () => {
      const url = await createSession(router, 'trace')
      const events = sseEvents((await readSession(url, {accept: 'text/event-stream'})).text)
      assert.deepEqual(events.map(([, data]) => data), [herokuLine])
      assert.equal((await readSession(url)).text, herokuLine + '\n')
    })

    it('is one record in logs -a: -o json holds the line breaks, --grep on a further line prints it whole', async () => {
      const json = await cli('logs', '-a', 'trace', '-o', 'json', '--grep', 'b\\.js')
      assert.equal(json.code, 0, json.stderr)
      const records = json.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line))
      assert.deepEqual(records.map(({level, message}) => [level, message]), [['error', TRACE]])
      const pretty = await cli('logs', '-a', 'trace', '--grep', 'a\\.js')
      assert.equal(pretty.stdout, herokuLine + '\n')
    })

    it('goes to a syslog drain as one frame with its line breaks, to an HTTPS drain as one line', () => {
      assert.match(drains.syslog.frames[0], new RegExp(`^<131>1 2024-05-01T12:00:00.000000\\+00:00 d\\.\\S+ app web\\.1 - - ${escape(TRACE)}\\n$`))
      assert.equal(drains.https.messages[0], `<131>1 2024-05-01T12:00:00.000000+00:00 host app web.1 - ${TRACE.replaceAll('\n', ' ')}`)
    })
  })

  it('logs URL of a plain text stream takes the lines that follow a `heroku logs` line as part of its message', async () => {
    const stream = `2024-05-01T12:00:00Z app[web.1]: ${TRACE}\n2024-05-01T12:00:01Z app[web.1]: after\n`
    const server: Server = createServer((_req, res) => res.writeHead(200, {'content-type': 'text/plain'}).end(stream))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`
      const json = await cli('logs', url, '-o', 'json', '--grep', 'b\\.js')
      assert.equal(json.code, 0, json.stderr)
      assert.deepEqual(json.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).message), [TRACE])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('logs URL --tail of a plain text stream joins lines sent apart, and prints the last message while the stream stays open', async () => {
    const lines = `2024-05-01T12:00:00Z app[web.1]: ${TRACE}\n`.split(/(?<=\n)/)
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/plain'})
      const next = () => {
        const line = lines.shift()
        if (line !== undefined) res.write(line, () => setImmediate(next))
      }

      next()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`
    const tail = spawn(process.execPath, [BIN, 'logs', url, '--tail', '-o', 'json'], {cwd: ROOT, env: cliEnv(env)})
    let output = ''
    tail.stdout.on('data', (chunk) => (output += chunk))
    try {
      await waitFor(`a record (have ${JSON.stringify(output)})`, () => output.includes('\n'))
      assert.deepEqual(output.split('\n').filter(Boolean).map((line) => JSON.parse(line).message), [TRACE])
    } finally {
      tail.kill('SIGTERM')
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

function escape(text: string): string {
  return text.replaceAll(/[$()*+.?[\\\]^{|}]/g, '\\$&')
}
