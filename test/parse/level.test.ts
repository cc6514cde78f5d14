import assert from 'node:assert/strict'

import {detectLevel} from '../../src/parse/level.js'
import {parseFrame, parseLine} from '../../src/parse/line.js'
import {LEVEL_NAMES, type LevelName, LogRecord, type RecordInit, type Severity} from '../../src/parse/record.js'
import {generate, generateRecords} from '../helpers/corpus.js'

function app(message: string): LogRecord {
  return parseLine(Buffer.from(`2024-05-01T12:00:00.000000+00:00 app[web.1]: ${message}\n`))
}

function herokuLine(dyno: string, message: string): LogRecord {
  return parseLine(Buffer.from(`2024-05-01T12:00:00.000000+00:00 heroku[${dyno}]: ${message}\n`))
}

function record(init: RecordInit): LogRecord {
  return new LogRecord(Buffer.from(init.message), init)
}

function level(r: LogRecord): LevelName {
  return LEVEL_NAMES[detectLevel(r)]
}

/** Every spelling the spec lists, with the level it stands for. */
const SPELLINGS: Array<[string, LevelName]> = [
  ['emerg', 'emerg'], ['emergency', 'emerg'], ['panic', 'emerg'], ['alert', 'alert'], ['crit', 'crit'], ['critical', 'crit'],
  ['fatal', 'crit'], ['err', 'error'], ['error', 'error'], ['warn', 'warn'], ['warning', 'warn'], ['notice', 'notice'],
  ['info', 'info'], ['information', 'info'], ['informational', 'info'], ['debug', 'debug'], ['trace', 'debug'],
]

describe('detectLevel: payload fields', () => {
  for (const [spelling, expected] of SPELLINGS) {
    for (const variant of [spelling, spelling.toUpperCase()]) {
      it(`${variant} in JSON and logfmt under every key -> ${expected}`, () => {
        for (const key of ['level', 'severity', 'lvl', 'log_level']) {
          assert.equal(level(app(`{"${key}":"${variant}","msg":"x"}`)), expected, `JSON ${key}`)
          assert.equal(level(app(`${key}=${variant} msg=x`)), expected, `logfmt ${key}`)
          assert.equal(level(app(`${key}="${variant}" msg="x"`)), expected, `quoted logfmt ${key}`)
        }
      })
    }
  }

  const numbers: Array<[string, LevelName]> = [
    // pino / bunyan under `level`, as numbers (JSON) and numeric strings (logfmt)
    ['{"level":60}', 'crit'], ['{"level":50}', 'error'], ['{"level":40}', 'warn'], ['{"level":30}', 'info'],
    ['{"level":20}', 'debug'], ['{"level":10}', 'debug'], ['{"level":35}', 'info'], ['level=50 msg=x', 'error'],
    ['level=60', 'crit'], ['{"level":"40"}', 'warn'],
    // syslog under `severity`
    ['{"severity":0}', 'emerg'], ['{"severity":3}', 'error'], ['{"severity":7}', 'debug'], ['severity=4 x=1', 'warn'],
    ['severity=2', 'crit'],
    // numbers out of range or under another key are not levels: the next rules (here: none) decide
    ['{"level":3}', 'info'], ['{"level":70}', 'info'], ['{"severity":8}', 'info'], ['{"severity":50}', 'info'],
    ['{"lvl":50}', 'info'], ['{"level":50.5}', 'info'], ['level=-1', 'info'], ['{"level":true}', 'info'],
  ]
  for (const [message, expected] of numbers) {
    it(`${message} -> ${expected}`, () => {
      assert.equal(level(app(message)), expected)
    })
  }

  it('takes the keys in order: level, severity, lvl, log_level', () => {
    assert.equal(level(app('{"severity":"error","level":"debug"}')), 'debug')
    assert.equal(level(app('lvl=error severity=warn')), 'warn')
    assert.equal(level(app('log_level=error lvl=info')), 'info')
    assert.equal(level(app('level=bogus severity=error')), 'error')
  })

  it('takes a payload level before a level word', () => {
    assert.equal(level(app('ERROR: x level=debug')), 'debug')
    assert.equal(level(app('DEBUG: event {"level":"error"}')), 'error')
  })

  it('ignores a level nested in JSON or inside a quoted value', () => {
    assert.equal(level(app('{"ctx":{"level":"error"}}')), 'info')
    assert.equal(level(app('msg="level=error" x=1')), 'info')
    assert.equal(level(app('path="/level/error" status=500')), 'info')
  })
})

