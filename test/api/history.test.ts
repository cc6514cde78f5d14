import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {call, createApp, createSession, frame, postLogplex, postText, readSession, Tail} from '../router/helpers.js'
import {isolatedEnv} from './helpers.js'

/**
 * History queries: `logs -a APP --since --until` reads the router's durable log, filtered in the router with
 * the CLI's query, and prints what `logs FILE` prints from the same lines. The router keeps 100 recent lines
 * in memory, so the 2,000 lines can only come from the log.
 */
describe('logs -a APP --since/--until: history from the router\'s log', function () {
  // The CLI runs as a process, several times.
  this.timeout(30_000)

  const dir = tempDir('logsift-history-')
  const file = join(dir, 'app.log')
  let router: RunningRouter
  let env: NodeJS.ProcessEnv
  let since = ''
  let until = ''
  let token = ''

  before(async () => {
    // The window holds the log's second chunk of messages whole (router CHUNK_MESSAGES), and parts of two more.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-heroku-logs.mjs'), '--lines', '3200', '--seed', '3', '--out', file])
    const lines = readFileSync(file, 'utf8').split('\n')
    since = lines[300].slice(0, lines[300].indexOf(' '))
    until = lines[2700].slice(0, lines[2700].indexOf(' '))
    router = await startRouter({bufferSize: 100, dataDir: join(dir, 'data'), port: 0, syslogPort: 0})
    env = isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: join(dir, 'data')})
    token = (await createApp(router, 'shop')).log_input_token
    await postText(router, 'shop', readFileSync(file, 'utf8'))
  })

  after(() => router?.close())

  it('prints byte for byte what `logs FILE` prints from the same lines, filtered by time and fields', async () => {
    const query = ['--since', since, '--until', until, '-w', 'status>=500', '-o', 'raw']
    const fromFile = await runCli(['logs', file, ...query], {env})
    const fromApp = await runCli(['logs', '-a', 'shop', ...query], {env})
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.equal(fromApp.code, 0, fromApp.stderr)
    assert.ok(fromFile.stdout.split('\n').length > 5, fromFile.stdout)
    assert.equal(fromApp.stdout, fromFile.stdout)
  })

  it('a window alone, read again once the router knows its chunks, is sent from the log\'s bytes as `logs FILE` prints it', async () => {
    const query = ['--since', since, '--until', until, '-o', 'raw']
    const fromFile = await runCli(['logs', file, ...query], {env})
    assert.ok(fromFile.stdout.split('\n').length > 2000, `${fromFile.stdout.length} bytes`)
    for (let read = 1; read <= 2; read++) {
      const fromApp = await runCli(['logs', '-a', 'shop', ...query], {env})
      assert.equal(fromApp.stdout, fromFile.stdout, `read ${read}`)
      // The Heroku CLI's way: plain events, each line a data field.
      assert.equal((await readSession(await createSession(router, 'shop', {since, until}))).text, fromFile.stdout, `session read ${read}`)
    }
  })

  it('the same with filters the router is not sent (two dynos) and with -n: those are applied by the CLI', async () => {
    for (const query of [['-d', 'router,web.1', '-l', 'warn', '-o', 'raw'], ['-w', 'status>=500', '-n', '7', '-o', 'raw'], ['-d', 'router,web.2', '-n', '4', '-o', 'json']]) {
      const args = ['--since', since, '--until', until, ...query]
      const fromFile = await runCli(['logs', file, ...args], {env})
      const fromApp = await runCli(['logs', '-a', 'shop', ...args], {env})
      assert.ok(fromFile.stdout.split('\n').length > 4, `${query.join(' ')}: ${fromFile.stdout}`)
      assert.equal(fromApp.stdout, fromFile.stdout, query.join(' '))
    }
  })

  it('filters in the router: a session with the query sends only the matching lines, from the log', async () => {
    const fromFile = await runCli(['logs', file, '--since', since, '--until', until, '-l', 'error', '-d', 'router', '-o', 'raw'], {env})
    assert.ok(fromFile.stdout.split('\n').length > 5, fromFile.stdout)
    const url = await createSession(router, 'shop', {dyno: 'router', level: 'error', since, until})
    assert.equal((await readSession(url)).text, fromFile.stdout)
  })

  it('answers window after window the same as the file: what one query learnt of the log lets the next skip, never miss', async () => {
    const fileLines = readFileSync(file, 'utf8').split('\n')
    const times = [100, 1200, 1900, 150].map((at) => fileLines[at].slice(0, fileLines[at].indexOf(' ')))
    for (const [i, from] of times.entries()) {
      const to = new Date(Date.parse(from) + 1000).toISOString()
      const fromFile = await runCli(['logs', file, '--since', from, '--until', to, '-o', 'raw'], {env})
      assert.ok(fromFile.stdout.length > 0, from)
      for (let again = 0; again < 2; again++) {
        assert.equal((await readSession(await createSession(router, 'shop', {since: from, until: to}))).text, fromFile.stdout, `window ${i}, read ${again + 1}`)
      }
    }
  })

  it('logs:stats -a APP --since --until counts what logs:stats FILE counts', async () => {
    const fromFile = await runCli(['logs:stats', file, '--since', since, '--until', until], {env})
    const fromApp = await runCli(['logs:stats', '-a', 'shop', '--since', since, '--until', until], {env})
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.match(fromFile.stdout, /\d/)
    assert.equal(fromApp.stdout, fromFile.stdout)
  })

  it('a tailing session with since sends the history, then each new line once', async () => {
    const fromFile = await runCli(['logs', file, '--since', since, '-w', 'status>=503', '-o', 'raw'], {env})
    assert.ok(fromFile.stdout.split('\n').length > 3, fromFile.stdout)
    const tail = await Tail.open(await createSession(router, 'shop', {since, tail: true, where: 'status>=503'}))
    try {
      await tail.waitFor('the history', (text) => text === fromFile.stdout)
      const fresh = '2024-05-01T13:00:00.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/" status=503'
      await postText(router, 'shop', `${fresh}\n2024-05-01T13:00:01.000000+00:00 app[web.1]: ok status=200\n`)
      await tail.waitFor('the new line', (text) => text.endsWith(fresh + '\n'))
      assert.equal(tail.text, fromFile.stdout + fresh + '\n')
    } finally {
      tail.close()
    }
  })

  it('levels a message read back as it came in: a PRI that Heroku stamped says nothing, -o json and logfmt as from a file', async function () {
    // Four CLI runs.
    this.timeout(60_000)
    // An HTTPS drain's frame (HOSTNAME `host`): its PRI (<131>, err) is Heroku's, not the app's.
    const words = '2024-05-02T00:00:01.000000+00:00 app[web.1]: cache warmed in 12ms'
    await postLogplex(router, token, frame('<131>1 2024-05-02T00:00:01.000000+00:00 host app web.1 - cache warmed in 12ms'))
    const wordsFile = join(dir, 'words.log')
    writeFileSync(wordsFile, words + '\n')
    for (const output of ['json', 'logfmt']) {
      const fromFile = await runCli(['logs', wordsFile, '-o', output], {env})
      const fromApp = await runCli(['logs', '-a', 'shop', '--since', '2024-05-02T00:00:00Z', '--until', '2024-05-02T00:01:00Z', '-o', output], {env})
      assert.match(fromFile.stdout, /info/)
      assert.equal(fromApp.stdout, fromFile.stdout, output)
    }
  })

  it('-o raw writes the messages as they came: runs of one-line ones, a stack trace whole, an over-long line in pieces', async () => {
    // 2,400 messages in one minute, so that a second read sends a chunk inside it (CHUNK_MESSAGES, from offset
    // 4,000: the app holds 3,201 before them) from the log's bytes, the stack trace and the long line in it.
    const at = (i: number) => new Date(Date.parse('2024-05-03T00:00:00Z') + i * 10).toISOString().replace('Z', '000+00:00')
    const texts = Array.from({length: 2400}, (_, i) => `request ${i} done`)
    texts[1000] = 'Error: boom\n    at a (a.js:1:2)\n    at b (b.js:3:4)'
    texts[1100] = 'payload ' + 'x'.repeat(3000)
    const frames = texts.map((text, i) => frame(`<134>1 ${at(i)} host app web.1 - ${text}`))
    for (let i = 0; i < frames.length; i += 100) assert.equal((await postLogplex(router, token, frames.slice(i, i + 100).join(''))).status, 204)
    const expected = texts.map((text, i) => `${at(i)} app[web.1]: ${text}\n`).join('')
    for (let read = 1; read <= 2; read++) {
      const fromApp = await runCli(['logs', '-a', 'shop', '--since', '2024-05-03T00:00:00Z', '--until', '2024-05-03T00:01:00Z', '-o', 'raw', '--max-line-size', '1024'], {env})
      assert.equal(fromApp.code, 0, fromApp.stderr)
      assert.equal(fromApp.stdout, expected, `read ${read}`)
      assert.match(fromApp.stderr, /shop: a line longer than 1024B is passed on in pieces/, `read ${read}: ${fromApp.stderr}`)
    }
  })

  it('a bound finer than a millisecond picks the lines the file gives (Heroku writes microseconds)', async () => {
    const lines = ['.000100', '.000500', '.000900', '.001000'].map((fraction) => `2024-05-04T12:00:00${fraction}+00:00 app[web.1]: at ${fraction}\n`).join('')
    const microFile = join(dir, 'micro.log')
    writeFileSync(microFile, lines)
    await postText(router, 'shop', lines)
    const windows = [
      ['--since', '2024-05-04T12:00:00.000900Z', '--until', '2024-05-04T12:00:00.001000Z'],
      ['--since', '2024-05-04T12:00:00Z', '--until', '2024-05-04T12:00:00.000500Z'],
      ['--since', '2024-05-04T12:00:00.0005Z', '--until', '2024-05-04T12:00:01Z', '-g', 'at'],
    ]
    const expected = [['.000900'], ['.000100'], ['.000500', '.000900', '.001000']]
    for (const [k, window] of windows.entries()) {
      const fromFile = await runCli(['logs', microFile, ...window, '-o', 'raw'], {env})
      const fromApp = await runCli(['logs', '-a', 'shop', ...window, '-o', 'raw'], {env})
      assert.equal(fromFile.stdout, expected[k].map((fraction) => `2024-05-04T12:00:00${fraction}+00:00 app[web.1]: at ${fraction}\n`).join(''), window.join(' '))
      assert.equal(fromApp.stdout, fromFile.stdout, window.join(' '))
    }
  })

  it('a Fir app on logsift\'s router has history too: logs -a --since and logs:stats --since read it and end', async () => {
    assert.equal((await call(router, 'POST', '/apps', {body: {generation: 'fir', name: 'firshop'}})).status, 201)
    const line = '2024-05-05T12:00:00.000100+00:00 app[web.1]: a Fir line status=503\n'
    await postText(router, 'firshop', line)
    const history = await runCli(['logs', '-a', 'firshop', '--since', '2024-05-05', '--until', '2024-05-06', '-o', 'raw'], {env})
    assert.equal(history.code, 0, history.stderr)
    assert.equal(history.stdout, line)
    const stats = await runCli(['logs:stats', '-a', 'firshop', '--since', '2024-05-05', '--json'], {env})
    assert.equal(stats.code, 0, stats.stderr)
    assert.equal(JSON.parse(stats.stdout).records, 1)
    // Without a window a Fir app's log is a stream, which a summary would wait on for ever.
    const stream = await runCli(['logs:stats', '-a', 'firshop'], {env})
    assert.equal(stream.code, 2)
    assert.match(stream.stderr, /firshop is a Fir app: its log is a stream to follow, with no recent lines to read/)
    assert.match(stream.stderr, /--since 1h \(logsift's router keeps its history\)/)
  })

  it('refuses a time it cannot read, naming the field', async () => {
    const reply = await fetch(`${router.url}/apps/shop/log-sessions`, {
      body: JSON.stringify({since: 'yesterday'}),
      headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'application/json'},
      method: 'POST',
    })
    assert.equal(reply.status, 422)
    assert.match(await reply.text(), /since must be an RFC 3339 time, a duration before now \(1h\) or epoch milliseconds/)
  })
})

