import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'

import {parseLine, parseLineWithPri} from '../../src/parse/line.js'
import {compileQuery, type QueryOptions} from '../../src/query/compile.js'
import {decodeTextBody} from '../../src/router/ingest/text-input.js'
import {type LogMessage, toEntry} from '../../src/router/message.js'
import {messageFilter} from '../../src/router/sessions/history-filter.js'
import {historyQuery} from '../../src/router/sessions/history-query.js'
import {compileLinePrefilter} from '../../src/query/prefilter.js'
import {UnitSplitter} from '../../src/parse/split.js'
import {ROOT} from '../helpers/cli.js'

const NOW = Date.parse('2024-05-01T12:30:00Z')
const invalid = (message: string): never => {
  throw new Error(message)
}

/** What the filter must give: the query on the message's line, parsed as `logs -a` parses what it reads. */
function reference(query: QueryOptions): (message: LogMessage) => boolean {
  const predicate = compileQuery(query)
  return (message) => predicate(parseLineWithPri(Buffer.from(message.line), message.priIsLevel ? message.pri : undefined))
}

/** The corpus as the router's text input makes messages of it, and messages of unusual shapes. */
function messages(): LogMessage[] {
  const corpus = execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-heroku-logs.mjs'), '--lines', '3000', '--seed', '5'])
  const entries = decodeTextBody(corpus, new URLSearchParams(), 64 * 1024, NOW) as LogMessage[]
  const odd = [
    ['2024-05-01T12:00:01Z', 'my app', 'web.1', 'status=503 with a space in the source'],
    ['2024-05-01T12:00:02Z', 'app', 'web]1', 'status=503 with a bracket in the dyno'],
    ['Dec  1 09:00:00', 'app', 'web.1', 'status=502 stamped with a BSD date'],
    ['2024-05-01T12:00:03Z', 'app', 'web.1', 'Error: boom status=500\n    at main (index.js:1:1)'],
    ['2024-05-01T12:00:04Z', 'app', 'web.1', 'status=500\r'],
    ['2024-05-01T12:00:05Z', 'app', 'status.1', 'no key here, but the dyno has it'],
    ['2024-05-01T12:00:06Z', 'app', 'web.1', '  status=504 after spaces level=error'],
  ].map(([timestamp, source, dyno, message]) => toEntry({message, timestamp}, {dyno, source}, NOW) as LogMessage)
  const withPri = ['<11>1 2024-05-01T12:00:07Z myhost app web.1 - plain words status=500', '<131>1 2024-05-01T12:00:08Z host app web.1 - plain words']
    .map((frame) => {
      const record = parseLine(Buffer.from(frame))
      return toEntry(record, {dyno: record.dyno!, source: record.source!}, NOW) as LogMessage
    })
  return [...entries, ...odd, ...withPri]
}

const queries: Array<Record<string, unknown>> = [
  {where: 'status>=500'},
  {where: ['status>=500', 'service>100ms']},
  {where: 'status=503'},
  {where: 'err.type~Timeout'},
  {where: '!status'},
  {grep: 'H12'},
  {grep: 'web.1'},
  {grep: ': status'},
  {grep: 'router'},
  {grep: 'status', ignore_case: true},
  {level: 'error'},
  {level: 'warn', exclude: 'GET'},
  {since: '2024-05-01T12:00:02Z', until: '2024-05-01T12:00:05Z'},
  {since: '2024-05-01T12:00:02Z', where: 'status>=500'},
]

describe('the history filter (a session\'s query on messages of the log)', () => {
  const all = messages()

  for (const body of queries) {
    it(`selects what the query selects on each message's line: ${JSON.stringify(body)}`, () => {
      const {filter} = historyQuery(body, invalid, NOW)
      const query: QueryOptions = {
        exclude: typeof body.exclude === 'string' ? [body.exclude] : undefined,
        grep: typeof body.grep === 'string' ? [body.grep] : undefined,
        ignoreCase: body.ignore_case === true,
        level: body.level as string | undefined,
        now: NOW,
        since: body.since as string | undefined,
        until: body.until as string | undefined,
        where: typeof body.where === 'string' ? [body.where] : body.where as string[] | undefined,
      }
      const expected = all.filter(reference(query)).map((message) => message.line)
      assert.ok(expected.length > 0 && expected.length < all.length, `${expected.length} of ${all.length}`)
      assert.deepEqual(all.filter((message) => filter!(message)).map((message) => message.line), expected)
    })
  }

  it('leaves out only the time window for a message known to lie in it: the rest of the query still holds', () => {
    const window = {since: '2024-05-01T12:00:02Z', until: '2024-05-01T12:00:05Z'}
    const withLevel = historyQuery({...window, level: 'error'}, invalid, NOW).filter!
    const errors = all.filter(reference({level: 'error', now: NOW})).map((message) => message.line)
    assert.ok(errors.length > 0 && errors.length < all.length)
    assert.deepEqual(all.filter((message) => withLevel(message, true)).map((message) => message.line), errors)
    const windowAlone = historyQuery(window, invalid, NOW).filter!
    assert.ok(all.every((message) => windowAlone(message, true)))
    assert.ok(all.some((message) => !windowAlone(message, false)))
  })

  it('neither builds nor parses the line of a message its prefilter rules out, nor of one it makes from its parts', () => {
    let built = 0
    const counted = all.map((message) => Object.create(message, {line: {get: () => (built++, message.line)}}) as LogMessage)
    const {filter} = historyQuery({where: 'status>=500'}, invalid, NOW)
    const selected = counted.filter((message) => filter!(message))
    assert.ok(selected.length > 10)
    // Only the messages of unusual shapes are parsed from their line.
    assert.ok(built <= 5, `${built} lines built for ${counted.length} messages`)
  })

  it('lets through to the query what the byte prefilter of file reading lets through, on every message of the corpus', () => {
    const jsonLines = ['{"status":503,"path":"/a"}', '{"status": 200}', '{"statusCode":503}', '{"status":"503"}', 'statusCode=503', 'status_code=503 status=200']
      .map((message, i) => toEntry({message, timestamp: `2024-05-01T12:00:0${i}Z`}, {dyno: 'web.1', source: 'app'}, NOW) as LogMessage)
    const corpus = [...all.slice(0, -9), ...jsonLines]
    for (const where of ['status>=500', 'status=200', 'service>100ms', 'bytes<100']) {
      const query: QueryOptions = {now: NOW, where: [where]}
      const prefilter = compileLinePrefilter(query)!
      const byBytes = new Set<string>()
      const splitter = new UnitSplitter((raw) => byBytes.add(raw.toString().replace(/\n$/, '')), prefilter, {framing: 'lines'})
      splitter.push(Buffer.from(corpus.map((message) => message.line + '\n').join('')))
      splitter.end()
      let reached = 0
      corpus.filter(messageFilter(() => (reached++, false), prefilter))
      assert.equal(reached, byBytes.size, `${where}: ${reached} messages reach the query, ${byBytes.size} lines pass the byte prefilter`)
    }
  })
})