describe('detectLevel: a leading level word', () => {
  for (const [spelling, expected] of SPELLINGS) {
    const upper = spelling.toUpperCase()
    const capitalised = spelling[0].toUpperCase() + spelling.slice(1)
    it(`${upper} / ${capitalised} / ${spelling} -> ${expected}`, () => {
      for (const message of [`${upper}: x`, `${capitalised}: x`, `${spelling}: x`, `[${upper}] x`, `[${spelling}] x`, `${upper} x`, upper, `  ${upper}: x`]) {
        assert.equal(level(app(message)), expected, message)
      }
    })
  }

  const table: Array<[string, LevelName]> = [
    // Python's logging default format
    ['ERROR:root:something broke', 'error'], ['WARNING:django.request:Not Found: /x', 'warn'], ['CRITICAL:app:down', 'crit'],
    // Ruby's Logger
    ['E, [2024-05-01T12:00:00.123456 #123] ERROR -- : boom', 'error'],
    ['W, [2024-05-01T12:00:00.123456 #123]  WARN -- app: careful', 'warn'],
    ['I, [2024-05-01T12:00:00.123456 #123]  INFO -- : fine', 'info'],
    ['D, [2024-05-01T12:00:00.123456 #123] DEBUG -- : detail', 'debug'],
    ['F, [2024-05-01T12:00:00.123456 #123] FATAL -- : dead', 'crit'],
    ['A, [2024-05-01T12:00:00.123456 #123]   ANY -- : always', 'alert'],
    ['U, [2024-05-01T12:00:00.123456 #123] UNKNOWN -- : always', 'alert'],
    ['E, [not a logger line] x', 'info'],
    // Node's uncaught errors
    ['Error: connect ECONNREFUSED 10.0.1.2:5432', 'error'],
    // Postgres as Heroku writes it: https://help.heroku.com/MJUI0JR0/ and the corpus generator's shape
    ['[DATABASE] [12-1]  sql_error_code = 57014 ERROR:  canceling statement due to statement timeout', 'error'],
    ['[DATABASE] [9-1]  sql_error_code = 00000 LOG:  checkpoint starting: time', 'info'],
    ['[121-1]  sql_error_code = 28000 FATAL:  no pg_hba.conf entry for host', 'crit'],
    ['[15521-1] [CHARCOAL] LOG: checkpoint starting: time', 'info'],
    ['[1113-2]  sql_error_code = 00000 DETAIL:  Last completed transaction', 'info'],
    ['[5-1]  sql_error_code = 00000 DEBUG2:  x', 'debug'],
    ['[12:00:00.123] WARN (app/123 on host): slow', 'warn'],
    // Ordinary words are not levels unless delimited.
    ['Info about x', 'info'], ['Errors were found', 'info'], ['Error while reading', 'info'], ['error handling done', 'info'],
    ['Warning signs ahead', 'info'], ['debugging x', 'info'], ['ERRORS: 3', 'info'], ['Fatalities: 0', 'info'],
    ['npm WARN config production Use `--omit=dev` instead.', 'info'], ['an ERROR: midway', 'info'],
    ['LOG x', 'info'], ['[WARNING ZONE] x', 'info'], ['[x] [y] [z] [w] [v] ERROR x', 'info'],
    ['', 'info'],
  ]
  for (const [message, expected] of table) {
    it(`${JSON.stringify(message).slice(0, 70)} -> ${expected}`, () => {
      assert.equal(level(app(message)), expected)
    })
  }

  it('reads a level word from a text record too', () => {
    assert.equal(level(parseLine(Buffer.from('WARN disk almost full\n'))), 'warn')
    assert.equal(level(parseLine(Buffer.from('Rendering post/list\n'))), 'info')
  })
})

