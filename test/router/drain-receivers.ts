import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {mkdtempSync, rmSync} from 'node:fs'
import {type AddressInfo, createServer as createTcpServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type RouterOptions, type RunningRouter, startRouter} from '../../src/router/server.js'

/** One POST as a strict receiver saw it. */
export interface ReceivedPost {
  frameId: string
  token: string
  authorization: string | undefined
  messages: string[]
}

/** What to do with a request: answer with a status (after a delay), or cut the connection without answering. */
export type Answer = {status: number; delayMs?: number} | 'hang-up'

const FRAME_ID = /^[\da-f]{32}$/
const DRAIN_TOKEN = /^d\.[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/

/**
 * An HTTP(S) drain receiver as strict as Vector's `heroku_logs` source: every request must be a POST of
 * `application/logplex-1` with a Content-Length (no chunked body), a drain token, a 32-hex frame id, and
 * exactly `Logplex-Msg-Count` octet-counted frames, each one message ending in one newline and nothing else
 * that breaks a line, in valid UTF-8. A request that breaks a rule is answered 400 and its fault recorded.
 */
export class StrictReceiver {
  readonly posts: ReceivedPost[] = []
  readonly faults: string[] = []
  /** Every attempt, answered or not, in arrival order (frame ids). */
  readonly attempts: string[] = []
  answer: (post: ReceivedPost) => Answer = () => ({status: 204})
  port = 0
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor(private readonly tls?: {cert: Buffer | string; key: Buffer | string}) {}

  get messages(): string[] {
    return this.posts.flatMap((post) => post.messages)
  }

  /**
   * The texts (after the syslog header's ` - `) of the frames taken, each frame id counted once, as a
   * receiver deduping by Logplex-Frame-Id keeps them; a frame id resent with other messages is a fault.
   */
  dedupedTexts(): string[] {
    const seen = new Map<string, string[]>()
    for (const post of this.posts) {
      const earlier = seen.get(post.frameId)
      if (earlier === undefined) seen.set(post.frameId, post.messages)
      else if (JSON.stringify(post.messages) !== JSON.stringify(earlier)) this.faults.push(`frame ${post.frameId} resent with other messages`)
    }

    return [...seen.values()].flat().map((line) => line.slice(line.lastIndexOf(' - ') + 3))
  }

  async start(port = 0): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res)
    const server = this.tls === undefined ? createHttpServer(handler) : createHttpsServer(this.tls, handler)
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const {server} = this
    this.server = undefined
    if (server === undefined) return
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }

  url(userinfo = ''): string {
    return `${this.tls === undefined ? 'http' : 'https'}://${userinfo === '' ? '' : userinfo + '@'}127.0.0.1:${this.port}/drain`
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const fault = (message: string) => {
        this.faults.push(message)
        res.writeHead(400, {'content-length': Buffer.byteLength(message)}).end(message)
      }

      const body = Buffer.concat(chunks)
      const header = (name: string) => req.headers[name] as string | undefined
      const post: ReceivedPost = {
        authorization: header('authorization'),
        frameId: header('logplex-frame-id') ?? '',
        messages: [],
        token: header('logplex-drain-token') ?? '',
      }
      this.attempts.push(post.frameId)
      if (req.method !== 'POST') return fault(`method ${req.method}`)
      if (header('content-type') !== 'application/logplex-1') return fault(`content-type ${header('content-type')}`)
      if (header('transfer-encoding') !== undefined) return fault(`transfer-encoding ${header('transfer-encoding')}`)
      if (Number(header('content-length')) !== body.length) return fault(`content-length ${header('content-length')} for ${body.length} bytes`)
      if (!FRAME_ID.test(post.frameId)) return fault(`frame id ${post.frameId}`)
      if (!DRAIN_TOKEN.test(post.token)) return fault(`drain token ${post.token}`)
      let text: string
      try {
        text = new TextDecoder('utf-8', {fatal: true}).decode(body)
      } catch {
        return fault('body is not valid UTF-8')
      }

      const bytes = Buffer.from(text)
      let at = 0
      while (at < bytes.length) {
        const space = bytes.indexOf(0x20, at)
        const len = space === -1 ? Number.NaN : Number(bytes.subarray(at, space).toString())
        if (!/^[1-9]\d*$/.test(bytes.subarray(at, space).toString()) || space + 1 + len > bytes.length) return fault(`bad frame at byte ${at}`)
        const message = bytes.subarray(space + 1, space + 1 + len).toString()
        if (!message.endsWith('\n') || /[\n\r]/.test(message.slice(0, -1))) return fault(`message does not end in exactly one newline: ${JSON.stringify(message)}`)
        post.messages.push(message.slice(0, -1))
        at = space + 1 + len
      }

      if (header('logplex-msg-count') !== String(post.messages.length)) {
        return fault(`Logplex-Msg-Count ${header('logplex-msg-count')} for ${post.messages.length} frames`)
      }

      const answer = this.answer(post)
      if (answer === 'hang-up') {
        req.socket.destroy()
        return
      }

      if (answer.status >= 200 && answer.status < 300) this.posts.push(post)
      const send = () => res.writeHead(answer.status, {'content-length': 0}).end()
      if (answer.delayMs === undefined) send()
      else setTimeout(send, answer.delayMs)
    })
  }
}

/**
 * A syslog drain receiver that keeps each octet-counted frame's MSG (`LEN SP MSG`) byte for byte, newlines
 * inside it included; bytes that are not a frame are recorded as faults.
 */
export class OctetReceiver {
  readonly frames: string[] = []
  readonly faults: string[] = []
  port = 0
  private readonly server = createTcpServer((socket) => this.accept(socket))
  private readonly sockets = new Set<Socket>()

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }

  url(): string {
    return `syslog://127.0.0.1:${this.port}`
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const space = pending.indexOf(0x20)
        if (space === -1) return
        const header = pending.subarray(0, space).toString()
        if (!/^[1-9]\d*$/.test(header)) {
          this.faults.push(`not a frame: ${JSON.stringify(pending.toString().slice(0, 80))}`)
          socket.destroy()
          return
        }

        const end = space + 1 + Number(header)
        if (end > pending.length) return
        this.frames.push(pending.subarray(space + 1, end).toString())
        pending = pending.subarray(end)
      }
    })
  }
}

/**
 * A router for drain tests, closed before its data directory is removed (so its drains' positions can be saved), with
 * its own log lines collected rather than printed.
 */
export async function drainRouter(options: Partial<RouterOptions> = {}): Promise<RunningRouter & {logged: string[]}> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'logsift-drains-'))
  const logged: string[] = []
  const router = await startRouter({dataDir: dir, log: (line) => logged.push(line), port: 0, syslogPort: 0, ...options})
  after(async () => {
    await router.close()
    if (options.dataDir === undefined) rmSync(dir, {force: true, recursive: true})
  })
  return Object.assign(router, {logged})
}
