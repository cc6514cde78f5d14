import assert from 'node:assert/strict'

import {RouterLineReader} from '../../src/stats/router-line.js'

const LINE = 'at=info method=GET path="/a\\"b c" host=x.herokuapp.com request_id=1 fwd="1.2.3.4" dyno=web.1 connect=1ms service=23ms status=200 bytes=5 protocol=https'

function reader(message: string): RouterLineReader {
  const reader = new RouterLineReader()
  reader.reset(message)
  return reader
}

describe('RouterLineReader', () => {
  it('reads path, connect, service and status in the order the router writes them', () => {
    const line = reader(LINE)
    assert.equal(line.string(' path='), '/a"b c')
    assert.equal(line.millis(' connect='), 1)
    assert.equal(line.millis(' service='), 23)
    assert.equal(line.integer(' status='), 200)
  })

  it('finds keys in another order too', () => {
    const line = reader(LINE)
    assert.equal(line.integer(' status='), 200)
    assert.equal(line.millis(' connect='), 1)
    assert.equal(line.string(' path='), '/a"b c')
  })

  const rows: Array<[string, number]> = [
    ['service=30001ms', 30_001],
    ['service=1.5s', 1500],
    ['service=250', 250],
    ['service=', Number.NaN],
    ['service=fast', Number.NaN],
    ['service=12msx', Number.NaN],
    ['nothing', Number.NaN],
  ]
  for (const [field, ms] of rows) {
    it(`millis of "${field}" is ${ms}`, () => assert.ok(Object.is(reader(`at=info ${field} status=1`).millis(' service='), ms)))
  }

  it('integers: empty, signed or trailing text are not integers', () => {
    assert.ok(Number.isNaN(reader('at=info status= bytes=1').integer(' status=')))
    assert.ok(Number.isNaN(reader('at=info status=5xx').integer(' status=')))
    assert.equal(reader('at=info status=503').integer(' status='), 503)
  })

  it('strings: bare values end at a space; an unterminated quote runs to the end', () => {
    assert.equal(reader('at=info path=/x?y=1 host=h').string(' path='), '/x?y=1')
    assert.equal(reader('at=info path="/x').string(' path='), '/x')
    assert.equal(reader(String.raw`at=info path="/a\\b" host=h`).string(' path='), String.raw`/a\b`)
    assert.equal(reader(String.raw`at=info path="/a\nb" host=h`).string(' path='), '/anb')
    assert.equal(reader('at=info host=h').string(' path='), undefined)
  })
})
