import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {createServer as createHttpServer} from 'node:http'
import {type AddressInfo, createServer} from 'node:net'
import {gzipSync} from 'node:zlib'

import {BIN, cliEnv, ROOT, runCli, waitFor} from '../helpers/cli.js'
import {closedPort, fakePlatform, isolatedEnv, runAgainst} from './helpers.js'
import {type FakePlatform, herokuLine} from './fake-platform.js'

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i)
/** Odd lines from web.1, even ones from worker.1. */
const appLine = (n: number) => herokuLine(n, n % 2 ? 'web.1' : 'worker.1')
const numbers = (output: string) => output.split('\n').filter(Boolean).map((line) => Number(/line (\d+)$/.exec(line)![1]))

/** A running `logsift logs ... --tail` whose output is collected as it arrives. */
class Tail {
  stdout = ''
  stderr = ''
  private readonly child: ChildProcessWithoutNullStreams

  constructor(platform: FakePlatform, args: string[]) {
    const env = isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url})
    this.child = spawn(process.execPath, [BIN, 'logs', '--tail', '-o', 'raw', ...args], {cwd: ROOT, env: cliEnv(env)})
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
  }

  async waitForLines(expected: number[], what: string): Promise<void> {
    await waitFor(`${what} (have ${JSON.stringify(numbers(this.stdout))}; stderr ${JSON.stringify(this.stderr)})`, () => numbers(this.stdout).length >= expected.length)
    assert.deepEqual(numbers(this.stdout), expected, what)
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.child.on('close', resolve))
    this.child.kill('SIGTERM')
    await closed
  }
}

