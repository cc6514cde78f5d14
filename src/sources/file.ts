import type {FileHandle} from 'node:fs/promises'

import {close, constants, createReadStream, fstat, open as openFd} from 'node:fs'
import {open, realpath, stat} from 'node:fs/promises'
import {Socket} from 'node:net'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {promisify} from 'node:util'

import {InputError, inputErrorFrom} from './input-error.js'
import {STDIN_NAME} from './inputs.js'

/** Large reads: a log file is read front to back once, so fewer system calls win. */
export const READ_CHUNK_BYTES = 256 * 1024

const GZIP_MAGIC = [0x1f, 0x8b]

const openDescriptor = promisify(openFd)
const statDescriptor = promisify(fstat)
const closeDescriptor = promisify(close)

/** Opens a file for reading, refusing directories, with errors that name the file. */
export async function openInput(path: string): Promise<FileHandle> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    if ((await handle.stat()).isDirectory()) throw new InputError(path, 'is a directory')
    return handle
  } catch (error) {
    await handle?.close()
    throw inputErrorFrom(path, error)
  }
}

/**
 * Whether `path` is a regular file that starts with gzip's magic number (its name does not matter); false
 * when it cannot be read (the reader reports that). Anything else is never opened here: opening a FIFO
 * would wait for a writer, and closing it again could cost that writer its reader.
 */
export async function isGzipFile(path: string): Promise<boolean> {
  if (!(await stat(path).then((info) => info.isFile(), () => false))) return false
  const handle = await open(path, 'r').catch(() => undefined)
  if (handle === undefined) return false
  try {
    const head = Buffer.alloc(GZIP_MAGIC.length)
    const {bytesRead} = await handle.read(head, 0, head.length, 0)
    return bytesRead === head.length && startsWithGzipMagic(head)
  } catch {
    return false
  } finally {
    await handle.close()
  }
}

/** Whether `path` names a FIFO in the file system (not an anonymous pipe reached as /dev/stdin). */
export async function isNamedFifo(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined)
  // /dev/stdin on a pipe resolves to `pipe:[N]`, which is no path: nothing could open it again.
  return info !== undefined && info.isFIFO() && (await realpath(path).then(() => true, () => false))
}

/**
 * The bytes of a file, gunzipped when they start as gzip does. A regular file is read from its start; a FIFO,
 * a character device or /dev/stdin is read front to back as a stream, as a pipe is (they cannot seek). A FIFO
 * is opened the way `cat` opens it: the open waits for a writer, and the bytes end when every writer has
 * closed it.
 */
export async function* readFile(path: string): AsyncGenerator<Buffer> {
  yield* gunzippedInput(path, await openBytes(path))
}

/**
 * Standard input's bytes, gunzipped when they start as gzip does, as a file's or a named pipe's are
 * (`curl …/app.log.gz | logsift logs`).
 */
export function readStdin(stdin: Readable): AsyncGenerator<Buffer> {
  return gunzippedInput(STDIN_NAME, stdin)
}

/**
 * An input's bytes, gunzipped when gzip, its errors named after it (`name`); it is let go when the reading
 * stops, at its end or early.
 */
async function* gunzippedInput(name: string, bytes: Readable): AsyncGenerator<Buffer> {
  try {
    yield* gunzipIfGzip(bytes)
  } catch (error) {
    throw inputErrorFrom(name, error)
  } finally {
    bytes.destroy()
  }
}

/** The bytes of a regular file from `start` on, as they are (the rest of a file read in part on worker threads). */
export async function* readPlainFileFrom(path: string, start: number): AsyncGenerator<Buffer> {
  try {
    yield* createReadStream(path, {highWaterMark: READ_CHUNK_BYTES, start})
  } catch (error) {
    throw inputErrorFrom(path, error)
  }
}

/**
 * A named FIFO opened for reading and writing: the open does not wait, and the reads never see an end, since
 * this process is a writer too. Following a FIFO as `tail -F` does: bytes from every later writer, until
 * the stream is destroyed.
 */
export async function openFifoForFollowing(path: string): Promise<Socket> {
  const fd = await openDescriptor(path, constants.O_RDWR | constants.O_NONBLOCK).catch((error: unknown) => {
    throw inputErrorFrom(path, error)
  })
  return new Socket({fd, readable: true, writable: false})
}

async function openBytes(path: string): Promise<Readable> {
  const fd = await openDescriptor(path, 'r').catch((error: unknown) => {
    throw inputErrorFrom(path, error)
  })
  try {
    const info = await statDescriptor(fd)
    if (info.isDirectory()) throw new InputError(path, 'is a directory')
    // A FIFO as a socket, as Node reads a piped stdin: reads wait in the event loop, not in a thread.
    if (info.isFIFO()) return new Socket({fd, readable: true, writable: false})
    // Reads at the current position (no `start`) for anything that cannot seek.
    return createReadStream(path, {fd, highWaterMark: READ_CHUNK_BYTES, start: info.isFile() ? 0 : undefined})
  } catch (error) {
    await closeDescriptor(fd).catch(() => {})
    throw inputErrorFrom(path, error)
  }
}

/** The stream's bytes, gunzipped when its first two bytes are gzip's magic number. */
export async function* gunzipIfGzip(bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const chunks = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  let head: Buffer = Buffer.alloc(0)
  while (head.length < GZIP_MAGIC.length) {
    const next = await chunks.next()
    if (next.done) {
      if (head.length > 0) yield head
      return
    }

    head = head.length === 0 ? next.value : Buffer.concat([head, next.value])
  }

  const all = (async function* () {
    yield head
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value
  })()
  if (!startsWithGzipMagic(head)) {
    yield* all
    return
  }

  const {createGunzip} = await import('node:zlib')
  const gunzip = createGunzip({chunkSize: READ_CHUNK_BYTES})
  // Errors of either side reach the reader through gunzip; the pipeline's own promise is not needed.
  pipeline(Readable.from(all, {objectMode: false}), gunzip).catch(() => {})
  yield* gunzip
}

function startsWithGzipMagic(head: Buffer): boolean {
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
}
