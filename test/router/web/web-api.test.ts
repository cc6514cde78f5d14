import assert from 'node:assert/strict'
import {request} from 'undici'

import {runCli} from '../../helpers/cli.js'
import {isolatedEnv} from '../../api/helpers.js'
import {createApp, sseEvents, testRouter, waitFor} from '../helpers.js'
import {mixedLog, postLines, stamp} from './fixtures.js'
import {cookieOf, webCall, webLogin} from './web-client.js'

describe('router page: JSON API', () => {
  describe('without a session', () => {
    it('refuses every API route, and the login without the key', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      for (const [method, path] of [
        ['GET', '/web/api/apps'], ['GET', '/web/api/apps/demo/history'], ['GET', '/web/api/apps/demo/charts'],
        ['POST', '/web/api/apps/demo/log-sessions'], ['POST', '/web/api/logout'], ['POST', '/web/api/open-tokens'],
      ] as const) {
        const reply = await webCall(router, method, path)
        assert.equal(reply.status, 401, `${method} ${path}`)
      }

      assert.equal((await webCall(router, 'POST', '/web/api/login', {body: {key: 'not-the-key'}})).status, 401)
      // The API key as a cookie, or the cookie as a Bearer token, is no way in either.
      assert.equal((await webCall(router, 'GET', '/web/api/apps', {cookie: `logsift_web=${router.apiKey}`})).status, 401)
    })

    it('sends a browser at the router\'s address to the page; an API client there still gets the API\'s 401', async () => {
      const router = await testRouter()
      const browser = await webCall(router, 'GET', '/', {headers: {accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'}})
      assert.deepEqual([browser.status, browser.headers.location], [302, '/web/'])
      const client = await webCall(router, 'GET', '/', {headers: {accept: 'application/vnd.heroku+json; version=3'}})
      assert.deepEqual([client.status, client.headers.location], [401, undefined])
    })

    it('serves the page shell with a strict CSP and no inline script', async () => {
      const router = await testRouter()
      const reply = await webCall(router, 'GET', '/web/')
      assert.equal(reply.status, 200)
      const csp = String(reply.headers['content-security-policy'])
      for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), csp)
      assert.ok(!csp.includes('unsafe'), csp)
      assert.equal(reply.headers['x-content-type-options'], 'nosniff')
      assert.match(reply.text, /<script type="module" src="\/web\/assets\/app.js"><\/script>/)
      assert.equal(reply.text.match(/<script/g)?.length, 1)
      const script = await webCall(router, 'GET', '/web/assets/app.js')
      assert.equal(script.status, 200)
      assert.match(String(script.headers['content-type']), /^text\/javascript/)
      assert.equal((await webCall(router, 'GET', '/web/assets/..%2Fapi-key')).status, 404)
    })
  })

  describe('logging in', () => {
    it('swaps the API key for an HttpOnly SameSite=Strict cookie, only from the same origin', async () => {
      const router = await testRouter()
      const crossSite = await webCall(router, 'POST', '/web/api/login', {body: {key: router.apiKey}, headers: {origin: 'http://evil.example', 'sec-fetch-site': 'cross-site'}})
      assert.equal(crossSite.status, 403)
      const form = await request(router.url + '/web/api/login', {
        body: `key=${router.apiKey}`, headers: {'content-type': 'application/x-www-form-urlencoded', origin: router.url}, method: 'POST',
      })
      assert.equal(form.statusCode, 403, 'a cross-site form post')
      await form.body.text()

      const reply = await webCall(router, 'POST', '/web/api/login', {body: {key: router.apiKey}})
      assert.equal(reply.status, 204)
      const setCookie = String(reply.headers['set-cookie'])
      assert.match(setCookie, /^logsift_web=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict;/)
      assert.ok(!setCookie.includes(router.apiKey))
      const cookie = cookieOf(reply)
      assert.equal((await webCall(router, 'GET', '/web/api/apps', {cookie})).status, 200)

      // A state change with the cookie but from another origin is refused.
      await createApp(router, 'demo')
      const forged = await webCall(router, 'POST', '/web/api/apps/demo/log-sessions', {body: {}, cookie, headers: {origin: 'http://evil.example', 'sec-fetch-site': 'cross-site'}})
      assert.equal(forged.status, 403)

      assert.equal((await webCall(router, 'POST', '/web/api/logout', {cookie})).status, 204)
      assert.equal((await webCall(router, 'GET', '/web/api/apps', {cookie})).status, 401)
    })

    it('swaps a token from `logsift open --print` once for a session', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const opened = await runCli(['open', '-a', 'demo', '--print'], {env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})})
      assert.equal(opened.code, 0, opened.stderr)
      const url = new URL(opened.stdout.trim())
      assert.equal(url.origin + url.pathname, `${router.url}/web/`)
      assert.ok(!opened.stdout.includes(router.apiKey))
      const fragment = new URLSearchParams(url.hash.slice(1))
      assert.equal(fragment.get('app'), 'demo')
      const token = fragment.get('open')!

      const swapped = await webCall(router, 'POST', '/web/api/login', {body: {token}})
      assert.equal(swapped.status, 204)
      assert.equal((await webCall(router, 'GET', '/web/api/apps', {cookie: cookieOf(swapped)})).status, 200)
      assert.equal((await webCall(router, 'POST', '/web/api/login', {body: {token}})).status, 401, 'a second use')
    })

    it('`logsift open -a` an app the router does not have: one line naming it, exit 2, no link', async () => {
      const router = await testRouter()
      const opened = await runCli(['open', '--print', '-a', 'nosuch'], {env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})})
      assert.equal(opened.code, 2)
      assert.equal(opened.stdout, '')
      assert.match(opened.stderr, new RegExp(`Error: Couldn't find app nosuch on ${router.url.replaceAll('.', '\\.')}\n.*\`logsift apps\` lists its apps`))
    })

    it('`logsift open` with a wrong key fails with the API error', async () => {
      const router = await testRouter()
      const opened = await runCli(['open', '--print'], {env: isolatedEnv({LOGSIFT_API_KEY: 'wrong', LOGSIFT_API_URL: router.url})})
      assert.equal(opened.code, 2)
      assert.equal(opened.stdout, '')
    })
  })

  describe('with a session', () => {
    it('lists apps with messages per minute, drops by cause and drains with their state', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const now = Date.now()
      await postLines(router, 'demo', [stamp(now, 1) + ' app[web.1]: one', stamp(now, 1) + ' app[web.1]: two', stamp(now, 1) + ' app[web.1]: three'])
      const cookie = await webLogin(router)
      await webCall(router, 'GET', '/web/api/apps', {cookie})
      const drain = await request(`${router.url}/apps/demo/log-drains`, {body: JSON.stringify({url: 'https://user:secret@127.0.0.1:9/logs'}), headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'application/json'}, method: 'POST'})
      assert.equal(drain.statusCode, 201)
      await drain.body.text()
      const bad = await request(`${router.url}/logs`, {body: 'x', headers: {authorization: 'Basic ' + Buffer.from('token:' + 'nope').toString('base64'), 'content-type': 'application/logplex-1'}, method: 'POST'})
      await bad.body.text()
      const apps = (await webCall(router, 'GET', '/web/api/apps', {cookie})).json
      assert.equal(apps.length, 1)
      assert.equal(apps[0].name, 'demo')
      assert.equal(apps[0].messages_per_minute, 3)
      assert.equal(apps[0].drains.length, 1)
      assert.equal(apps[0].drains[0].url, 'https://user:****@127.0.0.1:9/logs')
      assert.equal(typeof apps[0].drains[0].delivery.state, 'string')
      assert.equal(apps[0].drops.unauthorized, undefined, 'a refused post names no app')
    })

    it('history pages newest first, and prints the lines `logs -a --since --until` prints', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const now = Date.now()
      const lines = mixedLog(now, 60)
      await postLines(router, 'demo', lines)
      const cookie = await webLogin(router)
      const since = new Date(now - 40 * 60_000).toISOString()
      const until = new Date(now - 5 * 60_000).toISOString()
      const filter = `-d router -w 'status>=400'`
      const pages: string[] = []
      let before: null | number | undefined
      let after = 0
      let command = ''
      do {
        const params = new URLSearchParams({filter, since, until, ...(before === undefined ? {} : {after: String(after), before: String(before)})})
        const reply = await webCall(router, 'GET', `/web/api/apps/demo/history?${params}`, {cookie})
        assert.equal(reply.status, 200, reply.text)
        pages.push(...reply.json.messages.map((message: {line: string}) => message.line))
        before = reply.json.before
        after = reply.json.after
        command = reply.json.command
      } while (before !== null)

      assert.equal(command, `logsift logs -a demo --since ${since} --until ${until} -d router -w 'status>=400'`)
      const cli = await runCli(['logs', '-a', 'demo', '--since', since, '--until', until, '-d', 'router', '-w', 'status>=400', '-o', 'raw'], {
        env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}),
      })
      assert.equal(cli.code, 0, cli.stderr)
      const expected = cli.stdout.split('\n').filter(Boolean).reverse()
      assert.ok(expected.length > 20)
      assert.deepEqual(pages, expected)
    })

    it('charts the range with the numbers of `logs:stats --json`, per interval by the same code', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const now = Date.now()
      await postLines(router, 'demo', mixedLog(now, 30))
      const cookie = await webLogin(router)
      const since = new Date(now - 31 * 60_000).toISOString()
      const until = new Date(now).toISOString()
      const reply = await webCall(router, 'GET', `/web/api/apps/demo/charts?${new URLSearchParams({interval: '60', since, until})}`, {cookie})
      assert.equal(reply.status, 200, reply.text)
      const charts = reply.json
      const cli = await runCli(['logs:stats', '-a', 'demo', '--since', since, '--until', until, '--interval', '60s', '--json'], {
        env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}),
      })
      assert.equal(cli.code, 0, cli.stderr)
      const stats = JSON.parse(cli.stdout)
      assert.deepEqual(charts.stats, stats)
      assert.ok(stats.router.requests > 100)
      // Per bucket: the status classes add up to logs:stats' requests per interval.
      const perInterval = stats.router.perInterval.map(({count}: {count: number}) => count)
      const summed = charts.starts.map((_: number, i: number) => Object.values(charts.statusClasses as Record<string, number[]>).reduce((sum, values) => sum + values[i], 0))
      assert.deepEqual(summed.slice(charts.starts.findIndex((start: number) => start === Date.parse(stats.router.perInterval[0].start))), perInterval)
      assert.deepEqual(Object.keys(charts.errorCodes).sort(), ['H12', 'R14'])
      const h12 = charts.errorCodes.H12.reduce((a: number, b: number) => a + b, 0)
      assert.equal(h12, stats.errors.find((error: {code: string}) => error.code === 'H12').count)
      assert.ok(charts.serviceP99.filter((value: null | number) => value !== null).length > 10)
      assert.deepEqual(Object.keys(charts.memoryMB), ['web.1'])
      assert.equal(Math.max(...charts.memoryMB['web.1'].filter((value: null | number) => value !== null)), stats.dynos.find((dyno: {dyno: string}) => dyno.dyno === 'web.1').peakMemoryMB)
    })

    it('tails through a session filtered in the router by the filter box, as `logs -a` filters', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const now = Date.now()
      const lines = mixedLog(now, 10)
      await postLines(router, 'demo', lines)
      const cookie = await webLogin(router)
      const filter = `logsift logs -a demo -d router -w 'status>=500' -g 'items/\\d*5"'`
      const created = await webCall(router, 'POST', '/web/api/apps/demo/log-sessions', {body: {filter, lines: 1500}, cookie})
      assert.equal(created.status, 201, created.text)
      const response = await request(router.url + created.json.path, {headers: {accept: 'text/event-stream', 'logsift-message-events': '1'}})
      let text = ''
      response.body.setEncoding('utf8')
      response.body.on('data', (chunk: string) => (text += chunk))
      const cli = await runCli(['logs', '-a', 'demo', '-n', '1500', '-d', 'router', '-w', 'status>=500', '-g', 'items/\\d*5"', '-o', 'raw'], {
        env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}),
      })
      const expected = cli.stdout.split('\n').filter(Boolean)
      assert.equal(expected.length, 2, 'the two 500s of /items/5 and /items/35')
      await waitFor('the backlog', () => sseEvents(text).length >= expected.length)
      assert.deepEqual(sseEvents(text).map(([, data]) => data), expected)

      const late = [`${stamp(Date.now(), 0)} heroku[router]: at=info method=GET path="/items/75" host=h request_id=late dyno=web.1 connect=1ms service=3ms status=502 bytes=1 protocol=https`, `${stamp(Date.now(), 0)} app[web.1]: not a router line`]
      await postLines(router, 'demo', late)
      await waitFor('the new line', () => sseEvents(text).some(([, data]) => data.includes('request_id=late')))
      response.body.destroy()
      assert.ok(!sseEvents(text).some(([, data]) => data.includes('not a router line')))
    })

    it('history takes bounds finer than a millisecond, as `logs` does (Heroku writes microseconds)', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const lines = ['.000100', '.000500', '.000900', '.001000'].map((fraction) => `2024-05-04T12:00:00${fraction}+00:00 app[web.1]: at ${fraction}`)
      await postLines(router, 'demo', lines)
      const cookie = await webLogin(router)
      const params = new URLSearchParams({filter: '-s app', since: '2024-05-04T12:00:00.0005Z', until: '2024-05-04T12:00:00.001Z'})
      const reply = await webCall(router, 'GET', `/web/api/apps/demo/history?${params}`, {cookie})
      assert.equal(reply.status, 200, reply.text)
      assert.deepEqual(reply.json.messages.map((message: {line: string}) => message.line), [lines[2], lines[1]])
      assert.equal(reply.json.command, 'logsift logs -a demo --since 2024-05-04T12:00:00.0005Z --until 2024-05-04T12:00:00.001Z -s app')
    })

    it('says what is wrong with a filter box it cannot read', async () => {
      const router = await testRouter()
      await createApp(router, 'demo')
      const cookie = await webLogin(router)
      for (const [filter, message] of [['-z', 'Nonexistent flag: -z'], [`-w 'status>'`, '--where'], ['-l loud', '--level'], ["-g 'x", 'quote'], ['app.log', 'Unexpected argument']]) {
        const reply = await webCall(router, 'GET', `/web/api/apps/demo/history?${new URLSearchParams({filter})}`, {cookie})
        assert.equal(reply.status, 422, filter)
        assert.ok(reply.json.message.includes(message), `${filter}: ${reply.json.message}`)
      }
    })
  })
})
