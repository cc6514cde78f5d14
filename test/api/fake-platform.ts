import {randomUUID} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'

import type {App, Drain, LogSessionRequest} from '../../src/api/types.js'

/** One request as the server saw it. */
export interface SeenRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: unknown
}

interface FakeApp {
  app: App
  drains: Drain[]
  /** The app's log, oldest first; a line's index + 1 is its event id. */
  lines: string[]
}

interface Session {
  app: FakeApp
  request: LogSessionRequest
}

/**
 * The Platform API subset of platform-api.md and its log sessions, served on 127.0.0.1 for the CLI to talk
 * to: apps, drains, log sessions (plain text, or server-sent events with an id per line that a reconnect
 * resumes after with `Last-Event-ID`). It records every request, and can cut a session stream short.
 */
export class FakePlatform {
  readonly requests: SeenRequest[] = []
  readonly key = 'fake-api-key'
  /** When set, the next tailing stream is cut (no last chunk) after sending this many new lines. */
  cutNextTailAfter: number | undefined
  /** With `cutNextTailAfter`: the cut session expires too, so a reconnect to it is answered 404. */
  expireOnCut = false
  /** Answer every stream in plain text, whatever the client accepts (as older Logplex did). */
  plainOnly = false
  private readonly apps = new Map<string, FakeApp>()
  private readonly sessions = new Map<string, Session>()
  private readonly tails = new Set<{app: FakeApp; send: (index: number) => void}>()
  private readonly server: Server
  private started = false

  constructor() {
    this.server = createServer((request, response) => {
      void this.handle(request, response)
    })
  }

  get url(): string {
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('not listening')
    return `http://127.0.0.1:${address.port}`
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.started = true
    return this
  }

