import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {stripVTControlCharacters} from 'node:util'

import {Chalk} from 'chalk'

import {createPrettyFormatter, createPrettyLongLineFormatter} from '../../src/format/pretty.js'
import {parseFrame, parseLine} from '../../src/parse/line.js'
import {LogRecord} from '../../src/parse/record.js'
import {heroku, syslog, text} from './records.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
const EXAMPLE_LINES = readFileSync(new URL('../../examples/heroku.log', import.meta.url), 'utf8').split('\n').filter((line) => line !== '')
const EXAMPLE_FRAMES = readFileSync(new URL('../../examples/drain.logplex', import.meta.url), 'utf8').split('\n').filter((line) => line !== '')
/** `LEN <PRI>1 TIMESTAMP HOST APP PROCID MSGID MSG` as the Heroku line it stands for. */
const herokuLineOf = (frame: string) => frame.replace(/^\d+ <\d+>1 (\S+) \S+ (\S+) (\S+) - /, '$1 $2[$3]: ')

// SGR codes spelled out, not taken from chalk, so a change in chalk's output shows up here.
const E = '\u001b['
const dim = (s: string) => `${E}2m${s}${E}22m`
const key = (k: string) => dim(k + '=')
const red = (s: string) => `${E}31m${s}${E}39m`
const redBold = (s: string) => `${E}31m${E}1m${s}${E}22m${E}39m`
const green = (s: string) => `${E}32m${s}${E}39m`
const yellow = (s: string) => `${E}33m${s}${E}39m`
const blue = (s: string) => `${E}34m${s}${E}39m`
const magenta = (s: string) => `${E}35m${s}${E}39m`
const cyan = (s: string) => `${E}36m${s}${E}39m`
const gray = (s: string) => `${E}90m${s}${E}39m`
const greenBright = (s: string) => `${E}92m${s}${E}39m`
const yellowBright = (s: string) => `${E}93m${s}${E}39m`
const blueBright = (s: string) => `${E}94m${s}${E}39m`
const magentaBright = (s: string) => `${E}95m${s}${E}39m`

const ROUTER_H12 = `${TS} heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/api/users" host=demo.herokuapp.com request_id=0b1c fwd="1.2.3.4" dyno=web.1 connect=0ms service=30001ms status=503 bytes=0 protocol=https`
const router = (status: number, service: string) =>
  `${TS} heroku[router]: at=info method=POST path="/login" host=demo.herokuapp.com request_id=9f fwd="5.6.7.8" dyno=web.2 connect=1ms service=${service} status=${status} bytes=512 protocol=https`

/** The lines every exact test below draws on, also checked uncoloured and against stripped colour. */
const HEROKU_LINES = [
  ROUTER_H12,
  router(200, '23ms'),
  router(302, '150ms'),
  router(404, '2000ms'),
  `${TS} heroku[router]: at=warning code=H27 desc="Client Request Interrupted" method=GET path="/" host=a request_id=1 fwd="1" dyno= connect= service= status=499 bytes=`,
  `${TS} heroku[router]: Error H12 (Request timeout) -> GET demo.herokuapp.com/x dyno=web.1 queue= wait= service=30000ms status=503 bytes=0`,
  `${TS} app[web.1]: Listening on port 3000`,
  `${TS} app[worker.3]: Processed 12 jobs in 80ms`,
  `${TS} app[run.4521]: Running rake db:migrate`,
  `${TS} app[scheduler.2233]: Running nightly report`,
  `${TS} app[release.7]: Migrations done`,
  `${TS} app[api]: Release v123 created by user dev@example.com`,
  `${TS} app[heroku-postgres]: source=DATABASE addon=postgresql-curly-12345 sample#tables=12`,
  `${TS} app[postgres.1234]: [DATABASE] checkpoint starting: time`,
  `${TS} app[heroku-redis]: source=REDIS sample#active-connections=3`,
  `${TS} app[clock.1]: tick`,
  `${TS} app[web.1]: level=error msg="db timeout" user_id=42`,
  `${TS} app[web.2]: level=warn msg="slow query" duration_ms=812.5`,
  `${TS} app[web.1]: level=info msg="user login" user_id=337`,
  `${TS} app[web.1]: {"level":"info","msg":"cache hit","user_id":3907}`,
  `${TS} app[web.2]: {"level":"error","msg":"unhandled rejection","err":{"type":"TimeoutError"}}`,
  `${TS} heroku[web.2]: Error R14 (Memory quota exceeded)`,
  `${TS} app[web.1]: `,
  `2010-10-06T21:51:37-07:00 app[web.2]: Rendering post/list`,
]

