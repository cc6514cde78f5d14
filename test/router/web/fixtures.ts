import {request} from 'undici'

import type {RunningRouter} from '../../../src/router/server.js'

/** A Heroku timestamp `secondsAgo` before `now`, as the router writes them. */
export function stamp(now: number, secondsAgo: number): string {
  return new Date(now - secondsAgo * 1000).toISOString().replace('Z', '+00:00')
}

/** A router line with these values. */
export function routerLine(time: string, {code, dyno = 'web.1', path = '/', requestId, service, status}: {code?: string; dyno?: string; path?: string; requestId: string; service: number; status: number}): string {
  const at = code === undefined ? 'at=info' : `at=error code=${code} desc="Request timeout"`
  return `${time} heroku[router]: ${at} method=GET path="${path}" host=demo.example.com request_id=${requestId} fwd="10.0.0.1" dyno=${dyno} connect=1ms service=${service}ms status=${status} bytes=120 protocol=https`
}

/**
 * A mixed log over the last `minutes` minutes (oldest first): router lines of every status class with
 * varied service times, an H12, app lines of several levels, runtime memory samples and an R14.
 */
export function mixedLog(now: number, minutes = 30): string[] {
  const lines: string[] = []
  for (let i = minutes * 4; i > 0; i--) {
    const time = stamp(now, i * 15)
    const status = [200, 200, 201, 304, 404, 500][i % 6]
    lines.push(routerLine(time, {dyno: `web.${1 + (i % 2)}`, path: `/items/${i}`, requestId: `req-${i}`, service: 5 + ((i * 37) % 400), status}))
    if (i % 10 === 0) lines.push(routerLine(time, {code: 'H12', requestId: `slow-${i}`, service: 30_000, status: 503}))
    if (i % 3 === 0) lines.push(`${time} app[web.${1 + (i % 2)}]: level=${['info', 'warn', 'error'][(i / 3) % 3]} msg="work item ${i}"`)
    if (i % 8 === 0) lines.push(`${time} heroku[web.1]: source=web.1 dyno=heroku.1234 sample#memory_total=${200 + i}.00MB sample#memory_rss=${150 + i}.00MB`)
    if (i === 40) lines.push(`${time} heroku[web.1]: Error R14 (Memory quota exceeded)`)
  }

  return lines
}

/** Posts lines to the app's text input, in batches. */
export async function postLines(router: RunningRouter, app: string, lines: readonly string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const response = await request(`${router.url}/apps/${app}/logs`, {
      body: lines.slice(i, i + 500).join('\n') + '\n',
      headers: {authorization: `Bearer ${router.apiKey}`, 'content-type': 'text/plain'},
      method: 'POST',
    })
    await response.body.text()
    if (response.statusCode !== 204) throw new Error(`posting lines: ${response.statusCode}`)
  }
}
