import type {ClusterStatus} from './cluster.js'

/** `logsift status`'s cluster section: nodes, NATS servers, the stream and its copies, how far tails lag. */
export function clusterLines(cluster: ClusterStatus): string[] {
  const {stream} = cluster
  const copies = stream.peers.map((peer) => `${peer.name} ${peer.current ? 'current' : `${peer.lag} behind`}`)
  const rows: Array<[string, string]> = [
    ...cluster.nodes.map((node, i): [string, string] => [i === 0 ? 'Nodes' : '', `${node.url} ${node.id}${node.id === cluster.node ? ' (this one)' : ''}, up since ${node.started_at}, seen ${node.seen_at}`]),
    ['NATS', `${cluster.nats.server_name} ${cluster.nats.version} at ${cluster.nats.connected_url}${cluster.nats.cluster === null ? '' : ` in cluster ${cluster.nats.cluster}`}`],
    ['Servers', cluster.nats.servers.join(' ') || cluster.nats.connected_url],
    ['Stream', `${stream.name}: ${stream.messages} chunks, ${stream.bytes} bytes, sequences ${stream.first_seq}-${stream.last_seq}, ${stream.replicas} cop${stream.replicas === 1 ? 'y' : 'ies'}`],
    // One NATS server outside a cluster keeps the stream itself: no leader to name, and none missing.
    ['Leader', cluster.nats.cluster === null && stream.leader === null ? `${cluster.nats.server_name} (one NATS server, not a cluster)` : [stream.leader ?? 'none', ...copies].join(', ')],
    ['Tail lag', `${cluster.tail_lag} sequence${cluster.tail_lag === 1 ? '' : 's'} behind the stream's end`],
  ]
  return ['=== Cluster', ...rows.map(([label, value]) => `${(label ? `${label}:` : '').padEnd(11)}${value}`)]
}