describe('logsift logs -a APP and logs URL (log sessions)', function () {
  // Each test runs the CLI as a process, some several times: more than mocha's default 2 s on a busy machine.
  this.timeout(30_000)

  const platform = fakePlatform()
  let tail: Tail | undefined

  before(() => {
    platform.createApp('demo')
    platform.log('demo', ...range(1, 150).map((n) => appLine(n)))
  })

  afterEach(async () => {
    await tail?.stop()
    tail = undefined
  })

  const sessionBodies = () => platform.requests.filter((seen) => seen.path.endsWith('/log-sessions')).map((seen) => seen.body)

  it('prints the last 100 lines, as heroku logs does', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', '-o', 'raw'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.deepEqual(numbers(result.stdout), range(51, 150))
    assert.deepEqual(sessionBodies().at(-1), {lines: 100, tail: false})
  })

  it('lets the server filter one plain dyno and source, and asks it for -n lines', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', '-d', 'worker', '-s', 'app', '-n', '3', '-o', 'raw'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(numbers(result.stdout), [146, 148, 150])
    assert.deepEqual(sessionBodies().at(-1), {dyno: 'worker', lines: 3, source: 'app', tail: false})
  })

  it('counts -n after filtering locally (the Heroku CLI counts before)', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', '-g', 'line \\d*5$', '-n', '3', '-o', 'raw'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(numbers(result.stdout), [125, 135, 145])
    assert.deepEqual(sessionBodies().at(-1), {lines: 1500, tail: false})
  })

  it('filters a dyno list or an exclusion locally', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', '-d', '!web', '-n', '2', '-o', 'raw'])
    assert.deepEqual(numbers(result.stdout), [148, 150])
    assert.deepEqual(sessionBodies().at(-1), {lines: 1500, tail: false})
  })

  it('exits 1 when nothing matches, as for files', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', '-g', 'no such line'])
    assert.deepEqual([result.code, result.stdout, result.stderr], [1, '', ''])
  })

  it('creates an app the local router does not know, and says so', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'fresh'])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^logsift: created app fresh on the local router \(log input token t\.[\da-f-]{36}\)\n$/)
    assert.deepEqual(platform.calls().slice(-4), ['POST /apps/fresh/log-sessions', 'GET /apps/fresh', 'POST /apps', 'POST /apps/fresh/log-sessions'])
  })

  it('takes the app from LOGSIFT_APP when nothing else is given to read, but not over a pipe', async () => {
    const env = isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url, LOGSIFT_APP: 'demo'})
    const piped = await runCli(['logs', '-o', 'raw'], {env, input: `${appLine(7)}\n`})
    assert.deepEqual(numbers(piped.stdout), [7])
    // Standard input on /dev/null, as cron, CI and systemd give it, carries nothing: the app is read.
    const named = await runCli(['logs', '-a', 'demo', '-o', 'raw'], {env})
    assert.ok(numbers(named.stdout).length > 0, named.stderr)
    const cron = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'logs', '-o', 'raw'], {env: cliEnv(env), stdio: ['ignore', 'pipe', 'inherit']})
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      child.on('error', reject)
      child.on('close', () => resolve(stdout))
    })
    assert.equal(cron, named.stdout)
  })

  it('refuses files next to -a', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo', 'app.log'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Error: -a reads the app's log: give it no files or URLs as well/)
  })

  it('prints an API error with its Error ID and exits 2', async () => {
    const result = await runAgainst(platform, ['logs', '-a', 'demo'], {LOGSIFT_API_KEY: 'wrong'})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^ › {3}Error: Invalid credentials provided\.\n ›\n › {3}Error ID: unauthorized\n/)
  })

  it('names the URL and `logsift serve` when the router is not running', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const result = await runCli(['logs', '-a', 'demo'], {env: isolatedEnv({LOGSIFT_API_URL: url})})
    assert.equal(result.code, 2)
    assert.equal(result.stderr, `logsift: cannot reach the router at ${url} (connection refused): start it with \`logsift serve\`\n`)
  })

  it('names what answered instead of the router, without telling to start it: not HTTP, a closed connection', async () => {
    const notHttp = createServer((socket) => socket.on('data', () => socket.end('<13>1 not http\r\n\r\n')))
    const closing = createServer((socket) => socket.destroy())
    try {
      // A server that closes at once: the CLI sees it closed, or reset if its request was already on the way.
      for (const [server, reason] of [[notHttp, /its answer is not HTTP: is it the API's port\?/], [closing, /connection (closed|reset)/]] as const) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        for (const args of [['apps'], ['logs', '-a', 'demo']]) {
          const result = await runCli(args, {env: isolatedEnv({LOGSIFT_API_URL: url})})
          assert.equal(result.code, 2, result.stderr)
          assert.match(result.stderr, new RegExp(`^logsift: cannot reach the router at ${url.replaceAll('.', '\\.')} \\(${reason.source}\\)\\n$`))
        }
      }
    } finally {
      notHttp.close()
      closing.close()
    }
  })

  it('says the answer is not TLS when an https:// API URL names a port without TLS, in one line', async () => {
    const url = platform.url.replace(/^http:/, 'https:')
    const result = await runCli(['apps'], {env: isolatedEnv({LOGSIFT_API_URL: url})})
    assert.equal(result.code, 2, result.stderr)
    assert.equal(result.stderr, `logsift: cannot reach the router at ${url} (its answer is not TLS: is it a port without TLS (http://)?)\n`)
  })

  it('reads a log stream URL as server-sent events or plain text, with the same filters', async () => {
    const url = platform.createSession('demo', {lines: 10})
    const events = await runCli(['logs', url, '-d', 'web', '-o', 'raw'])
    assert.equal(events.code, 0, events.stderr)
    assert.deepEqual(numbers(events.stdout), [141, 143, 145, 147, 149])
    assert.match(String(platform.requests.at(-1)!.headers.accept), /^text\/event-stream/)

    platform.plainOnly = true
    try {
      const plain = await runCli(['logs', url, '-d', 'web', '-o', 'raw'])
      assert.equal(plain.code, 0, plain.stderr)
      assert.deepEqual(numbers(plain.stdout), [141, 143, 145, 147, 149])
    } finally {
      platform.plainOnly = false
    }
  })

  it('gunzips a URL that serves a gzip file, as it does a file or stdin', async () => {
    const lines = range(1, 5).map((n) => appLine(n) + '\n').join('')
    const gzip = gzipSync(lines)
    // As python3 -m http.server serves app.log.gz: the file's bytes, no Content-Encoding.
    const server = createHttpServer((request, response) => response.writeHead(200, {'content-type': 'application/gzip'}).end(request.url === '/cut.log.gz' ? gzip.subarray(0, 20) : gzip))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const result = await runCli(['logs', `${url}/app.log.gz`, '-o', 'raw'])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, lines)
      const filtered = await runCli(['logs:stats', `${url}/app.log.gz`, '-d', 'web', '--json'])
      assert.equal(JSON.parse(filtered.stdout).records, 3)
      const cut = await runCli(['logs', `${url}/cut.log.gz`, '-o', 'raw'])
      assert.equal(cut.code, 2)
      assert.equal(cut.stderr, `logsift: ${url}/cut.log.gz: unexpected end of file\n`)
    } finally {
      server.close()
    }
  })

  it('reports a log stream URL that has expired, exit 2', async () => {
    const url = `${platform.url}/sessions/00000000-0000-4000-8000-000000000000`
    const result = await runCli(['logs', url])
    assert.equal(result.code, 2)
    assert.equal(result.stderr, `logsift: ${url}: the log stream has expired or never existed (HTTP 404)\n`)
  })

  describe('--tail', () => {
    before(() => {
      platform.createApp('live')
      platform.log('live', ...range(1, 10).map((n) => appLine(n)))
    })

    let next = 11
    /** Logs the next `count` lines of the app live, returning their numbers. */
    const logMore = (count: number) => {
      const numbers = range(next, next + count - 1)
      platform.log('live', ...numbers.map((n) => appLine(n)))
      next += count
      return numbers
    }

    it('prints the last -n lines, then new ones, without repeating the replay of the tail session', async () => {
      const before = next - 1
      tail = new Tail(platform, ['-a', 'live', '-n', '2'])
      await tail.waitForLines([before - 1, before], 'the last 2 lines')
      await waitFor('the tail session', () => platform.tailing() === 1)
      const added = logMore(3)
      await tail.waitForLines([before - 1, before, ...added], 'the new lines')
      assert.deepEqual(sessionBodies().slice(-2), [{lines: 2, tail: false}, {lines: 1500, tail: true}])
    })

    it('counts -n after local filters, then follows with them', async () => {
      tail = new Tail(platform, ['-a', 'live', '-n', '2', '-d', 'worker,web', '-g', 'line \\d*[02468]$'])
      const evens = range(1, next - 1).filter((n) => n % 2 === 0)
      await tail.waitForLines(evens.slice(-2), 'the last 2 even lines')
      await waitFor('the tail session', () => platform.tailing() === 1)
      const added = logMore(4).filter((n) => n % 2 === 0)
      await tail.waitForLines([...evens.slice(-2), ...added], 'the new even lines')
    })

    it('exits 0 when the reader goes away (EPIPE), as for files', async () => {
      const child = spawn(process.execPath, [BIN, 'logs', '-a', 'live', '-t', '-n', '1'], {
        cwd: ROOT,
        env: cliEnv(isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url})),
      })
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      await new Promise((resolve) => child.stdout.once('data', resolve))
      await waitFor('the tail session', () => platform.tailing() === 1)
      child.stdout.destroy()
      logMore(1)
      assert.equal(await exited, 0)
    })

    it('reconnects after a drop with Last-Event-ID: nothing lost, nothing repeated, one notice', async () => {
      const before = next - 1
      platform.cutNextTailAfter = 2
      tail = new Tail(platform, ['-a', 'live', '-n', '1'])
      await tail.waitForLines([before], 'the last line')
      await waitFor('the tail session', () => platform.tailing() === 1)
      const added = [...logMore(2), ...logMore(3)]
      await tail.waitForLines([before, ...added], 'every line, across the drop')
      await waitFor('the new tail session', () => platform.tailing() === 1)
      const more = logMore(1)
      await tail.waitForLines([before, ...added, ...more], 'a line after the reconnect')
      const resumed = platform.requests.filter((seen) => seen.headers['last-event-id'] !== undefined)
      assert.equal(resumed.length, 1)
      assert.equal(resumed[0].headers['last-event-id'], String(before + 2))
      assert.equal(tail.stderr, `logsift: lost the log stream from ${platform.url}; reconnecting\n`)
    })

    it('starts a new session when the dropped one has expired, resuming after the last line printed', async () => {
      platform.expireOnCut = true
      try {
        const before = next - 1
        platform.cutNextTailAfter = 1
        tail = new Tail(platform, ['-a', 'live', '-n', '1'])
        await tail.waitForLines([before], 'the last line')
        await waitFor('the tail session', () => platform.tailing() === 1)
        const sessionsBefore = sessionBodies().length
        const added = [...logMore(1), ...logMore(2)]
        await tail.waitForLines([before, ...added], 'every line, across the new session')
        await waitFor('the new tail session', () => platform.tailing() === 1)
        const more = logMore(1)
        await tail.waitForLines([before, ...added, ...more], 'a line after the reconnect')
        assert.deepEqual(sessionBodies().slice(sessionsBefore), [{lines: 1500, tail: true}])
        assert.equal(tail.stderr, `logsift: lost the log stream from ${platform.url}; reconnecting\n`)
      } finally {
        platform.expireOnCut = false
      }
    })

    it('prints the last line of a plain-text URL that ends, then waits for more without repeating it', async () => {
      const body = range(1, 5).map((n) => appLine(n) + '\n').join('')
      let served = 0
      const server = createHttpServer((_request, response) => {
        served++
        response.writeHead(200, {'content-type': 'text/plain'}).end(body)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        tail = new Tail(platform, [`http://127.0.0.1:${(server.address() as AddressInfo).port}/app.log`])
        await tail.waitForLines(range(1, 5), 'every line, the last one too')
        // The third request comes once the second's replay has been read to its end.
        await waitFor('two reconnects', () => served >= 3)
        assert.deepEqual(numbers(tail.stdout), range(1, 5), 'no line twice after the reconnects')
      } finally {
        server.close()
      }
    })

    it('follows a file a web server serves, as tail -F does: what is added, once, however long the file', async () => {
      // Longer than any session replays, so skipping up to the last line seen would not find it.
      let body = range(1, 1600).map((n) => appLine(n) + '\n').join('')
      let served = 0
      const server = createHttpServer((_request, response) => {
        served++
        // As python3 -m http.server and nginx serve a file: with its length.
        response.writeHead(200, {'content-length': Buffer.byteLength(body), 'content-type': 'text/plain'}).end(body)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        tail = new Tail(platform, [`http://127.0.0.1:${(server.address() as AddressInfo).port}/app.log`])
        await tail.waitForLines(range(1, 1600), 'the whole file')
        await waitFor('two more reads', () => served >= 3)
        // A line added, and one written in two parts: each printed once, when whole.
        body += appLine(1601) + '\n' + appLine(1602).slice(0, 20)
        await tail.waitForLines(range(1, 1601), 'the added line')
        const reads = served
        await waitFor('a read of the partial line', () => served > reads)
        body += appLine(1602).slice(20) + '\n'
        await tail.waitForLines(range(1, 1602), 'the line once whole')
        assert.equal(tail.stderr, '', 'the end of a file is not a lost stream')
      } finally {
        server.close()
      }
    })

    it('follows a plain-text URL across a drop, skipping the lines it replays', async () => {
      platform.plainOnly = true
      try {
        const url = platform.createSession('live', {lines: 4, tail: true})
        const before = next - 1
        platform.cutNextTailAfter = 2
        tail = new Tail(platform, [url])
        await tail.waitForLines(range(before - 3, before), 'the 4 recent lines')
        await waitFor('the tail session', () => platform.tailing() === 1)
        const added = [...logMore(2), ...logMore(1)]
        await tail.waitForLines([...range(before - 3, before), ...added], 'every line, across the drop')
        await waitFor('the new tail session', () => platform.tailing() === 1)
        const more = logMore(1)
        await tail.waitForLines([...range(before - 3, before), ...added, ...more], 'a line after the reconnect')
        assert.equal(tail.stderr, `logsift: lost the log stream from ${platform.url}; reconnecting\n`)
      } finally {
        platform.plainOnly = false
      }
    })
  })
})
