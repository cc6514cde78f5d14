import {mkdtempSync, rmSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {request} from 'undici'

import {type RouterOptions, type RunningRouter, startRouter} from '../../src/router/server.js'
import {waitFor} from '../helpers/cli.js'

export {waitFor} from '../helpers/cli.js'

/** Ports freePort() has given in this process. */
const givenPorts = new Set<number>()

/**
 * A free TCP port on 127.0.0.1 (a listener opened on port 0 and closed again), never one given before in this
 * process: a port just closed can come back from the next listen on port 0, and two servers started together
 * (the nodes of a NATS cluster, a router and its peer) then cannot both bind it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', resolve)
    })
    const {port} = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    if (!givenPorts.has(port)) {
      givenPorts.add(port)
      return port
    }
  }
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** A fresh data directory, removed after the suite. */
export function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-router-'))
  after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** A router on free loopback ports with a fresh data directory (unless given), closed after the suite. */
export async function testRouter(options: Partial<RouterOptions> = {}): Promise<RunningRouter> {
  const router = await startRouter({dataDir: dataDir(), port: 0, syslogPort: 0, ...options})
  after(() => router.close())
  return router
}

export async function call(
  router: RunningRouter,
  method: 'DELETE' | 'GET' | 'PATCH' | 'POST',
  path: string,
  options: {body?: Buffer | string | object; headers?: Record<string, string>; key?: string | null} = {},
): Promise<Reply> {
  const headers: Record<string, string> = {accept: 'application/vnd.heroku+json; version=3', ...options.headers}
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? router.apiKey}`
  let {body} = options
  if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) {
    body = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }

  const response = await request(router.url + path, {body: body as Buffer | string | undefined, headers, method})
  const text = await response.body.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }

  return {headers: response.headers, json, status: response.statusCode, text}
}

/** Creates an app through the API; returns its JSON. */
export async function createApp(router: RunningRouter, name: string): Promise<{id: string; log_input_token: string; name: string}> {
  const reply = await call(router, 'POST', '/apps', {body: {name}})
  if (reply.status !== 201) throw new Error(`creating ${name}: ${reply.status} ${reply.text}`)
  return reply.json
}

/** `LEN SP MSG` with MSG's newline added and counted, as Logplex frames it. */
export function frame(message: string): string {
  const msg = message + '\n'
  return `${Buffer.byteLength(msg)} ${msg}`
}

export function postLogplex(
  router: RunningRouter,
  token: string | undefined,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const all: Record<string, string> = {'content-type': 'application/logplex-1', ...headers}
  if (token !== undefined) all.authorization = 'Basic ' + Buffer.from(`token:${token}`).toString('base64')
  return call(router, 'POST', '/logs', {body, headers: all, key: null})
}

export async function postText(router: RunningRouter, app: string, text: string, query = ''): Promise<void> {
  const reply = await call(router, 'POST', `/apps/${app}/logs${query}`, {body: text, headers: {'content-type': 'text/plain'}})
  if (reply.status !== 204) throw new Error(`posting text: ${reply.status} ${reply.text}`)
}

export async function createSession(router: RunningRouter, app: string, body: object = {}): Promise<string> {
  const reply = await call(router, 'POST', `/apps/${app}/log-sessions`, {body})
  if (reply.status !== 201) throw new Error(`creating a session: ${reply.status} ${reply.text}`)
  return reply.json.logplex_url
}

/** Reads a session URL to its end (a session without tail). */
export async function readSession(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await request(url, {headers})
  return {headers: response.headers, json: undefined, status: response.statusCode, text: await response.body.text()}
}

/** A tailing session client: collects what arrives until stopped. */
export class Tail {
  text = ''
  ended = false
  status = 0
  private destroy: (() => void) | undefined

  static async open(url: string, headers: Record<string, string> = {}): Promise<Tail> {
    const tail = new Tail()
    const response = await request(url, {headers})
    tail.status = response.statusCode
    response.body.setEncoding('utf8')
    response.body.on('data', (chunk: string) => (tail.text += chunk))
    response.body.on('end', () => (tail.ended = true))
    response.body.on('error', () => (tail.ended = true))
    tail.destroy = () => response.body.destroy()
    return tail
  }

  lines(): string[] {
    return this.text.split('\n').filter(Boolean)
  }

  async waitFor(what: string, condition: (text: string) => boolean, timeoutMs = 5000): Promise<void> {
    await waitFor(`${what} (have ${JSON.stringify(this.text.slice(-300))})`, () => condition(this.text), timeoutMs)
  }

  close(): void {
    this.destroy?.()
  }
}

/** SSE events as [id, data] pairs. */
export function sseEvents(text: string): Array<[string, string]> {
  return text.split('\n\n').filter(Boolean).map((event) => {
    let id = ''
    const data: string[] = []
    for (const line of event.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4)
      else if (line.startsWith('data: ')) data.push(line.slice(6))
    }

    return [id, data.join('\n')]
  })
}
