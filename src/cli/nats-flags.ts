import {Flags, type Interfaces} from '@oclif/core'

import type {ClusterOptions} from '../router/cluster/cluster.js'

/** `serve --nats` and how to reach the NATS servers, as NATS clients take them (nats CLI: --creds, --tlsca, --tlscert, --tlskey). */
export const natsFlags = {
  nats: Flags.string({
    description: 'run as a node of a cluster: apps, drains, sessions and the log live in this NATS JetStream cluster (comma-separated nats://host:port URLs), shared by every node',
    env: 'LOGSIFT_NATS_URL',
  }),
  'nats-creds': Flags.file({dependsOn: ['nats'], description: 'NATS credentials file (JWT and NKey seed)', exists: true}),
  'nats-replicas': Flags.integer({dependsOn: ['nats'], description: 'copies of the log and state on distinct NATS servers, chosen when first created [default: 3 when the cluster has 3 servers or more, else 1]', max: 5, min: 1}),
  'nats-tls-ca': Flags.file({dependsOn: ['nats'], description: 'PEM file of CAs to trust for the NATS servers\' TLS', exists: true}),
  'nats-tls-cert': Flags.file({dependsOn: ['nats', 'nats-tls-key'], description: 'PEM client certificate for NATS servers that ask for one', exists: true}),
  'nats-tls-key': Flags.file({dependsOn: ['nats', 'nats-tls-cert'], description: 'PEM private key for --nats-tls-cert', exists: true}),
}

type NatsFlags = Interfaces.InferredFlags<typeof natsFlags>

/** The cluster the flags name, or undefined without --nats. */
export function clusterOptions(flags: NatsFlags): ClusterOptions | undefined {
  if (flags.nats === undefined) return undefined
  const servers = flags.nats.split(',').map((url) => url.trim()).filter(Boolean)
  const tls = flags['nats-tls-ca'] === undefined && flags['nats-tls-cert'] === undefined
    ? undefined
    : {caFile: flags['nats-tls-ca'], certFile: flags['nats-tls-cert'], keyFile: flags['nats-tls-key']}
  return {credsFile: flags['nats-creds'], replicas: flags['nats-replicas'], servers, tls}
}

/** What to try when joining the cluster failed. */
export function clusterSuggestions(error: unknown): string[] {
  const code = (error as {code?: string}).code
  if (code === 'CONNECTION_REFUSED') return ['start the NATS servers first (docs/cluster.md), or correct --nats']
  if (/placement|insufficient resources/i.test((error as Error).message)) return ['--nats-replicas 1 on a single NATS server, or start all three servers with JetStream (docs/cluster.md)']
  return ['docs/cluster.md says how to run NATS for logsift']
}
