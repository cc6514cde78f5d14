import assert from 'node:assert/strict'

import {parseTimestamp, timestampEnd} from '../../src/parse/timestamp.js'

describe('parseTimestamp', () => {
  const valid: Array<[string, string]> = [
    // [timestamp, the same instant as Date.UTC-based ISO string]
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.1Z', '2024-05-01T12:00:00.100Z'],
    ['2024-05-01T12:00:00.12Z', '2024-05-01T12:00:00.120Z'],
    ['2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00.1234Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00.12345Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00.123456+00:00', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00.999999+00:00', '2024-05-01T12:00:00.999Z'],
    ['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.123Z'],
    // Dev Center examples use Pacific time: https://devcenter.heroku.com/articles/error-codes
    ['2010-10-06T21:51:37-07:00', '2010-10-07T04:51:37.000Z'],
    ['2012-10-11T03:47:20+00:00', '2012-10-11T03:47:20.000Z'],
    ['2024-05-01T12:00:00+05:30', '2024-05-01T06:30:00.000Z'],
    ['2024-05-01T12:00:00+0530', '2024-05-01T06:30:00.000Z'],
    ['2024-05-01T00:30:00-02:00', '2024-05-01T02:30:00.000Z'],
    ['2024-05-01t12:00:00z', '2024-05-01T12:00:00.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2024-05-01T12:00:59.999999+00:00', '2024-05-01T12:00:59.999Z'],
    ['2024-05-01T12:00:07.5+00:00', '2024-05-01T12:00:07.500Z'],
    ['2024-05-01T12:00:07.123456-01:00', '2024-05-01T13:00:07.123Z'],
    ['2016-12-31T23:59:59.250Z', '2016-12-31T23:59:59.250Z'],
  ]
  for (const [ts, iso] of valid) {
    it(`reads ${ts}`, () => {
      assert.equal(parseTimestamp(ts), Date.parse(iso))
    })
  }

  it('agrees with Date.parse on the shapes both accept', () => {
    for (const [ts] of valid) {
      if (ts.endsWith(':60Z') || ts.includes('+0530') || ts.includes('.123456789')) continue
      assert.equal(parseTimestamp(ts), Date.parse(ts), ts)
    }
  })

  const invalid = [
    '', '2024-05-01', '2024-05-01T12:00:00', '2024-05-01 12:00:00Z', '2024-05-01T12:00Z', '2024-05-01T12:00:00.Z',
    '2024-05-01T12:00:00.1234567890Z', '2024-05-01T12:00:00+05', '2024-05-01T12:00:00+5:30', '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z', '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2024-04-31T00:00:00Z',
    '2024-05-00T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01T12:60:00Z', '2024-05-01T12:00:61Z',
    '2024-05-01T12:00:00+24:00', '2024-05-01T12:00:00+00:60', '2024-05-01T12:00:00Z ', ' 2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00ZZ', 'Oct 11 22:14:15', '２０２４-05-01T12:00:00Z', '2024-05-01T1a:00:00Z',
    '2024-05-01T12:00:6a.123456+00:00', '2024-05-01T12:00:00.12345a+00:00', '2024-05-01T12:00:00x123456+00:00',
    '2024-05-01T12:00:61.123456+00:00', '2024-05-01T12:00:0.1234567+00:00', '2016-12-31T23:59:5a.250Z',
  ]
  for (const ts of invalid) {
    it(`refuses ${JSON.stringify(ts)}`, () => {
      assert.ok(Number.isNaN(parseTimestamp(ts)))
    })
  }

  it('gives each timestamp its own instant whatever was parsed before it (the minute cache)', () => {
    const expected = new Map<string, number>([...valid.map(([ts, iso]): [string, number] => [ts, Date.parse(iso)]), ...invalid.map((ts): [string, number] => [ts, Number.NaN])])
    for (const [before] of expected) {
      for (const [ts, instant] of expected) {
        parseTimestamp(before)
        assert.deepEqual(parseTimestamp(ts), instant, `${ts} after ${before}`)
      }
    }
  })

  it('is NaN for a missing timestamp', () => {
    assert.ok(Number.isNaN(parseTimestamp(undefined)))
  })

  it('gives the right instant after a date change (the day cache is keyed by date)', () => {
    assert.equal(parseTimestamp('2024-05-01T23:59:59Z'), Date.parse('2024-05-01T23:59:59Z'))
    assert.equal(parseTimestamp('2024-05-02T00:00:00Z'), Date.parse('2024-05-02T00:00:00Z'))
    assert.equal(parseTimestamp('2024-05-01T23:59:59Z'), Date.parse('2024-05-01T23:59:59Z'))
  })
})

describe('timestampEnd', () => {
  it('finds where a timestamp ends inside a line', () => {
    const line = '2024-05-01T12:00:00.123456+00:00 app[web.1]: hi'
    assert.equal(timestampEnd(line, 0), 32)
    assert.equal(timestampEnd(`<13>1 ${line}`, 6), 38)
    assert.equal(timestampEnd('2024-05-01T12:00:00Z x', 0), 20)
    assert.equal(timestampEnd('2024-05-01T12:00:00+0530 x', 0), 24)
  })

  it('checks the shape only', () => {
    assert.equal(timestampEnd('2024-13-45T99:99:99Z', 0), 20)
    assert.equal(timestampEnd('2024-05-01T12:00:00', 0), -1)
    assert.equal(timestampEnd('2024 was a good year', 0), -1)
  })
})
