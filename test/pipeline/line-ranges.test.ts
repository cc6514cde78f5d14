import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {join} from 'node:path'

import {lineRanges} from '../../src/pipeline/line-ranges.js'
import {tempDir} from '../helpers/cli.js'

const MiB = 1024 * 1024

describe('lineRanges: byte ranges of a file cut at line starts', () => {
  const dir = tempDir()

  async function rangesOf(content: Buffer | string, count: number): Promise<number[] | undefined> {
    const path = join(dir, 'ranges.log')
    writeFileSync(path, content)
    const file = await open(path, 'r')
    try {
      return await lineRanges(file, (await file.stat()).size, count)
    } finally {
      await file.close()
    }
  }

  const cases: Array<{content: Buffer | string; count: number; expected: number[] | undefined; name: string}> = [
    {content: 'abcd\r\nef\r\n', count: 2, expected: [0, 6, 10], name: 'a cut between CR and LF moves to after the LF: the CRLF stays whole'},
    {content: 'abcde\r\nf\r\n', count: 2, expected: [0, 7, 10], name: 'a cut at the CR of a CRLF moves to after its LF'},
    {content: `${'x'.repeat(10)}\n${'y'.repeat(10)}`, count: 4, expected: [0, 11, 21, 21, 21], name: 'ranges with no newline are empty, the last line without LF is whole'},
    {content: 'a\n', count: 4, expected: [0, 2, 2, 2, 2], name: 'a file smaller than the ranges'},
    {content: '', count: 3, expected: [0, 0, 0, 0], name: 'an empty file'},
    {content: 'aa\nbb', count: 2, expected: [0, 3, 5], name: 'a last line without LF'},
    {content: 'aa\nbb\ncc\ndd\n', count: 4, expected: [0, 6, 9, 12, 12], name: 'a cut right after an LF takes the next line too'},
    {content: `${'a'.repeat(3 * MiB)}\nb\n`, count: 2, expected: undefined, name: 'a line over the long-line limit across a cut: one thread'},
    {content: '12 <13>1 - - - - - x\n', count: 2, expected: undefined, name: 'octet-counted frames: one thread'},
  ]
  for (const {content, count, expected, name} of cases) {
    it(name, async () => {
      assert.deepEqual(await rangesOf(content, count), expected)
    })
  }
})
