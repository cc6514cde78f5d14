import {chmod, mkdir, stat} from 'node:fs/promises'

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

  await mkdir(dir, {mode: 0o700, recursive: true}).catch(unusable)
  const mode = (await stat(dir).catch(unusable)).mode & 0o777
  if ((mode & OPEN_BITS) === 0) return
  await chmod(dir, 0o700).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EPERM' ? 'the router is not its owner' : error.message
    throw new DataDirOpenError(dir, `it is open to other users (mode ${octal(mode)}) and cannot be made private: ${why} (${error.code})`)
  })
  log(`made the data directory ${dir} private (mode 0700, was ${octal(mode)}): it holds the API key and the apps' input tokens`)
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
