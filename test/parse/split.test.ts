import assert from 'node:assert/strict'

import {detectFraming, type SplitLimits, UnitSplitter} from '../../src/parse/split.js'

type Unit = [text: string, framed: boolean]

/** Feeds the chunks through a splitter and returns the units it produced. */
function split(chunks: Array<Buffer | string>, limits?: number | SplitLimits): Unit[] {
  const units: Unit[] = []
  const splitter = new UnitSplitter((raw, framed) => units.push([raw.toString('latin1'), framed]), undefined, limits)
  for (const chunk of chunks) splitter.push(Buffer.from(chunk as string, 'latin1'))
  splitter.end()
  return units
}

/** Every way of cutting `input` in two, so chunk boundaries land on every byte. */
function everySplit(input: string): string[][] {
  return Array.from({length: input.length + 1}, (_, i) => [input.slice(0, i), input.slice(i)])
}

/** Every chunking worth trying: whole, one byte at a time, and cut in two at every byte. */
function everyChunking(input: string): string[][] {
  return [[input], [...input], ...everySplit(input)]
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
    ['1234567', undefined],
    ['12345678901 <190>1', 'lines'],
    ['10485761 <1>', 'lines'],
    ['10485760 <1>', 'octets'],
    ['plain text\n', 'lines'],
    ['', undefined],
  ]
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(detectFraming(Buffer.from(input)), expected)
    })
  }
})

describe('framing is decided by the bytes, not by how they arrive', () => {
  const inputs = [
    // Ten or more digits: too long for a frame length, so lines however the first chunk ends.
    '12345678901 <190>1 2024-05-01T12:00:00+00:00 host app web.1 - a\n' + framed(FRAME_A),
    '1234567890\n' + framed(FRAME_A),
    framed(FRAME_A) + framed(FRAME_B),
    '58 hello\n' + framed(FRAME_A),
    '2024-05-01T12:00:00+00:00 app[web.1]: hi\n' + framed(FRAME_A),
    '7',
    '58 ',
    '1234567',
  ]
  for (const input of inputs) {
    it(`${JSON.stringify(input.slice(0, 30))}: the same units in every chunking`, () => {
      const whole = split([input])
      for (const chunks of everyChunking(input)) assert.deepEqual(split(chunks), whole, chunks.join('|'))
    })
  }

  it('reads ten or more leading digits as lines', () => {
    const input = '12345678901 <190>1 2024-05-01T12:00:00+00:00 host app web.1 - a\n' + framed(FRAME_A)
    assert.deepEqual(split([...input]), [['12345678901 <190>1 2024-05-01T12:00:00+00:00 host app web.1 - a\n', false], [framed(FRAME_A), false]])
  })
})

