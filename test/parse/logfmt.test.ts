import logfmt from 'logfmt'
import assert from 'node:assert/strict'

import {hasLogfmtPair, parseLogfmt, scanLogfmt} from '../../src/parse/logfmt.js'
import type {FieldValue, Fields} from '../../src/parse/record.js'
import {generate, messageOf} from '../helpers/corpus.js'

// Router line from https://devcenter.heroku.com/articles/error-codes (H12)
const ROUTER_H12 =
  'at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=6ms service=30001ms status=503 bytes=0'
// Runtime metrics from https://devcenter.heroku.com/articles/log-runtime-metrics
const RUNTIME_METRICS =
  'source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#memory_total=21.00MB sample#memory_rss=21.22MB sample#memory_cache=0.00MB sample#memory_swap=0.00MB sample#memory_pgpgin=348836pages sample#memory_pgpgout=343403pages'

describe('parseLogfmt', () => {
  const table: Array<[string, Fields]> = [
    ['', {}],
    ['   ', {}],
    ['a=1', {a: '1'}],
    ['a=1 b=two', {a: '1', b: 'two'}],
    ['  a=1    b=2  ', {a: '1', b: '2'}],
    ['flag', {flag: true}],
    ['a=1 flag b=2', {a: '1', b: '2', flag: true}],
    ['dyno=', {dyno: ''}],
    ['dyno= connect= service=', {connect: '', dyno: '', service: ''}],
    ['dyno=""', {dyno: ''}],
    ['a=b=c', {a: 'b=c'}],
    ['path="/x?status=5" status=200', {path: '/x?status=5', status: '200'}],
    ['desc="Request timeout" x=1', {desc: 'Request timeout', x: '1'}],
    [String.raw`msg="say \"hi\"" n=1`, {msg: 'say "hi"', n: '1'}],
    [String.raw`msg="back\\slash" n=1`, {msg: String.raw`back\slash`, n: '1'}],
    [String.raw`msg="ends with backslash\\" n=1`, {msg: 'ends with backslash\\', n: '1'}],
    [String.raw`path="C:\dir\file"`, {path: String.raw`C:\dir\file`}],
    [String.raw`msg="a\nb"`, {msg: String.raw`a\nb`}],
    [String.raw`a="x" b="y\"z" c="w"`, {a: 'x', b: 'y"z', c: 'w'}],
    [String.raw`p=C:\x q="v" r="s\\" t="u"`, {p: String.raw`C:\x`, q: 'v', r: 's\\', t: 'u'}],
    [String.raw`a=x\y`, {a: String.raw`x\y`}],
    // An unterminated quote does not swallow the rest: its value is the text up to the next space.
    ['msg="oops a=1 b=2', {a: '1', b: '2', msg: '"oops'}],
    ['a=1 msg="never closed', {a: '1', closed: true, msg: '"never'}],
    [String.raw`msg="escaped at the end\" a=1`, {a: '1', at: true, 'end\\"': true, msg: '"escaped', the: true}],
    ['a=x"y z"', {a: 'x"y', 'z"': true}],
    ['a="x"b c=1', {a: 'x', b: true, c: '1'}],
    ['a=true b=false', {a: 'true', b: 'false'}],
    ['n=42 f=1.5 neg=-3', {f: '1.5', n: '42', neg: '-3'}],
    ['a=1 a=2', {a: '2'}],
    ['a a=1', {a: '1'}],
    ['a=1 a', {a: true}],
    ['=x a=1', {a: '1'}],
    ['="quoted value" a=1', {a: '1'}],
    ['sql_error_code = 00000 LOG:', {'00000': true, 'LOG:': true, sql_error_code: true}],
    ['"a b"=c', {'"a': true, 'b"': 'c'}],
    ['sample#memory_total=21.00MB', {'sample#memory_total': '21.00MB'}],
    ['err.type=Timeout', {'err.type': 'Timeout'}],
    ['k=v\ttab', {k: 'v\ttab'}],
    ['emoji=🚀 ü=ß', {emoji: '🚀', ü: 'ß'}],
    ['nul=a\u0000b', {nul: 'a\u0000b'}],
    [ROUTER_H12, {
      at: 'error', bytes: '0', code: 'H12', connect: '6ms', desc: 'Request timeout', dyno: 'web.1', fwd: '17.17.17.17',
      host: 'myapp.herokuapp.com', method: 'GET', path: '/', service: '30001ms', status: '503',
    }],
    [RUNTIME_METRICS, {
      dyno: 'heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456', 'sample#memory_cache': '0.00MB',
      'sample#memory_pgpgin': '348836pages', 'sample#memory_pgpgout': '343403pages', 'sample#memory_rss': '21.22MB',
      'sample#memory_swap': '0.00MB', 'sample#memory_total': '21.00MB', source: 'web.1',
    }],
  ]
  for (const [line, fields] of table) {
    it(`parses ${JSON.stringify(line).slice(0, 80)}`, () => {
      assert.deepEqual(parseLogfmt(line), fields)
    })
  }

  it('keeps __proto__ and constructor as own fields without touching the prototype', () => {
    const fields = parseLogfmt('__proto__=x constructor=y')
    assert.equal(Object.getPrototypeOf(fields), Object.prototype)
    assert.deepEqual(Object.entries(fields), [['__proto__', 'x'], ['constructor', 'y']])
  })

  it('parses a 1 MB quoted value and 100,000 pairs in linear time', () => {
    const big = 'x'.repeat(1024 * 1024)
    assert.equal(parseLogfmt(`a="${big}" b=1`).a, big)
    const many = Array.from({length: 100_000}, (_, i) => `k${i}="v ${i}"`).join(' ')
    const fields = parseLogfmt(many)
    assert.equal(Object.keys(fields).length, 100_000)
    assert.equal(fields.k99999, 'v 99999')
  })
})

