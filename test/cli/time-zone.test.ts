import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, tempDir} from '../helpers/cli.js'

describe('logs --tz and LOGSIFT_TZ (CLI)', function () {
  this.timeout(30_000)
  const dir = tempDir()
  const log = join(dir, 'app.log')
  const lines = [
    '2024-03-31T00:59:59.999999+00:00 app[web.1]: before the change',
    '2024-03-31T03:00:00.5+02:00 heroku[router]: at=info method=GET path="/" status=200',
    'a line without a timestamp',
  ]
  writeFileSync(log, lines.join('\n') + '\n')

  it('--tz shows each instant in that zone with its offset, fraction digits as written', async () => {
    const result = await runCli(['logs', '--tz', 'Europe/Paris', log])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, [
      '2024-03-31T01:59:59.999999+01:00 app[web.1]: before the change',
      '2024-03-31T03:00:00.5+02:00 heroku[router]: at=info method=GET path="/" status=200',
      'a line without a timestamp',
    ].join('\n') + '\n')
  })

  it('--tz local follows TZ; --tz UTC writes +00:00', async () => {
    const local = await runCli(['logs', '--tz', 'local', log], {env: {TZ: 'America/New_York'}})
    assert.match(local.stdout, /^2024-03-30T20:59:59\.999999-04:00 app\[web\.1\]/)
    const utc = await runCli(['logs', '--tz', 'UTC', log])
    assert.match(utc.stdout, /\n2024-03-31T01:00:00\.5\+00:00 heroku\[router\]/)
  })

  it('LOGSIFT_TZ does the same; --tz beats it', async () => {
    const fromEnv = await runCli(['logs', log], {env: {LOGSIFT_TZ: 'Asia/Tokyo'}})
    assert.match(fromEnv.stdout, /^2024-03-31T09:59:59\.999999\+09:00 /)
    const flagWins = await runCli(['logs', '--tz', 'UTC', log], {env: {LOGSIFT_TZ: 'Asia/Tokyo'}})
    assert.match(flagWins.stdout, /^2024-03-31T00:59:59\.999999\+00:00 /)
  })

  it('-o raw, -o json and -o logfmt keep the timestamp as written', async () => {
    const raw = await runCli(['logs', '--tz', 'Europe/Paris', '-o', 'raw', log])
    assert.equal(raw.stdout, lines.join('\n') + '\n')
    const json = await runCli(['logs', '-o', 'json', log], {env: {LOGSIFT_TZ: 'Europe/Paris'}})
    const records = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as {timestamp: null | string})
    assert.deepEqual(records.map((record) => record.timestamp), ['2024-03-31T00:59:59.999999+00:00', '2024-03-31T03:00:00.5+02:00', null])
    const logfmt = await runCli(['logs', '--tz', 'Europe/Paris', '-o', 'logfmt', log])
    assert.match(logfmt.stdout, /2024-03-31T00:59:59\.999999\+00:00/)
  })

  it('an unknown zone: exit 2 naming it, nothing read', async () => {
    const flag = await runCli(['logs', '--tz', 'Mars/Olympus', log])
    assert.equal(flag.code, 2)
    assert.equal(flag.stdout, '')
    assert.equal(flag.stderr, ' ›   Error: --tz Mars/Olympus: not a time zone\n ›   Try this: --tz UTC, --tz local or an IANA name such as --tz Europe/Paris\n')
    const env = await runCli(['logs', log], {env: {LOGSIFT_TZ: 'CEST'}})
    assert.equal(env.code, 2)
    assert.match(env.stderr, /Error: LOGSIFT_TZ=CEST: not a time zone/)
  })
})
