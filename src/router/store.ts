import {randomUUID} from 'node:crypto'
import {open, readFile, rename} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {type AlertDefinition, parseStoredAlert, storedAlertJson} from './alerts/definition.js'

export interface Drain {
  readonly id: string
  /** `d.<uuid>`: names the drain in what is sent to it. */
  readonly token: string
  readonly url: string
  readonly createdAt: string
  readonly updatedAt: string
}

/**
 * A telemetry drain (Fir's, `heroku telemetry:add`): where the app's log is sent as OTLP. Heroku's fields; only
 * `logs` of the signals means anything on the router, which keeps no traces or metrics.
 */
export interface TelemetryDrain {
  readonly id: string
  readonly signals: readonly string[]
  /** `otlphttp` (OTLP/HTTP, protobuf) or `otlp` (OTLP/gRPC). */
  readonly exporter: {readonly type: 'otlp' | 'otlphttp'; readonly endpoint: string; readonly headers: Readonly<Record<string, string>>}
  readonly createdAt: string
  readonly updatedAt: string
}

export interface App {
  readonly id: string
  readonly name: string
  /** `fir` for an app created so (`apps:create --generation fir`); Cedar otherwise. */
  readonly generation?: 'fir'
  /** `t.<uuid>`: the Basic-auth password (and syslog name) that routes input to this app. */
  readonly inputToken: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly drains: Drain[]
  /** logsift's alert rules on the app's messages (src/router/alerts); absent when it has none. */
  alerts?: AlertDefinition[]
  readonly telemetryDrains: TelemetryDrain[]
}

/** The state file cannot be used; the message names it. Never answered by starting empty. */
export class StateFileError extends Error {}

const STATE_FILE = 'state.json'
const STATE_VERSION = 1

/** Heroku's API timestamps: UTC, whole seconds. */
export function apiTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function newApp(name: string, generation?: 'fir'): App {
  const now = apiTimestamp()
  const app = {createdAt: now, drains: [], id: randomUUID(), inputToken: `t.${randomUUID()}`, name, telemetryDrains: [], updatedAt: now}
  return generation === undefined ? app : {...app, generation}
}

export function newTelemetryDrain(signals: readonly string[], exporter: TelemetryDrain['exporter']): TelemetryDrain {
  const now = apiTimestamp()
  return {createdAt: now, exporter, id: randomUUID(), signals, updatedAt: now}
}

export function newDrain(url: string): Drain {
  const now = apiTimestamp()
  return {createdAt: now, id: randomUUID(), token: `d.${randomUUID()}`, updatedAt: now, url}
}

/**
 * Apps and their drains, wherever they are kept: this file's FileAppStore (one router), or the cluster's
 * KvAppStore (src/router/cluster/kv-app-store.ts, a JetStream KV bucket shared by every router node). Reads
 * are from memory and synchronous; changes resolve once kept.
 */
export interface AppStore {
  list(): App[]
  /** By name or id, as the Platform API's `{app_id_or_name}`. */
  find(idOrName: string): App | undefined
  findByInputToken(token: string): App | undefined
  addApp(app: App): Promise<void>
  /** Adds the drain to `app.drains` (the same object) and keeps it. */
  addDrain(app: App, drain: Drain): Promise<void>
  removeDrain(app: App, drain: Drain): Promise<void>
  /** Told, synchronously, after a drain of an app is added or removed. Returns the function that stops the listener. */
  onDrainsChanged(listener: (app: App) => void): () => void
  /** Adds the telemetry drain to `app.telemetryDrains` and keeps it; drain listeners are told. */
  addTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void>
  removeTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void>
  /** A telemetry drain by id, with its app. */
  findTelemetryDrain(id: string): {app: App; drain: TelemetryDrain} | undefined
  /** Adds the alert to `app.alerts` and keeps it. */
  addAlert(app: App, alert: AlertDefinition): Promise<void>
  removeAlert(app: App, alert: AlertDefinition): Promise<void>
  /** Told, synchronously, after an alert of an app is added or removed. Returns the function that stops the listener. */
  onAlertsChanged(listener: (app: App) => void): () => void
  /** Settles when every change made so far is kept (or has failed). */
  flush(): Promise<void>
}

/**
 * The apps in memory, found by id, name or input token: both stores answer reads from one of these, so reads
 * stay synchronous whatever keeps the apps.
 */
export class AppIndex {
  private readonly byId = new Map<string, App>()
  private readonly byName = new Map<string, App>()
  private readonly byToken = new Map<string, App>()

