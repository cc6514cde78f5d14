import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {LogRecord} from '../../src/parse/record.js'
import {compileQuery, type QueryOptions} from '../../src/query/compile.js'

/** The instant relative times count back from in every test: five minutes after the first line. */
export const NOW = Date.parse('2024-05-01T12:05:00Z')

/** One of each kind of line a Heroku app's log holds, in time order, named for the tables. */
export const LINES = {
  ok: '2024-05-01T12:00:00.123456+00:00 heroku[router]: at=info method=GET path="/" host=myapp.herokuapp.com request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd="204.204.204.204" dyno=web.1 connect=0ms service=23ms status=200 bytes=5898 protocol=https',
  upload: '2024-05-01T12:00:10.5+00:00 heroku[router]: at=info method=POST path="/uploads" host=myapp.herokuapp.com request_id=0b2c3a44-95a2-4a1e-9b1f-0fb5b2f2e7c1 fwd="10.0.0.1" dyno=web.2 connect=1ms service=1200ms status=201 bytes=2097152 protocol=https',
  timeout: '2024-05-01T12:00:30.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/reports" host=myapp.herokuapp.com request_id=a1f1e7d2-1c2b-4c55-8f0a-2f1d1e0c9b77 fwd="10.0.0.2" dyno=web.1 connect=0ms service=30001ms status=503 bytes=0 protocol=https',
  noDyno: '2024-05-01T12:01:00+00:00 heroku[router]: at=error code=H14 desc="No web dynos running" method=GET path="/favicon.ico" host=myapp.herokuapp.com request_id=f3b9c1de-77aa-4b7e-b1d5-3c2a9e8d7f60 fwd="10.0.0.3" dyno= connect= service= status=503 bytes= protocol=https',
  memory1: '2024-05-01T12:02:00.000000+00:00 heroku[web.1]: source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 sample#load_avg_1m=0.01 sample#load_avg_5m=0.02 sample#memory_total=211.32MB sample#memory_rss=200.10MB sample#memory_cache=11.22MB sample#memory_swap=0.00MB sample#memory_pgpgin=27582pages sample#memory_pgpgout=12345pages sample#memory_quota=512.00MB',
  memory2: '2024-05-01T12:02:00.000000+00:00 heroku[web.2]: source=web.2 dyno=heroku.2808254.5e1c0f2a-4b3d-4c6e-9a8b-7d6c5b4a3f21 sample#load_avg_1m=1.25 sample#load_avg_5m=0.80 sample#memory_total=457.23MB sample#memory_rss=450.00MB sample#memory_cache=7.23MB sample#memory_swap=0.00MB sample#memory_pgpgin=91234pages sample#memory_pgpgout=40000pages sample#memory_quota=512.00MB',
  postgres: '2024-05-01T12:03:00+00:00 app[heroku-postgres]: source=DATABASE addon=postgresql-curly-12345 sample#current_transaction=1873 sample#db_size=1288490189bytes sample#tables=12 sample#active-connections=5 sample#waiting-connections=0 sample#index-cache-hit-rate=0.99 sample#table-cache-hit-rate=0.98 sample#load-avg-1m=0.005 sample#read-iops=0 sample#write-iops=0.1 sample#memory-total=4045572kB sample#memory-free=1530108kB',
  jsonError: '2024-05-01T12:04:00.5Z app[web.1]: {"level":"error","msg":"payment failed","err":{"type":"TimeoutError","message":"upstream timed out"},"status":502,"duration_ms":1250,"elapsed":"1.5s","ok":false,"user":null}',
  jsonEvent: '2024-05-01T12:04:30Z app[worker.1]: DEBUG: event {"job":"mailer","attempt":2,"ok":true}',
  logfmtWarn: '2024-05-01T12:05:00+00:00 app[web.2]: level=warn msg="cache miss" key=user:42 elapsed=12ms',
  text: '2024-05-01T12:06:00+00:00 app[worker.1]: Processing job 123 for Account#7',
  release: '2024-05-01T12:07:00+00:00 heroku[api]: Release v42 created by user dev@example.com',
  crashed: '2024-05-01T12:08:00+00:00 heroku[web.2]: State changed from up to crashed',
  oneOff: '2024-05-01T12:09:00+00:00 app[run.4521]: Running rake db:migrate',
  stray: 'a stray line with no header',
} as const

export type LineName = keyof typeof LINES
export const ALL = Object.keys(LINES) as LineName[]

const HEROKU_LINE = /^(\S+) ([\w-]+)\[([^\]]+)\]: ?(.*)$/

/** A record as the line parser makes it, built by hand so these tests depend only on `LogRecord`. */
export function recordOf(line: string): LogRecord {
  const raw = Buffer.from(`${line}\n`)
  const match = HEROKU_LINE.exec(line)
  if (match === null) return new LogRecord(raw, {format: 'text', message: line})
  const [, timestamp, source, dyno, message] = match
  return new LogRecord(raw, {dyno, format: 'heroku', message, source, timestamp})
}

/**
 * How a table row gets its records: built by hand; from the line parser; and from the line parser with the
 * payload already parsed, so `record.field` answers from the parsed fields instead of scanning the message.
 */
const RECORD_MAKERS: ReadonlyArray<[string, (line: string) => LogRecord]> = [
  ['', recordOf],
  [' (parseLine)', (line) => parseLine(Buffer.from(`${line}\n`))],
  [
    ' (parseLine, fields parsed)',
    (line) => {
      const record = parseLine(Buffer.from(`${line}\n`))
      assert.equal(typeof record.fields, 'object')
      return record
    },
  ],
]

/** The names of the lines the query selects, in line order; each call starts from fresh records. */
export function matching(options: Omit<QueryOptions, 'now'>, makeRecord = recordOf): LineName[] {
  const predicate = compileQuery({...options, now: NOW})
  return ALL.filter((name) => predicate(makeRecord(LINES[name])))
}

export interface Row {
  options: Omit<QueryOptions, 'now'>
  expected: readonly LineName[] | 'all'
}

/** One `it` per row and way of making records, named after the row's options. */
export function table(rows: readonly Row[]): void {
  for (const {options, expected} of rows) {
    for (const [suffix, makeRecord] of RECORD_MAKERS) {
      it(`${JSON.stringify(options)}${suffix}`, () => {
        assert.deepEqual(matching(options, makeRecord), expected === 'all' ? ALL : expected)
      })
    }
  }
}
