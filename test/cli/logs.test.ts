import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {stripVTControlCharacters} from 'node:util'
import {gzipSync} from 'node:zlib'

import {BIN, cliEnv, EXAMPLE_DRAIN, EXAMPLE_LOG, ROOT, runCli, tempDir} from '../helpers/cli.js'

const exampleText = readFileSync(EXAMPLE_LOG, 'utf8')
const exampleLines = exampleText.split('\n').filter(Boolean)
const ANSI = /\u001B\[[\d;]*m/

describe('logsift logs (CLI)', () => {
  const dir = tempDir()

  it('prints Heroku lines unchanged when the output is a pipe', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG])
    assert.equal(result.code, 0)
    assert.equal(result.stderr, '')
    assert.equal(result.stdout, exampleText)
  })

  it('reads stdin given as - and as a bare pipe', async () => {
    const dash = await runCli(['logs', '-'], {input: exampleText})
    const bare = await runCli(['logs'], {input: exampleText})
    assert.equal(dash.stdout, exampleText)
    assert.equal(bare.stdout, exampleText)
  })

  it('pretty output shows a line\'s terminal escapes (^[ for ESC) instead of sending them; -o raw keeps them byte for byte', async () => {
    const line = '2024-05-01T12:00:00Z app[web.1]: \u001B]0;pwned\u0007 \u001B[2J\n'
    const pretty = await runCli(['logs', '--color', 'always'], {input: line})
    assert.equal(stripVTControlCharacters(pretty.stdout), '2024-05-01T12:00:00Z app[web.1]: ^[]0;pwned^G ^[[2J\n')
    assert.doesNotMatch(pretty.stdout, /\u001B\]|\u0007|\u001B\[2J/)
    const raw = await runCli(['logs', '-o', 'raw'], {input: line})
    assert.equal(raw.stdout, line)
  })

  it('prints octet-counted drain frames as Heroku lines', async () => {
    const result = await runCli(['logs', EXAMPLE_DRAIN])
    assert.equal(result.code, 0)
    assert.deepEqual(result.stdout.split('\n').slice(0, 2), [
      '2024-05-01T12:00:01.000100+00:00 heroku[router]: at=info method=GET path="/" host=demo.herokuapp.com request_id=5f1a7c3e-3c1b-4d7e-9a38-0b7b2a3f8c11 fwd="203.0.113.9" dyno=web.1 connect=0ms service=12ms status=200 bytes=1532 protocol=https',
      '2024-05-01T12:00:01.000400+00:00 app[web.1]: level=info msg="order created" order_id=9921 duration_ms=41.2',
    ])
  })

  it('keeps raw output a byte-for-byte subset of the input', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '--level', 'error', '-o', 'raw'])
    assert.equal(result.code, 0)
    const kept = result.stdout.split('\n').filter(Boolean)
    assert.ok(kept.length > 10, `expected a dozen error lines, got ${kept.length}`)
    for (const line of kept) assert.ok(exampleLines.includes(line), `not an input line: ${line}`)
    assert.ok(kept.some((line) => line.includes('code=H12')))
    assert.ok(kept.some((line) => line.includes('State changed from up to crashed')))
    assert.ok(kept.some((line) => line.includes('E, [2024-05-01T12:00:00.216871 #4] ERROR')))
    assert.ok(!kept.some((line) => line.includes('at=info')), 'a router at=info line is not an error even with status 500')
  })

  it('--level warn keeps the first line of a crash report, not the stack under it', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '--level', 'warn'])
    assert.equal(result.code, 0)
    const kept = result.stdout.split('\n')
    assert.ok(kept.includes("2024-05-01T12:00:00.216020+00:00 app[web.1]: TypeError: Cannot read properties of undefined (reading 'id')"), result.stdout)
    assert.ok(!kept.some((line) => line.includes('    at OrdersController.show')), 'a stack frame has no level of its own')
  })

  it('raw output keeps a frame whole, so the selection is itself a valid drain body', async () => {
    const result = await runCli(['logs', EXAMPLE_DRAIN, '-d', 'router', '-o', 'raw'])
    const input = readFileSync(EXAMPLE_DRAIN, 'latin1')
    assert.ok(result.stdout.startsWith('252 <158>1 '))
    assert.ok(input.includes(result.stdout.split('\n')[0]))
    assert.equal(result.stdout.match(/<158>1/g)?.length, 2)
  })

  it('filters by where, dyno, source and grep together', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '-d', 'router', '-w', 'status>=500', '-w', 'service>=30s', '-o', 'raw'])
    const kept = result.stdout.split('\n').filter(Boolean)
    assert.ok(kept.length > 0)
    for (const line of kept) {
      assert.match(line, /heroku\[router\]: /)
      assert.ok(Number(/status=(\d+)/.exec(line)![1]) >= 500)
      assert.ok(Number(/service=(\d+)ms/.exec(line)![1]) >= 30_000)
    }

    const expected = exampleLines.filter(
      (line) => line.includes('heroku[router]') && Number(/status=(\d+)/.exec(line)?.[1]) >= 500 && Number(/service=(\d+)ms/.exec(line)?.[1]) >= 30_000,
    )
    assert.deepEqual(kept, expected)
  })

  it('hides the router with -d !router and drops --exclude matches', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '-d', '!router', '--exclude', 'sample#', '-o', 'raw'])
    const kept = result.stdout.split('\n').filter(Boolean)
    assert.equal(kept.filter((line) => line.includes('heroku[router]')).length, 0)
    assert.equal(kept.filter((line) => line.includes('sample#')).length, 0)
    assert.equal(kept.length, exampleLines.filter((line) => !line.includes('heroku[router]') && !line.includes('sample#')).length)
  })

  it('prints one JSON object per record, ready for jq', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '-o', 'json', '-g', 'unhandled rejection'])
    const records = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.ok(records.length > 0)
    const [first] = records
    assert.deepEqual(Object.keys(first), ['timestamp', 'source', 'dyno', 'level', 'message', 'fields'])
    assert.equal(first.level, 'error')
    assert.equal(typeof first.fields.user_id, 'number')
    assert.equal(first.fields.err.type, 'TimeoutError')
  })

  it('prints the last N matching records with -n', async () => {
    const result = await runCli(['logs', EXAMPLE_LOG, '-n', '3', '-o', 'raw'])
    assert.deepEqual(result.stdout.split('\n').filter(Boolean), exampleLines.slice(-3))
  })

  it('reads .gz files transparently', async () => {
    const file = join(dir, 'app.log.gz')
    writeFileSync(file, gzipSync(exampleText))
    const result = await runCli(['logs', file, '-o', 'raw'])
    assert.equal(result.stdout, exampleText)
  })

  it('colours for --color always and FORCE_COLOR, never for NO_COLOR or a pipe', async () => {
    assert.match((await runCli(['logs', EXAMPLE_LOG, '--color', 'always', '-n', '5'])).stdout, ANSI)
    assert.match((await runCli(['logs', EXAMPLE_LOG, '--force-colors', '-n', '5'])).stdout, ANSI)
    assert.match((await runCli(['logs', EXAMPLE_LOG, '-n', '5'], {env: {FORCE_COLOR: '1'}})).stdout, ANSI)
    assert.doesNotMatch((await runCli(['logs', EXAMPLE_LOG, '-n', '5'])).stdout, ANSI)
    assert.doesNotMatch((await runCli(['logs', EXAMPLE_LOG, '-n', '5'], {env: {FORCE_COLOR: '1', NO_COLOR: '1'}})).stdout, ANSI)
    // A flag given for this run beats NO_COLOR, as no-color.org asks.
    assert.match((await runCli(['logs', EXAMPLE_LOG, '-n', '5', '--force-colors'], {env: {NO_COLOR: '1'}})).stdout, ANSI)
    assert.doesNotMatch((await runCli(['logs', EXAMPLE_LOG, '-n', '5', '--color', 'never'], {env: {FORCE_COLOR: '1'}})).stdout, ANSI)
  })

  describe('exit status, like grep', () => {
    it('is 1 when nothing matched', async () => {
      const result = await runCli(['logs', EXAMPLE_LOG, '-g', 'no such text anywhere'])
      assert.equal(result.code, 1)
      assert.equal(result.stdout, '')
    })

    it('is 2 for a missing file, a directory and an unreadable file, and the other files are still read', async () => {
      mkdirSync(join(dir, 'a-directory'))
      const unreadable = join(dir, 'secret.log')
      writeFileSync(unreadable, 'x\n', {mode: 0o000})
      const result = await runCli(['logs', join(dir, 'missing.log'), join(dir, 'a-directory'), EXAMPLE_LOG, '-o', 'raw'])
      assert.equal(result.code, 2)
      assert.equal(result.stdout, exampleText)
      const errors = result.stderr.trim().split('\n')
      assert.equal(errors[0], `logsift: ${join(dir, 'missing.log')}: no such file or directory`)
      assert.equal(errors[1], `logsift: ${join(dir, 'a-directory')}: is a directory`)
      if (process.getuid?.() !== 0) {
        const denied = await runCli(['logs', unreadable])
        assert.equal(denied.stderr.trim(), `logsift: ${unreadable}: permission denied`)
      }
    })

    it('is 2 with one clear line for a bad --where, before reading input', async () => {
      const result = await runCli(['logs', join(dir, 'never-read.log'), '-w', 'status>>5'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /status>>5/)
      assert.doesNotMatch(result.stderr, /never-read|at .*\.js:\d+/)
    })

    it('is 2 for an unknown level, naming the valid ones', async () => {
      const result = await runCli(['logs', EXAMPLE_LOG, '--level', 'loud'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /loud/)
      assert.match(result.stderr, /warn/)
    })

    it('is 2 for a bad flag value, naming the flag', async () => {
      const result = await runCli(['logs', EXAMPLE_LOG, '-o', 'yaml'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /--output/)
    })

    it('is 0 and quiet when the reader closes the pipe early (| head)', async () => {
      const big = join(dir, 'big.log')
      writeFileSync(big, exampleText.repeat(2000))
      const child = spawn(process.execPath, [BIN, 'logs', big], {cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe']})
      let stderr = ''
      child.stderr.on('data', (chunk) => (stderr += chunk))
      await new Promise((resolve) => child.stdout.once('data', resolve))
      child.stdout.destroy()
      const code = await new Promise((resolve) => child.on('close', resolve))
      assert.equal(code, 0)
      assert.equal(stderr, '')
    })
  })

  describe('bad input never crashes the stream', () => {
    it('passes through invalid UTF-8, NUL bytes, CRLF, empty and 10 MB lines', async () => {
      const input = Buffer.concat([
        Buffer.from('2024-05-01T12:00:00+00:00 app[web.1]: ok \xff\xfe bytes\r\n', 'latin1'),
        Buffer.from('nul \u0000 inside\n\n'),
        Buffer.alloc(10 * 1024 * 1024, 'y'),
        Buffer.from('\n2024-05-01T12:00:01+00:00 app[web.1]: after\n'),
      ])
      const file = join(dir, 'weird.log')
      writeFileSync(file, input)
      const result = await runCli(['logs', file, '-o', 'raw'])
      assert.equal(result.code, 0)
      assert.equal(Buffer.from(result.stdout, 'latin1').equals(input), true)
    })
  })

  describe('help and version', () => {
    it('documents logs with a summary and examples', async () => {
      const result = await runCli(['logs', '--help'])
      assert.equal(result.code, 0)
      assert.match(result.stdout, /Filter and print Heroku logs/)
      assert.match(result.stdout, /EXAMPLES/)
      assert.match(result.stdout, /--where/)
    })

    it('prints its version', async () => {
      const result = await runCli(['--version'])
      const {version} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
      assert.equal(result.stdout, `logsift/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    })
  })
})
