import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {connect} from 'nats'

import {freePort} from '../helpers.js'

const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server'

/** One nats-server with JetStream on 127.0.0.1, its store in a temporary directory; restartable on the same port and store. */
export class NatsServer {
  private process: ChildProcess | undefined
  private output = ''

  private constructor(readonly name: string, readonly port: number, readonly clusterPort: number | undefined, readonly storeDir: string, private readonly config: string) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.process !== undefined
  }

  /** Starts it and waits until it takes clients (and, in a cluster, until JetStream is ready: see NatsCluster). */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.process !== undefined) return
    const child = spawn(NATS_SERVER, ['-c', this.config], {stdio: ['ignore', 'pipe', 'pipe']})
    this.process = child
    // A test run that ends early (a timeout, ^C) leaves no server behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL')
    }

    process.once('exit', killOnExit)
    child.once('exit', () => process.off('exit', killOnExit))
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk))
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk))
    child.once('exit', () => {
      if (this.process === child) this.process = undefined
    })
    await this.waitForOutput('Server is ready', timeoutMs)
  }

  /** Kills it (SIGKILL: as a crash) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process
    if (child === undefined) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
    this.process = undefined
    this.output = ''
  }

  async waitForOutput(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.output.includes(text)) {
      if (this.process === undefined) throw new Error(`nats-server ${this.name} exited:\n${this.output}`)
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for nats-server ${this.name} to say "${text}":\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  static async create(name: string, root: string, clusterPorts?: {own: number; all: number[]}): Promise<NatsServer> {
    const port = await freePort()
    const storeDir = join(root, name)
    const cluster = clusterPorts === undefined ? '' : `
cluster {
  name: logsift-test
  listen: 127.0.0.1:${clusterPorts.own}
  routes: [${clusterPorts.all.filter((other) => other !== clusterPorts.own).map((other) => `nats-route://127.0.0.1:${other}`).join(', ')}]
}`
    const config = join(root, `${name}.conf`)
    writeFileSync(config, `server_name: ${name}
listen: 127.0.0.1:${port}
jetstream {
  store_dir: "${storeDir}"
  max_memory_store: 64MB
  max_file_store: 100TB
}${cluster}
`)
    return new NatsServer(name, port, clusterPorts?.own, storeDir, config)
  }
}

/** One server, or a cluster of three, started in a temporary directory; stop() kills them and removes it. */
export class NatsCluster {
  private constructor(readonly servers: NatsServer[], private readonly root: string) {}

  get urls(): string[] {
    return this.servers.map((server) => server.url)
  }

  static async single(): Promise<NatsCluster> {
    const root = mkdtempSync(join(tmpdir(), 'logsift-nats-'))
    const cluster = new NatsCluster([await NatsServer.create('n1', root)], root)
    await cluster.servers[0].start()
    return cluster
  }

  /** Three servers routed to each other; resolves once JetStream has a meta leader (streams can be created). */
  static async three(timeoutMs = 20_000): Promise<NatsCluster> {
    const root = mkdtempSync(join(tmpdir(), 'logsift-nats-'))
    const clusterPorts = [await freePort(), await freePort(), await freePort()]
    const servers = await Promise.all(['n1', 'n2', 'n3'].map((name, i) => NatsServer.create(name, root, {all: clusterPorts, own: clusterPorts[i]})))
    const cluster = new NatsCluster(servers, root)
    await Promise.all(servers.map((server) => server.start(timeoutMs)))
    await cluster.waitForReplicas(3, timeoutMs)
    return cluster
  }

  /** Until a stream with `replicas` copies can be placed: every server has joined JetStream's meta group. */
  async waitForReplicas(replicas: number, timeoutMs: number): Promise<void> {
    const nc = await connect({servers: this.urls})
    const deadline = Date.now() + timeoutMs
    try {
      for (;;) {
        try {
          const jsm = await nc.jetstreamManager({timeout: 1000})
          await jsm.streams.add({name: 'logsift_test_probe', num_replicas: replicas, subjects: ['logsift-test-probe']})
          await jsm.streams.delete('logsift_test_probe')
          return
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for JetStream to place ${replicas} replicas: ${(error as Error).message}`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    } finally {
      await nc.close()
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.kill()))
    rmSync(this.root, {force: true, recursive: true})
  }
}
