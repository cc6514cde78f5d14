import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {UnitSplitter} from '../../src/parse/split.js'
import {compileQuery, type QueryOptions} from '../../src/query/compile.js'
import {compileLinePrefilter} from '../../src/query/prefilter.js'
import {generate} from '../helpers/corpus.js'

/** The lines a query selects from `input` read in `chunkBytes` chunks, with or without the prefilter. */
function select(input: Buffer, options: QueryOptions, usePrefilter: boolean, chunkBytes = 4096): string[] {
  const predicate = compileQuery(options)
  const selected: string[] = []
  const prefilter = usePrefilter ? compileLinePrefilter(options) : undefined
  const splitter = new UnitSplitter((raw) => {
    if (predicate(parseLine(raw))) selected.push(raw.toString())
  }, prefilter)
  for (let i = 0; i < input.length; i += chunkBytes) splitter.push(input.subarray(i, i + chunkBytes))
  splitter.end()
  return selected
}

const now = Date.parse('2024-05-01T13:00:00Z')
const SAMPLE = [
  '2024-05-01T12:00:00.000001+00:00 heroku[router]: at=info method=GET path="/x?status=999" host=a request_id=1 fwd="1.2.3.4" dyno=web.1 connect=0ms service=23ms status=200 bytes=512 protocol=https',
  '2024-05-01T12:00:00.000002+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https',
  '2024-05-01T12:00:00.000003+00:00 app[web.1]: {"level":"error","status":502,"err":{"type":"TimeoutError"}}',
  '2024-05-01T12:00:00.000004+00:00 app[web.1]: xstatus=900 status=404',
  '2024-05-01T12:00:00.000005+00:00 app[web.1]: status="500" quoted',
  '2024-05-01T12:00:00.000006+00:00 app[web.1]: status=',
  '2024-05-01T12:00:00.000007+00:00 app[web.1]: status=1.5e3',
  '2024-05-01T12:00:00.000008+00:00 app[web.1]: service=1.2s status=201',
  'status=500 a line that is not a Heroku line',
  '2024-05-01T12:00:00.000009+00:00 app[web.1]: status=700',
  '2024-05-01T12:00:00.000010+00:00 app[web.1]: {"level":30,"res":{"statusCode":503},"msg":"done"}',
  '2024-05-01T12:00:00.000011+00:00 app[web.1]: {"status":200,"msg":"ok"}',
  '2024-05-01T12:00:00.000012+00:00 app[web.1]: {"status": 503 , "msg":"spaced"}',
  '2024-05-01T12:00:00.000013+00:00 app[web.1]: {"status":503.5}',
  '2024-05-01T12:00:00.000014+00:00 app[web.1]: {"status":-1}',
  '2024-05-01T12:00:00.000015+00:00 app[web.1]: {"status":"503"}',
  '2024-05-01T12:00:00.000016+00:00 app[web.1]: {"status":5e2}',
  '2024-05-01T12:00:00.000017+00:00 app[web.1]: {"res":{"status":503}}',
  '2024-05-01T12:00:00.000018+00:00 app[web.1]: {"status":200,"note":"status=503"}',
  '2024-05-01T12:00:00.000019+00:00 app[web.1]: statusCode=503 status_text=bad',
  '2024-05-01T12:00:00.000020+00:00 app[web.1]: {"status":[503]}',
  '2024-05-01T12:00:00.000021+00:00 app[web.1]: {"status":503}',
  '2024-05-01T12:00:00.000022+00:00 app[web.1]: {"status":204}',
  '2024-05-01T12:00:00.000023+00:00 app[web.1]: {"level":"error","service":1200,"duration_ms":2500}',
  '2024-05-01T12:00:00.000024+00:00 app[web.1]: {"level":"error","service":800,"duration_ms":1500}',
].join('\n')

const QUERIES: QueryOptions[] = [
  {now, where: ['status>=500']},
  {now, where: ['status<300']},
  {now, where: ['service>1s']},
  {now, where: ['service>=1000']},
  {now, where: ['status=503']},
  {now, where: ['err.type~Timeout']},
  {now, where: ['status']},
  {now, where: ['status!=200']},
  {now, where: ['!status']},
  {now, where: ['sample#memory_total>400MB']},
  {now, where: ['duration_ms>2000', 'level=error']},
  {grep: ['Request timeout'], now},
  {grep: ['request timeout'], ignoreCase: true, now},
  {grep: ['H1[0-9]'], now},
]

describe('compileLinePrefilter', () => {
  it('takes the key of a comparison, then of any expression that needs the key, then a grep literal', () => {
    assert.equal(compileLinePrefilter({now, where: ['level=error', 'status>=500']})?.needle.toString(), 'status')
    assert.equal(compileLinePrefilter({now, where: ['level=error']})?.needle.toString(), 'level')
    assert.equal(compileLinePrefilter({now, where: ['err.type~x']})?.needle.toString(), 'type')
    assert.equal(compileLinePrefilter({grep: ['Request timeout'], now})?.needle.toString(), 'Request timeout')
  })

  it('has no prefilter where no byte condition is implied', () => {
    assert.equal(compileLinePrefilter({now, where: ['!status']}), undefined)
    assert.equal(compileLinePrefilter({now, where: ['status!=200']}), undefined)
    assert.equal(compileLinePrefilter({grep: ['H1[0-9]'], now}), undefined)
    assert.equal(compileLinePrefilter({grep: ['timeout'], ignoreCase: true, now}), undefined)
    assert.equal(compileLinePrefilter({level: 'warn', now}), undefined)
  })

  it('accepts only values that can satisfy a comparison, read as numbers in place', () => {
    const prefilter = compileLinePrefilter({now, where: ['status>=500']})!
    assert.equal(prefilter.acceptsValue!(503), true)
    assert.equal(prefilter.acceptsValue!(200), false)
    assert.equal(prefilter.acceptsValue!('1.5e3'), true)
    assert.equal(prefilter.acceptsValue!(''), false)
  })

  for (const options of QUERIES) {
    const name = JSON.stringify({...options, now: undefined})
    it(`selects exactly what the full query selects: ${name}`, () => {
      const input = Buffer.from(SAMPLE + '\n')
      for (const chunk of [1, 7, 64, 4096]) {
        assert.deepEqual(select(input, options, true, chunk), select(input, options, false, chunk), `chunks of ${chunk}`)
      }
    })
  }

  it('selects exactly what the full query selects over a generated corpus', () => {
    const input = Buffer.from(generate(20_000, 3).join('\n') + '\n')
    for (const options of QUERIES) {
      const expected = select(input, options, false)
      assert.deepEqual(select(input, options, true), expected, JSON.stringify(options.where ?? options.grep))
    }

    assert.ok(select(input, {now, where: ['status>=500']}, true).length > 100)
  })
})
