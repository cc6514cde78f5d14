import {chmod, mkdir, stat} from 'node:fs/promises'
import {dirname} from 'node:path'

/** The data directory cannot be created or used (a file is in the way, no permission). */
export class DataDirError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`cannot use ${dir} as the data directory: ${reason}`)
  }
}

/** The data directory is open to other users and the router cannot close it: it will not keep secrets there. */
export class DataDirOpenError extends DataDirError {}

/** Permission bits for the group and for others. */
const OPEN_BITS = 0o077

/**
 * Creates `dir` (mode 0700) if missing. One that exists open to other users is made 0700, and `log` says so:
 * it holds the API key and the apps' input tokens. When that cannot be done (the router is not its owner),
 * throws DataDirOpenError rather than keep them where others can read them.
 */
export async function prepareDataDir(dir: string, log: (line: string) => void): Promise<void> {
  const unusable = (error: NodeJS.ErrnoException) => {
    throw new DataDirError(dir, dataDirProblem(error))
  }

  await makeDirectories(dir, 0o700).catch(unusable)
  const mode = (await stat(dir).catch(unusable)).mode & 0o777
  if ((mode & OPEN_BITS) === 0) return
  await chmod(dir, 0o700).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EPERM' ? 'the router is not its owner' : error.message
    throw new DataDirOpenError(dir, `it is open to other users (mode ${octal(mode)}) and cannot be made private: ${why} (${error.code})`)
  })
  log(`made the data directory ${dir} private (mode 0700, was ${octal(mode)}): it holds the API key and the apps' input tokens`)
}

/**
 * `mkdir -p`, one directory at a time. Node's recursive mkdir never returns where a parent exists but the
 * kernel still answers ENOENT for the child (under /proc or /sys): `serve` hung there, silently, at full CPU.
 */
async function makeDirectories(dir: string, mode: number): Promise<void> {
  const error = await makeDirectory(dir, mode)
  if (error === undefined) return
  const parent = dirname(dir)
  if (error.code !== 'ENOENT' || parent === dir) throw error
  await makeDirectories(parent, mode)
  // Once: if the parent is there and this still fails, the error is the answer.
  const again = await makeDirectory(dir, mode)
  if (again !== undefined) throw again
}

/** Makes `dir`; undefined once it is a directory (made now or before), else why not. */
async function makeDirectory(dir: string, mode: number): Promise<NodeJS.ErrnoException | undefined> {
  const error = await mkdir(dir, {mode}).then(() => undefined, (failure: NodeJS.ErrnoException) => failure)
  return error?.code === 'EEXIST' && (await isDirectory(dir)) ? undefined : error
}

/** False for a file, or a symbolic link to nothing, in the way. */
function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isDirectory(), () => false)
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0')
}

function dataDirProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      return 'a file is in the way, not a directory'
    }

    case 'ENOENT': {
      return 'the file system will not create it there (ENOENT)'
    }

    case 'EACCES':
    case 'EPERM':
    case 'EROFS': {
      return `no permission to create it (${error.code})`
    }

    default: {
      return error.message
    }
  }
}
