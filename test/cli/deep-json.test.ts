import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type CliResult, runCli, tempDir} from '../helpers/cli.js'

const PREFIX = '2024-05-01T12:00:00+00:00 app[web.1]: '
const FIRST = '{"a":{"b":1},"n":1}'
const LAST = '{"a":{"b":1},"n":3}'

/** Messages nested `depth` deep; `matchesWhere` says whether the message has `a.b=1` like the lines around it. */
const SHAPES: Array<{name: string; message: (depth: number) => string; matchesWhere: boolean}> = [
  {matchesWhere: true, message: (depth) => '{"a":{"b":1,"c":' + '{"c":'.repeat(depth) + '1' + '}'.repeat(depth) + '},"n":2}', name: 'objects'},
  {matchesWhere: true, message: (depth) => '{"a":{"b":1,"c":' + '['.repeat(depth) + ']'.repeat(depth) + '},"n":2}', name: 'arrays in an object'},
  {matchesWhere: false, message: (depth) => '['.repeat(depth) + ']'.repeat(depth), name: 'a bare array'},
]

/** Exit 0, nothing on stderr (no stack trace, no "Maximum call stack size exceeded"), `lines` lines out. */
function assertProcessedAll(result: CliResult, lines: number): string[] {
  assert.equal(result.stderr, '')
  assert.equal(result.code, 0)
  const out = result.stdout.split('\n').slice(0, -1)
  assert.equal(out.length, lines, result.stdout.slice(0, 500))
  return out
}

describe('logs and logs:stats on JSON nested 10,000 deep (no recursion on input depth)', function () {
  this.timeout(60_000)
  const dir = tempDir()

  for (const shape of SHAPES) {
    describe(`a line of ${shape.name}, between two normal lines`, () => {
      const deep = shape.message(10_000)
      const file = join(dir, shape.name.replaceAll(' ', '-') + '.log')
      before(() => writeFileSync(file, [FIRST, deep, LAST].map((message) => PREFIX + message + '\n').join('')))

      it('-o json: every record, each valid JSON with its message as written', async () => {
        const out = assertProcessedAll(await runCli(['logs', file, '-o', 'json']), 3)
        assert.deepEqual(out.map((line) => JSON.parse(line).message), [FIRST, deep, LAST])
      })

      it('-o logfmt: every record', async () => {
        const out = assertProcessedAll(await runCli(['logs', file, '-o', 'logfmt']), 3)
        assert.match(out[0], / n=1$/)
        assert.match(out[2], / n=3$/)
      })

      it('--redact: every line, unchanged', async () => {
        const out = assertProcessedAll(await runCli(['logs', file, '--redact', '-o', 'raw']), 3)
        assert.equal(out[1], PREFIX + deep)
        assertProcessedAll(await runCli(['logs', file, '--redact']), 3)
      })

      it('--redact -o json: every record', async () => {
        const out = assertProcessedAll(await runCli(['logs', file, '--redact', '-o', 'json']), 3)
        assert.equal(JSON.parse(out[1]).message, deep)
      })

      it('-w a.b=1: the matching records', async () => {
        const out = assertProcessedAll(await runCli(['logs', file, '-w', 'a.b=1', '-o', 'raw']), shape.matchesWhere ? 3 : 2)
        assert.equal(out.at(-1), PREFIX + LAST)
      })

      it('logs:stats --by a: every record counted', async () => {
        const text = await runCli(['logs:stats', file, '--by', 'a'])
        assert.equal(text.stderr, '')
        assert.equal(text.code, 0)
        const json = await runCli(['logs:stats', file, '--by', 'a', '--json'])
        assert.equal(json.stderr, '')
        const stats = JSON.parse(json.stdout)
        assert.equal(stats.records, 3)
        const grouped = stats.groups.top.reduce((sum: number, group: {count: number}) => sum + group.count, 0)
        assert.equal(grouped + stats.groups.missing, 3)
      })
    })
  }

  it('a line nested 100,000 deep (200 KB): every record, through -o json', async () => {
    const deep = SHAPES[0].message(100_000)
    const file = join(dir, 'deeper.log')
    writeFileSync(file, [FIRST, deep, LAST].map((message) => PREFIX + message + '\n').join(''))
    const out = assertProcessedAll(await runCli(['logs', file, '-o', 'json']), 3)
    assert.equal(JSON.parse(out[1]).message, deep)
  })
})
