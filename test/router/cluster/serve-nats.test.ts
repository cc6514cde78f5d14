import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'

import {clusterLines} from '../../../src/router/cluster/status-text.js'
import type {ClusterStatus} from '../../../src/router/cluster/cluster.js'
import {BIN, cliEnv, runCli, tempDir} from '../../helpers/cli.js'
import {freePort} from '../helpers.js'
import {NatsCluster} from './nats-servers.js'

const STATUS: ClusterStatus = {
  nats: {cluster: 'logsift', connected_url: '127.0.0.1:4222', server_name: 'n1', servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], version: '2.9.10'},
  node: 'vm-1',
  nodes: [
    {id: 'vm-1', seen_at: '2026-12-01T10:00:05.000Z', started_at: '2026-12-01T09:00:00.000Z', stream_seq: 41, url: 'http://10.0.0.11:5580'},
    {id: 'vm-2', seen_at: '2026-12-01T10:00:04.000Z', started_at: '2026-12-01T09:30:00.000Z', stream_seq: 40, url: 'http://10.0.0.12:5580'},
  ],
  stream: {bytes: 9000, first_seq: 1, last_seq: 42, leader: 'n1', messages: 42, name: 'logsift_log', peers: [{current: true, lag: 0, name: 'n2'}, {current: false, lag: 3, name: 'n3'}], replicas: 3},
  tail_lag: 1,
}

describe('serve --nats', function () {
  this.timeout(60_000)

  it('shows the cluster in status text: nodes, NATS, the stream and its copies, the tail lag', () => {
    assert.deepEqual(clusterLines(STATUS), [
      '=== Cluster',
      'Nodes:     http://10.0.0.11:5580 vm-1 (this one), up since 2026-12-01T09:00:00.000Z, seen 2026-12-01T10:00:05.000Z',
      '           http://10.0.0.12:5580 vm-2, up since 2026-12-01T09:30:00.000Z, seen 2026-12-01T10:00:04.000Z',
      'NATS:      n1 2.9.10 at 127.0.0.1:4222 in cluster logsift',
      'Servers:   nats://127.0.0.1:4222 nats://127.0.0.1:4223',
      'Stream:    logsift_log: 42 chunks, 9000 bytes, sequences 1-42, 3 copies',
      'Leader:    n1, n2 current, n3 3 behind',
      'Tail lag:  1 sequence behind the stream\'s end',
    ])
  })

  it('names one NATS server outside a cluster as what keeps the stream, and a cluster\'s stream without a leader as having none', () => {
    const leader = (status: ClusterStatus) => clusterLines(status).find((line) => line.startsWith('Leader:'))
    const single: ClusterStatus = {...STATUS, nats: {...STATUS.nats, cluster: null}, stream: {...STATUS.stream, leader: null, peers: [], replicas: 1}}
    assert.equal(leader(single), 'Leader:    n1 (one NATS server, not a cluster)')
    assert.equal(leader({...STATUS, stream: {...STATUS.stream, leader: null, peers: []}}), 'Leader:    none')
  })

  it('says so and exits 2 when no NATS server answers', async () => {
    const port = await freePort()
    const result = await runCli(['serve', '--port', '0', '--syslog-port', '0', '--data-dir', tempDir(), '--nats', `nats://127.0.0.1:${port}`])
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, new RegExp(`--nats nats://127.0.0.1:${port}: `))
    assert.match(result.stderr, /start the NATS servers first/)
  })

  it('runs as a node from LOGSIFT_NATS_URL, and says where its state is', async () => {
    const nats = await NatsCluster.single()
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', tempDir()], {
      env: cliEnv({LOGSIFT_API_KEY: 'key', LOGSIFT_NATS_URL: nats.urls[0]}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk))
      const deadline = Date.now() + 30_000
      while (!output.includes('logsift router on')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start line:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }

      assert.match(output, /apps, drains, sessions and the log in NATS \(127\.0\.0\.1:\d+\)/)
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      await nats.stop()
    }
  })
})
