import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {Readable} from 'node:stream'
import {promisify} from 'node:util'
import {gzipSync} from 'node:zlib'
import {request} from 'undici'

import type {RunningRouter} from '../../src/router/server.js'
import {call, createApp, createSession, frame, postLogplex, postText, readSession, testRouter} from './helpers.js'

const run = promisify(execFile)

const message = (n: number, dyno = 'web.1') => `<190>1 2024-05-01T12:00:0${n % 10}.000000+00:00 host app ${dyno} - line ${n}`

describe('log input over HTTP', () => {
  let router: RunningRouter
  let token: string

  before(async () => {
    router = await testRouter({maxBodyBytes: 64 * 1024, maxFrameBytes: 1000})
    token = (await createApp(router, 'demo')).log_input_token
  })

  /** Everything the app has received so far, as `heroku logs` lines. */
  async function recent(): Promise<string[]> {
    const reply = await readSession(await createSession(router, 'demo', {lines: 1500}))
    return reply.text.split('\n').filter(Boolean)
  }

  describe('POST /logs (application/logplex-1)', () => {
    it('takes frames from curl, as the spec shows it, and answers 204 with no body', async () => {
      const body = '83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up\n'
      const {stdout} = await run('curl', [
        '-sS', '-o', '/dev/null', '-D', '-', '-u', `token:${token}`, '-H', 'Content-Type: application/logplex-1',
        '-H', 'Logplex-Msg-Count: 1', '--data-binary', body, `${router.url}/logs`,
      ])
      assert.match(stdout, /^HTTP\/1\.1 204/)
      assert.doesNotMatch(stdout, /transfer-encoding/i)
      assert.ok((await recent()).includes('2012-11-30T06:45:29+00:00 app[web.3]: State changed from starting to up'))
    })

    it('takes application/x-logplex-1 and gzip bodies', async () => {
      const reply = await postLogplex(router, token, gzipSync(frame(message(1)) + frame(message(2))), {
        'content-encoding': 'gzip', 'content-type': 'application/x-logplex-1', 'logplex-msg-count': '2',
      })
      assert.equal(reply.status, 204)
      const lines = await recent()
      assert.deepEqual(lines.slice(-2), ['2024-05-01T12:00:01.000000+00:00 app[web.1]: line 1', '2024-05-01T12:00:02.000000+00:00 app[web.1]: line 2'])
    })

    it('maps log-shuttle frames (the token as APP-NAME) to app[PROCID]', async () => {
      const shuttle = `<190>1 2024-05-01T12:00:00.123456+00:00 shuttle ${token} worker.3 - - from shuttle`
      assert.equal((await postLogplex(router, token, frame(shuttle))).status, 204)
      assert.equal((await recent()).at(-1), '2024-05-01T12:00:00.123456+00:00 app[worker.3]: from shuttle')
    })

    it('answers 401 with WWW-Authenticate for a missing or unknown token, and keeps nothing', async () => {
      const before = await recent()
      for (const bad of [undefined, 't.00000000-0000-4000-8000-000000000000', router.apiKey]) {
        const reply = await postLogplex(router, bad, frame(message(3)))
        assert.equal(reply.status, 401)
        assert.match(String(reply.headers['www-authenticate']), /^Basic realm=/)
        assert.equal(reply.json.id, 'unauthorized')
      }

      assert.deepEqual(await recent(), before)
      assert.ok(router.drops().unauthorized >= 3)
    })

    it('answers 400 to a count mismatch or a malformed frame, and keeps nothing of that request', async () => {
      const before = await recent()
      const mismatch = await postLogplex(router, token, frame(message(4)) + frame(message(5)), {'logplex-msg-count': '3'})
      assert.equal(mismatch.status, 400)
      assert.deepEqual(mismatch.json, {id: 'bad_request', message: 'Message count mismatch: Logplex-Msg-Count is 3, the body has 2 frames.'})
      const malformed = await postLogplex(router, token, frame(message(6)) + 'garbage\n')
      assert.equal(malformed.status, 400)
      assert.match(malformed.json.message, /Frame 2/)
      const notGzip = await postLogplex(router, token, 'not gzip', {'content-encoding': 'gzip'})
      assert.equal(notGzip.status, 400)
      assert.match(notGzip.json.message, /not valid gzip/)
      assert.deepEqual(await recent(), before)
    })

    it('answers 413 to a frame or a body over the limits (declared or streamed), and 415 to other types', async () => {
      const longFrame = await postLogplex(router, token, frame(message(7)) + frame(message(8) + 'x'.repeat(2000)))
      assert.equal(longFrame.status, 413)
      assert.match(longFrame.json.message, /Frame 2 has \d+ bytes; the limit is 1000/)

      const huge = Buffer.from(frame(message(9)).repeat(2000))
      const declared = await postLogplex(router, token, huge)
      assert.equal(declared.status, 413)
      assert.equal(declared.json.id, 'payload_too_large')
      // Inflates past the limit: measured after gunzip.
      const bomb = await postLogplex(router, token, gzipSync(huge), {'content-encoding': 'gzip'})
      assert.equal(bomb.status, 413)
      // Chunked, no Content-Length: cut off while reading.
      const streamed = await request(`${router.url}/logs`, {
        body: Readable.from(Array.from({length: 100}, () => huge.subarray(0, 4096))),
        headers: {authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'), 'content-type': 'application/logplex-1'},
        method: 'POST',
      })
      assert.equal(streamed.statusCode, 413)
      await streamed.body.dump()

      const wrongType = await postLogplex(router, token, frame(message(1)), {'content-type': 'text/plain'})
      assert.equal(wrongType.status, 415)
      assert.ok(router.drops().body_too_large >= 3)
    })
  })

  describe('POST /apps/{app}/logs (text/plain)', () => {
    it('keeps heroku lines as they are and stamps plain text as app[web.1], or ?source= and ?dyno=', async () => {
      await postText(router, 'demo', '2024-05-01T12:00:00+00:00 heroku[router]: at=info path="/"\nplain words\n\n')
      await postText(router, 'demo', 'from a worker', '?dyno=worker.2&source=cron')
      const lines = await recent()
      assert.equal(lines.at(-3), '2024-05-01T12:00:00+00:00 heroku[router]: at=info path="/"')
      assert.match(lines.at(-2)!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 app\[web\.1\]: plain words$/)
      assert.match(lines.at(-1)!, /^\S+ cron\[worker\.2\]: from a worker$/)
    })

    it('needs the API key, an app that exists, and sane limits', async () => {
      assert.equal((await call(router, 'POST', '/apps/demo/logs', {body: 'x', key: 'wrong'})).status, 401)
      assert.equal((await call(router, 'POST', '/apps/nope/logs', {body: 'x'})).status, 404)
      assert.equal((await call(router, 'POST', '/apps/demo/logs?dyno=a%20b', {body: 'x'})).status, 422)
      assert.equal((await call(router, 'POST', '/apps/demo/logs', {body: 'y'.repeat(1200)})).status, 413)
      assert.equal((await call(router, 'POST', '/apps/demo/logs', {body: 'y\n'.repeat(40_000)})).status, 413)
    })
  })
})
