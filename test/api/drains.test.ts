import assert from 'node:assert/strict'

import {runCli} from '../helpers/cli.js'
import {closedPort, fakePlatform, isolatedEnv, runAgainst} from './helpers.js'

describe('logsift drains, drains:add, drains:remove (CLI against a Platform API)', function () {
  // Each test runs the CLI as a process, some several times: more than mocha's default 2 s on a busy machine.
  this.timeout(30_000)

  const platform = fakePlatform()

  before(() => {
    platform.createApp('demo')
    platform.createApp('quiet')
    platform.addDrain('demo', 'syslog+tls://logs.example.com:6514')
    platform.addDrain('demo', 'https://user:s3cr3t@collector.example.com/heroku?x=1')
  })

  it('lists drains as the Heroku CLI does, with passwords masked', async () => {
    const result = await runAgainst(platform, ['drains', '-a', 'demo'])
    const [plain, secret] = JSON.parse((await runAgainst(platform, ['drains', '-a', 'demo', '--json'])).stdout) as Array<{token: string}>
    assert.equal(result.code, 0)
    assert.equal(result.stderr, '')
    assert.equal(
      result.stdout,
      `=== Drains\nsyslog+tls://logs.example.com:6514 (${plain.token})\nhttps://user:****@collector.example.com/heroku?x=1 (${secret.token})\n`,
    )
  })

  it('prints the API array with --json, passwords included', async () => {
    const result = await runAgainst(platform, ['drains', '-a', 'demo', '--json'])
    assert.equal(result.code, 0)
    const drains = JSON.parse(result.stdout) as Array<{url: string; token: string}>
    assert.deepEqual(drains.map((drain) => drain.url), ['syslog+tls://logs.example.com:6514', 'https://user:s3cr3t@collector.example.com/heroku?x=1'])
    assert.match(drains[0].token, /^d\.[\da-f-]{36}$/)
  })

  it('lists the drains of add-ons apart, as plan (add-on), as the Heroku CLI does', async () => {
    platform.createApp('addons')
    const own = platform.addDrain('addons', 'syslog://logs.example.com:601')
    platform.addDrain('addons', 'syslog+tls://logs.papertrailapp.com:12345', {id: '5ae9a0a6-1111-4222-8333-444455556666', name: 'papertrail-curly-12345'})
    const result = await runAgainst(platform, ['drains', '-a', 'addons'])
    assert.equal(result.stdout, `=== Drains\nsyslog://logs.example.com:601 (${own.token})\n=== Add-on Drains\npapertrail:choklad (papertrail-curly-12345)\n`)
    assert.equal(platform.calls().at(-1), `GET /apps/addons/addons/papertrail-curly-12345`)
  })

  it('prints nothing for an app without drains', async () => {
    const result = await runAgainst(platform, ['drains', '-a', 'quiet'])
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''])
    const json = await runAgainst(platform, ['drains', '-a', 'quiet', '--json'])
    assert.deepEqual(JSON.parse(json.stdout), [])
  })

  it('sends the Platform API headers', async () => {
    await runAgainst(platform, ['drains', '-a', 'quiet'])
    const seen = platform.requests.at(-1)!
    assert.equal(seen.path, '/apps/quiet/log-drains')
    assert.equal(seen.headers.accept, 'application/vnd.heroku+json; version=3')
    assert.equal(seen.headers.authorization, `Bearer ${platform.key}`)
    assert.match(String(seen.headers['request-id']), /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/)
  })

  it('masks an ingest token given as the user alone (Falcon LogScale) in the message', async () => {
    const result = await runAgainst(platform, ['drains:add', 'https://INGEST-TOKEN-123@cloud.example.com/api/v1/ingest/logplex', '-a', 'quiet'])
    assert.equal(result.stdout, 'Successfully added drain https://****@cloud.example.com/api/v1/ingest/logplex\n')
    assert.doesNotMatch(result.stdout + result.stderr, /INGEST-TOKEN-123/)
  })

  it('adds a drain, masking its password in the message', async () => {
    const result = await runAgainst(platform, ['drains:add', 'https://me:hunter2@logs.example.org/in', '-a', 'quiet'])
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'Successfully added drain https://me:****@logs.example.org/in\n', ''])
    const seen = platform.requests.at(-1)!
    assert.deepEqual([seen.method, seen.path, seen.body], ['POST', '/apps/quiet/log-drains', {url: 'https://me:hunter2@logs.example.org/in'}])
    assert.equal(seen.headers['content-type'], 'application/json')
  })

  it('removes a drain by URL, url-encoding it in the path', async () => {
    await runAgainst(platform, ['drains:add', 'syslog://logs.example.org:601', '-a', 'quiet'])
    const result = await runAgainst(platform, ['drains:remove', 'syslog://logs.example.org:601', '-a', 'quiet'])
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'Successfully removed drain syslog://logs.example.org:601\n', ''])
    const seen = platform.requests.at(-1)!
    assert.deepEqual([seen.method, seen.path], ['DELETE', '/apps/quiet/log-drains/syslog%3A%2F%2Flogs.example.org%3A601'])
  })

  it('removes a drain by token', async () => {
    const drain = platform.addDrain('quiet', 'https://a:b@x.example.com/')
    const result = await runAgainst(platform, ['drains:remove', drain.token, '-a', 'quiet'])
    assert.deepEqual([result.code, result.stdout], [0, 'Successfully removed drain https://a:****@x.example.com/\n'])
  })

  it('prints an API error as the Heroku CLI does: the message, its Error ID, exit 2', async () => {
    const result = await runAgainst(platform, ['drains:remove', 'syslog://nowhere.example.com', '-a', 'demo'])
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, " ›   Error: Couldn't find that drain.\n ›\n ›   Error ID: not_found\n")
    const missing = await runAgainst(platform, ['drains', '-a', 'nope'])
    assert.equal(missing.code, 2)
    assert.equal(missing.stderr, " ›   Error: Couldn't find that app.\n ›\n ›   Error ID: not_found\n")
  })

  it('prints an API error as JSON with --json, still exit 2', async () => {
    const result = await runAgainst(platform, ['drains', '-a', 'nope', '--json'])
    assert.equal(result.code, 2)
    const {error} = JSON.parse(result.stdout) as {error: {id: string; message: string}}
    assert.deepEqual([error.id, error.message], ['not_found', "Couldn't find that app."])
  })

  it('says which key was refused', async () => {
    const result = await runAgainst(platform, ['drains', '-a', 'demo'], {LOGSIFT_API_KEY: 'wrong'})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Error: Invalid credentials provided\.\n ›\n ›   Error ID: unauthorized\n ›   Try this: the key sent came from LOGSIFT_API_KEY\n/)
  })

  it('asks for an app when none is given', async () => {
    const result = await runAgainst(platform, ['drains'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Error: no app given/)
    assert.match(result.stderr, /LOGSIFT_APP=myapp/)
  })

  it('takes the app from LOGSIFT_APP, then HEROKU_APP', async () => {
    const fromHeroku = await runAgainst(platform, ['drains'], {HEROKU_APP: 'demo'})
    assert.match(fromHeroku.stdout, /^=== Drains\n/)
    const fromLogsift = await runAgainst(platform, ['drains'], {HEROKU_APP: 'demo', LOGSIFT_APP: 'quiet'})
    assert.equal(platform.requests.at(-1)!.path, '/apps/quiet/log-drains')
    assert.equal(fromLogsift.code, 0)
  })

  it('names the URL and `logsift serve` on one line when the router is not running', async () => {
    const port = await closedPort()
    const url = `http://127.0.0.1:${port}`
    for (const args of [['drains', '-a', 'demo'], ['drains:add', 'syslog://x.example.com', '-a', 'demo'], ['apps']]) {
      const result = await runCli(args, {env: isolatedEnv({LOGSIFT_API_URL: url})})
      assert.equal(result.code, 2, args.join(' '))
      assert.equal(result.stdout, '')
      assert.equal(result.stderr, `logsift: cannot reach the router at ${url} (connection refused): start it with \`logsift serve\`\n`)
    }
  })

  it('refuses an API URL that is not http(s)', async () => {
    const result = await runCli(['drains', '-a', 'demo', '--api-url', 'ftp://example.com'], {env: isolatedEnv()})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Error: not an http\(s\) URL: ftp:\/\/example\.com/)
  })
})
