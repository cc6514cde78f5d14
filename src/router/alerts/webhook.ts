import {Agent, request} from 'undici'

import {type BackoffOptions, backoffDelay} from '../drains/backoff.js'
import {maskWebhookUrl, type Notifier} from './webhook-url.js'

/** One notification for one webhook, kept (in the alerts state file) until the webhook took it or was given up on. */
export interface PendingNotification {
  readonly id: string
  readonly alertId: string
  readonly appId: string
  readonly notifier: Notifier
  /** The request body, JSON. */
  readonly body: string
  attempts: number
  /** The name of an alert removed while firing: its resolve is sent after it is gone, restarts included. */
  readonly removedAlert?: string
}

export interface WebhookOptions {
  backoff: BackoffOptions
  /** Attempts per notification before it is given up (and counted as dropped). */
  maxAttempts: number
  timeoutMs: number
  ca: string[] | undefined
}

export interface WebhookOutcome {
  /** Taken (2xx), failed once (retried), or given up. */
  readonly result: 'dropped' | 'failed' | 'sent'
  readonly error?: string
}

/**
 * Posts notifications to webhooks: per alert and webhook one at a time, in order (a resolve never overtakes
 * its firing), retrying 429, 5xx, timeouts and network errors with jittered, capped exponential backoff
 * until `maxAttempts`; any other 4xx is not retried. Every outcome is reported to `onOutcome`.
 */
export class WebhookSender {
  private readonly queues = new Map<string, PendingNotification[]>()
  /** Per queue, the retry waiting for its backoff. */
  private readonly timers = new Map<string, NodeJS.Timeout>()
  /** Queues with a POST under way. */
  private readonly posting = new Set<string>()
  private readonly agent: Agent
  private closed = false

  constructor(private readonly options: WebhookOptions, private readonly onOutcome: (pending: PendingNotification, outcome: WebhookOutcome) => void) {
    // HTTPS webhooks trust what drains trust: Node's CAs, NODE_EXTRA_CA_CERTS and `serve --ca`.
    this.agent = new Agent({bodyTimeout: options.timeoutMs, connect: options.ca === undefined ? undefined : {ca: options.ca}, headersTimeout: options.timeoutMs})
  }

  /** What is waiting or in flight, oldest first per queue: what the state file keeps across a restart. */
  pending(): PendingNotification[] {
    return [...this.queues.values()].flat()
  }

  send(pending: PendingNotification): void {
    if (this.closed) return
    const key = `${pending.alertId} ${pending.notifier.url}`
    const queue = this.queues.get(key)
    if (queue !== undefined) {
      queue.push(pending)
      return
    }

    this.queues.set(key, [pending])
    // After a forget, what is sent next waits for the attempt still under way: a resolve never overtakes its firing.
    if (!this.posting.has(key)) this.attempt(key)
  }

  /** Drops what waits for an alert that was removed; an attempt under way finishes, and is not retried. */
  forget(alertId: string): void {
    for (const [key, queue] of this.queues) {
      if (queue[0]?.alertId !== alertId) continue
      this.queues.delete(key)
      clearTimeout(this.timers.get(key))
      this.timers.delete(key)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    await this.agent.close().catch(() => {})
  }

  private attempt(key: string): void {
    const queue = this.queues.get(key)
    const pending = queue?.[0]
    if (pending === undefined || this.closed) return
    this.posting.add(key)
    post(pending, this.agent).then((error) => {
      this.posting.delete(key)
      if (this.closed) return
      if (this.queues.get(key) !== queue) {
        // Forgotten meanwhile: what was sent since goes now.
        this.attempt(key)
        return
      }

      pending.attempts++
      const retry = error !== undefined && error.retry && pending.attempts < this.options.maxAttempts
      if (error === undefined) this.onOutcome(pending, {result: 'sent'})
      else this.onOutcome(pending, {error: error.message, result: retry ? 'failed' : 'dropped'})
      if (retry) {
        this.timers.set(key, setTimeout(() => {
          this.timers.delete(key)
          this.attempt(key)
        }, backoffDelay(pending.attempts - 1, this.options.backoff)))
        return
      }

      queue!.shift()
      if (queue!.length === 0) this.queues.delete(key)
      else this.attempt(key)
    })
  }
}

interface PostError {
  message: string
  retry: boolean
}

/** One POST; resolves with why it failed, or undefined when the webhook took it. Never names the URL's secrets. */
async function post(pending: PendingNotification, agent: Agent): Promise<PostError | undefined> {
  const url = new URL(pending.notifier.url)
  const headers: Record<string, string> = {'content-type': 'application/json', 'user-agent': `logsift-router node/${process.versions.node}`}
  if (url.username !== '' || url.password !== '') {
    headers.authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')
    url.username = ''
    url.password = ''
  }

  try {
    const response = await request(url, {
      body: pending.body,
      dispatcher: agent,
      headers,
      method: 'POST',
    })
    await response.body.dump()
    const status = response.statusCode
    if (status >= 200 && status < 300) return undefined
    return {message: `${maskWebhookUrl(pending.notifier.url)} answered ${status}`, retry: status === 408 || status === 429 || status >= 500}
  } catch (error) {
    const {code, message} = error as NodeJS.ErrnoException
    return {message: `${maskWebhookUrl(pending.notifier.url)}: ${code ?? message}`, retry: true}
  }
}