describe('detectLevel: the first line of a crash report', () => {
  const table: Array<[string, LevelName]> = [
    // Node
    ["TypeError: Cannot read properties of undefined (reading 'id')", 'error'],
    ['ReferenceError: foo is not defined', 'error'], ['RangeError: Maximum call stack size exceeded', 'error'],
    ['SyntaxError: Unexpected token } in JSON at position 12', 'error'], ['Error: listen EADDRINUSE: address already in use :::3000', 'error'],
    ["Uncaught TypeError: Cannot read properties of null (reading 'x')", 'error'],
    ['Error [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string', 'error'],
    ['TypeError [ERR_INVALID_URL]: Invalid URL', 'error'],
    ['[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block.] {', 'error'],
    ['(node:42) UnhandledPromiseRejectionWarning: Error: boom', 'error'],
    ['UnhandledPromiseRejection: boom', 'error'],
    ['MongoServerError: E11000 duplicate key error', 'error'],
    // Python
    ['Traceback (most recent call last):', 'error'], ["KeyError: 'user_id'", 'error'], ['ZeroDivisionError: division by zero', 'error'],
    ['requests.exceptions.ConnectionError: HTTPSConnectionPool(host=x, port=443)', 'error'],
    ['psycopg2.OperationalError: could not connect to server', 'error'], ['ValueError', 'error'],
    ['django.core.exceptions.ImproperlyConfigured: x', 'info'], ['  File "/app/main.py", line 3, in <module>', 'info'],
    // Ruby
    ["NoMethodError (undefined method `name' for nil:NilClass):", 'error'], ['NameError (uninitialized constant Foo):', 'error'],
    ['ActionController::RoutingError (No route matches [GET] "/wp-login.php"):', 'error'],
    ['RuntimeError (boom):', 'error'], ['ActiveRecord::StatementInvalid (PG::UndefinedTable: ERROR: x)', 'info'],
    // Java
    ['Exception in thread "main" java.lang.NullPointerException', 'error'],
    ['Caused by: java.net.ConnectException: Connection refused', 'error'],
    ['java.lang.IllegalStateException: Expected BEGIN_OBJECT', 'error'], ['Exception: x', 'error'],
    // Prose keeps today's level: a name followed by a word, lower-case names, no delimiter.
    ['Error while reading', 'info'], ['TypeError thrown by the parser', 'info'], ['Error (retrying)', 'info'],
    ['Exception handling done', 'info'], ['typeError: x', 'info'], ['ERRORS: 3', 'info'], ['Errors: 3', 'info'],
    ['NoMethodError', 'error'], ['Error', 'info'], ['Uncaught exception handler installed', 'info'],
    ['Caused by the cache', 'info'], ['Traceback (none)', 'info'], ['(node:42) Warning: x', 'info'], ['(node) TypeError: x', 'info'],
    ['[TypeError] x', 'info'], ['http://example.com/TypeError: x', 'info'], ['Processed 118 jobs', 'info'],
    ['TypeErrorish: x', 'info'], ['Error.prototype: x', 'info'],
    // An explicit level wins over the pattern.
    ['TypeError: x level=warn', 'warn'], ['level=info msg="TypeError: x"', 'info'],
  ]
  for (const [message, expected] of table) {
    it(`${JSON.stringify(message).slice(0, 70)} -> ${expected}`, () => {
      assert.equal(level(app(message)), expected)
    })
  }

  it('takes a JSON level, a router\'s at= and a syslog PRI as they are', () => {
    assert.equal(level(app('{"level":"info","msg":"TypeError: x"}')), 'info')
    assert.equal(level(herokuLine('router', 'at=info method=GET path="/TypeError:" dyno=web.1 status=200')), 'info')
    assert.equal(level(parseLine(Buffer.from('<14>1 2024-05-01T12:00:00Z myhost myapp - - - TypeError: x\n'))), 'error')
  })
})

describe('detectLevel: Heroku signals', () => {
  const table: Array<[LogRecord, LevelName]> = [
    // https://devcenter.heroku.com/articles/error-codes
    [herokuLine('router', 'at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=6ms service=30001ms status=503 bytes=0'), 'error'],
    [herokuLine('router', 'at=error code=H10 desc="App crashed" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno= connect= service= status=503 bytes='), 'error'],
    [herokuLine('router', 'at=warning code=H15 desc="Idle connection" dyno=web.1 connect=1ms service=55449ms status=503 bytes=18'), 'warn'],
    // https://devcenter.heroku.com/articles/http-routing
    [herokuLine('router', 'at=info method=GET path="/" host=myapp.herokuapp.com fwd="204.204.204.204" dyno=web.1 connect=1ms service=18ms status=200 bytes=13'), 'info'],
    // a 500 the app returned is the app's status, not the router's level
    [herokuLine('router', 'at=info method=GET path="/boom" host=myapp.herokuapp.com dyno=web.1 connect=1ms service=18ms status=500 bytes=13'), 'info'],
    [herokuLine('router', 'method=GET path="/" at=error code=H13 status=503'), 'error'],
    // pre-2013 router lines: https://gist.github.com/jkvor/654399
    [herokuLine('router', 'Error H12 (Request timeout) -> GET growing-dusk-20.heroku.com/timeout dyno=web.1 queue=0 wait=0ms service=0ms bytes=0'), 'error'],
    [herokuLine('router', 'GET growing-dusk-20.heroku.com/ dyno=web.1 queue=0 wait=0ms service=7ms bytes=215'), 'info'],
    // https://devcenter.heroku.com/articles/error-codes (R14, R10, L10)
    [herokuLine('worker.1', 'Error R14 (Memory quota exceeded)'), 'error'],
    [herokuLine('web.1', 'Error R15 (Memory quota vastly exceeded)'), 'error'],
    [herokuLine('web.1', 'Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch'), 'error'],
    [herokuLine('logplex', 'Error L10 (output buffer overflow): 500 messages dropped since 2011-05-03T17:40:11+00:00.'), 'error'],
    [herokuLine('logplex', "Error L10 (output buffer overflow): drain 'd.00000000-0000-0000-0000-000000000000' dropped 500 messages since 2011-05-03T17:40:11+00:00."), 'error'],
    [herokuLine('web.1', 'Error L14 (certificate validation): error="bad certificate" uri="syslog+tls://logs.example.com:6514"'), 'error'],
    [app('at=error code=H99 desc="Platform error"'), 'error'],
    [app('code="R13" something'), 'error'],
    // https://devcenter.heroku.com/articles/log-runtime-metrics and .../heroku-postgres-metrics-logs
    [herokuLine('web.1', 'source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#memory_total=21.00MB sample#memory_rss=21.22MB'), 'info'],
    [app('source=HEROKU_POSTGRESQL_SILVER addon=postgresql-devcenter-123456 sample#current_transaction=54017686 sample#db_size=16012956319bytes'), 'info'],
    // https://devcenter.heroku.com/articles/error-codes (R14: the line before the error)
    [herokuLine('worker.1', 'Process running mem=1028MB(103.3%)'), 'warn'],
    [app('Process running mem=1028MB(103.3%)'), 'info'],
    [herokuLine('web.1', 'State changed from up to crashed'), 'error'],
    [herokuLine('web.1', 'State changed from crashed to starting'), 'info'],
    [herokuLine('web.1', 'State changed from starting to up'), 'info'],
    [herokuLine('web.1', 'Process exited with status 1'), 'info'],
    // not error codes
    [app('Error H1 short'), 'info'], [app('Error H123 too long'), 'info'], [app('Error X12 (other)'), 'info'],
    [app('zipcode=H12'), 'info'], [app('code=H12x'), 'info'], [app('Heroku H12 mention'), 'info'],
  ]
  for (const [r, expected] of table) {
    it(`${r.source}[${r.dyno}] ${r.message.slice(0, 60)} -> ${expected}`, () => {
      assert.equal(level(r), expected)
    })
  }
})

