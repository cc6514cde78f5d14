import assert from 'node:assert/strict'

import {detectFraming, UnitSplitter} from '../../src/parse/split.js'

type Unit = [text: string, framed: boolean]

/** Feeds the chunks through a splitter and returns the units it produced. */
function split(chunks: Array<Buffer | string>, maxFrame?: number): Unit[] {
  const units: Unit[] = []
  const splitter = new UnitSplitter((raw, framed) => units.push([raw.toString('latin1'), framed]), undefined, maxFrame)
  for (const chunk of chunks) splitter.push(Buffer.from(chunk as string, 'latin1'))
  splitter.end()
  return units
}

/** Every way of cutting `input` in two, so chunk boundaries land on every byte. */
function everySplit(input: string): string[][] {
  return Array.from({length: input.length + 1}, (_, i) => [input.slice(0, i), input.slice(i)])
}

const FRAME_A = '<190>1 2024-05-01T12:00:00+00:00 host app web.1 - hello\n'
const FRAME_B = '<158>1 2024-05-01T12:00:01+00:00 host heroku router - at=info status=200\n'
const framed = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`

describe('detectFraming', () => {
  const cases: Array<[string, 'lines' | 'octets' | undefined]> = [
    ['2024-05-01T12:00:00+00:00 app[web.1]: hi\n', 'lines'],
    ['<190>1 2024-05-01T12:00:00+00:00 host app web.1 - hi\n', 'lines'],
    ['58 <190>1 2024', 'octets'],
    ['58 hello', 'lines'],
    ['0 <1>', 'lines'],
    ['58', undefined],
    ['58 ', undefined],
    ['1234567890123', 'lines'],
    ['plain text\n', 'lines'],
    ['', undefined],
  ]
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(detectFraming(Buffer.from(input)), expected)
    })
  }
})

describe('UnitSplitter', () => {
  it('splits lines keeping each terminator, and a last line without one', () => {
    assert.deepEqual(split(['a\nb\r\n\nc']), [['a\n', false], ['b\r\n', false], ['\n', false], ['c', false]])
  })

  it('gives the same lines wherever the chunks are cut', () => {
    const input = 'first line\nsecond\r\nthird\n'
    for (const chunks of everySplit(input)) {
      assert.deepEqual(split(chunks), [['first line\n', false], ['second\r\n', false], ['third\n', false]], chunks.join('|'))
    }
  })

  it('splits octet-counted frames, each unit the whole frame', () => {
    const input = framed(FRAME_A) + framed(FRAME_B)
    assert.deepEqual(split([input]), [[framed(FRAME_A), true], [framed(FRAME_B), true]])
  })

  it('gives the same frames wherever the chunks are cut', () => {
    const input = framed(FRAME_A) + framed(FRAME_B)
    for (const chunks of everySplit(input)) {
      assert.deepEqual(split(chunks), [[framed(FRAME_A), true], [framed(FRAME_B), true]], chunks.join('|'))
    }
  })

  it('passes a malformed frame on as a line and resynchronises at the next frame', () => {
    const input = framed(FRAME_A) + 'garbage here\n' + framed(FRAME_B)
    assert.deepEqual(split([input]), [[framed(FRAME_A), true], ['garbage here\n', false], [framed(FRAME_B), true]])
  })

  it('keeps a frame cut short by the end of input as a line', () => {
    const cut = framed(FRAME_A) + framed(FRAME_B).slice(0, 20)
    assert.deepEqual(split([cut]), [[framed(FRAME_A), true], [framed(FRAME_B).slice(0, 20), false]])
  })

  it('refuses a frame longer than the limit and passes its bytes on as a line', () => {
    assert.deepEqual(split([framed(FRAME_A)], 10), [[framed(FRAME_A), false]])
  })

  it('joins a 10 MB line that arrives in 64 KiB chunks, byte for byte', () => {
    const line = Buffer.alloc(10 * 1024 * 1024, 'x')
    const input = Buffer.concat([line, Buffer.from('\nnext\n')])
    const units: Buffer[] = []
    const splitter = new UnitSplitter((raw) => units.push(Buffer.from(raw)))
    for (let i = 0; i < input.length; i += 64 * 1024) splitter.push(input.subarray(i, i + 64 * 1024))
    splitter.end()
    assert.equal(units.length, 2)
    assert.equal(units[0].length, line.length + 1)
    assert.equal(units[1].toString(), 'next\n')
  })

  it('keeps bytes that are not UTF-8, and NUL bytes, as they are', () => {
    assert.deepEqual(split(['\u00ff\u0000\u00fe\nok\n']), [['\u00ff\u0000\u00fe\n', false], ['ok\n', false]])
  })
})
