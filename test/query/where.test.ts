import assert from 'node:assert/strict'

import {compileQuery, QueryError} from '../../src/query/compile.js'
import {ALL, type LineName, NOW, table} from './fixtures.js'

const without = (...names: LineName[]): LineName[] => ALL.filter((name) => !names.includes(name))

describe('--where', () => {
  describe('KEY and !KEY', () => {
    table([
      {options: {where: ['status']}, expected: ['ok', 'upload', 'timeout', 'noDyno', 'jsonError']},
      {options: {where: ['err']}, expected: ['jsonError']},
      {options: {where: ['err.type']}, expected: ['jsonError']},
      {options: {where: ['err.stack']}, expected: []},
      {options: {where: ['user']}, expected: ['jsonError']},
      {options: {where: ['sample#memory_total']}, expected: ['memory1', 'memory2']},
      {options: {where: ['service']}, expected: ['ok', 'upload', 'timeout', 'noDyno']},
      {options: {where: ['!dyno']}, expected: without('ok', 'upload', 'timeout', 'noDyno', 'memory1', 'memory2')},
      {options: {where: ['!code']}, expected: without('timeout', 'noDyno')},
      {options: {where: ['! code']}, expected: without('timeout', 'noDyno')},
      {options: {where: ['code', 'desc']}, expected: ['timeout', 'noDyno']},
    ])
  })

  describe('KEY=VALUE and KEY!=VALUE', () => {
    table([
      {options: {where: ['status=200']}, expected: ['ok']},
      {options: {where: ['status = 200']}, expected: ['ok']},
      {options: {where: ['status=502']}, expected: ['jsonError']},
      {options: {where: ['status=502.0']}, expected: ['jsonError']},
      {options: {where: ['attempt=2']}, expected: ['jsonEvent']},
      {options: {where: ['status=20']}, expected: []},
      {options: {where: ['service=23ms']}, expected: ['ok']},
      {options: {where: ['service=0.023s']}, expected: []},
      {options: {where: ['dyno=web.1']}, expected: ['ok', 'timeout']},
      {options: {where: ['dyno=']}, expected: ['noDyno']},
      {options: {where: ['desc="Request timeout"']}, expected: ['timeout']},
      {options: {where: ['desc=Request timeout']}, expected: ['timeout']},
      {options: {where: ['desc=Request']}, expected: []},
      {options: {where: ['err.type=TimeoutError']}, expected: ['jsonError']},
      {options: {where: ['ok=true']}, expected: ['jsonEvent']},
      {options: {where: ['ok=false']}, expected: ['jsonError']},
      {options: {where: ['user=null']}, expected: ['jsonError']},
      {options: {where: ['err=TimeoutError']}, expected: []},
      {options: {where: ['source=DATABASE']}, expected: ['postgres']},
      {options: {where: ['key=user:42']}, expected: ['logfmtWarn']},
      {options: {where: ['status!=200']}, expected: without('ok')},
      {options: {where: ['status!=503', 'status']}, expected: ['ok', 'upload', 'jsonError']},
      {options: {where: ['dyno!=']}, expected: without('noDyno')},
      {options: {where: ['ok!=true']}, expected: without('jsonEvent')},
    ])
  })

  describe('KEY~REGEX and KEY!~REGEX', () => {
    table([
      {options: {where: ['code~^H1']}, expected: ['timeout', 'noDyno']},
      {options: {where: ['desc~timeout']}, expected: ['timeout']},
      {options: {where: ['desc~Timeout']}, expected: []},
      {options: {where: ['desc~Timeout'], ignoreCase: true}, expected: []},
      {options: {where: ['err.type~Timeout']}, expected: ['jsonError']},
      {options: {where: ['err~Timeout']}, expected: []},
      {options: {where: ['status~^5']}, expected: ['timeout', 'noDyno', 'jsonError']},
      {options: {where: ['ok~^t']}, expected: ['jsonEvent']},
      {options: {where: ['path~^/(reports|uploads)$']}, expected: ['upload', 'timeout']},
      {options: {where: ['code!~^H12$']}, expected: without('timeout')},
      {options: {where: ['path~/', 'status~^2']}, expected: ['ok', 'upload']},
    ])
  })

  describe('numeric comparisons', () => {
    table([
      {options: {where: ['status>=500']}, expected: ['timeout', 'noDyno', 'jsonError']},
      {options: {where: ['status >= 500']}, expected: ['timeout', 'noDyno', 'jsonError']},
      {options: {where: ['status>503']}, expected: []},
      {options: {where: ['status<300']}, expected: ['ok', 'upload']},
      {options: {where: ['status<=201']}, expected: ['ok', 'upload']},
      {options: {where: ['status>-1']}, expected: ['ok', 'upload', 'timeout', 'noDyno', 'jsonError']},
      {options: {where: ['status>=5e2']}, expected: ['timeout', 'noDyno', 'jsonError']},
      {options: {where: ['sample#load_avg_1m>1']}, expected: ['memory2']},
      {options: {where: ['sample#load_avg_1m<.5']}, expected: ['memory1']},
      {options: {where: ['sample#active-connections>=5']}, expected: ['postgres']},
      {options: {where: ['desc>1']}, expected: []},
      {options: {where: ['err>1']}, expected: []},
      {options: {where: ['ok>0']}, expected: []},
      {options: {where: ['user>=0']}, expected: []},
    ])
  })

  describe('time units', () => {
    table([
      {options: {where: ['service>500ms']}, expected: ['upload', 'timeout']},
      {options: {where: ['service>=1s']}, expected: ['upload', 'timeout']},
      {options: {where: ['service>1.2s']}, expected: ['timeout']},
      {options: {where: ['service>=1.2s']}, expected: ['upload', 'timeout']},
      {options: {where: ['service<1s']}, expected: ['ok']},
      {options: {where: ['service<1min']}, expected: ['ok', 'upload', 'timeout']},
      {options: {where: ['service<0.5m']}, expected: ['ok', 'upload']},
      {options: {where: ['service<1h']}, expected: ['ok', 'upload', 'timeout']},
      {options: {where: ['service>=23000us']}, expected: ['ok', 'upload', 'timeout']},
      {options: {where: ['service>23000\u00B5s']}, expected: ['upload', 'timeout']},
      {options: {where: ['service>23000\u03BCs']}, expected: ['upload', 'timeout']},
      {options: {where: ['service>500']}, expected: ['upload', 'timeout']},
      {options: {where: ['service>1MB']}, expected: []},
      {options: {where: ['service<1MB']}, expected: []},
      {options: {where: ['connect>=1ms']}, expected: ['upload']},
      {options: {where: ['connect<=0ms']}, expected: ['ok', 'timeout']},
      {options: {where: ['elapsed>1s']}, expected: ['jsonError']},
      {options: {where: ['elapsed<1s']}, expected: ['logfmtWarn']},
      {options: {where: ['elapsed<=12000us']}, expected: ['logfmtWarn']},
      {options: {where: ['elapsed>10']}, expected: ['logfmtWarn']},
      {options: {where: ['elapsed<10']}, expected: ['jsonError']},
      {options: {where: ['duration_ms>1s']}, expected: ['jsonError']},
      {options: {where: ['duration_ms>=2s']}, expected: []},
      {options: {where: ['duration_ms>1000']}, expected: ['jsonError']},
      {options: {where: ['status>=500', 'service>1s']}, expected: ['timeout']},
    ])
  })

  describe('byte and count units (1024-based)', () => {
    table([
      {options: {where: ['bytes>=1MB']}, expected: ['upload']},
      {options: {where: ['bytes>=2MiB']}, expected: ['upload']},
      {options: {where: ['bytes>2MB']}, expected: []},
      {options: {where: ['bytes<1KB']}, expected: ['timeout']},
      {options: {where: ['bytes>5kB']}, expected: ['ok', 'upload']},
      {options: {where: ['bytes>5.76KiB']}, expected: ['upload']},
      {options: {where: ['bytes>5898B']}, expected: ['upload']},
      {options: {where: ['bytes>=5898bytes']}, expected: ['ok', 'upload']},
      {options: {where: ['bytes>=1TB']}, expected: []},
      {options: {where: ['sample#memory_total>400MB']}, expected: ['memory2']},
      {options: {where: ['sample#memory_total>400MiB']}, expected: ['memory2']},
      {options: {where: ['sample#memory_total<=211.32MB']}, expected: ['memory1']},
      {options: {where: ['sample#memory_total>0.4GB']}, expected: ['memory2']},
      {options: {where: ['sample#memory_total>400']}, expected: ['memory2']},
      {options: {where: ['sample#memory_total>400s']}, expected: []},
      {options: {where: ['sample#memory_pgpgin>50000pages']}, expected: ['memory2']},
      {options: {where: ['sample#memory_pgpgin>50000']}, expected: ['memory2']},
      {options: {where: ['sample#memory_pgpgin>50000B']}, expected: []},
      {options: {where: ['sample#db_size>1GB']}, expected: ['postgres']},
      {options: {where: ['sample#db_size>1.2GiB']}, expected: ['postgres']},
      {options: {where: ['sample#db_size>1.21GiB']}, expected: []},
      {options: {where: ['sample#memory-total>3GiB']}, expected: ['postgres']},
      {options: {where: ['sample#memory-free<1.5GB']}, expected: ['postgres']},
      {options: {where: ['sample#memory-free<1.4GB']}, expected: []},
    ])
  })

  describe('bad expressions', () => {
    const grammar = 'expected KEY OP VALUE with OP one of = != > >= < <= ~ !~, KEY alone, or !KEY'
    const cases: Array<{expression: string; message: RegExp | string}> = [
      {expression: 'status>>5', message: `--where "status>>5": ${grammar}`},
      {expression: 'status==200', message: `--where "status==200": ${grammar}`},
      {expression: 'status!==200', message: `--where "status!==200": ${grammar}`},
      {expression: 'status>=<5', message: `--where "status>=<5": ${grammar}`},
      {expression: 'status>', message: `--where "status>": ${grammar}`},
      {expression: 'status<=', message: `--where "status<=": ${grammar}`},
      {expression: '=200', message: `--where "=200": ${grammar}`},
      {expression: '>5', message: `--where ">5": ${grammar}`},
      {expression: '', message: `--where "": ${grammar}`},
      {expression: '!', message: `--where "!": ${grammar}`},
      {expression: '!status=200', message: `--where "!status=200": ${grammar}`},
      {expression: 'sta tus=200', message: `--where "sta tus=200": ${grammar}`},
      {expression: 'status>fast', message: /^--where "status>fast": expected a number after >, optionally with a unit \(us µs μs ms s m min h B bytes kB KB KiB MB MiB GB GiB TB TiB pages\)$/},
      {expression: 'service>=5parsecs', message: /^--where "service>=5parsecs": expected a number after >=, optionally with a unit/},
      {expression: 'bytes>1 MB', message: /^--where "bytes>1 MB": expected a number after >/},
      {expression: 'bytes<1mb', message: /^--where "bytes<1mb": expected a number after </},
      {expression: 'service<=1e', message: /^--where "service<=1e": expected a number after <=/},
      {expression: 'service>Infinity', message: /^--where "service>Infinity": expected a number/},
      {expression: 'err.type~(', message: /^--where "err.type~\(": expected a JavaScript regular expression \(Unterminated group\)$/},
      {expression: 'path!~[', message: /^--where "path!~\[": expected a JavaScript regular expression/},
    ]

    for (const {expression, message} of cases) {
      it(`rejects ${JSON.stringify(expression)}`, () => {
        assert.throws(
          () => compileQuery({now: NOW, where: ['status', expression]}),
          (error: unknown) => {
            assert.ok(error instanceof QueryError)
            assert.equal(error.flag, '--where')
            assert.equal(error.expression, expression)
            if (typeof message === 'string') assert.equal(error.message, message)
            else assert.match(error.message, message)
            return true
          },
        )
      })
    }
  })
})
