import {createHash} from 'node:crypto'

import type {JetStreamClient, KV, KvEntry, QueuedIterator} from 'nats'

import {type AlertDefinition, parseStoredAlert, storedAlertJson} from '../alerts/definition.js'
import {type App, AppIndex, type AppStore, type Drain, type TelemetryDrain} from '../store.js'
import {nameToken} from './chunk.js'

const APP_KEYS = 'apps.'
const API_KEY_HASH = 'api-key-sha256'
/** JetStream's error for a failed compare-and-set on a key's revision (kv.update, kv.create). */
const WRONG_LAST_SEQUENCE = 10_071

/** This node's API key is not the cluster's: the message says what to do. */
export class ClusterApiKeyError extends Error {}

/**
 * Apps and drains in a JetStream KV bucket (`<name>_state`), one key per app (`apps.<name>`) holding it as
 * JSON. Every node keeps all of it in memory from a watch of the bucket, so reads stay synchronous and a
 * drain added on one node is in force on every node as soon as the watch delivers it. Creating an app is a
 * create (it fails if the name is taken, whichever node took it); changing drains is read, change, update
 * at the read revision, again on conflict, so two nodes adding drains to one app at once both keep theirs.
 */
export class KvAppStore implements AppStore {
  private readonly apps = new AppIndex()
  private readonly drainListeners = new Set<(app: App) => void>()
  private readonly alertListeners = new Set<(app: App) => void>()
  private readonly changes = new Set<Promise<unknown>>()

  private constructor(readonly kv: KV, private readonly watcher: QueuedIterator<KvEntry>) {}

  /** Opens (creating) the bucket and resolves once every app in it is loaded. */
  static async open(js: JetStreamClient, name: string, replicas: number): Promise<KvAppStore> {
    const kv = await js.views.kv(`${name}_state`, {history: 1, replicas})
    let loaded!: () => void
    const initialized = new Promise<void>((resolve) => {
      loaded = resolve
    })
    const watcher = await kv.watch({initializedFn: () => loaded(), key: `${APP_KEYS}>`})
    const store = new KvAppStore(kv, watcher)
    store.follow().catch(() => {})
    await initialized
    return store
  }

  list(): App[] {
    return this.apps.list()
  }

  find(idOrName: string): App | undefined {
    return this.apps.find(idOrName)
  }

  findByInputToken(token: string): App | undefined {
    return this.apps.findByInputToken(token)
  }

  async addApp(app: App): Promise<void> {
    await this.track(this.kv.create(appKey(app.name), JSON.stringify(appJson(app))))
    this.apps.add(app)
  }

  async addDrain(app: App, drain: Drain): Promise<void> {
    app.drains.push(drain)
    for (const listener of this.drainListeners) listener(app)
    await this.track(this.changeDrains(app, (drains) => (drains.some((kept) => kept.id === drain.id) ? drains : [...drains, drain])))
  }

  async removeDrain(app: App, drain: Drain): Promise<void> {
    const at = app.drains.indexOf(drain)
    if (at !== -1) app.drains.splice(at, 1)
    for (const listener of this.drainListeners) listener(app)
    await this.track(this.changeDrains(app, (drains) => drains.filter((kept) => kept.id !== drain.id)))
  }

  onDrainsChanged(listener: (app: App) => void): () => void {
    this.drainListeners.add(listener)
    return () => this.drainListeners.delete(listener)
  }

  async addTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void> {
    app.telemetryDrains.push(drain)
    for (const listener of this.drainListeners) listener(app)
    await this.track(this.change(app, (stored) => ({...stored, telemetryDrains: [...(stored.telemetryDrains ?? []).filter((kept) => kept.id !== drain.id), drain]})))
  }

  async removeTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void> {
    const at = app.telemetryDrains.indexOf(drain)
    if (at !== -1) app.telemetryDrains.splice(at, 1)
    for (const listener of this.drainListeners) listener(app)
    await this.track(this.change(app, (stored) => ({...stored, telemetryDrains: (stored.telemetryDrains ?? []).filter((kept) => kept.id !== drain.id)})))
  }

  findTelemetryDrain(id: string): {app: App; drain: TelemetryDrain} | undefined {
    return this.apps.findTelemetryDrain(id)
  }

  async addAlert(app: App, alert: AlertDefinition): Promise<void> {
    app.alerts = [...(app.alerts ?? []), alert]
    for (const listener of this.alertListeners) listener(app)
    await this.track(this.change(app, (stored) => ({...stored, alerts: [...(stored.alerts ?? []).filter((kept) => kept.id !== alert.id), storedAlertJson(alert)]})))
  }