describe('hasLogfmtPair', () => {
  const table: Array<[string, boolean]> = [
    ['', false],
    ['Rendering post/list', false],
    ['a=1', true],
    ['flag a=', true],
    ['prose then k=v', true],
    ['=x', false],
    ['sql_error_code = 00000 LOG:  checkpoint starting: time', false],
    ['x = 1 then k=v', true],
    ['="a=b" only', false],
    ['= "a=b"', true],
    ['="a b" c=d', true],
  ]
  for (const [line, expected] of table) {
    it(`${JSON.stringify(line)} -> ${expected}`, () => {
      assert.equal(hasLogfmtPair(line), expected)
      const pairs = Object.keys(parseLogfmt(line)).filter((key) => parseLogfmt(line)[key] !== true)
      assert.equal(pairs.length > 0, expected, 'agrees with parseLogfmt')
    })
  }
})

describe('scanLogfmt', () => {
  const lines = [
    ROUTER_H12, RUNTIME_METRICS, 'path="/x?status=5" status=200', 'status=1 status=2', 'a=1 status', 'status',
    'msg="status=7"', String.raw`msg="q \" status=8" status=9`, 'xstatus=1 statusx=2', 'msg="oops status=3',
    'status= x=1', '=status status=4', 'a=b=status=5',
  ]
  const keys = ['status', 'path', 'msg', 'a', 'at', 'code', 'sample#memory_total', 'missing', 'x', '']
  for (const line of lines) {
    it(`finds what parseLogfmt finds in ${JSON.stringify(line).slice(0, 60)}`, () => {
      const fields = parseLogfmt(line)
      for (const key of keys) {
        const expected = Object.hasOwn(fields, key) ? fields[key] : undefined
        assert.equal(scanLogfmt(line, key), expected, key)
      }
    })
  }

  it('does not take a key inside a quoted value', () => {
    assert.equal(scanLogfmt('path="/x?status=5"', 'status'), undefined)
    assert.equal(scanLogfmt('path="/x?status=5" status=200', 'status'), '200')
  })
})

