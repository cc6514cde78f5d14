import type {RunningRouter} from '../../../src/router/server.js'
import {call, type Reply} from '../helpers.js'

/** A request as the page makes it: the session cookie, and for a POST JSON from the router's own origin. */
export function webCall(
  router: RunningRouter,
  method: 'GET' | 'POST',
  path: string,
  options: {cookie?: string; body?: object; headers?: Record<string, string>} = {},
): Promise<Reply> {
  const headers: Record<string, string> = {...(options.cookie === undefined ? {} : {cookie: options.cookie})}
  if (method === 'POST') Object.assign(headers, {origin: router.url, 'sec-fetch-site': 'same-origin'})
  Object.assign(headers, options.headers)
  return call(router, method, path, {body: method === 'POST' ? options.body ?? {} : undefined, headers, key: null})
}

/** Logs in with the API key as the login form does; the cookie to send back. */
export async function webLogin(router: RunningRouter): Promise<string> {
  const reply = await webCall(router, 'POST', '/web/api/login', {body: {key: router.apiKey}})
  if (reply.status !== 204) throw new Error(`login: ${reply.status} ${reply.text}`)
  return cookieOf(reply)
}

export function cookieOf(reply: Reply): string {
  const setCookie = reply.headers['set-cookie']
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie
  if (first === undefined) throw new Error('no Set-Cookie')
  return first.split(';')[0]
}
