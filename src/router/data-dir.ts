import {readFileSync} from 'node:fs'
import {chmod, mkdir, readFile, stat, unlink, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

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

/** Another router has the data directory open (lockDataDir). */
export class DataDirInUseError extends DataDirError {}

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

/** The data directory's lock, held while a router has it open. */
export interface DataDirLock {
  release(): Promise<void>
}

/** The data directories this process's routers hold (two routers in one process are two holders too). */
const heldHere = new Set<string>()

/**
 * Takes the data directory for this router, or throws DataDirInUseError naming the router that has it: two routers
 * writing one log at the same offsets lose what the first one answered 2xx for. The lock is a file holding the
 * holder's PID and its start time (so a PID reused after a reboot is not taken for the holder); a lock whose
 * holder is gone (kill -9, a crash) is taken over.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE)
  const resolved = resolve(dir)
  const mine = `${process.pid} ${startTime(process.pid) ?? ''}\n`
  // A lock left by a router that is gone is removed and taken; one that reappears meanwhile is another
  // router starting at the same moment.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, mine, {flag: 'wx', mode: 0o600})
      heldHere.add(resolved)
      return {
        async release() {
          heldHere.delete(resolved)
          await unlink(path).catch(() => {})
        },
      }
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code !== 'EEXIST') throw new DataDirError(dir, `cannot make its lock file ${path}: ${(error as Error).message}`)
    }

    const holder = await readFile(path, 'utf8').catch(() => '')
    const pid = Number.parseInt(holder, 10)
    // A lock not written yet is one being taken this moment (the file is made, then written).
    const fresh = holder === '' && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) < 2000
    if (fresh) throw new DataDirInUseError(dir, `another router is starting on it (${path} was just made)`)
    if (holds(pid, holder.split(' ')[1]?.trim(), resolved)) {
      throw new DataDirInUseError(dir, `another router has it open (PID ${pid}); stop that one, or remove ${path} if no router runs`)
    }

    await unlink(path).catch(() => {})
  }

  throw new DataDirInUseError(dir, `another router is starting on it (${path} came back)`)
}

const LOCK_FILE = 'router.lock'

/** Whether the process a lock names still runs (and is the one that took it). */
function holds(pid: number, started: string | undefined, dir: string): boolean {
  if (!(pid > 0)) return false
  if (pid === process.pid) return heldHere.has(dir)
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }

  const now = startTime(pid)
  return started === undefined || started === '' || now === undefined || now === started
}

/** A process's start time in clock ticks since boot (Linux, field 22 of /proc/PID/stat); undefined elsewhere. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
