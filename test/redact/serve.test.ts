import assert from 'node:assert/strict'

import {createRedactor} from '../../src/redact/redactor.js'
import {LogHub} from '../../src/router/hub.js'
import {MemoryLogEngine} from '../../src/router/log/memory-engine.js'
import {type LogEntry, type LogMessage, toEntry} from '../../src/router/message.js'
import type {RunningRouter} from '../../src/router/server.js'
import {runCli} from '../helpers/cli.js'
import {createApp, createSession, frame, postLogplex, postText, readSession, Tail, testRouter} from '../router/helpers.js'

const TS = '2024-05-01T12:00:00.000000+00:00'
const SECRET_LINE = `${TS} app[web.1]: level=info msg="login" user=bob password=hunter2 auth="Bearer 9f86d081884c7d65"`
const REDACTED_LINE = `${TS} app[web.1]: level=info msg="login" user=bob password=[REDACTED] auth="Bearer [REDACTED]"`

function secretEntry(): LogEntry {
  return toEntry({message: SECRET_LINE.slice(SECRET_LINE.indexOf(']: ') + 3), pri: undefined, timestamp: TS}, {dyno: 'web.1', source: 'app'}, 0)
}

function recentLines(hub: LogHub): string[] {
  const recent = hub.recent('app')
  return Array.from({length: recent.size}, (_, i) => recent.at(i).line)
}

describe('serve --redact', () => {
  let router: RunningRouter

  before(async () => {
    router = await testRouter({redactor: createRedactor({keys: ['pin']})})
    await createApp(router, 'demo')
  })

  it('stores what is posted redacted: a session reads back [REDACTED]', async () => {
    await postText(router, 'demo', `${SECRET_LINE}\n${TS} app[web.2]: pin=1234 ok\n`)
    const reply = await readSession(await createSession(router, 'demo', {lines: 2}))
    assert.equal(reply.text, `${REDACTED_LINE}\n${TS} app[web.2]: pin=[REDACTED] ok\n`)
  })

  it('tails redacted lines, from Logplex frames as from text', async () => {
    const app = await createApp(router, 'framed')
    const tail = await Tail.open(await createSession(router, 'framed', {lines: 0, tail: true}))
    // Closed after the router (hooks run in order): the router ends it, as `serve` does on SIGTERM.
    after(() => tail.close())
    const body = frame(`<190>1 ${TS} host app web.1 - connecting to postgres://u1:p4ssw0rd@db.example.com:5432/d1`)
    const reply = await postLogplex(router, app.log_input_token, body, {'logplex-msg-count': '1'})
    assert.equal(reply.status, 204)
    await tail.waitFor('the redacted line', (text) => text.includes('\n'))
    assert.equal(tail.text, `${TS} app[web.1]: connecting to postgres://u1:[REDACTED]@db.example.com:5432/d1\n`)
  })

  it('hands subscribers (sessions and drains) the redacted line, and keeps only that, in the durable log too', async () => {
    const engine = new MemoryLogEngine()
    const hub = new LogHub(10, engine, undefined, createRedactor())
    const received: LogMessage[] = []
    hub.subscribe('app', (batch) => received.push(...batch.messages))
    await hub.append('app', [secretEntry()])
    assert.deepEqual(received.map((message) => message.line), [REDACTED_LINE])
    assert.deepEqual(recentLines(hub), [REDACTED_LINE])
    const {messages} = await engine.app('app').read({offset: 1}, 10)
    assert.deepEqual(messages.map((message) => message.text), [REDACTED_LINE.slice(REDACTED_LINE.indexOf(']: ') + 3)])
  })

  it('without --redact, stores lines as they came', async () => {
    const hub = new LogHub(10, new MemoryLogEngine())
    await hub.append('app', [secretEntry()])
    assert.deepEqual(recentLines(hub), [SECRET_LINE])
  })

  it('redacts frames that once took the redactor quadratic time, promptly: each near the 10 KB frame limit', async () => {
    const app = await createApp(router, 'adversarial')
    const header = `<190>1 ${TS} host app web.1 - `
    const frames: string[] = []
    for (const unit of ['token', 'Password', 'session_', 'api-key-', 'eyJ-']) {
      const message = header + unit.repeat(Math.ceil(10_000 / unit.length)).slice(0, 10_000)
      for (let i = 0; i < 30; i++) frames.push(frame(message))
    }

    frames.push(frame(header + 'tokentokentoken=abc'))
    const started = performance.now()
    const reply = await postLogplex(router, app.log_input_token, frames.join(''), {'logplex-msg-count': String(frames.length)})
    const elapsed = performance.now() - started
    assert.equal(reply.status, 204)
    // Generous for two busy cores; the quadratic redactor took several seconds on this body.
    assert.ok(elapsed < 2000, `${elapsed.toFixed(0)} ms to accept ${frames.length} frames`)
    const last = await readSession(await createSession(router, 'adversarial', {lines: 1}))
    assert.equal(last.text, `${TS} app[web.1]: tokentokentoken=[REDACTED]\n`)
  })

  it('a bad --redact-pattern stops serve before it listens, naming the flag, exit 2', async () => {
    const result = await runCli(['serve', '--port', '0', '--syslog-port', '0', '--redact-pattern', '[a-'])
    assert.equal(result.code, 2)
    assert.match(result.stderr.replaceAll(/ \n ›\s+/g, ' '), /Error: --redact-pattern "\[a-" is not a valid regular expression: /)
    assert.equal(result.stdout, '')
  })
})
