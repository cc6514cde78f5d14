import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {isGzipFile} from '../../src/sources/file.js'
import {totalFileBytes} from '../../src/stats/progress.js'
import {BIN, cliEnv, ROOT, runCli, tempDir, waitFor} from '../helpers/cli.js'

const line = (n: number) => `2024-05-01T12:00:${String(n % 60).padStart(2, '0')}.000000+00:00 app[web.1]: line ${n}\n`

/** A process that opens `fifo` for writing, writes `bytes` and closes it, as a logger would. */
function writeToFifo(fifo: string, bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const writer = spawn(process.execPath, ['-e', 'require("fs").writeFileSync(process.argv[1], Buffer.from(process.argv[2], "base64"))', fifo, Buffer.from(bytes).toString('base64')])
    writer.on('error', reject)
    writer.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))))
  })
}

/** A running logsift whose output and exit are collected as they come. */
class Run {
  stdout = Buffer.alloc(0)
  stderr = ''
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout = Buffer.concat([this.stdout, chunk])))
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk))
    this.exited = new Promise((resolve) => this.child.on('close', resolve))
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM')
    await this.exited
  }
}

describe('logsift logs: inputs that are not regular files', () => {
  const dir = tempDir()
  let run: Run | undefined
  let fifoCount = 0
  const fifo = () => {
    const path = join(dir, `pipe-${++fifoCount}`)
    execFileSync('mkfifo', [path])
    return path
  }

  afterEach(async () => {
    await run?.stop()
    run = undefined
  })

  it('reads a named pipe given as a file, until its writer closes it', async () => {
    const path = fifo()
    run = new Run(['logs', path, '-o', 'raw'])
    await writeToFifo(path, line(1) + line(2))
    assert.equal(await run.exited, 0)
    assert.equal(run.stdout.toString(), line(1) + line(2))
    assert.equal(run.stderr, '')
  })

  it('gunzips a named pipe that carries gzip, telling it by its first bytes', async () => {
    const path = fifo()
    run = new Run(['logs', path, '-o', 'raw'])
    await writeToFifo(path, gzipSync(line(1) + line(2)))
    assert.equal(await run.exited, 0)
    assert.equal(run.stdout.toString(), line(1) + line(2))
  })

  it('never opens a FIFO or a device to sniff or size it (the open would wait for a writer)', async () => {
    const path = fifo()
    assert.equal(await isGzipFile(path), false)
    assert.equal(await totalFileBytes([{kind: 'file', path}]), undefined)
    assert.equal(await totalFileBytes([{kind: 'file', path: '/dev/zero'}]), undefined)
  })

  it('gunzips standard input that carries gzip, as a file (`-` or no argument), and streams plain input as it was', async () => {
    const text = line(1) + line(2) + line(3)
    for (const args of [['logs', '-', '-o', 'raw'], ['logs', '-o', 'raw']]) {
      const gzipped = await runCli(args, {input: gzipSync(text)})
      assert.deepEqual([gzipped.code, gzipped.stdout, gzipped.stderr], [0, text, ''], args.join(' '))
      const plain = await runCli(args, {input: text})
      assert.deepEqual([plain.code, plain.stdout, plain.stderr], [0, text, ''], args.join(' '))
    }
  })

  it('a gzip stream cut short on standard input: what it held, then one line naming the input, exit 2', async () => {
    const lines = Array.from({length: 2000}, (_, i) => line(i)).join('')
    const gzipped = gzipSync(lines)
    const result = await runCli(['logs', '-o', 'raw'], {input: gzipped.subarray(0, gzipped.length >> 1)})
    assert.equal(result.code, 2)
    assert.ok(result.stdout.length > 0 && lines.startsWith(result.stdout), 'the lines before the cut, whole')
    assert.equal(result.stderr, 'logsift: (standard input): unexpected end of file\n')
  })

  it('reads /dev/stdin as the pipe it is', async () => {
    const file = join(dir, 'piped.log')
    writeFileSync(file, line(1) + line(2))
    // A shell pipe: Node would give the child a socket, which /dev/stdin cannot reopen.
    const stdout = execFileSync('sh', ['-c', 'cat "$1" | "$2" "$3" logs /dev/stdin -o raw', 'sh', file, process.execPath, BIN], {cwd: ROOT, env: cliEnv()})
    assert.equal(stdout.toString(), line(1) + line(2))
  })

  it('with --tail, reads a named pipe like a pipe, then what every later writer sends, as tail -F does', async () => {
    const path = fifo()
    run = new Run(['logs', '--tail', path, '-o', 'raw'])
    await writeToFifo(path, line(1) + line(2))
    await waitFor('the first writer\'s lines', () => run!.stdout.toString() === line(1) + line(2))
    await writeToFifo(path, line(3))
    await writeToFifo(path, line(4))
    await waitFor('the later writers\' lines', () => run!.stdout.toString() === line(1) + line(2) + line(3) + line(4))
    assert.equal(run.stderr, '')
  })
})

