import {randomUUID} from 'node:crypto'
import {join} from 'node:path'

import type {Claims} from '../cluster/lease-keeper.js'
import type {BackoffOptions} from '../drains/backoff.js'
import type {Redactor} from '../../redact/redactor.js'
import type {Batch, LogHub} from '../hub.js'
import type {ReadStart} from '../log/engine.js'
import {herokuTimestamp, type LogEntry, type LogMessage, storedMessage} from '../message.js'
import {recordOf} from './message-record.js'
import type {App, AppStore} from '../store.js'
import {parseCondition} from './condition.js'
import type {AlertDefinition} from './definition.js'
import {step, type Transition} from './episode.js'
import {type AlertEvent, alertEvent, alertLogText, slackBody} from './notification.js'
import {AlertRule} from './rule.js'
import {type AlertCounters, newCounters, readAlertState, type SavedState, writeAlertState} from './state-file.js'
import {type PendingNotification, type WebhookOutcome, WebhookSender} from './webhook.js'

export interface AlertOptions {
  /** The alerts' clock, epoch ms: windows, silences and hysteresis run on it. Default Date.now; tests move a fake one. */
  now?: () => number
  /** How often every rule is measured, so windows slide and silences and resolves are noticed. Default 1 s. */
  tickMs?: number
  /** Retries of a webhook that failed. Default 1 s doubling to 5 min, with jitter. */
  backoff?: BackoffOptions
  /** Attempts per notification before it is given up and counted as dropped. Default 10 (about 20 minutes). */
  maxAttempts?: number
  /** A webhook that has not answered in this time has failed. Default 10 s. */
  timeoutMs?: number
  /** Certificates HTTPS webhooks are checked against (the drains' `--ca`); undefined: Node's. */
  ca?: string[]
  /** `serve --redact`: applied to the lines a notification shows (those stored before it was turned on too). */
  redactor?: Redactor
  /** On a cluster: an app's rules run here only while this node holds the app's alerts lease (`alerts.<app id>`). */
  claims?: Claims
}

/** An alert as `GET /apps/{app}/alerts/{name}` reports it, besides its definition. */
export interface AlertStatus {
  state: 'firing' | 'ok'
  firingSince: number | undefined
  value: number | undefined
  valueText: string
  matching: number
  counters: AlertCounters
}

/** Per app, what `status` and `/metrics` show. */
export interface AppAlertSummary {
  rules: number
  firing: number
  notifications_sent: number
  /** Failed attempts to notify, retries included. */
  notify_failures: number
  /** Notifications given up. */
  notifications_dropped: number
}

interface Running {
  readonly app: App
  readonly rule: AlertRule
  readonly counters: AlertCounters
  value: number | undefined
  /** While the window is replayed from the log, live batches wait here; then they follow, skipping what the replay saw. */
  backlog: Array<readonly LogMessage[]> | undefined
  replayedTo: number
  /** The last attempt to notify failed: the router's log has said so once. */
  failing: boolean
}

/** Messages read per call while replaying a window. */
const REPLAY_BATCH = 1000
const STATE_FILE = 'alerts.json'

/** What the notifications of an app's removed alerts came to. */
type RetiredCounts = Pick<AppAlertSummary, 'notifications_dropped' | 'notifications_sent' | 'notify_failures'>

/**
 * Every app's alert rules, evaluated as messages arrive: one hub subscription per app that has alerts; each
 * message is parsed once and looked at once by each rule (windows in fixed memory, never re-scanned); count,
 * rate and absent are measured after each batch, every rule on a periodic tick. On a transition the alert
 * writes a `heroku[logsift]` line into the app's log and notifies its webhooks. At start (and when an alert is
 * added) each rule replays its window from the app's durable log, and takes its episode from the state file.
 *
 * On a cluster one node at a time runs an app's rules: the one holding the app's alerts lease, so each
 * transition is written and notified once. A node that takes an app over starts its rules as at a restart
 * (the window replayed from the log, the episode from its own state file), so a takeover may notify a
 * transition the last holder had already notified, and notifications the last holder had not sent yet are
 * not sent (docs/cluster.md).
 */
export class Alerts {
  private readonly running = new Map<string, Running>()
  private readonly subscriptions = new Map<string, () => void>()
  /** On a cluster, the apps whose alerts lease this node competes for, and whether it holds it. */
  private readonly claimed = new Map<string, boolean>()
  /** Per app, the notifications of its removed alerts: /metrics counts them on, as counters never go down. */
  private readonly retired = new Map<string, RetiredCounts>()
  private readonly sender: WebhookSender
  private readonly now: () => number
  private readonly file: string
  private saved: SavedState = {alerts: new Map(), outbox: []}
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> = Promise.resolve()
  private saveQueued = false
  private closed = false