describe('lines longer than the limit', () => {
  const limits = {maxLine: 8}
  const cases: Array<[string, string[]]> = [
    ['12345678\n', ['12345678\n']],
    ['123456789\n', ['12345678', '9\n']],
    ['1234567812345678\nshort\n', ['12345678', '12345678\n', 'short\n']],
    ['abcdefghijklmnopqrstuvwxyz', ['abcdefgh', 'ijklmnop', 'qrstuvwx', 'yz']],
    ['abcdefghijklmnop', ['abcdefgh', 'ijklmnop']],
    ['ok\n' + 'x'.repeat(20) + '\r\nok\n', ['ok\n', 'xxxxxxxx', 'xxxxxxxx', 'xxxx\r\n', 'ok\n']],
  ]
  for (const [input, pieces] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(pieces)} in every chunking`, () => {
      for (const chunks of everyChunking(input)) {
        assert.deepEqual(split(chunks, limits), pieces.map((piece) => [piece, false]), chunks.join('|'))
      }
    })
  }

  it('cuts an over-long frame header and the bytes after it into pieces too, and frames stay whole', () => {
    const input = framed(FRAME_A) + 'y'.repeat(300) + '\n' + framed(FRAME_B)
    for (const chunks of everyChunking(input)) {
      const units = split(chunks, {maxLine: 100})
      assert.equal(units.map(([raw]) => raw).join(''), input, chunks.join('|'))
      assert.ok(units.every(([raw]) => raw.length <= 101))
      assert.deepEqual(units.filter(([, isFrame]) => isFrame).map(([raw]) => raw), [framed(FRAME_A), framed(FRAME_B)])
    }
  })

  it('reads a frame longer than the line limit as a line, in pieces', () => {
    const units = split([framed(FRAME_A)], {maxLine: 20})
    assert.equal(units.map(([raw]) => raw).join(''), framed(FRAME_A))
    assert.ok(units.every(([raw, isFrame]) => raw.length <= 21 && !isFrame))
  })

  it('tells each time it cuts a line', () => {
    let cuts = 0
    const splitter = new UnitSplitter(() => {}, undefined, {maxLine: 4, onCut: () => cuts++})
    for (const chunk of ['ab', 'cdef', 'gh\nok\n', '123456\n']) splitter.push(Buffer.from(chunk))
    splitter.end()
    assert.equal(cuts, 2)
  })

  it('holds at most the limit of an endless line, passing the rest on as it comes', () => {
    let held = 0
    let passed = 0
    const chunk = Buffer.alloc(64 * 1024)
    const splitter = new UnitSplitter((raw) => (passed += raw.length), undefined, {maxLine: 1024 * 1024})
    for (let i = 0; i < 64; i++) {
      splitter.push(chunk)
      held = (i + 1) * chunk.length - passed
      assert.ok(held <= 1024 * 1024, `holds ${held} bytes`)
    }

    // 4 MiB in: three whole pieces have gone on, the fourth MiB waits to see whether a newline ends it.
    assert.equal(passed, 3 * 1024 * 1024)
  })
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

describe('long lines go to a LongLineHandler as they come', () => {
  /** The units and the long lines (joined, with how many pieces each came in) a splitter gives. */
  function splitLong(chunks: string[], above: number, maxLine: number): {cuts: number; long: string[]; units: string[]} {
    const units: string[] = []
    const long: string[] = []
    let current: string[] | undefined
    let cuts = 0
    const splitter = new UnitSplitter((raw) => units.push(raw.toString('latin1')), undefined, {
      longLines: {
        above,
        bytes: (chunk) => current!.push(chunk.toString('latin1')),
        end() {
          long.push(current!.join(''))
          current = undefined
        },
        start() {
          assert.equal(current, undefined, 'a long line started inside another')
          current = []
        },
      },
      maxLine,
      onCut: () => cuts++,
    })
    for (const chunk of chunks) splitter.push(Buffer.from(chunk, 'latin1'))
    splitter.end()
    return {cuts, long, units}
  }

  const cases: Array<[input: string, above: number, maxLine: number, expected: {cuts: number; long: string[]; units: string[]}]> = [
    ['ab\n' + 'x'.repeat(10) + '\ncd\n', 5, 100, {cuts: 0, long: ['x'.repeat(10) + '\n'], units: ['ab\n', 'cd\n']}],
    ['x'.repeat(10) + '\r\n', 5, 100, {cuts: 0, long: ['x'.repeat(10) + '\r\n'], units: []}],
    // Pieces of maxLine; a newline right after a full piece ends it, and a short last piece is a long line too.
    ['x'.repeat(25) + '\nab\n', 5, 10, {cuts: 2, long: ['x'.repeat(10), 'x'.repeat(10), 'xxxxx\n'], units: ['ab\n']}],
    ['x'.repeat(20) + '\n', 5, 10, {cuts: 1, long: ['x'.repeat(10), 'x'.repeat(10) + '\n'], units: []}],
    ['x'.repeat(21), 5, 10, {cuts: 2, long: ['x'.repeat(10), 'x'.repeat(10), 'x'], units: []}],
    // A limit at or below `above` cuts pieces as before: no line is long.
    ['x'.repeat(12) + '\n', 10, 10, {cuts: 1, long: [], units: ['x'.repeat(10), 'xx\n']}],
  ]
  for (const [input, above, maxLine, expected] of cases) {
    it(`${JSON.stringify(input)} (above ${above}, pieces of ${maxLine}) in every chunking`, () => {
      for (const chunks of everyChunking(input)) {
        const result = splitLong(chunks, above, maxLine)
        // A line that arrives whole in one chunk is cut the same; only how often onCut is told may differ.
        assert.deepEqual({...result, cuts: Math.sign(result.cuts)}, {...expected, cuts: Math.sign(expected.cuts)}, chunks.join('|'))
      }
    })
  }
})
