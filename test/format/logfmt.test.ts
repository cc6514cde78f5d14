import assert from 'node:assert/strict'

import logfmt from 'logfmt'

import {formatLogfmt} from '../../src/format/logfmt.js'
import {heroku, syslog, text} from './records.js'

const TS = '2024-05-01T12:00:00.123456+00:00'

describe('formatLogfmt', () => {
  it('writes a router line with record keys first and clashing fields as fields.KEY', () => {
    const line = `${TS} heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/a b" dyno=web.1 service=30001ms status=503`
    assert.equal(formatLogfmt(heroku(line)),
      `timestamp=${TS} source=heroku dyno=router level=error `
      + 'message="at=error code=H12 desc=\\"Request timeout\\" method=GET path=\\"/a b\\" dyno=web.1 service=30001ms status=503" '
      + 'at=error code=H12 desc="Request timeout" method=GET path="/a b" fields.dyno=web.1 service=30001ms status=503')
  })

  it('flattens nested JSON to dotted keys and keeps arrays as JSON', () => {
    const message = '{"level":"error","msg":"db timeout","user_id":42,"ok":true,"err":{"type":"TimeoutError","ctx":{"query":"a = b"}},"tags":["x","y"],"none":null,"empty":"","obj":{}}'
    assert.equal(formatLogfmt(heroku(`${TS} app[web.1]: ${message}`)),
      `timestamp=${TS} source=app dyno=web.1 level=error message="${message.replaceAll('"', '\\"')}" `
      + 'fields.level=error msg="db timeout" user_id=42 ok=true err.type=TimeoutError err.ctx.query="a = b" '
      + 'tags="[\\"x\\",\\"y\\"]" none= empty="" obj={}')
  })

  it('leaves out the header parts a record lacks', () => {
    assert.equal(formatLogfmt(text('plain words')), 'level=info message="plain words"')
    assert.equal(formatLogfmt(syslog({message: 'x', source: 'app'})), 'source=app level=info message=x')
  })

  it('keeps one line when values hold newlines, tabs or other control characters', () => {
    const out = formatLogfmt(heroku(`${TS} app[web.1]: {"stack":"Error: boom\\n    at main\\tx\\r","bell":"\\u0007"}`))
    assert.ok(!/[\u0000-\u001F]/.test(out), out)
    assert.equal(logfmt.parse(out).stack, 'Error: boom\\n    at main\\tx\\r')
    assert.equal(logfmt.parse(out).bell, '\\u0007')
  })

  it('keeps the record keys first even when a field key looks like a number', () => {
    assert.equal(formatLogfmt(heroku(`${TS} app[web.1]: {"404":2}`)), `timestamp=${TS} source=app dyno=web.1 level=info message="{\\"404\\":2}" 404=2`)
  })

  it('keeps a field named __proto__', () => {
    assert.match(formatLogfmt(heroku(`${TS} app[web.1]: {"__proto__":"x"}`)), / __proto__=x$/)
  })

  it('makes unsafe keys safe', () => {
    assert.equal(formatLogfmt(heroku(`${TS} app[web.1]: {"user id":1,"a=b":2,"q\\"":3,"":4}`)).replace(/^.* message="[^]*" /, ''),
      'user_id=1 a_b=2 q_=3 _=4')
  })

  describe('round trip through logfmt.parse', () => {
    const lines = [
      `${TS} heroku[router]: at=info method=GET path="/search?q=a b" host=demo.herokuapp.com fwd="1.2.3.4" dyno=web.1 connect=0ms service=5ms status=200 bytes=10`,
      `${TS} heroku[router]: at=error code=H13 desc="Connection \\"closed\\" without response" dyno= connect= service= status=503`,
      `${TS} app[web.1]: level=warn msg="retry = scheduled" path=C:\\\\tmp empty="" flag`,
      `${TS} app[worker.1]: {"level":"info","msg":"say \\"hi\\" = hello","n":1.5,"nested":{"deep":{"er":"x y"}},"nil":null,"blank":""}`,
      `${TS} heroku[web.1]: source=web.1 dyno=heroku.123.abc sample#memory_total=21.00MB sample#load_avg_1m=0.01`,
      `${TS} app[web.1]: `,
      `${TS} app[web.1]: Error: connect ECONNREFUSED 10.0.0.1:5432`,
    ]

    for (const line of lines) {
      it(line.slice(TS.length + 1, TS.length + 60), () => {
        const record = heroku(line)
        const expected: Record<string, boolean | null | string> = {
          dyno: record.dyno!, level: record.level, message: record.message, source: record.source!, timestamp: TS,
        }
        const flatten = (prefix: string, value: unknown): void => {
          if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) flatten(prefix + '.' + k, v)
          } else {
            expected[prefix] = value === null || typeof value === 'boolean' ? value : String(value)
          }
        }

        for (const [k, v] of Object.entries(record.fields)) flatten(k in expected ? 'fields.' + k : k, v)
        assert.deepEqual(logfmt.parse(formatLogfmt(record)), expected)
      })
    }
  })
})
