import type {FileHandle} from 'node:fs/promises'

import type {Socket} from 'node:net'

import {type FSWatcher, watch} from 'node:fs'
import {stat} from 'node:fs/promises'
import {basename, dirname} from 'node:path'

import {openFifoForFollowing, openInput, READ_CHUNK_BYTES} from './file.js'
import {inputErrorFrom} from './input-error.js'

/**
 * How often the file is checked when no change notice arrives. Notices (inotify) wake the follower at once;
 * polling is the fallback where they are late or missing (network file systems, some containers).
 */
export const FOLLOW_POLL_MS = 50

/**
 * Whether a path that cannot be opened may open later, so following it means waiting for it: a file missing
 * from a directory that exists. A directory, a path under a missing directory or a file we may not read stays
 * as it is by itself.
 */
export async function canAppearLater(path: string, error: unknown): Promise<boolean> {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false
  return stat(dirname(path)).then((info) => info.isDirectory(), () => false)
}

export interface FollowEvents {
  /** New bytes of the current file, in order. */
  data(chunk: Buffer): Promise<void> | void
  /**
   * The file being read ended for good (rotated away, or truncated): whatever unit is still partial is
   * complete, and bytes that follow belong to a new file.
   */
  fileEnded(): void
  /** Something a user following the file should know (it was truncated, replaced, or went missing). */
  notice(message: string): void
}

/**
 * Follows a path the way `tail -F` does: reads what the file has, then what is appended, and survives
 * truncation and rename-and-recreate rotation. On rotation the old file is read to its end before the new
 * one is opened, so no line is lost or read twice.
 */
export class FileFollower {
  private handle: FileHandle | undefined
  private identity = ''
  private position = 0
  private timer: NodeJS.Timeout | undefined
  private watcher: FSWatcher | undefined
  private missingReported = false
  private polling = false
  private pollAgain = false
  private stopped = false

  constructor(
    readonly path: string,
    private readonly events: FollowEvents,
    private readonly pollMs = FOLLOW_POLL_MS,
  ) {}

  /** Opens the file and reads all it holds now. Throws an InputError when it cannot be opened. */
  async readExisting(): Promise<void> {
    try {
      await this.open()
    } catch (error) {
      // The caller reports this once; `follow` then waits quietly for the file to appear.
      this.missingReported = true
      throw error
    }

    await this.readToEnd()
  }

  /** Polls for new bytes until `stop`. A file missing now is waited for, as `tail -F` does. */
  follow(): void {
    try {
      // The directory, not the file: a watch on the file would stay with the old file after a rotation.
      const name = basename(this.path)
      this.watcher = watch(dirname(this.path), (_event, changed) => {
        if (changed === null || changed === name) this.schedule(0)
      })
      this.watcher.on('error', () => this.watcher?.close())
    } catch {
      // No change notices here: polling alone still finds every change.
    }

    this.schedule(this.pollMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.watcher?.close()
    await this.handle?.close()
    this.handle = undefined
  }

  private schedule(delay: number): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.tick(), delay)
  }

  /** One poll at a time; a notice that arrives during a poll runs another right after it. */
  private async tick(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true
      return
    }

    this.polling = true
    try {
      await this.poll()
    } catch (error) {
      if (!this.stopped) this.events.notice(inputErrorFrom(this.path, error).message)
    } finally {
      this.polling = false
    }

    const again = this.pollAgain
    this.pollAgain = false
    this.schedule(again ? 0 : this.pollMs)
  }

  private async open(): Promise<void> {
    this.handle = await openInput(this.path)
    const info = await this.handle.stat()
    this.identity = `${info.dev}:${info.ino}`
    this.position = 0
  }

  private async poll(): Promise<void> {
    if (this.handle === undefined) {
      if (!(await this.reopen())) return
    }

    await this.readToEnd()

    const current = await stat(this.path).catch(() => undefined)
    if (current === undefined) {
      if (!this.missingReported) this.events.notice(`${this.path}: has gone away; waiting for it to come back`)
      this.missingReported = true
      return
    }

    if (`${current.dev}:${current.ino}` !== this.identity) {
      // Rotated: the old file was read to its end above; everything from now on comes from the new one.
      await this.closeCurrent()
      // One that went missing first is said to have appeared (reopen), as tail -F says, not also replaced.
      if (!this.missingReported) this.events.notice(`${this.path}: has been replaced; following the new file`)
      await this.reopen()
      await this.readToEnd()
      return
    }

    if (current.size < this.position) {
      this.events.notice(`${this.path}: file truncated`)
      this.events.fileEnded()
      this.position = 0
      await this.readToEnd()
    }
  }

  /** Opens the path again after it went missing or was replaced; false while it is still missing. */
  private async reopen(): Promise<boolean> {
    try {
      await this.open()
    } catch {
      if (!this.missingReported) this.events.notice(`${this.path}: cannot open; waiting for it to appear`)
      this.missingReported = true
      return false
    }

    if (this.missingReported) this.events.notice(`${this.path}: has appeared; following it`)
    this.missingReported = false
    return true
  }

  private async closeCurrent(): Promise<void> {
    this.events.fileEnded()
    await this.handle?.close()
    this.handle = undefined
  }

  private async readToEnd(): Promise<void> {
    const handle = this.handle
    if (handle === undefined) return
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, this.position)
      if (bytesRead === 0 || this.stopped) return
      this.position += bytesRead
      await this.events.data(buffer.subarray(0, bytesRead))
    }
  }
}

/**
 * Follows a named FIFO once its first writers have closed it, as `tail -F` does: what every later writer
 * sends, until `stop`. The first writers' bytes are read before, as a pipe's.
 */
export class FifoFollower {
  private socket: Socket | undefined
  private stopped = false

  constructor(
    readonly path: string,
    private readonly events: Pick<FollowEvents, 'data' | 'notice'>,
  ) {}

  follow(): void {
    this.read().catch((error: unknown) => {
      if (!this.stopped) this.events.notice(inputErrorFrom(this.path, error).message)
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.socket?.destroy()
  }

  private async read(): Promise<void> {
    const socket = await openFifoForFollowing(this.path)
    this.socket = socket
    if (this.stopped) socket.destroy()
    for await (const chunk of socket) await this.events.data(chunk as Buffer)
  }
}
