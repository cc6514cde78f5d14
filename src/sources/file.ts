import type {FileHandle} from 'node:fs/promises'

import {open} from 'node:fs/promises'
import {createGunzip} from 'node:zlib'

import {InputError, inputErrorFrom} from './input-error.js'

/** Large reads: a log file is read front to back once, so fewer system calls win. */
export const READ_CHUNK_BYTES = 256 * 1024

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

/** Whether the file starts with gzip's magic number (its name does not matter). */
export async function isGzip(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2)
  const {bytesRead} = await handle.read(head, 0, 2, 0)
  return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
}

/** Whether the file at `path` is gzip; false when it cannot be read (the reader reports that). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined)
  if (handle === undefined) return false
  try {
    return await isGzip(handle).catch(() => false)
  } finally {
    await handle.close()
  }
}

/** The bytes of a file, gunzipped when it is gzip. */
export async function* readFile(path: string): AsyncGenerator<Buffer> {
  const handle = await openInput(path)
  try {
    const gzip = await isGzip(handle)
    const stream = handle.createReadStream({autoClose: false, highWaterMark: READ_CHUNK_BYTES, start: 0})
    if (gzip) {
      const gunzip = createGunzip({chunkSize: READ_CHUNK_BYTES})
      stream.on('error', (error) => gunzip.destroy(error))
      yield* stream.pipe(gunzip)
    } else {
      yield* stream
    }
  } catch (error) {
    throw inputErrorFrom(path, error)
  } finally {
    await handle.close()
  }
}