describe('detectLevel: syslog PRI', () => {
  const TS = '2024-05-01T12:00:00Z'
  const table: Array<[string, LevelName]> = [
    // not stamped by Heroku: PRI & 7 counts
    [`<11>1 ${TS} myhost myapp - - - something failed`, 'error'],
    [`<12>1 ${TS} myhost myapp - - - careful`, 'warn'],
    [`<13>1 ${TS} myhost mytag - ID [timeQuality tzKnown="1"] message`, 'notice'],
    [`<15>1 ${TS} myhost myapp - - - detail`, 'debug'],
    [`<8>1 ${TS} myhost myapp - - - the end`, 'emerg'],
    ['<11>Oct 11 22:14:15 myhost tag[1]: bsd', 'error'],
    // a level from the message beats PRI
    [`<11>1 ${TS} myhost myapp - - - INFO: fine`, 'info'],
    [`<15>1 ${TS} myhost myapp - - - level=error`, 'error'],
    // Heroku's fixed PRIs
    [`<40>1 ${TS} myhost app web.1 - - x`, 'info'],
    [`<158>1 ${TS} myhost heroku web.1 - - x`, 'info'],
    [`<172>1 ${TS} myhost heroku logplex - - x`, 'info'],
    [`<190>1 ${TS} myhost app web.1 - - x`, 'info'],
    // Heroku's HOSTNAMEs
    [`<11>1 ${TS} host app web.1 - x`, 'info'],
    [`<11>1 ${TS} d.00000000-0000-0000-0000-000000000000 app web.1 - - x`, 'info'],
  ]
  for (const [line, expected] of table) {
    it(`${line.slice(0, 60)} -> ${expected}`, () => {
      assert.equal(level(parseLine(Buffer.from(`${line}\n`))), expected)
      assert.equal(level(parseFrame(Buffer.from(`${Buffer.byteLength(line) + 1} ${line}\n`))), expected)
    })
  }

  it('uses no PRI when there is none', () => {
    assert.equal(detectLevel(record({format: 'text', message: 'x'})), 6 satisfies Severity)
  })
})

describe('detectLevel on a generated corpus', () => {
  it('agrees with the level the generator wrote for every record', () => {
    const lines = generate(30_000, 3)
    const truth = generateRecords(30_000, 3)
    const levels = new Set<string>()
    for (const [i, line] of lines.entries()) {
      const r = parseLine(Buffer.from(`${line}\n`))
      assert.equal(r.format, 'heroku', line)
      assert.equal(r.level, truth[i].level, line)
      levels.add(r.level)
    }

    assert.deepEqual([...levels].sort(), ['debug', 'error', 'info', 'warn'])
  })
})