  constructor(
    private readonly hub: LogHub,
    private readonly store: AppStore,
    dataDir: string,
    private readonly log: (line: string) => void,
    private readonly options: AlertOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.file = join(dataDir, STATE_FILE)
    this.sender = new WebhookSender({
      backoff: options.backoff ?? {baseMs: 1000, capMs: 300_000},
      ca: options.ca,
      maxAttempts: options.maxAttempts ?? 10,
      timeoutMs: options.timeoutMs ?? 10_000,
    }, (pending, outcome) => this.outcome(pending, outcome))
  }

  /** Loads the episodes, replays every rule's window, resends what was pending, then ticks. */
  async start(): Promise<void> {
    const {problem, state} = await readAlertState(this.file)
    if (problem !== undefined) this.log(problem)
    this.saved = state
    await Promise.all(this.store.list().map((app) => this.sync(app, true)))
    for (const pending of state.outbox) if (this.running.has(pending.alertId) || pending.removedAlert !== undefined) this.sender.send(pending)
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000)
    this.timer.unref()
  }

  /**
   * Brings the app's rules in line with its alerts: new ones replay their window and start, removed ones stop.
   * On a cluster, only while this node holds the app's alerts lease.
   */
  async sync(app: App, starting = false): Promise<void> {
    if (this.closed) return
    const {claims} = this.options
    if (claims === undefined) return this.apply(app, starting)
    const key = alertsLeaseKey(app.id)
    if ((app.alerts ?? []).length === 0) {
      if (this.claimed.delete(app.id)) await claims.unclaim(key)
      return this.apply(app, starting)
    }

    if (!this.claimed.has(app.id)) {
      this.claimed.set(app.id, false)
      claims.claim(key, () => this.gained(app.id), () => this.lost(app.id))
    } else if (this.claimed.get(app.id) === true) {
      await this.apply(app, starting)
    }
  }

  private gained(appId: string): void {
    const app = this.store.find(appId)
    if (this.closed || app === undefined || !this.claimed.has(appId)) return
    this.claimed.set(appId, true)
    this.apply(app, true).catch((error: Error) => this.log(`alerts of ${app.name}: ${error.message}`))
  }

  /** Another node may run the app's rules now: they stop here at once, their episodes kept in the state file. */
  private lost(appId: string): void {
    if (this.claimed.has(appId)) this.claimed.set(appId, false)
    for (const [id, running] of this.running) {
      if (running.app.id !== appId) continue
      this.running.delete(id)
      this.sender.forget(id)
    }

    this.subscriptions.get(appId)?.()
    this.subscriptions.delete(appId)
  }

  private async apply(app: App, starting: boolean): Promise<void> {
    const alerts = app.alerts ?? []
    const ids = new Set(alerts.map((alert) => alert.id))
    for (const [id, running] of this.running) {
      if (running.app.id === app.id && !ids.has(id)) {
        this.retire(running)
        this.running.delete(id)
        this.sender.forget(id)
        if (running.rule.episode.state === 'firing') this.resolveRemoved(running)
        this.saved.alerts.delete(id)
        this.save()
      }
    }

    const added: Running[] = []
    for (const alert of alerts) {
      if (!this.running.has(alert.id)) added.push(this.add(app, alert, starting))
    }

    const subscribed = this.subscriptions.get(app.id)
    if (alerts.length > 0 && subscribed === undefined) {
      this.subscriptions.set(app.id, this.hub.subscribe(app.id, (batch) => this.batch(app.id, batch)))
    } else if (alerts.length === 0 && subscribed !== undefined) {
      subscribed()
      this.subscriptions.delete(app.id)
    }

    await Promise.all(added.map((running) => this.replay(running)))
  }

  /** The alert's state now, or undefined for an alert the router does not run. */
  status(alertId: string): AlertStatus | undefined {
    const running = this.running.get(alertId)
    if (running === undefined) return undefined
    const {episode} = running.rule
    return {
      counters: {...running.counters},
      firingSince: episode.since,
      matching: running.rule.matching(),
      state: episode.state,
      value: running.value,
      valueText: running.rule.valueText(running.value),
    }
  }

  /**
   * On a cluster, the node running the app's rules (holding its alerts lease; null while none does): only that
   * node has their state. Undefined on a single router.
   */
  async evaluatedBy(appId: string): Promise<string | null | undefined> {
    const {claims} = this.options
    if (claims === undefined) return undefined
    return (await claims.holderOf(alertsLeaseKey(appId))) ?? null
  }

  summary(appId: string): AppAlertSummary {
    const summary: AppAlertSummary = {firing: 0, notifications_dropped: 0, notifications_sent: 0, notify_failures: 0, rules: 0, ...this.retired.get(appId)}
    for (const {app, counters, rule} of this.running.values()) {
      if (app.id !== appId) continue
      summary.rules++
      if (rule.episode.state === 'firing') summary.firing++
      summary.notifications_sent += counters.sent
      summary.notify_failures += counters.failed
      summary.notifications_dropped += counters.dropped
    }

    return summary
  }

  private retire({app, counters}: Running): void {
    const retired = this.retiredOf(app.id)
    retired.notifications_dropped += counters.dropped
    retired.notifications_sent += counters.sent
    retired.notify_failures += counters.failed
  }

  /** The counts of an app's removed alerts, made at the first. */
  private retiredOf(appId: string): RetiredCounts {
    let retired = this.retired.get(appId)
    if (retired === undefined) {
      retired = {notifications_dropped: 0, notifications_sent: 0, notify_failures: 0}
      this.retired.set(appId, retired)
    }

    return retired
  }

  /** Measures every rule now; the timer calls it every `tickMs`. */
  tick(): void {
    const now = this.now()
    for (const running of this.running.values()) if (running.backlog === undefined) this.measure(running, now)
  }

  /** Stops ticking and sending; what was not sent stays in the state file for the next start. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    for (const unsubscribe of this.subscriptions.values()) unsubscribe()
    // Every change was saved as it was made; the last write may still be under way.
    await this.saving
    await this.sender.close()
  }

  private add(app: App, alert: AlertDefinition, starting: boolean): Running {
    const now = this.now()
    // A silence is counted from the alert's creation, or over the whole window after a restart.
    const bornAt = starting ? Math.max(Date.parse(alert.createdAt), now - windowOf(alert)) : now
    const rule = new AlertRule(alert, bornAt)
    const saved = this.saved.alerts.get(alert.id)
    if (saved !== undefined) Object.assign(rule.episode, saved.episode)
    if (saved?.firstLine !== undefined && rule.episode.state === 'firing') rule.episodeFirst = {entry: {line: saved.firstLine.line}, time: saved.firstLine.time}
    const running: Running = {app, backlog: [], counters: saved?.counters ?? newCounters(), failing: false, replayedTo: 0, rule, value: undefined}
    this.running.set(alert.id, running)
    return running
  }

  /** Replays the rule's window from the app's log, then the batches that came meanwhile, then measures. */
  private async replay(running: Running): Promise<void> {
    const log = this.hub.engine.app(running.app.id)
    let start: ReadStart = {time: this.now() - windowOf(running.rule.definition)}
    for (;;) {
      const {messages, next} = await log.read(start, REPLAY_BATCH)
      const firstLive = running.backlog?.[0]?.[0]?.seq ?? Number.POSITIVE_INFINITY
      for (const stored of messages) {
        if (stored.offset >= firstLive) break
        const message = storedMessage(stored)
        if (!isAlertLine(message)) running.rule.observe(recordOf(message), message, stored.receivedAt)
        running.replayedTo = stored.offset
      }

      if (messages.length === 0 || messages.at(-1)!.offset >= firstLive) break
      start = {offset: next}
    }

    const backlog = running.backlog ?? []
    running.backlog = undefined
    const now = this.now()
    for (const messages of backlog) {
      for (const message of messages) {
        if (message.seq > running.replayedTo && !isAlertLine(message)) running.rule.observe(recordOf(message), message, now)
      }
    }

    if (this.running.get(running.rule.definition.id) === running) this.measure(running, now)
  }

  private batch(appId: string, batch: Batch): void {
    const now = this.now()
    const rules: Running[] = []
    for (const running of this.running.values()) {
      if (running.app.id !== appId) continue
      if (running.backlog === undefined) rules.push(running)
      else running.backlog.push(batch.messages)
    }

    if (rules.length === 0) return
    for (const message of batch.messages) {
      if (isAlertLine(message)) continue
      // Parsed once for all the app's rules.
      const record = recordOf(message)
      for (const running of rules) running.rule.observe(record, message, now)
    }

    for (const running of rules) if (!running.rule.tickOnly) this.measure(running, now)
  }

  private measure(running: Running, now: number): void {
    const {rule} = running
    const {holds, value} = rule.measure(now)
    running.value = value
    const {clearSince, since} = rule.episode
    const transition = step(rule.episode, holds, now, rule.definition.resolveAfterMs)
    if (transition !== undefined) this.transition(running, transition, now, transition === 'firing' ? now : since!, value)
    else if (rule.episode.clearSince !== clearSince) this.saveEpisode(running)
  }

  /** Writes the event into the app's log and queues a notification for each webhook. */
  private transition(running: Running, status: Transition, now: number, firingSince: number, value: number | undefined): void {
    const {app, counters, rule} = running
    if (status === 'firing') rule.episodeFirst = rule.firstHit()
    const event = alertEvent(rule, app.name, status, now, firingSince, value, this.options.redactor)
    if (status === 'resolved') rule.episodeFirst = undefined
    counters.lastEvent = {at: now, status, valueText: event.value_text}
    this.announce(running, event, now)
    this.saveEpisode(running)
  }

  /**
   * An alert removed while firing resolves, so its webhooks close the incident (Alertmanager, PagerDuty). Its
   * notifications are kept, retried and counted as the app's (`retired`) after it is gone.
   */
  private resolveRemoved(running: Running): void {
    const {app, rule} = running
    const now = this.now()
    this.log(`alert "${rule.definition.name}" of ${app.name} removed while firing: notifying its webhooks that it resolved`)
    this.announce(running, alertEvent(rule, app.name, 'resolved', now, rule.episode.since!, running.value, this.options.redactor, 'removed'), now)
  }

  private announce({app, rule}: Running, event: AlertEvent, now: number): void {
    this.hub.publish(app.id, [alertEntry(alertLogText(event), now)])
    const removedAlert = event.reason === 'removed' ? rule.definition.name : undefined
    for (const notifier of rule.definition.notify) {
      const body = JSON.stringify(notifier.format === 'slack' ? slackBody(event) : event)
      this.sender.send({alertId: rule.definition.id, appId: app.id, attempts: 0, body, id: randomUUID(), notifier, removedAlert})
    }
  }

  private outcome(pending: PendingNotification, outcome: WebhookOutcome): void {
    const running = this.running.get(pending.alertId)
    if (running === undefined) {
      if (pending.removedAlert !== undefined) this.removedOutcome(pending, outcome)
      return
    }

    const {counters} = running
    if (outcome.result === 'sent') counters.sent++
    else counters.failed++
    if (outcome.result === 'dropped') counters.dropped++
    if (outcome.error !== undefined) counters.lastError = outcome.error
    // The router's log says when a webhook starts failing and when a notification is given up, not every retry.
    this.logOutcome(`alert "${running.rule.definition.name}" of ${running.app.name}`, pending, outcome, running.failing)
    running.failing = outcome.result !== 'sent'
    this.saveEpisode(running)
  }

  /** The resolve of an alert removed while firing: counted as the app's, and taken out of the saved outbox once done. */
  private removedOutcome(pending: PendingNotification, outcome: WebhookOutcome): void {
    const retired = this.retiredOf(pending.appId)
    if (outcome.result === 'sent') retired.notifications_sent++
    else retired.notify_failures++
    if (outcome.result === 'dropped') retired.notifications_dropped++
    const appName = this.store.find(pending.appId)?.name ?? pending.appId
    this.logOutcome(`alert "${pending.removedAlert}" (removed) of ${appName}`, pending, outcome, pending.attempts > 1, '')
    this.save()
  }

  private logOutcome(name: string, pending: PendingNotification, outcome: WebhookOutcome, wasFailing: boolean, hint = '; see logsift alerts:info'): void {
    if (outcome.result === 'dropped') this.log(`${name}: notification given up after ${pending.attempts} attempts (${outcome.error})${hint}`)
    else if (outcome.result === 'failed' && !wasFailing) this.log(`${name}: notifying failed (${outcome.error}); retrying with backoff`)
  }

  private saveEpisode(running: Running): void {
    const {episode, episodeFirst} = running.rule
    const firstLine = episodeFirst === undefined ? undefined : {line: episodeFirst.entry.line, time: episodeFirst.time}
    this.saved.alerts.set(running.rule.definition.id, {counters: running.counters, episode: {...episode}, firstLine})
    this.save()
  }

  /** One write at a time; changes made meanwhile go in the next one. */
  private save(): void {
    if (this.saveQueued) return
    this.saveQueued = true
    this.saving = this.saving.then(() => {
      this.saveQueued = false
      return writeAlertState(this.file, {alerts: this.saved.alerts, outbox: this.sender.pending()})
    }).catch((error: Error) => this.log(`cannot write ${this.file}: ${error.message}`))
  }
}

/** An app's alerts lease key on a cluster. */
export function alertsLeaseKey(appId: string): string {
  return `alerts.${appId}`
}

function windowOf(alert: AlertDefinition): number {
  return parseCondition(alert.when).windowMs
}

/** The alert's own lines are never looked at by alerts: an alert on `-g firing` would feed itself. */
function isAlertLine(message: LogMessage): boolean {
  return message.dyno === 'logsift' && message.source === 'heroku'
}

/** `heroku[logsift]: Alert "5xx" firing: ...`, stamped `now`, as Logplex stamps its own lines. */
function alertEntry(text: string, now: number): LogEntry {
  const timestamp = herokuTimestamp(now)
  return {
    dyno: 'logsift', line: `${timestamp} heroku[logsift]: ${text}`, pri: undefined, priIsLevel: false, receivedAt: now, singleLine: true, source: 'heroku', text, timestamp,
  }
}