/**
 * Comparison with the `logfmt` package (the project owner's reference). We compare on every input whose
 * tokens have a shape where logfmt is right: keys without `"`, `=` or backslashes; values bare (no `"`,
 * `=` or backslash) or quoted without escapes. On those the two agree up to two documented conversions of
 * logfmt, which `normalise` applies to both sides: an empty value is `null` in logfmt (ours `''`), and
 * `true`/`false` values are booleans in logfmt (ours strings). See src/parse/logfmt.ts for the rest.
 */
const LOGFMT_IS_RIGHT = /^ *(?:[^ ="\\]+(?:=(?:[^ ="\\]*|"[^"\\]*"))?(?: +|$))*$/

function normalise(fields: Partial<Record<string, FieldValue | null>>): Record<string, FieldValue | null> {
  const out: Record<string, FieldValue | null> = {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value === '' ? null : value === 'true' ? true : value === 'false' ? false : (value ?? null)
  }

  return out
}

function assertAgreesWithLogfmt(line: string): void {
  assert.deepEqual(normalise(parseLogfmt(line)), normalise(logfmt.parse(line)), line)
}

describe('parseLogfmt against the logfmt package', () => {
  const agreeing = [
    ROUTER_H12, RUNTIME_METRICS, 'a=1', 'flag', 'a=1 flag b=2', 'dyno= connect=', 'a="" b="x y"', 'a=true b=false',
    'a=1 a=2', 'sample#db_size=26311544bytes', 'Rendering post/list', '  spaced   out  ', 'k="v=w"', 'emoji=🚀',
    // https://devcenter.heroku.com/articles/error-codes (H10)
    'at=error code=H10 desc="App crashed" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno= connect= service= status=503 bytes=',
  ]
  for (const line of agreeing) {
    it(`agrees on ${JSON.stringify(line).slice(0, 70)}`, () => {
      assert.match(line, LOGFMT_IS_RIGHT)
      assertAgreesWithLogfmt(line)
    })
  }

  const differing: Array<[string, Fields, unknown]> = [
    // [input, ours, logfmt's]
    ['a=b=c', {a: 'b=c'}, {a: 'bc'}],
    ['msg="oops a=1', {a: '1', msg: '"oops'}, {msg: 'oops a=1'}],
    ['a=x"y z"', {a: 'x"y', 'z"': true}, {a: 'xy z'}],
    ['a="x"b', {a: 'x', b: true}, {a: 'xb'}],
    [String.raw`a="c:\dir"`, {a: String.raw`c:\dir`}, {a: 'c:dir'}],
    [String.raw`a=x\ y`, {a: 'x\\', y: true}, {a: 'x y'}],
    ['k = v', {k: true, v: true}, {k: null, v: true}],
    ['"a b"=c', {'"a': true, 'b"': 'c'}, {'a b': 'c'}],
  ]
  for (const [line, ours, theirs] of differing) {
    it(`differs, as documented, on ${JSON.stringify(line)}`, () => {
      assert.doesNotMatch(line, LOGFMT_IS_RIGHT)
      assert.deepEqual(parseLogfmt(line), ours)
      assert.deepEqual({...logfmt.parse(line)}, theirs)
    })
  }

  it('agrees on every message of a generated corpus where logfmt is right', function () {
    const messages = generate(20_000, 7).map((line) => messageOf(line))
    let compared = 0
    for (const message of messages) {
      if (!LOGFMT_IS_RIGHT.test(message)) continue
      assertAgreesWithLogfmt(message)
      compared++
    }

    // Router lines, runtime and Postgres metrics, app logfmt and most prose: all but JSON and quoted prose.
    assert.ok(compared > messages.length * 0.6, `compared only ${compared} of ${messages.length}`)
  })
})
