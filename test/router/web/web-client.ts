import {request} from 'undici'

import type {RunningRouter} from '../../../src/router/server.js'

export interface WebReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** A request as the page makes it: the session cookie, and for a POST JSON from the router's own origin. */
export async function webCall(
  router: RunningRouter,
  method: 'GET' | 'POST',
  path: string,
  options: {cookie?: string; body?: object; headers?: Record<string, string>} = {},
): Promise<WebReply> {
  const headers: Record<string, string> = {...(options.cookie === undefined ? {} : {cookie: options.cookie})}
  if (method === 'POST') Object.assign(headers, {'content-type': 'application/json', origin: router.url, 'sec-fetch-site': 'same-origin'})
  Object.assign(headers, options.headers)
  const response = await request(router.url + path, {body: method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined, headers, method})
  const text = await response.body.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }

  return {headers: response.headers, json, status: response.statusCode, text}
}

/** Logs in with the API key as the login form does; the cookie to send back. */
export async function webLogin(router: RunningRouter): Promise<string> {
  const reply = await webCall(router, 'POST', '/web/api/login', {body: {key: router.apiKey}})
  if (reply.status !== 204) throw new Error(`login: ${reply.status} ${reply.text}`)
  return cookieOf(reply)
}

export function cookieOf(reply: WebReply): string {
  const setCookie = reply.headers['set-cookie']
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie
  if (first === undefined) throw new Error('no Set-Cookie')
  return first.split(';')[0]
}
