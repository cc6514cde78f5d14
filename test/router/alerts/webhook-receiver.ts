import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

/** One notification as the receiver got it. */
export interface Received {
  path: string
  authorization: string | undefined
  contentType: string | undefined
  body: any
}

/**
 * A webhook receiver on 127.0.0.1 that counts notifications: every POST's JSON body, in arrival order, and
 * every attempt (answered with `answer`, 204 unless told otherwise).
 */
export class WebhookReceiver {
  readonly received: Received[] = []
  /** The body of every attempt, answered 2xx or not. */
  readonly attempted: any[] = []
  attempts = 0
  answer: (body: any) => number = () => 204
  port = 0
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res))
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  url(path = '/hook', userinfo = ''): string {
    return `http://${userinfo === '' ? '' : userinfo + '@'}127.0.0.1:${this.port}${path}`
  }

  /** The bodies taken (answered 2xx), of one status (`firing`, `resolved`) or all. */
  taken(status?: string): any[] {
    return this.received.map((each) => each.body).filter((body) => status === undefined || body.status === status)
  }

  async stop(): Promise<void> {
    const {server} = this
    this.server = undefined
    if (server === undefined) return
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      this.attempts++
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      this.attempted.push(body)
      const status = this.answer(body)
      if (status >= 200 && status < 300) {
        this.received.push({
          authorization: req.headers.authorization,
          body,
          contentType: req.headers['content-type'],
          path: req.url ?? '',
        })
      }

      res.writeHead(status).end()
    })
  }
}
