import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {parseTimestamp} from '../../src/parse/timestamp.js'
import {TimestampClock} from '../../src/stats/clock.js'
import {generate} from '../helpers/corpus.js'

function record(line: string) {
  return parseLine(Buffer.from(line + '\n'))
}

describe('TimestampClock', () => {
  it('agrees with parseTimestamp on every line of a generated corpus', () => {
    const clock = new TimestampClock()
    for (const line of generate(20_000, 3)) {
      const parsed = record(line)
      assert.equal(clock.time(parsed), parseTimestamp(parsed.timestamp), line)
    }
  })

  it('agrees across minutes, offsets, fraction lengths, leap seconds, syslog frames and bad timestamps', () => {
    const lines = [
      '2024-05-01T12:00:59.999+00:00 app[web.1]: a',
      '2024-05-01T12:00:59.5+00:00 app[web.1]: a',
      '2024-05-01T12:01:00.000+00:00 app[web.1]: a',
      '2024-05-01T12:01:00.000+02:00 app[web.1]: a',
      '2024-05-01T12:01:07.123-07:00 app[web.1]: a',
      '2024-05-01T12:01:07.123Z app[web.1]: a',
      '2024-05-01T12:01:08.456Z app[web.1]: a',
      '2024-05-01T12:01:08Z app[web.1]: a',
      '2024-05-01T12:01:09.4567891Z app[web.1]: a',
      '2016-12-31T23:59:60.500Z app[web.1]: a',
      '2024-05-01T12:01:08.456Z app[web.1]: a',
      '2024-05-02T12:01:08.456Z app[web.1]: a',
      '2024-02-30T12:01:08.456Z app[web.1]: a',
      '\uFEFF2024-05-01T12:01:08.456Z app[web.1]: a',
      '<190>1 2024-05-01T12:01:08.456+00:00 host app web.1 - a',
      'no timestamp here',
    ]
    const clock = new TimestampClock()
    for (const line of lines) {
      const parsed = record(line)
      const expected = parseTimestamp(parsed.timestamp)
      assert.ok(Object.is(clock.time(parsed), expected), `${line}: ${clock.time(parsed)} against ${expected}`)
    }
  })
})