  async close(): Promise<void> {
    if (!this.started) return
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  /** A `fir` app's sessions answer as Heroku's Fir ones: always a tail, no history, no event ids, `type` filters. */
  createApp(name: string, generation: 'cedar' | 'fir' = 'cedar'): App {
    const app: App = {
      created_at: '2024-05-01T12:00:00Z',
      generation: {name: generation},
      id: randomUUID(),
      log_buffer: {capacity: 1500, messages: 0},
      log_input_token: `t.${randomUUID()}`,
      name,
      updated_at: '2024-05-01T12:00:00Z',
    }
    this.apps.set(name, {app, drains: [], lines: []})
    return app
  }

  addDrain(appName: string, url: string, addon: Drain['addon'] = null): Drain {
    const drain: Drain = {addon, created_at: '2024-05-01T12:00:00Z', id: randomUUID(), token: `d.${randomUUID()}`, updated_at: '2024-05-01T12:00:00Z', url}
    this.apps.get(appName)!.drains.push(drain)
    return drain
  }

  /** Appends lines (without newlines) to the app's log and sends them to its tailing sessions. */
  log(appName: string, ...lines: string[]): void {
    const app = this.apps.get(appName)!
    for (const line of lines) {
      app.lines.push(line)
      app.app.log_buffer!.messages = app.lines.length
      for (const tail of this.tails) if (tail.app === app) tail.send(app.lines.length - 1)
    }
  }

  /** A log session of the app, as `POST /apps/{app}/log-sessions` makes: its `logplex_url`. */
  createSession(appName: string, request: LogSessionRequest): string {
    const id = randomUUID()
    this.sessions.set(id, {app: this.apps.get(appName)!, request})
    return `${this.url}/sessions/${id}`
  }

  /** Session streams open now that follow new lines. */
  tailing(): number {
    return this.tails.size
  }

  /** Requests other than session streams, as `METHOD /path`. */
  calls(): string[] {
    return this.requests.filter((seen) => !seen.path.startsWith('/sessions/')).map((seen) => `${seen.method} ${seen.path}`)
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString()
    const path = request.url ?? '/'
    this.requests.push({body: text ? JSON.parse(text) : undefined, headers: request.headers, method: request.method ?? 'GET', path})

    const session = /^\/sessions\/([\w-]+)$/.exec(path)
    if (session) {
      this.stream(session[1], request, response)
      return
    }

    if (request.headers.authorization !== `Bearer ${this.key}`) {
      send(response, 401, {id: 'unauthorized', message: 'Invalid credentials provided.'})
      return
    }

    this.route(request.method ?? 'GET', path, text ? JSON.parse(text) : {}, response)
  }

  private route(method: string, path: string, body: Record<string, unknown>, response: ServerResponse): void {
    if (path === '/apps' && method === 'GET') return send(response, 200, [...this.apps.values()].map(({app}) => app))
    if (path === '/apps' && method === 'POST') {
      const name = String(body.name)
      if (this.apps.has(name)) return send(response, 422, {id: 'conflict', message: 'Name is already taken'})
      return send(response, 201, this.createApp(name))
    }

    const match = /^\/apps\/([^/]+)(?:\/([\w-]+)(?:\/(.+))?)?$/.exec(path)
    const app = match ? this.apps.get(decodeURIComponent(match[1])) : undefined
    if (!match || !app) return send(response, 404, {id: 'not_found', message: "Couldn't find that app."})
    const [, , collection, member] = match

    if (collection === undefined && method === 'GET') return send(response, 200, app.app)
    if (collection === 'addons' && member !== undefined && method === 'GET') {
      const drain = app.drains.find((candidate) => candidate.addon?.name === decodeURIComponent(member))
      if (drain === undefined) return send(response, 404, {id: 'not_found', message: "Couldn't find that add-on."})
      return send(response, 200, {id: drain.addon!.id, name: drain.addon!.name, plan: {name: 'papertrail:choklad'}})
    }

    if (collection === 'log-drains') {
      if (member === undefined && method === 'GET') return send(response, 200, app.drains)
      if (member === undefined && method === 'POST') {
        if (!/^(syslog|syslog\+tls|https?):\/\//.test(String(body.url))) {
          return send(response, 422, {id: 'invalid_params', message: 'Url is invalid'})
        }

        return send(response, 201, this.addDrain(app.app.name, String(body.url)))
      }

      const ref = member === undefined ? '' : decodeURIComponent(member)
      const index = app.drains.findIndex((drain) => drain.id === ref || drain.token === ref || drain.url === ref)
      if (index === -1) return send(response, 404, {id: 'not_found', message: "Couldn't find that drain."})
      if (method === 'DELETE') return send(response, 200, app.drains.splice(index, 1)[0])
      return send(response, 200, app.drains[index])
    }

    if (collection === 'log-sessions' && method === 'POST') {
      const url = this.createSession(app.app.name, body as LogSessionRequest)
      return send(response, 201, {created_at: '2024-05-01T12:00:00Z', id: url.split('/').at(-1), logplex_url: url, updated_at: '2024-05-01T12:00:00Z'})
    }

    send(response, 404, {id: 'not_found', message: 'Not found.'})
  }

  /** A session stream: recent lines (after `Last-Event-ID` when given), then new ones while tailing. */
  private stream(id: string, request: IncomingMessage, response: ServerResponse): void {
    const session = this.sessions.get(id)
    if (session === undefined) {
      response.writeHead(404).end('no such session\n')
      return
    }

    const {app, request: wanted} = session
    const fir = app.app.generation?.name === 'fir'
    const events = !this.plainOnly && (request.headers.accept ?? '').includes('text/event-stream')
    const {type} = wanted as {type?: string}
    const matches = (line: string) =>
      (wanted.dyno === undefined || new RegExp(`\\[${wanted.dyno}(\\.\\d+)?\\]:`).test(line)) &&
      (type === undefined || new RegExp(`\\[${type}(\\.\\d+|-[\\da-z]+-[\\da-z]+)\\]:`).test(line)) &&
      (wanted.source === undefined || line.includes(` ${wanted.source}[`))
    const lastEventId = request.headers['last-event-id']
    let recent: number[]
    if (fir) {
      recent = []
    } else if (typeof lastEventId === 'string' && events) {
      recent = app.lines.map((_, index) => index).filter((index) => index + 1 > Number(lastEventId) && matches(app.lines[index]))
    } else {
      const all = app.lines.map((_, index) => index).filter((index) => matches(app.lines[index]))
      recent = all.slice(Math.max(0, all.length - (wanted.lines ?? 100)))
    }

    response.writeHead(200, {'content-type': events ? 'text/event-stream' : 'text/plain; charset=utf-8'})
    let budget: number | undefined
    if (wanted.tail || fir) {
      budget = this.cutNextTailAfter
      this.cutNextTailAfter = undefined
    }

    let live = false
    let cut = false
    const tail = {
      app,
      send: (index: number) => {
        if (cut || !matches(app.lines[index])) return
        const eventId = fir ? '' : `id: ${index + 1}\n`
        response.write(events ? `${eventId}data: ${app.lines[index]}\n\n` : `${app.lines[index]}\n`)
        if (live && budget !== undefined && --budget === 0) {
          // Cut the connection mid-response (no last chunk), after what was written reaches the client.
          cut = true
          this.tails.delete(tail)
          if (this.expireOnCut) this.sessions.delete(id)
          response.socket?.end()
        }
      },
    }
    for (const index of recent) tail.send(index)
    if (!wanted.tail && !fir) {
      response.end()
      return
    }

    live = true

    this.tails.add(tail)
    response.on('close', () => this.tails.delete(tail))
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
}

/** A Heroku log line. */
export const herokuLine = (n: number, dyno = 'web.1', message = `line ${n}`, source = dyno === 'router' ? 'heroku' : 'app') =>
  `2024-05-01T12:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(6, '0')}+00:00 ${source}[${dyno}]: ${message}`