  async removeAlert(app: App, alert: AlertDefinition): Promise<void> {
    app.alerts = (app.alerts ?? []).filter((each) => each !== alert)
    for (const listener of this.alertListeners) listener(app)
    await this.track(this.change(app, (stored) => ({...stored, alerts: (stored.alerts ?? []).filter((kept) => kept.id !== alert.id)})))
  }

  onAlertsChanged(listener: (app: App) => void): () => void {
    this.alertListeners.add(listener)
    return () => this.alertListeners.delete(listener)
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.changes])
  }

  /**
   * Makes `key`'s hash the cluster's API key hash if it has none; otherwise checks that it is the same key,
   * so that every node answers to the one key (the key itself is never stored in NATS).
   */
  async adoptApiKey(key: string): Promise<void> {
    const hash = createHash('sha256').update(key).digest('hex')
    try {
      await this.kv.create(API_KEY_HASH, hash)
      return
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error
    }

    const kept = (await this.kv.get(API_KEY_HASH))?.string()
    if (kept !== hash) throw new ClusterApiKeyError('this node\'s API key is not the cluster\'s (its SHA-256 in NATS differs); give every node the same key: LOGSIFT_API_KEY, or the api-key file of the first node')
  }

  close(): void {
    this.watcher.stop()
  }

  private async follow(): Promise<void> {
    for await (const entry of this.watcher) {
      if (entry.operation !== 'PUT') continue
      this.apply(appFromJson(JSON.parse(entry.string()) as StoredApp))
    }
  }

  /** An app as another node (or this one) stored it: new, or drains changed in place so holders see it. */
  private apply(stored: App): void {
    const app = this.apps.get(stored.id)
    if (app === undefined) {
      this.apps.add({...stored, drains: [...stored.drains], telemetryDrains: [...stored.telemetryDrains]})
      return
    }

    const ids = (items: ReadonlyArray<{id: string}>): string => items.map((item) => item.id).sort().join(' ')
    if (ids(app.alerts ?? []) !== ids(stored.alerts ?? [])) {
      app.alerts = stored.alerts
      for (const listener of this.alertListeners) listener(app)
    }

    if (ids(app.drains) === ids(stored.drains) && ids(app.telemetryDrains) === ids(stored.telemetryDrains)) return
    app.drains.splice(0, app.drains.length, ...stored.drains)
    app.telemetryDrains.splice(0, app.telemetryDrains.length, ...stored.telemetryDrains)
    for (const listener of this.drainListeners) listener(app)
  }

  private changeDrains(app: App, change: (drains: Drain[]) => Drain[]): Promise<void> {
    return this.change(app, (stored) => ({...stored, drains: change(stored.drains)}))
  }

  /** Read, change, update at the read revision; again when another node changed the app in between. */
  private async change(app: App, change: (stored: StoredApp) => StoredApp): Promise<void> {
    for (;;) {
      const entry = await this.kv.get(appKey(app.name))
      if (entry === null || entry.operation !== 'PUT') throw new Error(`app ${app.name} is not in the cluster's state`)
      const stored = JSON.parse(entry.string()) as StoredApp
      try {
        await this.kv.update(appKey(app.name), JSON.stringify(change(stored)), entry.revision)
        return
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error
      }
    }
  }

  private track<T>(change: Promise<T>): Promise<T> {
    this.changes.add(change)
    const forget = (): void => {
      this.changes.delete(change)
    }

    change.then(forget, forget)
    return change
  }
}

/** An app as kept in its key: alerts in their stored form (their definitions hold compiled parts). */
type StoredApp = Omit<App, 'alerts' | 'telemetryDrains'> & {alerts?: Array<Record<string, unknown>>; telemetryDrains?: TelemetryDrain[]}

function appJson(app: App): StoredApp {
  return {...app, alerts: (app.alerts ?? []).map((alert) => storedAlertJson(alert))}
}

function appFromJson(stored: StoredApp): App {
  const fail = (what: string): never => {
    throw new Error(`app ${stored.name} in the cluster's state: ${what}`)
  }

  return {...stored, alerts: stored.alerts?.map((alert) => parseStoredAlert(alert, fail)), telemetryDrains: stored.telemetryDrains ?? []}
}

function appKey(name: string): string {
  return APP_KEYS + nameToken(name)
}

function isWrongLastSequence(error: unknown): boolean {
  return (error as {api_error?: {err_code?: number}}).api_error?.err_code === WRONG_LAST_SEQUENCE
}