describe('logsift logs: lines longer than --max-line-size', () => {
  const dir = tempDir()

  it('passes a long line on in pieces with one notice naming the input, and -o raw stays byte for byte', async () => {
    const input = Buffer.concat([
      Buffer.from(line(1)),
      Buffer.alloc(5000, 'a'),
      Buffer.from('\n'),
      Buffer.from(line(2)),
      Buffer.alloc(3000, 'b'),
    ])
    const file = join(dir, 'long.log')
    writeFileSync(file, input)
    const result = await runCli(['logs', file, '--max-line-size', '1KiB', '-o', 'raw'])
    assert.equal(result.code, 0)
    assert.ok(Buffer.from(result.stdout, 'latin1').equals(input))
    assert.equal(result.stderr, `logsift: ${file}: a line longer than 1KiB is passed on in pieces of that size (--max-line-size)\n`)
  })

  it('prints each piece as a record of its own in the other formats', async () => {
    const file = join(dir, 'pieces.log')
    writeFileSync(file, 'x'.repeat(2500) + '\n')
    const result = await runCli(['logs', file, '--max-line-size', '1KiB', '-o', 'json'])
    const messages = result.stdout.trim().split('\n').map((text) => JSON.parse(text).message)
    assert.deepEqual(messages.map((message: string) => message.length), [1024, 1024, 452])
  })

  it('applies to logs:stats too', async () => {
    const file = join(dir, 'stats.log')
    writeFileSync(file, 'y'.repeat(3000) + '\n')
    const result = await runCli(['logs:stats', file, '--max-line-size', '1KiB', '--json'])
    assert.equal(JSON.parse(result.stdout).records, 3)
    assert.match(result.stderr, /a line longer than 1KiB is passed on in pieces/)
  })

  it('refuses a size that is not one, in one line', async () => {
    const result = await runCli(['logs', join(dir, 'long.log'), '--max-line-size', '12parsecs'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /--max-line-size 12parsecs/)
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/)
  })
})

describe('logsift logs: newlines in each output format', () => {
  const dir = tempDir()
  const file = join(dir, 'no-final-newline.log')
  writeFileSync(file, 'a\nb')

  it('-o raw adds no newline after a last line that has none', async () => {
    const result = await runCli(['logs', file, '-o', 'raw'])
    assert.equal(result.stdout, 'a\nb')
    assert.equal((await runCli(['logs', file, '-o', 'raw', '-g', 'b'])).stdout, 'b')
  })

  it('-o raw ends a file\'s last line that has none when another input follows, as grep does with several files', async () => {
    const other = join(dir, 'other.log')
    writeFileSync(other, 'c\nd')
    assert.equal((await runCli(['logs', file, other, '-o', 'raw'])).stdout, 'a\nb\nc\nd')
    assert.equal((await runCli(['logs', file, other, '-o', 'raw', '-n', '3'])).stdout, 'b\nc\nd')
    assert.equal((await runCli(['logs', file, '-', '-o', 'raw'], {input: 'e\n'})).stdout, 'a\nb\ne\n')
  })

  for (const format of ['json', 'logfmt', 'pretty']) {
    it(`-o ${format} ends every record with a newline`, async () => {
      const result = await runCli(['logs', file, '-o', format])
      const records = result.stdout.split('\n')
      assert.equal(records.length, 3, JSON.stringify(result.stdout))
      assert.equal(records[2], '')
    })
  }
})

describe('logsift logs --tail: inputs that can never be followed', () => {
  const dir = tempDir()

  it('exits 2 with one line for a directory, as nothing is left to follow', async () => {
    const directory = join(dir, 'a-directory')
    mkdirSync(directory)
    const result = await runCli(['logs', '--tail', directory])
    assert.equal(result.code, 2)
    assert.equal(result.stderr, `logsift: ${directory}: is a directory\n`)
  })

  it('exits 2 for a path whose directory does not exist', async () => {
    const result = await runCli(['logs', '--tail', join(dir, 'no-such-dir', 'app.log')])
    assert.equal(result.code, 2)
    assert.equal(result.stderr, `logsift: ${join(dir, 'no-such-dir', 'app.log')}: no such file or directory\n`)
  })

  it('keeps following the files that can appear beside one that cannot', async () => {
    const directory = join(dir, 'another-directory')
    mkdirSync(directory)
    const later = join(dir, 'later.log')
    const run = new Run(['logs', '--tail', directory, later, '-o', 'raw'])
    try {
      await waitFor('both messages', () => run.stderr.includes('is a directory') && run.stderr.includes('no such file'))
      writeFileSync(later, line(1))
      await waitFor('the line of the file that appeared', () => run.stdout.toString() === line(1))
    } finally {
      await run.stop()
    }
  })
})
