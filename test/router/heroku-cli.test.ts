import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {homedir, hostname, userInfo} from 'node:os'
import {join} from 'node:path'

import type {RunningRouter} from '../../src/router/server.js'
import {call, createApp, dataDir, postText, testRouter, waitFor} from './helpers.js'

/**
 * The official Heroku CLI, unchanged, against the router. It is installed outside the project's dependencies
 * (`.ci/run` does it); LOGSIFT_HEROKU_CLI names its bin/run.js.
 */
const CACHED = join(homedir(), '.cache', 'logsift-heroku-cli', 'node_modules', 'heroku', 'bin', 'run.js')
const HEROKU = process.env.LOGSIFT_HEROKU_CLI ?? CACHED
const INSTALL = 'npm install --prefix "$HOME/.cache/logsift-heroku-cli" heroku@11'

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

const line = (n: number, tag = 'app[web.1]') => `2024-05-01T12:00:0${n}.000000+00:00 ${tag}: line ${n}`

describe('the Heroku CLI (heroku@11) against the router', function () {
  // Every `heroku logs` without --tail ends about 3 s after the stream does: its event source waits to reconnect.
  this.timeout(30_000)
  let router: RunningRouter
  let home: string

  before(async function () {
    if (!existsSync(HEROKU)) {
      throw new Error(`the Heroku CLI is not installed at ${HEROKU}; install it with: ${INSTALL} (or set LOGSIFT_HEROKU_CLI to its bin/run.js)`)
    }

    home = dataDir()
    router = await testRouter()
    await createApp(router, 'demo')
    await postText(router, 'demo', [line(1), line(2, 'heroku[router]'), line(3, 'app[worker.1]'), line(4, 'app[web.2]')].join('\n'))
  })

  function env(): NodeJS.ProcessEnv {
    return {
      ...process.env, DISABLE_TELEMETRY: 'true', HEROKU_API_KEY: router.apiKey, HEROKU_COLOR: '0', HEROKU_HOST: router.url,
      HEROKU_LOGS_COLOR: '0', HOME: home, NO_COLOR: '1',
    }
  }

  function heroku(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      execFile(process.execPath, [HEROKU, ...args], {env: env()}, (error, stdout, stderr) => {
        resolve({code: error === null ? 0 : (error as {code?: number}).code ?? null, stderr, stdout})
      })
    })
  }

  it('heroku logs prints the recent lines exactly and exits 0', async () => {
    const result = await heroku('logs', '-a', 'demo')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, [line(1), line(2, 'heroku[router]'), line(3, 'app[worker.1]'), line(4, 'app[web.2]')].join('\n') + '\n')
  })

  it('heroku logs -n -s -d filter on the server', async () => {
    assert.equal((await heroku('logs', '-a', 'demo', '-n', '1')).stdout, line(4, 'app[web.2]') + '\n')
    assert.equal((await heroku('logs', '-a', 'demo', '-s', 'app', '-d', 'web')).stdout, line(1) + '\n' + line(4, 'app[web.2]') + '\n')
  })

  it('heroku logs -t prints the recent lines, then new ones as they arrive', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [HEROKU, 'logs', '-a', 'demo', '-t', '-n', '1'], {env: env()})
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    try {
      await waitFor(`the recent line (have ${JSON.stringify(stdout)})`, () => stdout === line(4, 'app[web.2]') + '\n', 15_000)
      await postText(router, 'demo', line(5))
      await waitFor(`the new line (have ${JSON.stringify(stdout)})`, () => stdout.endsWith(line(5) + '\n'), 10_000)
      assert.equal(stdout, line(4, 'app[web.2]') + '\n' + line(5) + '\n')
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve))
      child.kill('SIGTERM')
      await closed
    }
  })

  it('heroku drains, drains:add, drains --json and drains:remove by URL and by token', async function () {
    // Eight runs of the Heroku CLI, each 1–3 s of start-up alone on a busy two-core machine.
    this.timeout(90_000)
    assert.equal((await heroku('drains', '-a', 'demo')).stdout, '')

    const first = 'syslog+tls://logs.example.com:6514'
    const second = 'https://user:pass@collector.example.com/logs?x=1'
    const added = await heroku('drains:add', first, '-a', 'demo')
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.stdout, `Successfully added drain ${first}\n`)
    assert.equal((await heroku('drains:add', second, '-a', 'demo')).code, 0)

    const json = JSON.parse((await heroku('drains', '-a', 'demo', '--json')).stdout) as Array<{token: string; url: string}>
    assert.deepEqual(json.map((drain) => drain.url), [first, second])
    const listed = await heroku('drains', '-a', 'demo')
    assert.equal(listed.stdout.replace(/\n+/g, '\n'), `=== Drains\n${first} (${json[0].token})\n${second} (${json[1].token})\n`)

    const byUrl = await heroku('drains:remove', second, '-a', 'demo')
    assert.equal(byUrl.stdout, `Successfully removed drain ${second}\n`)
    const byToken = await heroku('drains:remove', json[0].token, '-a', 'demo')
    assert.equal(byToken.stdout, `Successfully removed drain ${first}\n`)
    assert.equal((await heroku('drains', '-a', 'demo')).stdout, '')
  })

  it('heroku apps lists the apps under the account of the user running the router', async () => {
    await createApp(router, 'another')
    const account = (await call(router, 'GET', '/account')).json
    assert.equal(account.email, `${userInfo().username}@${hostname()}`)
    const result = await heroku('apps')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `=== ${account.email} Apps\n\nanother (local)\ndemo (local)\n`)
  })

  it('heroku apps:info shows the owner, no add-ons or collaborators, and the dynos seen in the recent logs', async () => {
    const result = await heroku('apps:info', '-a', 'demo')
    assert.equal(result.code, 0, result.stderr)
    // web.1, worker.1 and web.2 wrote to it; heroku[router] is Heroku's, not a dyno. No web URL: the CLI prints ''.
    assert.equal(result.stdout, [
      '=== demo', '', 'Auto Cert Mgmt: false', "Web URL:        ''", 'Repo Size:      0 B', 'Slug Size:      0 B',
      `Owner:          ${userInfo().username}@${hostname()}`, 'Region:         local', 'Dynos:          web: 2, worker: 1', 'Stack:          none', '',
    ].join('\n'))
  })

  it('API errors print the message and the error id, exit 2', async () => {
    const missing = await heroku('logs', '-a', 'nope')
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /Couldn't find that app\.[\s\S]*Error ID: not_found/)
    const invalid = await heroku('drains:add', 'ftp://example.com', '-a', 'demo')
    assert.equal(invalid.code, 2)
    assert.match(invalid.stderr, /Error ID: invalid_params/)
    const unknown = await heroku('drains:remove', 'syslog://nowhere.example.com', '-a', 'demo')
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /Couldn't find that drain\./)
  })
})