describe('logs -a APP --since on a router reading its log on worker threads (--read-threads)', function () {
  this.timeout(120_000)
  const dir = tempDir('logsift-history-threads-')
  const file = join(dir, 'app.log')
  let router: RunningRouter

  before(async () => {
    // Large enough for a filtered read (16,000 offsets at a time) to be split across the threads.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-heroku-logs.mjs'), '--lines', '40000', '--seed', '9', '--out', file])
    router = await startRouter({bufferSize: 100, dataDir: join(dir, 'data'), logReadThreads: 3, port: 0, syslogPort: 0})
    await createApp(router, 'shop')
    const lines = readFileSync(file, 'utf8').split('\n')
    for (let i = 0; i < lines.length - 1; i += 5000) await postText(router, 'shop', lines.slice(i, i + 5000).join('\n') + '\n')
  })

  after(() => router?.close())

  it('prints what `logs FILE` prints, for queries whose prefilter the threads run and one they cannot', async () => {
    const env = isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: join(dir, 'data')})
    const first = readFileSync(file, 'utf8').slice(0, 32)
    for (const query of [['-w', 'status>=500'], ['-w', 'service>2s', '-o', 'json'], ['-g', 'H12'], ['-g', 'Request timeout']]) {
      const args = ['--since', first, ...query]
      const fromFile = await runCli(['logs', file, ...args], {env})
      const fromApp = await runCli(['logs', '-a', 'shop', ...args], {env})
      assert.ok(fromFile.stdout.split('\n').length > 20, `${query.join(' ')}: ${fromFile.stdout.length} bytes`)
      assert.equal(fromApp.stdout, fromFile.stdout, query.join(' '))
    }
  })
})
