import assert from 'node:assert/strict'
import {Chalk} from 'chalk'

import {createPrettyFormatter} from '../../src/format/pretty.js'
import {createTimestampConverter, resolveTimeZone, TimeZoneError} from '../../src/format/time-zone.js'
import {heroku, syslog, text} from './records.js'

const convert = (zone: string, timestamp: string) => createTimestampConverter(zone)(timestamp)

describe('createTimestampConverter', () => {
  const rows: Array<[string, string, string, string]> = [
    // zone, as written, expected, why
    ['Europe/Paris', '2024-05-01T12:00:00.123456+00:00', '2024-05-01T14:00:00.123456+02:00', 'summer time'],
    ['Europe/Paris', '2024-01-15T12:00:00.123456+00:00', '2024-01-15T13:00:00.123456+01:00', 'winter time'],
    ['Europe/Paris', '2024-03-31T00:59:59.999999+00:00', '2024-03-31T01:59:59.999999+01:00', 'last second before spring forward'],
    ['Europe/Paris', '2024-03-31T01:00:00.000000+00:00', '2024-03-31T03:00:00.000000+02:00', 'spring forward: 02:00 never shows'],
    ['Europe/Paris', '2024-10-27T00:59:59+00:00', '2024-10-27T02:59:59+02:00', 'last second of summer time'],
    ['Europe/Paris', '2024-10-27T01:00:00+00:00', '2024-10-27T02:00:00+01:00', 'fall back: 02:00 again, offset tells them apart'],
    ['America/New_York', '2024-03-10T06:59:59Z', '2024-03-10T01:59:59-05:00', 'before spring forward'],
    ['America/New_York', '2024-03-10T07:00:00Z', '2024-03-10T03:00:00-04:00', 'spring forward'],
    ['America/New_York', '2024-11-03T05:59:59.5Z', '2024-11-03T01:59:59.5-04:00', 'before fall back'],
    ['America/New_York', '2024-11-03T06:00:00.5Z', '2024-11-03T01:00:00.5-05:00', 'fall back: 01:00 again'],
    ['America/New_York', '2024-05-01T00:30:00Z', '2024-04-30T20:30:00-04:00', 'the date goes back'],
    ['Asia/Kolkata', '2024-05-01T12:00:00+00:00', '2024-05-01T17:30:00+05:30', 'half-hour offset'],
    ['Asia/Kathmandu', '2024-05-01T12:00:00+00:00', '2024-05-01T17:45:00+05:45', 'quarter-hour offset'],
    ['UTC', '2024-05-01T14:00:00.123+02:00', '2024-05-01T12:00:00.123+00:00', 'an input offset other than +00:00'],
    ['UTC', '2024-05-01T04:00:00-0800', '2024-05-01T12:00:00+00:00', 'an input offset without a colon'],
    ['Europe/Paris', '2024-05-01T17:30:00.1+05:30', '2024-05-01T14:00:00.1+02:00', 'from one offset to another'],
    ['Europe/Paris', '2024-05-01t12:00:00.123456789z', '2024-05-01T14:00:00.123456789+02:00', 'nine fraction digits, lower-case t and z'],
    ['Europe/Paris', '2024-05-01T12:00:00Z', '2024-05-01T14:00:00+02:00', 'no fraction'],
    ['Asia/Tokyo', '2024-12-31T15:00:00.000001Z', '2025-01-01T00:00:00.000001+09:00', 'into the next year'],
    ['Europe/Paris', 'yesterday', 'yesterday', 'not a timestamp: as written'],
  ]
  for (const [zone, written, expected, why] of rows) {
    it(`${zone}: ${written} → ${expected} (${why})`, () => assert.equal(convert(zone, written), expected))
  }

  it('keeps one converter right across a DST change, a date change, back in time and past lines it cannot read', () => {
    const paris = createTimestampConverter('Europe/Paris')
    const sequence: Array<[string, string]> = [
      ['2024-10-27T00:59:58.1Z', '2024-10-27T02:59:58.1+02:00'],
      ['2024-10-27T00:59:59.2Z', '2024-10-27T02:59:59.2+02:00'],
      ['2024-10-27T01:00:00.3Z', '2024-10-27T02:00:00.3+01:00'],
      ['2024-10-27T01:00:59.4Z', '2024-10-27T02:00:59.4+01:00'],
      ['2024-10-27T01:00:61Z', '2024-10-27T01:00:61Z'],
      ['2024-10-27T01:00:30.Z', '2024-10-27T01:00:30.Z'],
      ['2024-10-27T01:00:30.1234567890Z', '2024-10-27T01:00:30.1234567890Z'],
      ['2024-10-27T01:00:30+00:00', '2024-10-27T02:00:30+01:00'],
      ['2024-10-27T01:00:60Z', '2024-10-27T02:01:00+01:00'],
      ['2024-10-27T01:00:31Z', '2024-10-27T02:00:31+01:00'],
      ['2024-10-26T22:00:00Z', '2024-10-27T00:00:00+02:00'],
      ['2024-10-27T01:00:00.3Z', '2024-10-27T02:00:00.3+01:00'],
    ]
    for (const [written, expected] of sequence) assert.equal(paris(written), expected)
  })
})

describe('resolveTimeZone', () => {
  it('canonical names, in any case', () => {
    assert.equal(resolveTimeZone('UTC'), 'UTC')
    assert.equal(resolveTimeZone('utc'), 'UTC')
    assert.equal(resolveTimeZone('europe/paris'), 'Europe/Paris')
  })

  it('an unknown zone throws TimeZoneError naming it', () => {
    assert.throws(() => resolveTimeZone('Mars/Olympus'), (error: unknown) => error instanceof TimeZoneError && error.zone === 'Mars/Olympus')
    assert.throws(() => resolveTimeZone(''), TimeZoneError)
  })

  it('local is the TZ of the process', () => {
    const saved = process.env.TZ
    try {
      process.env.TZ = 'America/New_York'
      assert.equal(resolveTimeZone('local'), 'America/New_York')
      assert.equal(convert(resolveTimeZone('LOCAL'), '2024-05-01T12:00:00Z'), '2024-05-01T08:00:00-04:00')
      process.env.TZ = 'Asia/Tokyo'
      assert.equal(resolveTimeZone('local'), 'Asia/Tokyo')
    } finally {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })
})

describe('pretty output with a time zone', () => {
  const line = '2024-05-01T12:00:00.123456+00:00 app[web.1]: hello'

  it('plain: the converted timestamp, the rest as written', () => {
    const format = createPrettyFormatter(new Chalk({level: 0}), {timeZone: 'Europe/Paris'})
    assert.equal(format(heroku(line)), '2024-05-01T14:00:00.123456+02:00 app[web.1]: hello')
    assert.equal(format(text('no timestamp here')), 'no timestamp here')
    assert.equal(format(syslog({dyno: 'web.1', message: 'hi', source: 'app'})), 'app[web.1]: hi')
  })

  it('coloured: the converted timestamp, dim', () => {
    const format = createPrettyFormatter(new Chalk({level: 1}), {timeZone: 'Europe/Paris'})
    assert.ok(format(heroku(line)).startsWith('\u001B[2m2024-05-01T14:00:00.123456+02:00\u001B[22m '))
  })

  it('without a zone, as written', () => {
    assert.equal(createPrettyFormatter(new Chalk({level: 0}))(heroku(line)), line)
  })
})
