import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {appendFileSync, renameSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {BIN, cliEnv, ROOT, tempDir, waitFor} from '../helpers/cli.js'

const line = (n: number, dyno = 'web.1') => `2024-05-01T12:00:${String(n % 60).padStart(2, '0')}.000000+00:00 app[${dyno}]: line ${n}\n`

/** A running `logsift logs --tail` whose output is collected as it arrives. */
class Follower {
  output = ''
  stderr = ''
  private readonly child: ChildProcessWithoutNullStreams

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'logs', '--tail', ...args], {cwd: ROOT, env: cliEnv()})
    this.child.stdout.on('data', (chunk) => (this.output += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
  }

  lines(): string[] {
    return this.output.split('\n').filter(Boolean)
  }

  async waitForLines(count: number, what: string): Promise<void> {
    await waitFor(`${what} (have ${this.lines().length} of ${count} lines: ${JSON.stringify(this.output.slice(-200))})`, () => this.lines().length >= count)
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.child.on('close', resolve))
    this.child.kill('SIGTERM')
    await closed
  }
}

const numbers = (lines: string[]) => lines.map((text) => Number(/line (\d+)/.exec(text)![1]))
const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i)

describe('logsift logs --tail (following files like tail -F)', () => {
  const dir = tempDir()
  let follower: Follower | undefined

  afterEach(async () => {
    await follower?.stop()
    follower = undefined
  })

  it('prints the last 10 lines, then lines as they are appended', async () => {
    const file = join(dir, 'append.log')
    writeFileSync(file, range(1, 25).map((n) => line(n)).join(''))
    follower = new Follower([file, '-o', 'raw'])
    await follower.waitForLines(10, 'the last 10 lines')
    assert.deepEqual(numbers(follower.lines()), range(16, 25))

    appendFileSync(file, line(26) + line(27))
    await follower.waitForLines(12, 'appended lines')
    assert.deepEqual(numbers(follower.lines()), range(16, 27))
  })

  it('with --since, prints every line from then on, not only the last 10, then follows (-n still counts)', async () => {
    const file = join(dir, 'since.log')
    // Lines 1..25 at 12:00:01..25; the window opens at 12:00:06.
    writeFileSync(file, range(1, 25).map((n) => line(n)).join(''))
    follower = new Follower([file, '--since', '2024-05-01T12:00:06Z', '-o', 'raw'])
    await follower.waitForLines(20, 'the 20 lines since 12:00:06')
    appendFileSync(file, line(26))
    await follower.waitForLines(21, 'the appended line')
    assert.deepEqual(numbers(follower.lines()), range(6, 26))
    await follower.stop()

    follower = new Follower([file, '--since', '2024-05-01T12:00:06Z', '-n', '3', '-o', 'raw'])
    await follower.waitForLines(3, 'the last 3 lines since 12:00:06')
    appendFileSync(file, line(27))
    await follower.waitForLines(4, 'the appended line')
    assert.deepEqual(numbers(follower.lines()), [24, 25, 26, 27])
  })

  it('applies filters and --num to what it prints and follows', async () => {
    const file = join(dir, 'filtered.log')
    writeFileSync(file, range(1, 10).map((n) => line(n, n % 2 ? 'web.1' : 'worker.1')).join(''))
    follower = new Follower([file, '-n', '2', '-d', 'worker', '-o', 'raw'])
    await follower.waitForLines(2, 'the last 2 worker lines')
    appendFileSync(file, line(11, 'web.1') + line(12, 'worker.1'))
    await follower.waitForLines(3, 'the appended worker line')
    assert.deepEqual(numbers(follower.lines()), [8, 10, 12])
  })

  it('prints the last N lines of each file, file after file, as tail -F does, then follows them all', async () => {
    const first = join(dir, 'first.log')
    const second = join(dir, 'second.log')
    writeFileSync(first, range(1, 5).map((n) => line(n)).join(''))
    writeFileSync(second, range(11, 15).map((n) => line(n)).join(''))
    follower = new Follower([first, second, '-n', '3', '-o', 'raw'])
    await follower.waitForLines(6, 'the last 3 lines of each file')
    appendFileSync(first, line(6))
    await follower.waitForLines(7, 'a line appended to the first file')
    assert.deepEqual(numbers(follower.lines()), [3, 4, 5, 13, 14, 15, 6])
  })

  it('holds a partial last line until its newline arrives', async () => {
    const file = join(dir, 'partial.log')
    writeFileSync(file, line(1))
    follower = new Follower([file, '-o', 'raw'])
    await follower.waitForLines(1, 'the first line')
    appendFileSync(file, line(2).slice(0, 30))
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(follower.lines().length, 1, 'a line without its newline must not be printed yet')
    appendFileSync(file, line(2).slice(30))
    await follower.waitForLines(2, 'the completed line')
    assert.equal(follower.output, line(1) + line(2))
  })

  it('survives truncation: prints what is written after it, nothing twice', async () => {
    const file = join(dir, 'truncate.log')
    writeFileSync(file, line(1) + line(2))
    follower = new Follower([file, '-o', 'raw'])
    await follower.waitForLines(2, 'the first lines')
    truncateSync(file, 0)
    await waitFor('the truncation notice', () => follower!.stderr.includes('file truncated'))
    appendFileSync(file, line(3))
    await follower.waitForLines(3, 'the line after truncation')
    assert.deepEqual(numbers(follower.lines()), [1, 2, 3])
  })

  it('survives rename-and-recreate rotation without losing or repeating a line', async () => {
    const file = join(dir, 'rotate.log')
    writeFileSync(file, line(1))
    follower = new Follower([file, '-o', 'raw'])
    await follower.waitForLines(1, 'the first line')

    renameSync(file, `${file}.1`)
    // The writer still holds the old file for a moment after the rename, as a logger does.
    appendFileSync(`${file}.1`, line(2))
    writeFileSync(file, line(3))
    appendFileSync(file, line(4))
    await follower.waitForLines(4, 'lines from both files')
    assert.deepEqual(numbers(follower.lines()), [1, 2, 3, 4])
    assert.match(follower.stderr, /has been replaced; following the new file/)
  })

  it('a file deleted, then made again: says it has gone away, then that it has appeared, once each', async () => {
    const file = join(dir, 'recreated.log')
    writeFileSync(file, line(1))
    follower = new Follower([file, '-o', 'raw'])
    await follower.waitForLines(1, 'the first line')
    unlinkSync(file)
    await waitFor('the gone-away notice', () => follower!.stderr.includes('has gone away'))
    writeFileSync(file, line(2))
    await follower.waitForLines(2, 'the line of the new file')
    await waitFor('the appeared notice', () => follower!.stderr.includes('has appeared'))
    assert.deepEqual(numbers(follower.lines()), [1, 2])
    assert.deepEqual(follower.stderr.trim().split('\n').map((notice) => notice.slice(notice.indexOf(file) + file.length + 2)), ['has gone away; waiting for it to come back', 'has appeared; following it'])
  })

  it('reads a gzip file and follows the plain one beside it', async () => {
    const archive = join(dir, 'old.log.gz')
    const live = join(dir, 'live.log')
    writeFileSync(archive, gzipSync(line(1) + line(2)))
    writeFileSync(live, line(3))
    follower = new Follower([archive, live, '-o', 'raw'])
    await follower.waitForLines(3, 'the lines of both files')
    appendFileSync(live, line(4))
    await follower.waitForLines(4, 'the appended line')
    assert.deepEqual(numbers(follower.lines()), [1, 2, 3, 4])
  })

  it('waits for a file that does not exist yet, as tail -F does', async () => {
    const file = join(dir, 'later.log')
    follower = new Follower([file, '-o', 'raw'])
    await waitFor('the missing-file message', () => follower!.stderr.includes('no such file or directory'))
    writeFileSync(file, line(1))
    await follower.waitForLines(1, 'the line of the new file')
    assert.deepEqual(numbers(follower.lines()), [1])
  })
})
