import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {join} from 'node:path'

import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {BIN, cliEnv, ROOT, runCli, tempDir, waitFor} from '../helpers/cli.js'
import {herokuLine} from './fake-platform.js'
import {isolatedEnv} from './helpers.js'

/**
 * The CLI against the real router (`startRouter`, as `logsift serve` runs it), finding it and its key the
 * way a user's CLI does: the router writes `<data dir>/api-key`, the CLI reads it from the same data dir.
 */
describe('logsift CLI against logsift serve (end to end)', function () {
  // Each test runs the CLI as a process, some several times: more than mocha's default 2 s on a busy machine.
  this.timeout(30_000)

  const dataDir = join(tempDir('logsift-e2e-'), 'data')
  let router: RunningRouter
  let env: NodeJS.ProcessEnv
  let tail: ChildProcessWithoutNullStreams | undefined

  before(async () => {
    router = await startRouter({dataDir, port: 0, syslogPort: 0})
    env = isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: dataDir})
  })

  after(async () => {
    tail?.kill('SIGTERM')
    await router?.close()
  })

  const run = (...args: string[]) => runCli(args, {env})
  let token = ''

  /** Posts lines as a script would: `POST /apps/{app}/logs`, text/plain, with the API key. */
  const postText = async (app: string, text: string) => {
    const response = await fetch(`${router.url}/apps/${app}/logs`, {
      body: text,
      headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'text/plain'},
      method: 'POST',
    })
    assert.ok(response.ok, `POST /apps/${app}/logs answered ${response.status}: ${await response.text()}`)
  }

  /** Posts a logplex-1 body to `/logs` as log-shuttle and HTTPS drains do, naming the app by its input token. */
  const postLogplex = async (message: string) => {
    const frame = `<190>1 2024-05-01T12:00:30.000000+00:00 host app worker.1 - ${message}\n`
    const response = await fetch(`${router.url}/logs`, {
      body: `${Buffer.byteLength(frame)} ${frame}`,
      headers: {
        authorization: `Basic ${Buffer.from(`token:${token}`).toString('base64')}`,
        'content-type': 'application/logplex-1',
        'logplex-msg-count': '1',
      },
      method: 'POST',
    })
    assert.equal(response.status, 204, await response.text())
  }

  it('apps:create prints the input token; apps lists the app', async () => {
    const created = await run('apps:create', 'demo')
    assert.equal(created.code, 0, created.stderr)
    const match = /^Created app demo\nLog input token: (t\.[\da-f-]{36})\n$/.exec(created.stdout)
    assert.ok(match, created.stdout)
    token = match[1]

    const apps = await run('apps')
    assert.deepEqual([apps.code, apps.stdout], [0, '=== Apps\ndemo\n'])
  })

  it('apps:create of a taken name prints the API error and exits 2', async () => {
    const again = await run('apps:create', 'demo')
    assert.equal(again.code, 2)
    assert.match(again.stderr, /^ › {3}Error: .+\n ›\n › {3}Error ID: \w+\n$/)
  })

  it('drains:add, drains, apps:info and drains:remove', async () => {
    const url = 'https://user:s3cret@collector.example.com/heroku'
    const added = await run('drains:add', url, '-a', 'demo')
    assert.deepEqual([added.code, added.stdout, added.stderr], [0, 'Successfully added drain https://user:****@collector.example.com/heroku\n', ''])

    const listed = await run('drains', '-a', 'demo')
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /^=== Drains\nhttps:\/\/user:\*{4}@collector\.example\.com\/heroku \(d\.[\da-f-]{36}\)\n$/)

    const info = await run('apps:info', '-a', 'demo')
    assert.equal(info.code, 0, info.stderr)
    assert.match(info.stdout, new RegExp(`^=== demo\\nId: +[\\da-f-]{36}\\nLog input token: ${token.replaceAll('.', '\\.')}\\nBuffer: +\\d+ of 1500 messages\\nDropped: +none\\nDrains: +https://user:\\*{4}@collector\\.example\\.com/heroku \\(d\\.[\\da-f-]{36}\\): (idle|connected|retrying|failing)[^;\\n]*; \\d+ delivered, \\d+ dropped, (\\d+|unknown) behind; (no success yet|last success \\S+)\\nCreated at: +\\S+\\n$`))

    // As `heroku apps:info APP`. The drain's row is left out: its delivery state may move between the runs.
    const byArgument = await run('apps:info', 'demo')
    const steadyRows = (stdout: string) => stdout.split('\n').filter((row) => !row.startsWith('Drains:'))
    assert.deepEqual([byArgument.code, steadyRows(byArgument.stdout)], [0, steadyRows(info.stdout)])

    const removed = await run('drains:remove', url, '-a', 'demo')
    assert.deepEqual([removed.code, removed.stdout], [0, 'Successfully removed drain https://user:****@collector.example.com/heroku\n'])
    assert.deepEqual(await run('drains', '-a', 'demo').then((result) => [result.code, result.stdout]), [0, ''])
  })

  it('logs -a prints what was posted, with filters', async () => {
    await postText('demo', `${herokuLine(1, 'web.1', 'hello from text')}\n${herokuLine(2, 'router', 'at=info status=200')}\n`)
    await postLogplex('hello from logplex')
    const all = await run('logs', '-a', 'demo', '-o', 'raw')
    assert.equal(all.code, 0, all.stderr)
    assert.deepEqual(all.stdout.split('\n').filter(Boolean).map((line) => line.replace(/^\S+ /, '')), [
      'app[web.1]: hello from text',
      'heroku[router]: at=info status=200',
      'app[worker.1]: hello from logplex',
    ])
    const filtered = await run('logs', '-a', 'demo', '-d', 'web', '-o', 'raw')
    assert.equal(filtered.stdout, `${herokuLine(1, 'web.1', 'hello from text')}\n`)
  })

  it('logs -a --tail prints new lines as they are posted', async () => {
    tail = spawn(process.execPath, [BIN, 'logs', '-a', 'demo', '-t', '-n', '1', '-o', 'raw'], {cwd: ROOT, env: cliEnv(env)})
    let output = ''
    tail.stdout.on('data', (chunk) => (output += chunk))
    await waitFor('the last line', () => output.includes('hello from logplex'))
    // The tail session starts right after the recent lines; a line posted before it is replayed, not lost.
    await postText('demo', `${herokuLine(3, 'web.2', 'live one')}\n`)
    await waitFor(`the posted line (have ${JSON.stringify(output)})`, () => output.includes('live one'))
    await postText('demo', `${herokuLine(4, 'web.2', 'live two')}\n`)
    await waitFor(`the second posted line (have ${JSON.stringify(output)})`, () => output.includes('live two'))
    assert.equal(output.split('\n').filter(Boolean).length, 3, output)
  })

  it('logs -a --tail survives a router restart: it says so once and prints what comes after', async () => {
    const port = Number(new URL(router.url).port)
    let output = ''
    let stderr = ''
    tail?.kill('SIGTERM')
    tail = spawn(process.execPath, [BIN, 'logs', '-a', 'demo', '-t', '-n', '1', '-o', 'raw'], {cwd: ROOT, env: cliEnv(env)})
    tail.stdout.on('data', (chunk) => (output += chunk))
    tail.stderr.on('data', (chunk) => (stderr += chunk))
    await waitFor('the last line', () => output.includes('live two'))
    await router.close()
    await waitFor('the notice of the drop', () => stderr !== '')
    router = await startRouter({dataDir, port, syslogPort: 0})
    await postText('demo', `${herokuLine(5, 'web.3', 'after the restart')}\n`)
    await waitFor(`the line posted after the restart (have ${JSON.stringify(output)}, stderr ${JSON.stringify(stderr)})`, () => output.includes('after the restart'), 15_000)
    assert.equal(stderr, `logsift: lost the log stream from ${router.url}; reconnecting\n`)
    assert.equal(output.split('\n').filter(Boolean).length, 2, output)
  })

  it('logs -a of an app the router does not know creates it', async () => {
    const result = await run('logs', '-a', 'brand-new')
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^logsift: created app brand-new on the local router \(log input token t\.[\da-f-]{36}\)\n$/)
    const apps = await run('apps')
    assert.equal(apps.stdout, '=== Apps\nbrand-new\ndemo\n')
  })
})