  add(app: App): void {
    this.byId.set(app.id, app)
    this.byName.set(app.name, app)
    this.byToken.set(app.inputToken, app)
  }

  get(id: string): App | undefined {
    return this.byId.get(id)
  }

  list(): App[] {
    return [...this.byId.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** By name or id, as the Platform API's `{app_id_or_name}`. */
  find(idOrName: string): App | undefined {
    return this.byName.get(idOrName) ?? this.byId.get(idOrName)
  }

  findByInputToken(token: string): App | undefined {
    return this.byToken.get(token)
  }

  findTelemetryDrain(id: string): {app: App; drain: TelemetryDrain} | undefined {
    for (const app of this.byId.values()) {
      const drain = app.telemetryDrains.find((each) => each.id === id)
      if (drain !== undefined) return {app, drain}
    }

    return undefined
  }
}

/**
 * Apps and their drains on one machine: what must survive a restart. Reads are from memory; every change is written to
 * `<dataDir>/state.json` atomically (temporary file, fsync, rename, fsync of the directory), so a crash
 * leaves the old file or the new one, never half of one. Writes are queued so they land in order.
 *
 * A failed write is reported to the caller that made the change; the change stays in memory and the next
 * successful write carries it (rolling back would race with changes made while the write was pending).
 */
export class FileAppStore implements AppStore {
  private readonly apps = new AppIndex()
  private lastWrite: Promise<void> = Promise.resolve()
  /** Told, synchronously, after a drain is added or removed (drain delivery follows at once). */
  private readonly drainListeners = new Set<(app: App) => void>()
  private readonly alertListeners = new Set<(app: App) => void>()

  private constructor(readonly file: string) {}

  /** Reads the state file in `dataDir` (none yet: no apps). Throws StateFileError when it is unusable. */
  static async open(dataDir: string): Promise<FileAppStore> {
    const store = new FileAppStore(join(dataDir, STATE_FILE))
    let text: string
    try {
      text = await readFile(store.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return store
      throw new StateFileError(`cannot read ${store.file}: ${(error as Error).message}`)
    }

    for (const app of parseState(store.file, text)) store.apps.add(app)
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
    this.apps.add(app)
    await this.persist()
  }

  async addDrain(app: App, drain: Drain): Promise<void> {
    app.drains.push(drain)
    for (const listener of this.drainListeners) listener(app)
    await this.persist()
  }

  async removeDrain(app: App, drain: Drain): Promise<void> {
    const at = app.drains.indexOf(drain)
    if (at !== -1) app.drains.splice(at, 1)
    for (const listener of this.drainListeners) listener(app)
    await this.persist()
  }

  async addAlert(app: App, alert: AlertDefinition): Promise<void> {
    app.alerts = [...(app.alerts ?? []), alert]
    for (const listener of this.alertListeners) listener(app)
    await this.persist()
  }

  async removeAlert(app: App, alert: AlertDefinition): Promise<void> {
    app.alerts = (app.alerts ?? []).filter((each) => each !== alert)
    for (const listener of this.alertListeners) listener(app)
    await this.persist()
  }

  /** Told, synchronously, after an alert is added or removed. Returns the function that stops the listener. */
  onAlertsChanged(listener: (app: App) => void): () => void {
    this.alertListeners.add(listener)
    return () => this.alertListeners.delete(listener)
  }

  async addTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void> {
    app.telemetryDrains.push(drain)
    for (const listener of this.drainListeners) listener(app)
    await this.persist()
  }

  async removeTelemetryDrain(app: App, drain: TelemetryDrain): Promise<void> {
    const at = app.telemetryDrains.indexOf(drain)
    if (at !== -1) app.telemetryDrains.splice(at, 1)
    for (const listener of this.drainListeners) listener(app)
    await this.persist()
  }

  /** A telemetry drain by id, with its app. */
  findTelemetryDrain(id: string): {app: App; drain: TelemetryDrain} | undefined {
    return this.apps.findTelemetryDrain(id)
  }

  /** Returns the function that stops the listener. */
  onDrainsChanged(listener: (app: App) => void): () => void {
    this.drainListeners.add(listener)
    return () => this.drainListeners.delete(listener)
  }

  /** Settles when every change made so far is on disk (or has failed). */
  async flush(): Promise<void> {
    await this.lastWrite.catch(() => {})
  }

  private persist(): Promise<void> {
    // Serialised when the write starts, not now, so a queued write carries every change made before it.
    const write = this.lastWrite.catch(() => {}).then(() => writeAtomic(this.file, serialize(this.list())))
    this.lastWrite = write
    return write
  }
}

function serialize(apps: App[]): string {
  const state = {
    apps: apps.map((app) => ({
      ...(app.alerts === undefined || app.alerts.length === 0 ? {} : {alerts: app.alerts.map((alert) => storedAlertJson(alert))}),
      created_at: app.createdAt,
      drains: app.drains.map((drain) => ({created_at: drain.createdAt, id: drain.id, token: drain.token, updated_at: drain.updatedAt, url: drain.url})),
      ...(app.generation === undefined ? {} : {generation: app.generation}),
      id: app.id,
      log_input_token: app.inputToken,
      name: app.name,
      // Written only when there are some, so a state file without Fir features stays as it was.
      ...(app.telemetryDrains.length === 0 ? {} : {telemetry_drains: app.telemetryDrains.map((drain) => ({
        created_at: drain.createdAt, exporter: drain.exporter, id: drain.id, signals: drain.signals, updated_at: drain.updatedAt,
      }))}),
      updated_at: app.updatedAt,
    })),
    version: STATE_VERSION,
  }
  return JSON.stringify(state, null, 2) + '\n'
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }

  await rename(temporary, file)
  // The rename itself is only durable once the directory entry is on disk.
  const directory = await open(dirname(file), 'r')
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}

function parseState(file: string, text: string): App[] {
  const fail = (what: string): never => {
    throw new StateFileError(`${file} is corrupt (${what}); restore it from a backup or move it away to start with no apps`)
  }

  let state: unknown
  try {
    state = JSON.parse(text)
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`)
  }

  if (!isObject(state) || state.version !== STATE_VERSION || !Array.isArray(state.apps)) {
    return fail(`expected {"version": ${STATE_VERSION}, "apps": [...]}`)
  }

  return state.apps.map((app: unknown, i: number): App => {
    if (!isObject(app) || !Array.isArray(app.drains)) return fail(`apps[${i}] is not an app`)
    const drains = app.drains.map((drain: unknown, j: number): Drain => {
      if (!isObject(drain)) return fail(`apps[${i}].drains[${j}] is not a drain`)
      return {
        createdAt: stringField(drain, 'created_at', fail),
        id: stringField(drain, 'id', fail),
        token: stringField(drain, 'token', fail),
        updatedAt: stringField(drain, 'updated_at', fail),
        url: stringField(drain, 'url', fail),
      }
    })
    const parsed = {
      ...(Array.isArray(app.alerts) ? {alerts: app.alerts.map((alert: unknown) => parseStoredAlert(alert, (what) => fail(`apps[${i}]: ${what}`)))} : {}),
      createdAt: stringField(app, 'created_at', fail),
      drains,
      id: stringField(app, 'id', fail),
      inputToken: stringField(app, 'log_input_token', fail),
      name: stringField(app, 'name', fail),
      telemetryDrains: parseTelemetryDrains(app.telemetry_drains, `apps[${i}]`, fail),
      updatedAt: stringField(app, 'updated_at', fail),
    }
    if (app.generation === undefined) return parsed
    return app.generation === 'fir' ? {...parsed, generation: 'fir'} : fail(`apps[${i}].generation is not "fir"`)
  })
}

function parseTelemetryDrains(value: unknown, where: string, fail: (what: string) => never): TelemetryDrain[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return fail(`${where}.telemetry_drains is not a list`)
  return value.map((drain: unknown, j: number): TelemetryDrain => {
    const exporter = isObject(drain) ? drain.exporter : undefined
    if (!isObject(drain) || !isObject(exporter) || (exporter.type !== 'otlp' && exporter.type !== 'otlphttp') || !Array.isArray(drain.signals)) {
      return fail(`${where}.telemetry_drains[${j}] is not a telemetry drain`)
    }

    const headers = isObject(exporter.headers) ? exporter.headers : {}
    return {
      createdAt: stringField(drain, 'created_at', fail),
      exporter: {endpoint: stringField(exporter, 'endpoint', fail), headers: headers as Record<string, string>, type: exporter.type},
      id: stringField(drain, 'id', fail),
      signals: drain.signals.map(String),
      updatedAt: stringField(drain, 'updated_at', fail),
    }
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringField(object: Record<string, unknown>, key: string, fail: (what: string) => never): string {
  const value = object[key]
  return typeof value === 'string' && value !== '' ? value : fail(`"${key}" missing or not a string`)
}
