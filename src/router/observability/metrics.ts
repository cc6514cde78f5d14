import type {IncomingMessage, ServerResponse} from 'node:http'

import type {Registry} from 'prom-client'

import {DROP_REASONS} from '../drops.js'
import type {RouterStatus} from './status.js'

/** One scrape: the exposition text and its content type. */
export interface Scrape {
  contentType: string
  text: string
}

/**
 * The router's Prometheus exposition, on a registry of its own (several routers can run in one process).
 * Nothing is counted twice: each scrape takes one `RouterStatus` and the metrics are read from it, so the
 * hot path only bumps the plain counters status is made of. prom-client is loaded at the first scrape: it
 * would add a noticeable part to `serve`'s start.
 */
export class RouterMetrics {
  private registry: Promise<Registry> | undefined
  private current: RouterStatus | undefined

  constructor(private readonly status: () => Promise<RouterStatus>) {}

  /** The exposition text, from the router's state now. */
  async scrape(): Promise<Scrape> {
    const registry = await (this.registry ??= this.build())
    this.current = await this.status()
    return {contentType: registry.contentType, text: await registry.metrics()}
  }

  private async build(): Promise<Registry> {
    const {Counter, Gauge, Registry} = await import('prom-client')
    const registry = new Registry()
    const current = () => this.current!
    const registers = [registry]
    new Counter({
      collect() {
        this.reset()
        for (const app of current().apps) this.inc({app: app.name}, app.messages_in)
      },
      help: 'Messages accepted, per app.',
      labelNames: ['app'],
      name: 'logsift_messages_received_total',
      registers,
    })
    new Counter({
      collect() {
        this.reset()
        for (const app of current().apps) {
          this.inc({app: app.name, to: 'drain'}, app.messages_out.drains)
          this.inc({app: app.name, to: 'session'}, app.messages_out.sessions)
        }
      },
      help: 'Messages taken by drain receivers (log and telemetry drains) and written to log session clients (recent lines, history, tails), per app.',
      labelNames: ['app', 'to'],
      name: 'logsift_messages_delivered_total',
      registers,
    })
    new Counter({
      collect() {
        this.reset()
        const {apps, drops} = current()
        for (const reason of DROP_REASONS) {
          let ofApps = 0
          for (const app of apps) {
            ofApps += app.drops[reason]
            if (app.drops[reason] > 0) this.inc({app: app.name, reason}, app.drops[reason])
          }

          // What no app can be blamed for (an unknown app, a refused connection) has app="".
          this.inc({app: '', reason}, (drops[reason] ?? 0) - ofApps)
        }

        if (drops.udp_kernel_drops !== null) this.inc({app: '', reason: 'udp_kernel_drops'}, drops.udp_kernel_drops)
      },
      help: 'Messages (for `connections`: connections, for HTTP reasons: requests) refused or lost, per app and reason.',
      labelNames: ['app', 'reason'],
      name: 'logsift_messages_dropped_total',
      registers,
    })
    new Gauge({
      collect() {
        this.reset()
        for (const app of current().apps) if (app.alerts.rules > 0) this.set({app: app.name}, app.alerts.firing)
      },
      help: 'Alerts firing now, per app (apps with alert rules).',
      labelNames: ['app'],
      name: 'logsift_alerts_firing',
      registers,
    })
    new Counter({
      collect() {
        this.reset()
        for (const app of current().apps) {
          if (app.alerts.rules === 0) continue
          this.inc({app: app.name, result: 'sent'}, app.alerts.notifications_sent)
          this.inc({app: app.name, result: 'failed'}, app.alerts.notify_failures)
          this.inc({app: app.name, result: 'dropped'}, app.alerts.notifications_dropped)
        }
      },
      help: 'Alert webhook attempts, per app: taken (sent), failed (each retry counts), given up (dropped).',
      labelNames: ['app', 'result'],
      name: 'logsift_alert_notifications_total',
      registers,
    })
    new Gauge({
      collect() {
        this.reset()
        for (const listener of current().listeners) {
          if (listener.connections !== undefined) this.set({listener: listener.name}, listener.connections)
        }
      },
      help: 'Open connections, per listener.',
      labelNames: ['listener'],
      name: 'logsift_connections',
      registers,
    })
    new Gauge({
      collect() {
        this.reset()
        for (const app of current().apps) {
          for (const drain of app.drains) if (drain.lag !== null) this.set({app: app.name, drain: drain.id}, drain.lag)
        }
      },
      help: 'Messages between each drain\'s position and the end of its app\'s log: how far behind the drain is.',
      labelNames: ['app', 'drain'],
      name: 'logsift_drain_lag_messages',
      registers,
    })
    new Gauge({
      collect() {
        this.reset()
        for (const app of current().apps) {
          for (const drain of app.drains) if (drain.position !== null) this.set({app: app.name, drain: drain.id}, drain.position)
        }
      },
      help: 'The offset in its app\'s log each drain delivers next.',
      labelNames: ['app', 'drain'],
      name: 'logsift_drain_position',
      registers,
    })
    new Gauge({
      collect() {
        this.set(current().sessions)
      },
      help: 'Open log session streams.',
      name: 'logsift_sessions',
      registers,
    })
    new Gauge({
      collect() {
        this.set(current().udp_receive_buffer.granted_bytes)
      },
      help: 'The syslog UDP socket\'s receive buffer, as the kernel granted it.',
      name: 'logsift_udp_receive_buffer_bytes',
      registers,
    })
    new Gauge({
      collect() {
        this.set(Date.parse(current().started_at) / 1000)
      },
      help: 'When the router started, in seconds since the epoch.',
      name: 'logsift_start_time_seconds',
      registers,
    })
    return registry
  }
}

/** `serve --metrics-port`: `GET /metrics` without a key, on a listener of its own; nothing else. */
export function metricsRequestHandler(metrics: RouterMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      // The right path asked the wrong way is 405, as the main port answers it.
      const wrongMethod = path === '/metrics'
      res.writeHead(wrongMethod ? 405 : 404, {'Content-Type': 'text/plain; charset=utf-8', ...(wrongMethod ? {Allow: 'GET, HEAD'} : {})}).end('Only GET /metrics is served here.\n')
      return
    }

    metrics.scrape().then(
      ({contentType, text}) => res.writeHead(200, {'Content-Type': contentType}).end(req.method === 'HEAD' ? undefined : text),
      (error: Error) => res.writeHead(500, {'Content-Type': 'text/plain; charset=utf-8'}).end(`${error.message}\n`),
    )
  }
}
