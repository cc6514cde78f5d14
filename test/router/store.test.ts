import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {startRouter, StateFileError} from '../../src/router/server.js'
import {call, createApp, dataDir, frame} from './helpers.js'

describe('router state across restarts', () => {
  it('keeps apps, input tokens, drains and the API key; the state file is replaced whole', async () => {
    const dir = dataDir()
    const first = await startRouter({dataDir: dir, port: 0, syslogPort: 0})
    const app = await createApp(first, 'demo')
    await createApp(first, 'other')
    const drain = (await call(first, 'POST', '/apps/demo/log-drains', {body: {url: 'syslog://logs.example.com:601'}})).json
    await call(first, 'POST', '/apps/other/log-drains', {body: {url: 'https://x.example.com/'}})
    await call(first, 'DELETE', '/apps/other/log-drains/https%3A%2F%2Fx.example.com%2F')
    const apps = (await call(first, 'GET', '/apps')).json
    await first.close()

    assert.deepEqual(readdirSync(dir).sort(), ['api-key', 'log', 'state.json'])
    const second = await startRouter({dataDir: dir, port: 0, syslogPort: 0})
    try {
      assert.equal(second.apiKey, first.apiKey)
      assert.deepEqual((await call(second, 'GET', '/apps')).json, apps)
      assert.equal((await call(second, 'GET', '/apps/demo')).json.log_input_token, app.log_input_token)
      assert.deepEqual((await call(second, 'GET', '/apps/demo/log-drains')).json, [drain])
      assert.deepEqual((await call(second, 'GET', '/apps/other/log-drains')).json, [])
      // The token still routes input.
      const body = frame('<13>1 2024-05-01T12:00:00Z host app web.1 - after restart')
      const posted = await call(second, 'POST', '/logs', {
        body, headers: {authorization: 'Basic ' + Buffer.from(`t:${app.log_input_token}`).toString('base64'), 'content-type': 'application/logplex-1'}, key: null,
      })
      assert.equal(posted.status, 204)
    } finally {
      await second.close()
    }
  })

  it('creates the API key file with mode 0600, and uses a given key instead without writing one', async () => {
    const dir = dataDir()
    const router = await startRouter({dataDir: dir, port: 0, syslogPort: 0})
    await router.close()
    const file = join(dir, 'api-key')
    assert.equal(router.apiKeyFile, file)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(readFileSync(file, 'utf8'), router.apiKey + '\n')
    assert.match(router.apiKey, /^[\da-f]{64}$/)

    const other = dataDir()
    const keyed = await startRouter({apiKey: 'from-env', dataDir: other, port: 0, syslogPort: 0})
    try {
      assert.equal(keyed.apiKey, 'from-env')
      assert.equal(keyed.apiKeyFile, undefined)
      assert.equal((await call(keyed, 'GET', '/apps', {key: 'from-env'})).status, 200)
      // The apps' logs and the running router's lock, and no key file.
      assert.deepEqual(readdirSync(other).sort(), ['log', 'router.lock'])
    } finally {
      await keyed.close()
    }
  })

  for (const [what, content] of [
    ['not JSON', '{"version": 1, "apps": ['],
    ['the wrong shape', '{"version": 1, "apps": [{"name": "demo"}]}'],
    ['an unknown version', '{"version": 2, "apps": []}'],
  ]) {
    it(`refuses to start on a state file that is ${what}, naming the file, and leaves it alone`, async () => {
      const dir = dataDir()
      const file = join(dir, 'state.json')
      writeFileSync(file, content)
      await assert.rejects(startRouter({dataDir: dir, port: 0, syslogPort: 0}), (error: Error) => {
        assert.ok(error instanceof StateFileError)
        assert.ok(error.message.includes(file), error.message)
        assert.match(error.message, /corrupt/)
        return true
      })
      assert.equal(readFileSync(file, 'utf8'), content)
    })
  }
})
