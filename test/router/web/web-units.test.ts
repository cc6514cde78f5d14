import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'

import {filterFlags, FilterLineError, parseFilterLine, shellQuote, splitCommandLine} from '../../../src/router/web/filter-line.js'
import {OPEN_TOKEN_TTL_MS, sameOriginWrite, WEB_SESSION_TTL_MS, WebAuth} from '../../../src/router/web/web-auth.js'
import {logsCommand, timeWindowTest} from '../../../src/router/web/web.js'
import {parseLine} from '../../../src/parse/line.js'
import {compileQuery} from '../../../src/query/compile.js'
import {sgrRuns} from '../../../web/src/sgr-runs.js'
import {boundFor} from '../../../web/src/time-range.js'

const request = (headers: Record<string, string>) => ({headers} as unknown as IncomingMessage)

describe('router page: pure parts', () => {
  it('colours the drain states the router reports (connected green; retrying and failing red)', () => {
    const css = readFileSync(new URL('../../../web/app.css', import.meta.url), 'utf8')
    const background = (state: string) => new RegExp(`\\.state-${state}\\b[^{]*\\{ background: (#\\w+)`).exec(css)?.[1]
    assert.equal(background('connected'), '#1f4d1f')
    assert.deepEqual([background('retrying'), background('failing')], ['#5a1d1d', '#5a1d1d'])
  })

  it('splits a command line as a shell does, without expanding anything', () => {
    const cases: Array<[string, string[]]> = [
      ['', []],
      [`-d router -w 'status>=500'`, ['-d', 'router', '-w', 'status>=500']],
      [`-g "time out" -g it\\'s`, ['-g', 'time out', '-g', "it's"]],
      [`-w 'a b'"c"d`, ['-w', 'a bcd']],
      [`-g "say \\"hi\\" \\\\ \\n"`, ['-g', 'say "hi" \\ \\n']],
      [`-g $HOME -g \`x\``, ['-g', '$HOME', '-g', '`x`']],
      ['  -l\twarn  ', ['-l', 'warn']],
      [`-g ''`, ['-g', '']],
    ]
    for (const [text, words] of cases) assert.deepEqual(splitCommandLine(text), words, text)
    for (const text of [`-g 'x`, '-g "x']) assert.throws(() => splitCommandLine(text), FilterLineError, text)
  })

  it('parses the filter box with the `logs` flag definitions', async () => {
    const cases: Array<[string, object]> = [
      ['', {}],
      [`-d router -w 'status>=500' -l warn -g timeout`, {dyno: ['router'], grep: ['timeout'], level: 'warn', where: ['status>=500']}],
      ['--dyno=web.1 --source app -i --exclude healthz', {dyno: ['web.1'], exclude: ['healthz'], ignoreCase: true, source: ['app']}],
      ['-p web --dyno-name worker.2 -d run', {dyno: ['run', 'worker.2', 'web']}],
      [`logsift logs -a demo --since 1h --until 2024-05-01T00:00:00Z -w a=1 -w b=2`, {since: '1h', until: '2024-05-01T00:00:00Z', where: ['a=1', 'b=2']}],
      // What a pasted command line says about showing, not choosing, lines is passed over.
      ['heroku logs -a demo -t -n 200 --force-colors -s app', {source: ['app']}],
      ['logsift logs -a demo -o json --tz Europe/Paris --color never --no-color --explain -l warn', {level: 'warn'}],
    ]
    for (const [text, expected] of cases) {
      const parsed = await parseFilterLine(text, 5, 'demo')
      const defined = Object.fromEntries(Object.entries(parsed).filter(([key, value]) => value !== undefined && key !== 'now' && value !== false))
      assert.deepEqual(defined, expected, text)
    }

    for (const [text, message] of [['-z', 'Nonexistent flag'], ['app.log', 'Unexpected argument'], ['-l', 'expects a value'], ['--redact', 'Nonexistent flag'], ['-a shop -l warn', '-a shop names another app: this page shows demo']]) {
      await assert.rejects(parseFilterLine(text, 5, 'demo'), (error: Error) => error instanceof FilterLineError && error.message.includes(message), text)
    }
  })

  it('writes the query back as a command line that a shell reads as the same words', () => {
    assert.equal(shellQuote('web.1'), 'web.1')
    assert.equal(shellQuote("it's <b>"), `'it'\\''s <b>'`)
    const query = {dyno: ['!router'], exclude: ['a b'], grep: ['x|y'], ignoreCase: true, level: 'warn', source: ['app'], where: ['status>=500']}
    const flags = filterFlags(query)
    assert.deepEqual(flags, ['-d', "'!router'", '-s', 'app', '-l', 'warn', '-w', "'status>=500'", '-g', "'x|y'", '--exclude', "'a b'", '-i'])
    assert.deepEqual(splitCommandLine(flags.join(' ')), ['-d', '!router', '-s', 'app', '-l', 'warn', '-w', 'status>=500', '-g', 'x|y', '--exclude', 'a b', '-i'])
    assert.equal(logsCommand('demo', {now: 0, since: '2024-05-01T00:00:00.000Z', where: ['status=200']}), 'logsift logs -a demo --since 2024-05-01T00:00:00.000Z -w status=200')
  })

  it('skips lines outside the time window exactly as the compiled query refuses them', () => {
    const since = '2024-05-01T12:00:00Z'
    const until = '2024-05-01T13:00:00Z'
    const outside = timeWindowTest(Date.parse(since), Date.parse(until))
    const predicate = compileQuery({now: 0, since, until})
    const lines = [
      ['2024-05-01T12:30:00.123456+00:00 app[web.1]: inside', false],
      ['2024-05-01T11:59:59.999+00:00 app[web.1]: just before', true],
      ['2024-05-01T13:00:00+00:00 app[web.1]: at until, excluded', true],
      ['2024-05-01T13:30:00+01:00 app[web.1]: inside, by its offset', false],
      ['2024-05-01T15:00:00+00:00 no tag, not a heroku line', true],
      ['2024-05-01T12:30:00+00:00 no tag, not a heroku line either', false],
      ['not a timestamp at all', false],
      ['2024-13-45T99:00:00Z app[web.1]: a bad date', false],
    ] as const
    for (const [line, skipped] of lines) {
      assert.equal(outside(line), skipped, line)
      const record = parseLine(Buffer.from(line))
      assert.equal(!outside(line) && predicate(record), predicate(record), `${line}: the skip changes nothing`)
    }

    assert.equal(timeWindowTest(undefined, undefined)('2020-01-01T00:00:00Z app[web.1]: x'), false)
  })

  it('swaps an open token once and only while it is fresh; sessions expire', () => {
    let now = 1000
    const auth = new WebAuth('k'.repeat(64), () => now)
    const {token} = auth.openToken()
    const session = auth.swap(token)
    assert.ok(session !== undefined && session.length >= 40)
    assert.equal(auth.swap(token), undefined, 'used once')
    const late = auth.openToken().token
    now += OPEN_TOKEN_TTL_MS + 1
    assert.equal(auth.swap(late), undefined, 'expired')
    assert.equal(auth.login('k'.repeat(63)), undefined)
    const cookie = `logsift_web=${auth.login('k'.repeat(64))}`
    assert.equal(auth.authorized(request({cookie: `other=1; ${cookie}`})), true)
    assert.equal(auth.authorized(request({cookie: 'logsift_web=guess'})), false)
    now += WEB_SESSION_TTL_MS + 1
    assert.equal(auth.authorized(request({cookie})), false, 'expired')
  })

  it('lets only the page itself write: same origin, JSON', () => {
    const host = '127.0.0.1:5580'
    const json = 'application/json'
    const cases: Array<[Record<string, string>, boolean]> = [
      [{'content-type': json, host, origin: 'http://127.0.0.1:5580', 'sec-fetch-site': 'same-origin'}, true],
      [{'content-type': 'application/json; charset=utf-8', host, origin: 'http://127.0.0.1:5580'}, true],
      [{'content-type': json, host, 'sec-fetch-site': 'same-origin'}, true],
      [{'content-type': json, host, origin: 'http://evil.example'}, false],
      [{'content-type': json, host, origin: 'http://127.0.0.1:5580', 'sec-fetch-site': 'cross-site'}, false],
      [{'content-type': json, host, origin: 'http://127.0.0.1:5580', 'sec-fetch-site': 'same-site'}, false],
      [{'content-type': 'text/plain', host, origin: 'http://127.0.0.1:5580'}, false],
      [{'content-type': 'application/x-www-form-urlencoded', host, origin: 'http://127.0.0.1:5580'}, false],
      [{'content-type': json, host}, false],
      [{'content-type': json, host, origin: 'null'}, false],
    ]
    for (const [headers, allowed] of cases) assert.equal(sameOriginWrite(request(headers)), allowed, JSON.stringify(headers))
  })

  it("turns the `logs` palette's SGR codes into classes, keeping every character", () => {
    const cases: Array<[string, Array<[string, string]>]> = [
      ['plain', [['plain', '']]],
      ['\u001B[32mheroku[router]:\u001B[39m at=info', [['heroku[router]:', 'fg-32'], [' at=info', '']]],
      ['\u001B[31m\u001B[1mbad\u001B[22m\u001B[39m \u001B[2mk=\u001B[22m\u001B[3mv\u001B[23m', [['bad', 'fg-31 b'], [' ', ''], ['k=', 'd'], ['v', 'i']]],
      ['\u001B[96mx\u001B[0my', [['x', 'fg-96'], ['y', '']]],
    ]
    for (const [text, runs] of cases) assert.deepEqual(sgrRuns(text).map((run) => [run.text, run.classes]), runs, JSON.stringify(text))
  })

  it('reads a range bound in the chosen zone; relative and offset times as written', () => {
    assert.equal(boundFor('', 'utc'), undefined)
    assert.equal(boundFor(' 15m ', 'local'), '15m')
    assert.equal(boundFor('2024-05-01 12:30', 'utc'), '2024-05-01T12:30:00.000Z')
    assert.equal(boundFor('2024-05-01', 'utc'), '2024-05-01T00:00:00.000Z')
    assert.equal(boundFor('2024-05-01T12:30:15', 'local'), new Date(2024, 4, 1, 12, 30, 15).toISOString())
    assert.equal(boundFor('2024-05-01T12:30:00+02:00', 'local'), '2024-05-01T12:30:00+02:00')
  })
})
