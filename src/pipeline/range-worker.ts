import type {ResourceLimits, Worker} from 'node:worker_threads'

import {requireBuiltin} from '../builtin.js'
import {fromSource, moduleUrl} from '../package-root.js'

/**
 * How to start the worker module at `path` under src/ (e.g. `pipeline/scan-worker`). Running from source
 * (tests with tsx), the worker is TypeScript too: a worker's own module loads before --import hooks, so tsx is
 * registered first.
 */
export function workerScript(path: string): {eval: boolean; script: string | URL} {
  const url = moduleUrl(path)
  return fromSource
    ? {eval: true, script: `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(url.href)}) })`}
    : {eval: false, script: url}
}

/** How a worker is started, beyond its script and request. */
export interface RangeWorkerOptions {
  /** Bounds on the worker's heap: each worker has its own, so they add up. */
  resourceLimits?: ResourceLimits
}

/** One worker scanning one range (or a series of blocks), and the messages it has posted that the reader has not taken yet. */
export class RangeWorker<Message, Request> {
  private readonly worker: Worker
  private readonly queue: Message[] = []
  private waiting: ((message: Message) => void) | undefined

  /** `failed` turns a worker's crash into one of its own messages, so the reader meets it in order. */
  constructor(path: string, request: Request, failed: (error: Error) => Message, options: RangeWorkerOptions = {}) {
    const {eval: isEval, script} = workerScript(path)
    const {Worker} = requireBuiltin('node:worker_threads') as typeof import('node:worker_threads')
    this.worker = new Worker(script, {eval: isEval, resourceLimits: options.resourceLimits, workerData: request})
    this.worker.on('message', (message: Message) => this.arrived(message))
    this.worker.on('error', (error) => this.arrived(failed(error)))
  }

  next(): Promise<Message> {
    const message = this.queue.shift()
    if (message !== undefined) return Promise.resolve(message)
    return new Promise((resolve) => {
      this.waiting = resolve
    })
  }

  /** Sends the worker a message; the buffers in `moved` go with it rather than being copied. */
  post(message: unknown, moved: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, moved)
  }

  async stop(): Promise<void> {
    await this.worker.terminate()
  }

  private arrived(message: Message): void {
    const {waiting} = this
    this.waiting = undefined
    if (waiting) waiting(message)
    else this.queue.push(message)
  }
}
