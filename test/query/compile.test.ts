import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {compileQuery, MATCH_ALL, type QueryOptions, QueryError} from '../../src/query/compile.js'
import {ALL, LINES, NOW, recordOf, table} from './fixtures.js'

const APP = ['postgres', 'jsonError', 'jsonEvent', 'logfmtWarn', 'text', 'oneOff'] as const
const HEROKU = ['ok', 'upload', 'timeout', 'noDyno', 'memory1', 'memory2', 'release', 'crashed'] as const
const ROUTER = ['ok', 'upload', 'timeout', 'noDyno'] as const

describe('compileQuery', () => {
  describe('no conditions', () => {
    it('is the constant MATCH_ALL', () => {
      assert.equal(compileQuery({now: NOW}), MATCH_ALL)
      assert.equal(compileQuery({dyno: [], exclude: [], grep: [], now: NOW, source: [], where: []}), MATCH_ALL)
      assert.equal(compileQuery({ignoreCase: true, now: NOW}), MATCH_ALL)
    })

    it('is MATCH_ALL for --level debug, which every record passes', () => {
      assert.equal(compileQuery({level: 'debug', now: NOW}), MATCH_ALL)
      assert.equal(compileQuery({level: 'trace', now: NOW}), MATCH_ALL)
    })

    it('matches every line', () => {
      for (const name of ALL) assert.equal(MATCH_ALL(recordOf(LINES[name])), true)
    })
  })

  describe('--source', () => {
    table([
      {options: {source: ['app']}, expected: APP},
      {options: {source: ['heroku']}, expected: HEROKU},
      {options: {source: ['app,heroku']}, expected: ALL.filter((name) => name !== 'stray')},
      {options: {source: ['app', 'heroku']}, expected: ALL.filter((name) => name !== 'stray')},
      {options: {source: [' app , heroku ']}, expected: ALL.filter((name) => name !== 'stray')},
      {options: {source: ['!heroku']}, expected: [...APP, 'stray']},
      {options: {source: ['ap']}, expected: []},
      {options: {source: ['app,!app']}, expected: []},
    ])
  })

  describe('--dyno', () => {
    table([
      {options: {dyno: ['router']}, expected: ROUTER},
      {options: {dyno: ['!router']}, expected: ALL.filter((name) => !(ROUTER as readonly string[]).includes(name))},
      {options: {dyno: ['web']}, expected: ['memory1', 'memory2', 'jsonError', 'logfmtWarn', 'crashed']},
      {options: {dyno: ['web.1']}, expected: ['memory1', 'jsonError']},
      {options: {dyno: ['web,!web.2']}, expected: ['memory1', 'jsonError']},
      {options: {dyno: ['web', '!web.2']}, expected: ['memory1', 'jsonError']},
      {options: {dyno: ['worker', 'run']}, expected: ['jsonEvent', 'text', 'oneOff']},
      {options: {dyno: ['run.4521,api']}, expected: ['release', 'oneOff']},
      {options: {dyno: ['heroku-postgres']}, expected: ['postgres']},
      {options: {dyno: ['heroku']}, expected: []},
      {options: {dyno: ['we']}, expected: []},
      {options: {dyno: ['web.']}, expected: []},
      {options: {dyno: ['!router,!web']}, expected: ['postgres', 'jsonEvent', 'text', 'release', 'oneOff', 'stray']},
    ])
  })

  describe('--level', () => {
    const warnOrWorse = ['timeout', 'noDyno', 'jsonError', 'logfmtWarn', 'crashed'] as const
    const errorOrWorse = ['timeout', 'noDyno', 'jsonError', 'crashed'] as const
    table([
      {options: {level: 'warn'}, expected: warnOrWorse},
      {options: {level: 'warning'}, expected: warnOrWorse},
      {options: {level: 'WARN'}, expected: warnOrWorse},
      {options: {level: 'error'}, expected: errorOrWorse},
      {options: {level: 'err'}, expected: errorOrWorse},
      {options: {level: 'crit'}, expected: []},
      {options: {level: 'fatal'}, expected: []},
      {options: {level: 'emerg'}, expected: []},
    ])
  })

  describe('--grep and --exclude', () => {
    table([
      {options: {grep: ['timeout']}, expected: ['timeout']},
      {options: {grep: ['timeout'], ignoreCase: true}, expected: ['timeout', 'jsonError']},
      {options: {grep: ['H12', 'crashed$']}, expected: ['timeout', 'crashed']},
      {options: {grep: ['^Running ']}, expected: ['oneOff']},
      {options: {grep: ['']}, expected: 'all'},
      {options: {exclude: ['^at=', 'sample#']}, expected: ['jsonError', 'jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff', 'stray']},
      {options: {exclude: ['TIMEOUT']}, expected: 'all'},
      {options: {exclude: ['TIMEOUT'], ignoreCase: true}, expected: ALL.filter((name) => name !== 'timeout' && name !== 'jsonError')},
      {options: {exclude: ['status=200'], grep: ['status']}, expected: ['upload', 'timeout', 'noDyno', 'jsonError']},
    ])
  })

  describe('--since and --until', () => {
    const timed = ALL.filter((name) => name !== 'stray')
    table([
      {options: {since: '5m'}, expected: timed},
      {options: {since: '300s'}, expected: timed},
      {options: {since: '4m'}, expected: timed.slice(timed.indexOf('noDyno'))},
      {options: {since: '30s'}, expected: ['jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {since: '0.5m'}, expected: ['jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {until: '4m'}, expected: ['ok', 'upload', 'timeout']},
      {options: {until: '1h'}, expected: []},
      {options: {since: '1h', until: '2m'}, expected: ['ok', 'upload', 'timeout', 'noDyno', 'memory1', 'memory2']},
      {options: {since: '3d'}, expected: timed},
      {options: {since: '1w'}, expected: timed},
      {options: {until: '1d'}, expected: []},
      {options: {since: '2024-05-01T12:02:00Z', until: '2024-05-01T12:04:00Z'}, expected: ['memory1', 'memory2', 'postgres']},
      {options: {since: '2024-05-01T05:02:00-07:00', until: '2024-05-01T14:04:00+02:00'}, expected: ['memory1', 'memory2', 'postgres']},
      {options: {since: '2024-05-01 12:02:00z', until: '2024-05-01t12:04:00+0000'}, expected: ['memory1', 'memory2', 'postgres']},
      {options: {since: '2024-05-01T12:02', until: '2024-05-01T12:04'}, expected: ['memory1', 'memory2', 'postgres']},
      {options: {since: '2024-05-01T12:08:00Z', until: '2024-05-01T12:09:00Z'}, expected: ['crashed']},
      {options: {since: '2024-05-01T12:04:00.5Z'}, expected: ['jsonError', 'jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {since: '2024-05-01T12:04:00.500001Z'}, expected: ['jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {since: '2024-05-01T12:04:00.500000Z'}, expected: ['jsonError', 'jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {since: '2024-05-01T12:04:00.501Z'}, expected: ['jsonEvent', 'logfmtWarn', 'text', 'release', 'crashed', 'oneOff']},
      {options: {until: '2024-05-01T12:00:00.124Z'}, expected: ['ok']},
      {options: {until: '2024-05-01T12:00:00.123Z'}, expected: []},
      {options: {since: '2024-05-01'}, expected: timed},
      {options: {since: '2024-05-02'}, expected: []},
      {options: {until: '2024-05-02'}, expected: timed},
      {options: {until: '2024-05-01'}, expected: []},
    ])
  })

  describe('--since and --until below the millisecond (Heroku writes microseconds)', () => {
    const lines = ['.000100', '.000500', '.000900', '.001000', '.001', ''].map((fraction) => `2024-05-01T12:00:00${fraction}+00:00 app[web.1]: ${fraction || 'whole'}`)
    const kept = (options: Omit<QueryOptions, 'now'>) => {
      const predicate = compileQuery({...options, now: NOW})
      return lines.map((line) => parseLine(Buffer.from(line))).filter((record) => predicate(record)).map((record) => record.message)
    }

    const cases: Array<[Omit<QueryOptions, 'now'>, string[]]> = [
      [{until: '2024-05-01T12:00:00.000500Z'}, ['.000100', 'whole']],
      [{since: '2024-05-01T12:00:00.000500Z'}, ['.000500', '.000900', '.001000', '.001']],
      [{since: '2024-05-01T12:00:00.000900Z', until: '2024-05-01T12:00:00.001000Z'}, ['.000900']],
      [{since: '2024-05-01T12:00:00.0009Z', until: '2024-05-01T12:00:00.001Z'}, ['.000900']],
      [{since: '2024-05-01T11:00:00.000100-01:00', until: '2024-05-01T12:00:00.000100001Z'}, ['.000100']],
      [{since: '2024-05-01T12:00:00.001Z'}, ['.001000', '.001']],
      [{until: '2024-05-01T12:00:00.001Z'}, ['.000100', '.000500', '.000900', 'whole']],
    ]
    for (const [options, expected] of cases) {
      it(JSON.stringify(options), () => assert.deepEqual(kept(options), expected))
    }

    it('refuses a window that is empty below the millisecond', () => {
      assert.throws(() => compileQuery({now: NOW, since: '2024-05-01T12:00:00.000500Z', until: '2024-05-01T12:00:00.0005Z'}), QueryError)
    })
  })

  describe('--grep patterns that need Unicode mode', () => {
    const record = parseLine(Buffer.from('2024-05-01T12:00:00Z app[web.1]: Café ÜBER straße 😀 end'))
    const cases: Array<[Omit<QueryOptions, 'now'>, boolean]> = [
      [{grep: [String.raw`\p{Lu}{4}`]}, true],
      [{grep: [String.raw`\p{Script=Greek}`]}, false],
      [{grep: ['^Café ÜBER straße .{1} end$']}, true],
      [{grep: [String.raw`\u{1F600}`]}, true],
      [{grep: ['über'], ignoreCase: true}, true],
      // Not valid in Unicode mode: read as it always was.
      [{grep: [String.raw`Caf\é`]}, true],
    ]
    for (const [options, expected] of cases) {
      it(JSON.stringify(options), () => assert.equal(compileQuery({...options, now: NOW})(record), expected))
    }
  })

  describe('combining', () => {
    table([
      {options: {dyno: ['web'], source: ['app']}, expected: ['jsonError', 'logfmtWarn']},
      {options: {dyno: ['router'], grep: ['H1'], where: ['status>=500']}, expected: ['timeout', 'noDyno']},
      {options: {level: 'error', source: ['app']}, expected: ['jsonError']},
      {options: {dyno: ['web.2', 'router'], level: 'warn'}, expected: ['timeout', 'noDyno', 'logfmtWarn', 'crashed']},
      {options: {dyno: ['!router'], exclude: ['^source='], since: '2m', until: '2024-05-01T12:07:00Z'}, expected: ['jsonError', 'jsonEvent', 'logfmtWarn', 'text']},
      {options: {grep: ['job', 'payment'], ignoreCase: true, level: 'warn', since: '2024-05-01'}, expected: ['jsonError']},
    ])
  })

  describe('bad input', () => {
    const cases: Array<{options: Omit<QueryOptions, 'now'>; flag: string; expression: string; message: RegExp}> = [
      {options: {level: 'verbose'}, flag: '--level', expression: 'verbose', message: /^--level "verbose": expected a level name: emerg, .*\bwarn, warning\b.*, trace$/},
      {options: {level: ''}, flag: '--level', expression: '', message: /^--level "": expected a level name/},
      {options: {level: '4'}, flag: '--level', expression: '4', message: /^--level "4": expected a level name/},
      {options: {grep: ['ok', '(']}, flag: '--grep', expression: '(', message: /^--grep "\(": expected a JavaScript regular expression \(Unterminated group\)$/},
      {options: {grep: ['[a-']}, flag: '--grep', expression: '[a-', message: /^--grep "\[a-": expected a JavaScript regular expression/},
      {options: {exclude: ['*.js']}, flag: '--exclude', expression: '*.js', message: /^--exclude "\*\.js": expected a JavaScript regular expression \(Nothing to repeat\)$/},
      {options: {since: 'yesterday'}, flag: '--since', expression: 'yesterday', message: /^--since "yesterday": expected an RFC 3339 time \(.*\) or a duration before now \(30s, 15m, 2h, 3d, 1w\)$/},
      {options: {since: '15'}, flag: '--since', expression: '15', message: /^--since "15": expected an RFC 3339 time/},
      {options: {since: '15 m'}, flag: '--since', expression: '15 m', message: /^--since "15 m": expected/},
      {options: {since: '-5m'}, flag: '--since', expression: '-5m', message: /^--since "-5m": expected/},
      {options: {since: '15ms'}, flag: '--since', expression: '15ms', message: /^--since "15ms": expected/},
      {options: {until: '2024-13-01'}, flag: '--until', expression: '2024-13-01', message: /^--until "2024-13-01": expected an RFC 3339 time/},
      {options: {until: '2024-02-30'}, flag: '--until', expression: '2024-02-30', message: /^--until "2024-02-30": expected/},
      {options: {until: '2024-05-01T24:00:00Z'}, flag: '--until', expression: '2024-05-01T24:00:00Z', message: /^--until "2024-05-01T24:00:00Z": expected/},
      {options: {until: '2024-05-01T12:60:00Z'}, flag: '--until', expression: '2024-05-01T12:60:00Z', message: /expected/},
      {options: {until: '2024-05-01T12:00:00+24:00'}, flag: '--until', expression: '2024-05-01T12:00:00+24:00', message: /expected/},
      {options: {until: '2024-05-01T12:00:00.Z'}, flag: '--until', expression: '2024-05-01T12:00:00.Z', message: /expected/},
      {options: {until: '05/01/2024'}, flag: '--until', expression: '05/01/2024', message: /expected/},
      {options: {since: '1m', until: '2m'}, flag: '--since', expression: '1m', message: /^--since "1m": expected a time before --until "2m"$/},
      {options: {since: '2024-05-01T12:00:00Z', until: '2024-05-01T12:00:00Z'}, flag: '--since', expression: '2024-05-01T12:00:00Z', message: /before --until/},
      {options: {source: ['app,']}, flag: '--source', expression: 'app,', message: /^--source "app,": expected a comma-separated list of sources, each optionally prefixed with ! to exclude it$/},
      {options: {source: ['']}, flag: '--source', expression: '', message: /^--source "": expected a comma-separated list of sources/},
      {options: {dyno: ['web', '!']}, flag: '--dyno', expression: '!', message: /^--dyno "!": expected a comma-separated list of dynos/},
      {options: {dyno: ['web,,worker']}, flag: '--dyno', expression: 'web,,worker', message: /^--dyno "web,,worker": expected/},
    ]

    for (const {options, flag, expression, message} of cases) {
      it(`rejects ${JSON.stringify(options)}`, () => {
        assert.throws(
          () => compileQuery({...options, now: NOW}),
          (error: unknown) => {
            assert.ok(error instanceof QueryError)
            assert.equal(error.name, 'QueryError')
            assert.equal(error.flag, flag)
            assert.equal(error.expression, expression)
            assert.match(error.message, message)
            return true
          },
        )
      })
    }
  })
})
