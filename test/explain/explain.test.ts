import assert from 'node:assert/strict'

import {Chalk} from 'chalk'

import {explainMessage} from '../../src/explain/annotation.js'
import {closeCodes, codesTitled, suggestCodes} from '../../src/explain/close-codes.js'
import {ERROR_GUIDES} from '../../src/explain/error-guide.js'
import {createFormatter} from '../../src/format/index.js'
import {createPrettyFormatter} from '../../src/format/pretty.js'
import {ERROR_CODES} from '../../src/parse/error-codes.js'
import {heroku} from '../format/records.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
const H12 = `${TS} heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/api/users" host=demo.herokuapp.com request_id=0b1c fwd="1.2.3.4" dyno=web.1 connect=0ms service=30001ms status=503 bytes=0 protocol=https`
const H12_NOTE = '  # H12 Request timeout: the app took longer than 30 s to answer a request'
const R14 = `${TS} heroku[web.2]: Error R14 (Memory quota exceeded)`
const R14_NOTE = '  # R14 Memory quota exceeded: the dyno used more memory than its quota and is swapping to disk'
const OLD_H12 = `${TS} heroku[router]: Error H12 (Request timeout) -> GET demo.herokuapp.com/x dyno=web.1 queue= wait= service=30000ms status=503 bytes=0`
const PLAIN = `${TS} app[web.1]: level=info msg="cache hit"`

describe('--explain', () => {
  it('explains the code of router, runtime and Logplex lines, old and new shapes', () => {
    assert.equal(explainMessage('at=error code=H12 desc="Request timeout" method=GET'), 'H12 Request timeout: the app took longer than 30 s to answer a request')
    assert.equal(explainMessage('Error H12 (Request timeout) -> GET demo.herokuapp.com/x'), 'H12 Request timeout: the app took longer than 30 s to answer a request')
    assert.equal(explainMessage('Error R14 (Memory quota exceeded)'), 'R14 Memory quota exceeded: the dyno used more memory than its quota and is swapping to disk')
    assert.equal(explainMessage('Error L10 (output buffer overflow): 12 messages dropped since 2024-05-01T12:00:00Z.'), 'L10 Drain buffer overflow: a drain could not keep up with the log volume and Logplex dropped messages')
  })

  it('says nothing for a line without a code, or with a code Heroku does not document', () => {
    assert.equal(explainMessage('level=info msg="cache hit"'), undefined)
    assert.equal(explainMessage('at=error code=H41 desc="Something new"'), undefined)
    assert.equal(explainMessage('Error H123 is not a code'), undefined)
  })

  it('pretty output, uncoloured: the note after the line, other lines untouched', () => {
    const pretty = createPrettyFormatter(new Chalk({level: 0}), {explain: true})
    assert.equal(pretty(heroku(H12)), H12 + H12_NOTE)
    assert.equal(pretty(heroku(R14)), R14 + R14_NOTE)
    assert.equal(pretty(heroku(OLD_H12)), OLD_H12 + H12_NOTE)
    assert.equal(pretty(heroku(PLAIN)), PLAIN)
  })

  it('pretty output, coloured: the line as without --explain, then the note in italics', () => {
    const chalk = new Chalk({level: 1})
    const plain = createPrettyFormatter(chalk)
    const explained = createPrettyFormatter(chalk, {explain: true})
    assert.equal(explained(heroku(R14)), plain(heroku(R14)) + `\u001B[3m${R14_NOTE}\u001B[23m`)
    assert.equal(explained(heroku(PLAIN)), plain(heroku(PLAIN)))
  })

  it('leaves pretty output as it was without --explain', () => {
    assert.equal(createFormatter('pretty', new Chalk({level: 0}))(heroku(H12)), H12)
  })

  it('has a longer explanation for every code in the table, and none for codes it does not know', () => {
    assert.deepEqual([...ERROR_GUIDES.keys()], [...ERROR_CODES.keys()])
    for (const [code, guide] of ERROR_GUIDES) {
      assert.ok(guide.meaning.endsWith('.'), code)
      assert.ok(guide.causes.length > 0 && guide.actions.length > 0, code)
    }
  })

  it('suggests close codes: the same letter by nearest number, then the same number under another letter', () => {
    assert.deepEqual(closeCodes('H30'), ['H31', 'H28', 'H32'])
    assert.deepEqual(closeCodes('R11'), ['R10', 'R12', 'R13'])
    assert.deepEqual(closeCodes('X12'), ['H12', 'L12', 'R12'])
    assert.deepEqual(closeCodes('12'), ['H12', 'L12', 'R12'])
    assert.deepEqual(closeCodes('TIMEOUT'), [])
  })

  const suggestions: Array<[string, string[]]> = [
    // any case, by edit distance when not a letter and two digits; ties to the nearest number
    ['H99x', ['H99', 'R99', 'H19']], ['h12x', ['H12', 'H11', 'H13']], ['h30', ['H31', 'H28', 'H32']], ['l1o', ['L10', 'L11', 'L12']],
    ['H-12', ['H12', 'H11', 'H13']], ['12', ['H12', 'L12', 'R12']], ['R1', ['R10', 'R12', 'R13']],
    // words of the titles, more words matched first, then H, R, L
    ['timeout', ['H12', 'H19', 'H20', 'R10', 'R12']], ['TIMEOUT', ['H12', 'H19', 'H20', 'R10', 'R12']],
    ['boot timeout', ['H20', 'R10', 'H12', 'H19', 'R12']], ['memory', ['R14', 'R15']], ['crash', ['H10']],
    // nothing close: too far from any code, too short, or no title word
    ['503', []], ['x', []], ['', []], ['banana', []], ['to', []],
  ]
  for (const [input, expected] of suggestions) {
    it(`suggests ${JSON.stringify(input)} -> ${expected.join(', ') || 'nothing'}`, () => {
      assert.deepEqual(suggestCodes(input), expected)
    })
  }

  it('matches title words by their start, in any case', () => {
    assert.deepEqual(codesTitled('Quota'), ['R14', 'R15'])
    assert.deepEqual(codesTitled('overflow buffer'), ['L10', 'L11', 'L12', 'L15'])
  })
})