describe('pretty formatter', () => {
  describe('with colour (level 1)', () => {
    const pretty = createPrettyFormatter(new Chalk({level: 1}))
    const format = (line: string) => pretty(heroku(line))

    it('router error: at=error and code bold red, desc one red token, 5xx red, slow service red, noise dim', () => {
      assert.equal(format(ROUTER_H12),
        '\u001b[2m2024-05-01T12:00:00.123456+00:00\u001b[22m \u001b[32mheroku[router]:\u001b[39m '
        + '\u001b[2mat=\u001b[22m\u001b[31m\u001b[1merror\u001b[22m\u001b[39m '
        + '\u001b[2mcode=\u001b[22m\u001b[31m\u001b[1mH12\u001b[22m\u001b[39m '
        + '\u001b[2mdesc=\u001b[22m\u001b[31m"Request timeout"\u001b[39m '
        + '\u001b[2mmethod=\u001b[22m\u001b[35mGET\u001b[39m '
        + '\u001b[2mpath=\u001b[22m\u001b[32m"/api/users"\u001b[39m '
        + '\u001b[2mhost=demo.herokuapp.com\u001b[22m '
        + '\u001b[2mrequest_id=0b1c\u001b[22m '
        + '\u001b[2mfwd="1.2.3.4"\u001b[22m '
        + '\u001b[2mdyno=\u001b[22m\u001b[36mweb.1\u001b[39m '
        + '\u001b[2mconnect=\u001b[22m\u001b[32m0ms\u001b[39m '
        + '\u001b[2mservice=\u001b[22m\u001b[31m30001ms\u001b[39m '
        + '\u001b[2mstatus=\u001b[22m\u001b[31m503\u001b[39m '
        + '\u001b[2mbytes=0\u001b[22m '
        + '\u001b[2mprotocol=https\u001b[22m')
    })

    const routerOk = (status: string, service: string) =>
      `${dim(TS)} ${green('heroku[router]:')} ${dim('at=info')} ${key('method')}${magenta('POST')} ${key('path')}${green('"/login"')} `
      + `${dim('host=demo.herokuapp.com')} ${dim('request_id=9f')} ${dim('fwd="5.6.7.8"')} ${key('dyno')}${cyan('web.2')} `
      + `${key('connect')}${green('1ms')} ${key('service')}${service} ${key('status')}${status} ${dim('bytes=512')} ${dim('protocol=https')}`

    it('router 2xx: status green, fast service green', () => {
      assert.equal(format(router(200, '23ms')), routerOk(green('200'), green('23ms')))
    })

    it('router 3xx: status cyan, service from 100 ms yellow', () => {
      assert.equal(format(router(302, '150ms')), routerOk(cyan('302'), yellow('150ms')))
    })

    it('router 4xx: status yellow, service from 1 s red', () => {
      assert.equal(format(router(404, '2000ms')), routerOk(yellow('404'), red('2000ms')))
    })

    it('router warning with empty values', () => {
      assert.equal(format(HEROKU_LINES[4]),
        `${dim(TS)} ${green('heroku[router]:')} ${key('at')}${yellow('warning')} ${key('code')}${redBold('H27')} `
        + `${key('desc')}${red('"Client Request Interrupted"')} ${key('method')}${magenta('GET')} ${key('path')}${green('"/"')} `
        + `${dim('host=a')} ${dim('request_id=1')} ${dim('fwd="1"')} ${dim('dyno=')} ${dim('connect=')} ${dim('service=')} `
        + `${key('status')}${yellow('499')} ${dim('bytes=')}`)
    })

    it('pre-2013 router error: the code stands out', () => {
      assert.equal(format(HEROKU_LINES[5]),
        `${dim(TS)} ${green('heroku[router]:')} ${redBold('Error')} ${redBold('H12')} (Request timeout) -> GET demo.herokuapp.com/x `
        + `${key('dyno')}${cyan('web.1')} ${dim('queue=')} ${dim('wait=')} ${key('service')}${red('30000ms')} ${key('status')}${red('503')} ${dim('bytes=0')}`)
    })

    it('colours the header by dyno type', () => {
      const header = (line: string) => format(line).slice(dim(TS).length + 1)
      assert.equal(header(HEROKU_LINES[6]), `${cyan('app[web.1]:')} Listening on port 3000`)
      assert.equal(header(HEROKU_LINES[7]), `${magenta('app[worker.3]:')} Processed 12 jobs in 80ms`)
      assert.equal(header(HEROKU_LINES[8]), `${yellow('app[run.4521]:')} Running rake db:migrate`)
      assert.equal(header(HEROKU_LINES[9]), `${yellowBright('app[scheduler.2233]:')} Running nightly report`)
      assert.equal(header(HEROKU_LINES[10]), `${greenBright('app[release.7]:')} Migrations done`)
      assert.equal(header(HEROKU_LINES[11]), `${blueBright('app[api]:')} Release v123 created by user dev@example.com`)
      assert.equal(header(HEROKU_LINES[12]),
        `${blue('app[heroku-postgres]:')} ${key('source')}DATABASE ${key('addon')}postgresql-curly-12345 ${key('sample#tables')}12`)
      assert.equal(header(HEROKU_LINES[13]), `${blue('app[postgres.1234]:')} [DATABASE] checkpoint starting: time`)
      assert.equal(header(HEROKU_LINES[14]), `${magentaBright('app[heroku-redis]:')} ${key('source')}REDIS ${key('sample#active-connections')}3`)
    })

    it('gives an unknown dyno type a colour by hash, the same for all its dynos', () => {
      assert.equal(format(HEROKU_LINES[15]), `${dim(TS)} ${magenta('app[clock.1]:')} tick`)
      assert.equal(format(`${TS} heroku[clock.2]: tick`), `${dim(TS)} ${magenta('heroku[clock.2]:')} tick`)
      assert.equal(format(`${TS} app[urgent.1]: tick`), `${dim(TS)} ${`${E}36m${E}1mapp[urgent.1]:${E}22m${E}39m`} tick`)
      assert.equal(createPrettyFormatter(new Chalk({level: 1}))(heroku(HEROKU_LINES[15])), format(HEROKU_LINES[15]))
    })

    it('error-level logfmt line: keys dim, values red', () => {
      assert.equal(format(HEROKU_LINES[16]),
        `${dim(TS)} ${cyan('app[web.1]:')} ${key('level')}${red('error')} ${key('msg')}${red('"db timeout"')} ${key('user_id')}${red('42')}`)
    })

    it('warn-level logfmt line: values yellow', () => {
      assert.equal(format(HEROKU_LINES[17]),
        `${dim(TS)} ${cyan('app[web.2]:')} ${key('level')}${yellow('warn')} ${key('msg')}${yellow('"slow query"')} ${key('duration_ms')}${yellow('812.5')}`)
    })

    it('info-level logfmt line: keys dim only', () => {
      assert.equal(format(HEROKU_LINES[18]),
        `${dim(TS)} ${cyan('app[web.1]:')} ${key('level')}info ${key('msg')}"user login" ${key('user_id')}337`)
    })

    it('JSON lines keep their text, coloured by level', () => {
      assert.equal(format(HEROKU_LINES[19]), `${dim(TS)} ${cyan('app[web.1]:')} {"level":"info","msg":"cache hit","user_id":3907}`)
      assert.equal(format(HEROKU_LINES[20]),
        `${dim(TS)} ${cyan('app[web.2]:')} ${red('{"level":"error","msg":"unhandled rejection","err":{"type":"TimeoutError"}}')}`)
    })

    it('platform error lines are red', () => {
      assert.equal(format(HEROKU_LINES[21]), `${dim(TS)} ${cyan('heroku[web.2]:')} ${red('Error R14 (Memory quota exceeded)')}`)
    })

    it('critical and debug levels', () => {
      assert.equal(format(`${TS} app[web.1]: level=fatal msg=down`),
        `${dim(TS)} ${cyan('app[web.1]:')} ${key('level')}${redBold('fatal')} ${key('msg')}${redBold('down')}`)
      assert.equal(format(`${TS} app[web.1]: {"level":"debug","msg":"cache miss"}`),
        `${dim(TS)} ${cyan('app[web.1]:')} ${dim('{"level":"debug","msg":"cache miss"}')}`)
    })

    it('keeps the space after the tag of an empty message', () => {
      assert.equal(format(HEROKU_LINES[22]), `${dim(TS)} ${cyan('app[web.1]:')} `)
    })

    it('prints a syslog record as a coloured Heroku line', () => {
      assert.equal(pretty(syslog({dyno: 'web.1', message: 'level=error msg=boom', source: 'app', timestamp: TS})),
        `${dim(TS)} ${cyan('app[web.1]:')} ${key('level')}${red('error')} ${key('msg')}${red('boom')}`)
      assert.equal(pretty(syslog({message: 'hello', source: 'logplex', timestamp: TS})), `${dim(TS)} ${gray('logplex:')} hello`)
    })

    it('prints a text record as its message, coloured by level', () => {
      assert.equal(pretty(text('just words')), 'just words')
      assert.equal(pretty(text('level=error msg=x')), `${key('level')}${red('error')} ${key('msg')}${red('x')}`)
    })

    it('prints a parsed syslog frame as a coloured Heroku line', () => {
      const frame = '113 <190>1 2024-05-01T12:00:01.003000+00:00 host app worker.1 - {"level":"warn","msg":"retry scheduled","attempt":3}'
      assert.equal(pretty(parseFrame(Buffer.from(frame + '\n'))),
        `${dim('2024-05-01T12:00:01.003000+00:00')} ${magenta('app[worker.1]:')} ${yellow('{"level":"warn","msg":"retry scheduled","attempt":3}')}`)
    })

    it('never changes the text', () => {
      for (const line of [...HEROKU_LINES, ...EXAMPLE_LINES]) assert.equal(stripVTControlCharacters(format(line)), line)
      for (const frame of EXAMPLE_FRAMES) {
        assert.equal(stripVTControlCharacters(pretty(parseFrame(Buffer.from(frame + '\n')))), herokuLineOf(frame))
      }
    })

    it('keeps a quoted value with spaces and escaped quotes one token', () => {
      const line = `${TS} heroku[router]: at=error code=H13 desc="Connection \\"closed\\" without response" status=503`
      assert.equal(format(line),
        `${dim(TS)} ${green('heroku[router]:')} ${key('at')}${redBold('error')} ${key('code')}${redBold('H13')} `
        + `${key('desc')}${red('"Connection \\"closed\\" without response"')} ${key('status')}${red('503')}`)
    })
  })

  describe('without colour (level 0)', () => {
    const plain = createPrettyFormatter(new Chalk({level: 0}))

    it('prints every Heroku line exactly as read', () => {
      for (const line of [...HEROKU_LINES, ...EXAMPLE_LINES]) assert.equal(plain(heroku(line)), line)
    })

    it('prints parsed syslog frames and lines as Heroku lines', () => {
      for (const frame of EXAMPLE_FRAMES) assert.equal(plain(parseFrame(Buffer.from(frame + '\n'))), herokuLineOf(frame))
      assert.equal(plain(parseLine(Buffer.from(`<190>1 ${TS} d.1234 app web.1 - Hello there\n`))), `${TS} app[web.1]: Hello there`)
      assert.equal(plain(parseLine(Buffer.from(`<190>1 ${TS} d.1234 app web.1 -\n`))), `${TS} app[web.1]: `)
    })

    it('prints syslog records as Heroku lines', () => {
      assert.equal(plain(syslog({dyno: 'web.1', message: 'Hello', source: 'app', timestamp: TS})), `${TS} app[web.1]: Hello`)
      assert.equal(plain(syslog({dyno: 'router', message: '', source: 'heroku', timestamp: TS})), `${TS} heroku[router]: `)
      assert.equal(plain(syslog({message: 'no procid', source: 'app', timestamp: TS})), `${TS} app: no procid`)
      assert.equal(plain(syslog({dyno: 'web.1', message: 'no app-name', timestamp: TS})), `${TS} [web.1]: no app-name`)
      assert.equal(plain(syslog({dyno: 'web.1', message: 'no time', source: 'app'})), 'app[web.1]: no time')
      assert.equal(plain(syslog({message: 'bare', timestamp: TS})), `${TS} bare`)
    })

    it('prints text records as their message', () => {
      assert.equal(plain(text('not a heroku line')), 'not a heroku line')
      assert.equal(plain(text('')), '')
    })

    it('keeps the space after the tag of an empty message, as the Heroku CLI prints it', () => {
      assert.equal(plain(heroku(`${TS} app[web.1]: `)), `${TS} app[web.1]: `)
      assert.equal(plain(new LogRecord(Buffer.from(`${TS} app[web.1]:\n`), {dyno: 'web.1', format: 'heroku', message: '', source: 'app', timestamp: TS})),
        `${TS} app[web.1]: `)
    })
  })

  describe('control characters in log text', () => {
    const coloured = createPrettyFormatter(new Chalk({level: 1}))
    const plain = createPrettyFormatter(new Chalk({level: 0}))

    it('shows them as less and cat -v do, coloured or not, so a line cannot drive the terminal; TAB and a multi-line message\'s LF stay', () => {
      for (const [message, shown] of [
        ['\u001B]0;pwned\u0007', '^[]0;pwned^G'],
        ['\u001B[2J\u001B[H cleared', '^[[2J^[[H cleared'],
        ['over\rwritten\u007F', 'over^Mwritten^?'],
        ['\u009B2J \u0000', '<U+009B>2J ^@'],
        ['a\tb\n  at frame', 'a\tb\n  at frame'],
      ]) {
        assert.equal(plain(heroku(`${TS} app[web.1]: ${message}`)), `${TS} app[web.1]: ${shown}`)
        assert.equal(coloured(heroku(`${TS} app[web.1]: ${message}`)), `${dim(TS)} ${cyan('app[web.1]:')} ${shown}`)
        assert.equal(plain(text(message)), shown)
      }

      assert.equal(plain(syslog({dyno: 'web\u001B[1m', message: 'm', source: 'a\u0007pp', timestamp: TS})), `${TS} a^Gpp[web^[[1m]: m`)
    })

    it('in a line too long to hold, slice by slice', () => {
      const long = createPrettyLongLineFormatter(new Chalk({level: 0}))
      const record = heroku(`${TS} app[web.1]: x`)
      assert.equal(long.message(record, 'x\u001B]0;t\u0007'), 'x^[]0;t^G')
    })
  })
})
