import {Worker} from 'node:worker_threads'

/**
 * How to start a worker module that sits beside this file. Running from source (tests with tsx), the worker
 * is TypeScript too: a worker's own module loads before --import hooks, so tsx is registered first.
 */
export function workerScript(name: string): {eval: boolean; script: string | URL} {
  return import.meta.url.endsWith('.ts')
    ? {eval: true, script: `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(new URL(`${name}.ts`, import.meta.url).href)}) })`}
    : {eval: false, script: new URL(`${name}.js`, import.meta.url)}
}

/** One worker scanning one range, and the messages it has posted that the reader has not taken yet. */
export class RangeWorker<Message, Request> {
  private readonly worker: Worker
  private readonly queue: Message[] = []
  private waiting: ((message: Message) => void) | undefined

  /** `failed` turns a worker's crash into one of its own messages, so the reader meets it in order. */
  constructor(name: string, request: Request, failed: (error: Error) => Message) {
    const {eval: isEval, script} = workerScript(name)
    this.worker = new Worker(script, {eval: isEval, workerData: request})
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

  post(message: unknown): void {
    this.worker.postMessage(message)
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
