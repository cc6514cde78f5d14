import {createHash} from 'node:crypto'
import {hostname, userInfo} from 'node:os'

import type {BoundedQueue} from '../bounded-queue.js'
import type {LogMessage} from '../message.js'

/**
 * What the Heroku CLI's `apps` and `apps:info` read beyond an app's logs and drains, answered with what one
 * machine has: one account (whoever runs the router, and so owns its API key), no add-ons, collaborators,
 * pipelines, region, stack or code, and the dynos the app's recent messages came from.
 */

/** The router's one account. */
export interface Account {
  readonly email: string
  readonly id: string
  readonly name: string
}

/** A dyno as `GET /apps/{app}/dynos` lists it: only what a log line tells. */
export interface DynoJson {
  app: {id: string; name: string}
  name: string
  type: string
}

/** The user running the router on this host, with an id that is the same at every start. */
export function localAccount(): Account {
  const name = userName()
  const email = `${name}@${hostname()}`
  return {email, id: stableUuid(email), name}
}

/** An app's fields that a router has nothing for, as `GET /apps/{app}` has them on Heroku (null: none). */
export function appPlatformFields(owner: Account) {
  const stack = {id: null, name: 'none'}
  return {
    acm: false, archived_at: null, build_stack: stack, buildpack_provided_description: null, create_status: 'complete',
    git_url: null, internal_routing: null, maintenance: false, organization: null, owner: {email: owner.email, id: owner.id},
    region: {id: null, name: 'local'}, repo_size: null, slug_size: null, space: null, stack, team: null, web_url: null,
  }
}

/**
 * The dynos among the sources of `recent`, by name: app processes only, not what Heroku itself writes
 * under the `heroku` source (`router`, `api`, `logplex`). The type is the name before its first dot.
 */
export function dynosSeen(app: {id: string; name: string}, recent: BoundedQueue<LogMessage>): DynoJson[] {
  const names = new Set<string>()
  for (let i = 0; i < recent.size; i++) {
    const message = recent.at(i)
    if (message.source !== 'heroku') names.add(message.dyno)
  }

  return [...names].sort().map((name) => ({app: {id: app.id, name: app.name}, name, type: name.split('.')[0]}))
}

function userName(): string {
  try {
    return userInfo().username
  } catch {
    // A uid with no entry in the password database (some containers) still has a number.
    return `uid${process.getuid?.() ?? ''}`
  }
}

/** A version-5-shaped UUID of `text`'s SHA-256: the same text, the same id. */
function stableUuid(text: string): string {
  const hex = createHash('sha256').update(`logsift account ${text}`).digest('hex')
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
