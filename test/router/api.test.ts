import assert from 'node:assert/strict'

import type {RunningRouter} from '../../src/router/server.js'
import {call, createApp, testRouter} from './helpers.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

describe('the Platform API subset', () => {
  let router: RunningRouter

  before(async () => {
    router = await testRouter({maxDrainsPerApp: 3})
    await createApp(router, 'demo')
  })

  describe('authentication', () => {
    for (const [what, key] of [['no key', null], ['a wrong key', 'wrong'], ['a key of the wrong length', 'x']] as const) {
      it(`answers 401 unauthorized to ${what}, on every route`, async () => {
        for (const path of ['/apps', '/apps/demo', '/apps/demo/log-drains', '/apps/nope', '/nowhere']) {
          const reply = await call(router, 'GET', path, {key})
          assert.equal(reply.status, 401, path)
          assert.equal(reply.json.id, 'unauthorized')
        }
      })
    }

    it('takes the key in any case of "Bearer"', async () => {
      assert.equal((await call(router, 'GET', '/apps', {headers: {authorization: `bearer ${router.apiKey}`}, key: null})).status, 200)
    })
  })

  it('every JSON endpoint refuses bad JSON with 400 and a huge body with 413', async () => {
    for (const path of ['/apps', '/apps/demo/log-sessions', '/apps/demo/log-drains']) {
      const bad = await call(router, 'POST', path, {body: '{"oops', headers: {'content-type': 'application/json'}})
      assert.deepEqual([bad.status, bad.json.id], [400, 'bad_request'], path)
      const huge = await call(router, 'POST', path, {body: {name: 'x'.repeat(100_000)}})
      assert.deepEqual([huge.status, huge.json.id], [413, 'payload_too_large'], path)
    }
  })

  describe('apps', () => {
    it('creates an app with an id, a cedar generation, timestamps and an input token', async () => {
      const reply = await call(router, 'POST', '/apps', {body: {name: 'shop-2'}})
      assert.equal(reply.status, 201)
      assert.match(reply.json.id, UUID)
      assert.equal(reply.json.name, 'shop-2')
      assert.deepEqual(reply.json.generation, {name: 'cedar'})
      assert.match(reply.json.created_at, TIMESTAMP)
      assert.match(reply.json.updated_at, TIMESTAMP)
      assert.match(reply.json.log_input_token, /^t\.[\da-f-]{36}$/)
      assert.deepEqual(reply.json.log_buffer, {capacity: 1500, messages: 0})
    })

    it('finds an app by name or id, and lists them by name', async () => {
      const byName = await call(router, 'GET', '/apps/demo')
      assert.equal(byName.status, 200)
      assert.deepEqual((await call(router, 'GET', `/apps/${byName.json.id}`)).json, byName.json)
      const list = await call(router, 'GET', '/apps')
      assert.deepEqual(list.json.map((app: {name: string}) => app.name), ['demo', 'shop-2'])
    })

    it("answers 404 not_found \"Couldn't find that app.\" for an unknown app, on every app route", async () => {
      for (const [method, path] of [['GET', '/apps/nope'], ['POST', '/apps/nope/log-sessions'], ['GET', '/apps/nope/log-drains'], ['DELETE', '/apps/nope/log-drains/x']] as const) {
        const reply = await call(router, method, path, {body: method === 'POST' ? {} : undefined})
        assert.equal(reply.status, 404, path)
        assert.deepEqual(reply.json, {id: 'not_found', message: "Couldn't find that app."})
      }
    })

    it('refuses bad JSON, bad names and taken names', async () => {
      const badJson = await call(router, 'POST', '/apps', {body: '{"name":', headers: {'content-type': 'application/json'}})
      assert.equal(badJson.status, 400)
      assert.deepEqual(badJson.json, {id: 'bad_request', message: 'Request body must be valid JSON.'})
      assert.equal((await call(router, 'POST', '/apps', {body: '[1]'})).status, 422)
      for (const name of ['', 'Demo', 'a', '1abc', 'abc-', 'x'.repeat(31), 42]) {
        const reply = await call(router, 'POST', '/apps', {body: {name}})
        assert.equal(reply.status, 422, String(name))
        assert.equal(reply.json.id, 'invalid_params')
      }

      const taken = await call(router, 'POST', '/apps', {body: {name: 'demo'}})
      assert.deepEqual(taken.json, {id: 'invalid_params', message: 'Name demo is already taken.'})
    })

    it('answers 404 to unknown endpoints and 405 to a wrong method', async () => {
      assert.equal((await call(router, 'GET', '/apps/demo/releases')).status, 404)
      assert.equal((await call(router, 'GET', '/apps/demo/log-drains/a/b')).status, 404)
      const wrong = await call(router, 'PATCH', '/apps/demo', {body: {}})
      assert.equal(wrong.status, 405)
      assert.equal(wrong.headers.allow, 'GET')
      assert.equal((await call(router, 'GET', '/logs', {key: null})).status, 405)
      assert.equal((await call(router, 'GET', '/apps/%E0%A4%A')).status, 400)
    })
  })

  describe('log sessions', () => {
    it('creates a session: 201 with id, logplex_url on this server, and timestamps', async () => {
      const reply = await call(router, 'POST', '/apps/demo/log-sessions', {body: {dyno: 'web', lines: 10, source: 'app', tail: false}})
      assert.equal(reply.status, 201)
      assert.match(reply.json.id, UUID)
      assert.equal(reply.json.logplex_url, `${router.url}/sessions/${reply.json.id}`)
      assert.match(reply.json.created_at, TIMESTAMP)
      assert.equal(reply.json.updated_at, reply.json.created_at)
    })

    it('takes an empty body, nulls and lines as a string', async () => {
      assert.equal((await call(router, 'POST', '/apps/demo/log-sessions')).status, 201)
      assert.equal((await call(router, 'POST', '/apps/demo/log-sessions', {body: {dyno: null, lines: '5', source: null, tail: null}})).status, 201)
    })

    it('refuses parameters of the wrong type with 422 invalid_params', async () => {
      for (const body of [{lines: -1}, {lines: 1.5}, {lines: 'ten'}, {tail: 'yes'}, {dyno: 5}, {source: ['app']}, {dyno: 'web,'}]) {
        const reply = await call(router, 'POST', '/apps/demo/log-sessions', {body})
        assert.equal(reply.status, 422, JSON.stringify(body))
        assert.equal(reply.json.id, 'invalid_params')
      }
    })

    it('answers 404 to an unknown session URL, with no auth needed', async () => {
      const reply = await call(router, 'GET', '/sessions/00000000-0000-4000-8000-000000000000', {key: null})
      assert.equal(reply.status, 404)
      assert.equal(reply.json.id, 'not_found')
    })
  })

  describe('log drains', () => {
    const url = 'syslog+tls://logs.example.com:6514'

    it('adds, lists, gets and removes a drain by id, token or URL', async () => {
      const added = await call(router, 'POST', '/apps/demo/log-drains', {body: {url}})
      assert.equal(added.status, 201)
      const drain = added.json
      assert.deepEqual(Object.keys(drain).sort(), ['addon', 'created_at', 'id', 'token', 'updated_at', 'url'])
      assert.equal(drain.addon, null)
      assert.equal(drain.url, url)
      assert.match(drain.id, UUID)
      assert.match(drain.token, /^d\.[\da-f-]{36}$/)
      assert.deepEqual((await call(router, 'GET', '/apps/demo/log-drains')).json, [drain])

      for (const key of [drain.id, drain.token, encodeURIComponent(url)]) {
        // One drain's JSON adds how its delivery is going.
        const {delivery, ...shown} = (await call(router, 'GET', `/apps/demo/log-drains/${key}`)).json
        assert.deepEqual(shown, drain)
        assert.deepEqual(Object.keys(delivery).sort(), ['delivered', 'dropped', 'dropped_overflow', 'dropped_rejected', 'in_flight', 'lag', 'last_error', 'last_success_at', 'position', 'state'])
      }

      const removed = await call(router, 'DELETE', `/apps/demo/log-drains/${encodeURIComponent(url)}`)
      assert.equal(removed.status, 200)
      assert.deepEqual(removed.json, drain)
      assert.deepEqual((await call(router, 'GET', '/apps/demo/log-drains')).json, [])
      const gone = await call(router, 'DELETE', `/apps/demo/log-drains/${drain.token}`)
      assert.deepEqual(gone.json, {id: 'not_found', message: "Couldn't find that drain."})
    })

    it('finds a drain by any spelling of its URL that adding it takes as the same, and by the URL as listed (password masked)', async () => {
      const plain = 'syslog://LOGS.example.com:6514'
      const secret = 'https://user:pw@logs.example.com/x'
      for (const each of [plain, secret]) assert.equal((await call(router, 'POST', '/apps/demo/log-drains', {body: {url: each}})).status, 201)
      for (const key of ['syslog://logs.example.com:6514/', 'https://user:****@logs.example.com/x', 'https://user:pw@LOGS.example.com/x']) {
        assert.equal((await call(router, 'GET', `/apps/demo/log-drains/${encodeURIComponent(key)}`)).status, 200, key)
      }

      assert.equal((await call(router, 'GET', `/apps/demo/log-drains/${encodeURIComponent('https://user:other@logs.example.com/x')}`)).status, 404)
      assert.equal((await call(router, 'DELETE', `/apps/demo/log-drains/${encodeURIComponent('https://user:****@logs.example.com/x')}`)).json.url, secret)
      assert.equal((await call(router, 'DELETE', `/apps/demo/log-drains/${encodeURIComponent('syslog://logs.example.com:6514')}`)).json.url, plain)
    })

    it('accepts syslog, syslog+tls, https and http URLs and refuses others', async () => {
      for (const bad of ['ftp://x.example.com', 'not a url', 'syslog://', '', 'file:///etc/passwd']) {
        const reply = await call(router, 'POST', '/apps/shop-2/log-drains', {body: {url: bad}})
        assert.equal(reply.status, 422, bad)
        assert.equal(reply.json.id, 'invalid_params')
      }

      // Pasted with a line break or spaces: refused rather than kept as given, which would break `drains` lines.
      for (const [bad, message] of [
        [' syslog://logs.example.com:601\n', 'Url syslog://logs.example.com:601 has a space, tab, line break or control character in or around it; give the URL alone.'],
        ['https://user:secret@logs.exam\tple.com/x', 'Url https://user:****@logs.exam\tple.com/x has a space, tab, line break or control character in or around it; give the URL alone.'],
        ['syslog://logs.example.com:0', 'Url syslog://logs.example.com:0 has port 0, where nothing can listen.'],
      ]) {
        const reply = await call(router, 'POST', '/apps/shop-2/log-drains', {body: {url: bad}})
        assert.equal(reply.status, 422, bad)
        assert.deepEqual(reply.json, {id: 'invalid_params', message})
      }

      assert.equal((await call(router, 'GET', '/apps/shop-2/log-drains')).json.length, 0)
      assert.equal((await call(router, 'POST', '/apps/shop-2/log-drains', {body: {}})).status, 422)
      assert.equal((await call(router, 'POST', '/apps/shop-2/log-drains', {body: 'nope', headers: {'content-type': 'application/json'}})).status, 400)
    })

    it('refuses duplicates and more than maxDrainsPerApp drains with 422', async () => {
      for (const good of ['syslog://a.example.com:601', 'https://user:pass@b.example.com/logs', 'http://c.example.com/x']) {
        assert.equal((await call(router, 'POST', '/apps/shop-2/log-drains', {body: {url: good}})).status, 201, good)
      }

      // The default port written or not (601 for syslog, as the drain connects), a trailing slash: the same drain.
      for (const same of ['syslog://a.example.com:601/', 'syslog://a.example.com', 'https://user:pass@b.example.com:443/logs']) {
        const duplicate = await call(router, 'POST', '/apps/shop-2/log-drains', {body: {url: same}})
        assert.deepEqual(duplicate.json, {id: 'invalid_params', message: 'Url has already been taken.'}, same)
      }

      const over = await call(router, 'POST', '/apps/shop-2/log-drains', {body: {url: 'syslog://d.example.com:601'}})
      assert.equal(over.status, 422)
      assert.match(over.json.message, /already has 3 drains/)
    })
  })
})
