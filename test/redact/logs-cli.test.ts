import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, tempDir} from '../helpers/cli.js'

const TS = '2024-05-01T12:00:00.000000+00:00'
const LINES = [
  `${TS} app[web.1]: level=info msg="login" user=bob password=hunter2`,
  `${TS} heroku[router]: at=info method=GET path="/reset?token=c2VjcmV0" host=demo.herokuapp.com request_id=0c3417f3-1d56-4f46-8dbe-8ca2a95c90e5 status=302 bytes=0`,
  `${TS} app[web.2]: {"level":"warn","msg":"retry","api_key":"k-91b2","user":"dev3@example.com"}`,
  `${TS} app[worker.1]: Processed 12 jobs in 80ms`,
]
const REDACTED = [
  `${TS} app[web.1]: level=info msg="login" user=bob password=[REDACTED]`,
  `${TS} heroku[router]: at=info method=GET path="/reset?token=[REDACTED]" host=demo.herokuapp.com request_id=0c3417f3-1d56-4f46-8dbe-8ca2a95c90e5 status=302 bytes=0`,
  `${TS} app[web.2]: {"level":"warn","msg":"retry","api_key":"[REDACTED]","user":"dev3@example.com"}`,
  `${TS} app[worker.1]: Processed 12 jobs in 80ms`,
]

describe('logs --redact (CLI)', () => {
  const dir = tempDir()
  const log = join(dir, 'app.log')
  // CRLF on one line and a byte that is not UTF-8 on another: raw output must keep both.
  const input = Buffer.concat([
    Buffer.from(LINES[0] + '\r\n'),
    Buffer.from(LINES[1] + ' note=\u00E9'),
    Buffer.from([0xFF, 0x0A]),
    Buffer.from(LINES.slice(2).join('\n') + '\n'),
  ])
  writeFileSync(log, input)

  it('-o raw: the input bytes with only the secrets replaced', async () => {
    const result = await runCli(['logs', log, '--redact', '-o', 'raw'])
    assert.equal(result.code, 0)
    const expected = Buffer.concat([
      Buffer.from(REDACTED[0] + '\r\n'),
      Buffer.from(REDACTED[1] + ' note=\u00E9'),
      Buffer.from([0xFF, 0x0A]),
      Buffer.from(REDACTED.slice(2).join('\n') + '\n'),
    ])
    assert.deepEqual(Buffer.from(result.stdout, 'latin1'), expected)
  })

  it('pretty output redacts the message', async () => {
    const result = await runCli(['logs', '-', '--redact'], {input: LINES.join('\n') + '\n'})
    assert.equal(result.stdout, REDACTED.join('\n') + '\n')
  })

  it('json output redacts the message and the fields', async () => {
    const result = await runCli(['logs', '-', '--redact', '-o', 'json'], {input: LINES.slice(0, 3).join('\n') + '\n'})
    const records = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(records.map((record) => record.message), REDACTED.slice(0, 3).map((line) => line.slice(line.indexOf(']: ') + 3)))
    assert.equal(records[0].fields.password, '[REDACTED]')
    assert.equal(records[1].fields.path, '/reset?token=[REDACTED]')
    assert.equal(records[2].fields.api_key, '[REDACTED]')
    assert.equal(records[2].fields.user, 'dev3@example.com')
  })

  it('logfmt output redacts the message and the fields', async () => {
    const result = await runCli(['logs', '-', '--redact', '-o', 'logfmt'], {input: LINES[0] + '\n'})
    assert.equal(result.stdout, `timestamp=${TS} source=app dyno=web.1 level=info message="level=info msg=\\"login\\" user=bob password=[REDACTED]" fields.level=info msg=login user=bob password=[REDACTED]\n`)
  })

  it('filters see the original record; only what is printed is redacted', async () => {
    const result = await runCli(['logs', '-', '--redact', '--grep', 'hunter2'], {input: LINES.join('\n') + '\n'})
    assert.equal(result.stdout, REDACTED[0] + '\n')
  })

  it('--redact-email, --redact-key and --redact-pattern add to the rules and turn redaction on', async () => {
    const result = await runCli(['logs', '-', '--redact-email', '--redact-key', 'msg', '--redact-pattern', String.raw`\d+ jobs`], {input: LINES.join('\n') + '\n'})
    assert.deepEqual(result.stdout.split('\n'), [
      `${TS} app[web.1]: level=info msg="[REDACTED]" user=bob password=[REDACTED]`,
      REDACTED[1],
      `${TS} app[web.2]: {"level":"warn","msg":"[REDACTED]","api_key":"[REDACTED]","user":"[REDACTED]"}`,
      `${TS} app[worker.1]: Processed [REDACTED] in 80ms`,
      '',
    ])
  })

  it('without --redact, prints secrets as they are', async () => {
    const result = await runCli(['logs', '-'], {input: LINES.join('\n') + '\n'})
    assert.equal(result.stdout, LINES.join('\n') + '\n')
  })

  it('rewrites the length of an octet-counted frame it redacts', async () => {
    const message = `<190>1 ${TS} host app web.1 - login password=hunter2\n`
    const framed = `${Buffer.byteLength(message)} ${message}`
    const drain = join(dir, 'drain.logplex')
    writeFileSync(drain, framed + framed)
    const result = await runCli(['logs', drain, '--redact', '-o', 'raw'])
    const redacted = `<190>1 ${TS} host app web.1 - login password=[REDACTED]\n`
    assert.equal(result.stdout, `${redacted.length} ${redacted}`.repeat(2))
    const again = join(dir, 'again.logplex')
    writeFileSync(again, result.stdout)
    assert.equal((await runCli(['logs', again])).stdout, `${TS} app[web.1]: login password=[REDACTED]\n`.repeat(2))
  })

  it('a bad --redact-pattern: one line naming the flag, exit 2, nothing read', async () => {
    const result = await runCli(['logs', log, '--redact-pattern', '(?<name'])
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr.replaceAll(/ \n ›\s+/g, ' '), /Error: --redact-pattern "\(\?<name" is not a valid regular expression: Invalid capture group name\n/)
  })
})
