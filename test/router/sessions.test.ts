import assert from 'node:assert/strict'
import {connect} from 'node:net'

import type {RunningRouter} from '../../src/router/server.js'
import {call, createApp, createSession, postText, readSession, sseEvents, Tail, testRouter, waitFor} from './helpers.js'

const line = (n: number, tag = 'app[web.1]') => `2024-05-01T12:00:00.${String(n).padStart(6, '0')}+00:00 ${tag}: line ${n}`
const lines = (from: number, to: number, tag?: string) => Array.from({length: to - from + 1}, (_, i) => line(from + i, tag))
const text = (values: string[]) => values.map((value) => value + '\n').join('')

describe('log sessions', () => {
  describe('recent lines', () => {
    let router: RunningRouter

    before(async () => {
      router = await testRouter({bufferSize: 150})
      await createApp(router, 'demo')
      await postText(router, 'demo', text(lines(1, 200)))
      await createApp(router, 'mixed')
      await postText(router, 'mixed', text([
        line(1, 'app[web.1]'), line(2, 'app[web.12]'), line(3, 'app[worker.1]'), line(4, 'heroku[router]'),
        line(5, 'heroku[web.1]'), line(6, 'app[webby.1]'), line(7, 'app[web]'),
      ]))
    })

    it('sends the last 100 lines by default as plain text, then ends', async () => {
      const reply = await readSession(await createSession(router, 'demo'))
      assert.equal(reply.status, 200)
      assert.match(String(reply.headers['content-type']), /^text\/plain/)
      assert.equal(reply.text, text(lines(101, 200)))
    })

    it('sends `lines` lines, at most the buffer', async () => {
      assert.equal((await readSession(await createSession(router, 'demo', {lines: 3}))).text, text(lines(198, 200)))
      assert.equal((await readSession(await createSession(router, 'demo', {lines: 1000}))).text, text(lines(51, 200)))
      assert.equal((await readSession(await createSession(router, 'demo', {lines: 0}))).text, '')
    })

    it('sends server-sent events with an id each when asked for text/event-stream', async () => {
      const reply = await readSession(await createSession(router, 'demo', {lines: 2}), {accept: 'text/event-stream'})
      assert.equal(reply.headers['content-type'], 'text/event-stream')
      assert.deepEqual(sseEvents(reply.text), [['199', line(199)], ['200', line(200)]])
    })

    it('filters by dyno (exact, or the type before the dot) and source (exact), counting lines after filtering', async () => {
      const read = async (body: object) => (await readSession(await createSession(router, 'mixed', body))).text
      assert.equal(await read({dyno: 'web'}), text([line(1, 'app[web.1]'), line(2, 'app[web.12]'), line(5, 'heroku[web.1]'), line(7, 'app[web]')]))
      assert.equal(await read({dyno: 'web.1'}), text([line(1, 'app[web.1]'), line(5, 'heroku[web.1]')]))
      assert.equal(await read({dyno: 'web', source: 'app'}), text([line(1, 'app[web.1]'), line(2, 'app[web.12]'), line(7, 'app[web]')]))
      assert.equal(await read({source: 'heroku'}), text([line(4, 'heroku[router]'), line(5, 'heroku[web.1]')]))
      assert.equal(await read({dyno: 'web', lines: 1}), text([line(7, 'app[web]')]))
    })

    it('can be read again until it expires', async () => {
      const url = await createSession(router, 'demo', {lines: 1})
      assert.equal((await readSession(url)).text, text([line(200)]))
      assert.equal((await readSession(url)).text, text([line(200)]))
    })
  })

  describe('tailing', () => {
    let router: RunningRouter
    const tails: Tail[] = []
    const open = async (url: string, headers?: Record<string, string>) => {
      const tail = await Tail.open(url, headers)
      tails.push(tail)
      return tail
    }

    before(async () => {
      router = await testRouter({sessionQueueBytes: 16 * 1024, sessionTtlMs: 300})
      await createApp(router, 'demo')
    })
    afterEach(() => {
      for (const tail of tails.splice(0)) tail.close()
    })

    it('sends the recent lines, then new matching lines as they arrive', async () => {
      await postText(router, 'demo', text(lines(1, 3)))
      const tail = await open(await createSession(router, 'demo', {dyno: 'web', lines: 2, tail: true}))
      await tail.waitFor('the recent lines', (got) => got === text(lines(2, 3)))
      await postText(router, 'demo', text([line(4, 'app[worker.1]'), line(5), line(6, 'app[web.2]')]))
      await tail.waitFor('the new web lines', (got) => got === text([line(2), line(3), line(5), line(6, 'app[web.2]')]))
      assert.equal(tail.ended, false)
    })

    it('resumes after Last-Event-ID with nothing repeated and nothing lost', async () => {
      const url = await createSession(router, 'demo', {lines: 1, tail: true})
      const first = await open(url, {accept: 'text/event-stream'})
      await first.waitFor('one event', (got) => sseEvents(got).length === 1)
      await postText(router, 'demo', text(lines(10, 11)))
      await first.waitFor('three events', (got) => sseEvents(got).length === 3)
      const events = sseEvents(first.text)
      const lastId = events.at(-1)![0]
      first.close()

      await postText(router, 'demo', text(lines(12, 13)))
      const second = await open(url, {accept: 'text/event-stream', 'last-event-id': lastId})
      await second.waitFor('the missed lines', (got) => sseEvents(got).length === 2)
      await postText(router, 'demo', text(lines(14, 14)))
      await second.waitFor('the new line', (got) => sseEvents(got).length === 3)
      const resumed = sseEvents(second.text)
      assert.deepEqual(resumed.map(([, data]) => data), [line(12), line(13), line(14)])
      const ids = [...events, ...resumed].map(([id]) => Number(id))
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b))
      assert.equal(new Set(ids).size, ids.length)
    })

    it('expires a session nobody reads for sessionTtlMs, but not while it is read', async () => {
      const url = await createSession(router, 'demo', {lines: 0, tail: true})
      const tail = await open(url)
      const opened = Date.now()
      await waitFor('twice the TTL to pass with the reader connected', () => Date.now() - opened > 600, 2000)
      await postText(router, 'demo', text(lines(20, 20)))
      await tail.waitFor('a line on the long-lived reader', (got) => got.includes('line 20'))
      tail.close()

      // Reading would renew it, so look once, after the TTL since the reader left has surely passed.
      const left = Date.now()
      await waitFor('the TTL to pass since the reader left', () => Date.now() - left > 700, 2000)
      assert.equal((await call(router, 'GET', new URL(url).pathname, {key: null})).status, 404)
    })

    it('drops for a client that does not read, never slows ingest, and tells it with an L11 line', async () => {
      const url = new URL(await createSession(router, 'demo', {lines: 0, tail: true}))
      const socket = connect(Number(url.port), url.hostname)
      let received = ''
      socket.setEncoding('utf8')
      socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
      await new Promise((resolve) => socket.once('data', (chunk) => resolve((received += chunk))))
      socket.pause()

      const batch = text(lines(1, 500).map((each) => each + ' ' + 'x'.repeat(200)))
      const deadline = Date.now() + 15_000
      while (router.drops().session_overflow === 0) {
        if (Date.now() > deadline) throw new Error('no message was ever dropped for the paused client')
        // Ingest keeps answering at once while the session client is stuck.
        await postText(router, 'demo', batch)
      }

      await postText(router, 'demo', text([line(999_999)]))
      socket.on('data', (chunk) => (received += chunk))
      socket.resume()
      await waitFor('the L11 line', () => /heroku\[logplex\]: Error L11 \(Tail buffer overflow\) -> This tail session dropped \d+ messages since \S+\./.test(received), 15_000)
      socket.destroy()
      const dropped = Number(/dropped (\d+) messages/.exec(received)![1])
      assert.ok(dropped > 0)
    })
  })

  describe('from the durable log (since)', () => {
    it('a tailing session read slowly falls behind in the log instead of dropping: every message, in order, no L11', async function () {
      this.timeout(60_000)
      const router = await testRouter({sessionQueueBytes: 16 * 1024})
      await createApp(router, 'demo')
      await postText(router, 'demo', text([line(0)]))
      const url = new URL(await createSession(router, 'demo', {since: '2024-05-01T00:00:00Z', tail: true}))
      const socket = connect(Number(url.port), url.hostname)
      let received = ''
      socket.setEncoding('utf8')
      // HTTP/1.0: the body as it is written, without chunked encoding.
      socket.write(`GET ${url.pathname} HTTP/1.0\r\nHost: ${url.host}\r\n\r\n`)
      await new Promise((resolve) => socket.on('data', (chunk) => {
        received += chunk
        if (received.includes(line(0))) resolve(undefined)
      }))
      socket.pause()

      // Far more than the session's queue and the sockets' buffers hold, while the client reads nothing.
      const padding = ' ' + 'x'.repeat(200)
      let posted = 0
      while (posted < 40_000 && router.drops().session_overflow === 0) {
        await postText(router, 'demo', text(lines(posted + 1, posted + 1000).map((each) => each + padding)))
        posted += 1000
      }

      socket.resume()
      const last = line(posted) + padding + '\n'
      await waitFor(`line ${posted} or an L11 line`, () => received.endsWith(last) || received.includes('Error L11'), 20_000)
      socket.destroy()
      assert.equal(router.drops().session_overflow, 0)
      assert.equal(received.slice(received.indexOf(line(0))), text([line(0), ...lines(1, posted).map((each) => each + padding)]))
    })
  })

  it('close() ends open sessions cleanly and stops accepting', async () => {
    const router = await testRouter()
    await createApp(router, 'demo')
    const tail = await Tail.open(await createSession(router, 'demo', {tail: true}), {accept: 'text/event-stream'})
    await router.close()
    await waitFor('the session to end', () => tail.ended)
    await assert.rejects(call(router, 'GET', '/apps'))
  })
})
