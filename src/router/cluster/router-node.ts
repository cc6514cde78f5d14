import type {DropCounter} from '../drops.js'
import {LogHub} from '../hub.js'
import type {RetentionPolicy} from '../log/engine.js'
import type {Traffic} from '../observability/traffic.js'
import type {Redactor} from '../../redact/redactor.js'
import {ClusterHub} from './cluster-hub.js'
import {type ClusterOptions, RouterCluster} from './cluster.js'

export interface RouterNodeParts {
  readonly cluster: RouterCluster
  /** Tails, the recent buffers and ingest. */
  readonly hub: ClusterHub
  /** Drains: what this node took in (see ClusterHub). */
  readonly drainHub: LogHub
}

/**
 * What `serve --nats` runs on instead of the data directory's state file and log: the cluster's KV store
 * and stream, with the API key checked against the cluster's. Recent buffers are filled and followed.
 */
export async function joinCluster(options: ClusterOptions, settings: {
  apiKey: string
  bufferSize: number
  drops: DropCounter
  redactor: Redactor | undefined
  retention: Partial<RetentionPolicy> | undefined
  traffic: Traffic
}): Promise<RouterNodeParts> {
  let hub: ClusterHub | undefined
  const cluster = await RouterCluster.join(options, settings.retention, () => hub?.handedOutSeq ?? 0)
  try {
    await cluster.store.adoptApiKey(settings.apiKey)
    const drainHub = new LogHub(settings.bufferSize, cluster.engine, settings.drops, settings.redactor)
    hub = new ClusterHub(settings.traffic, settings.bufferSize, cluster.engine, drainHub, settings.drops)
    await hub.start()
    return {cluster, drainHub, hub}
  } catch (error) {
    await hub?.close()
    await cluster.close()
    throw error
  }
}
