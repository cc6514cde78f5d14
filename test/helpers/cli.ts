import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')
export const EXAMPLE_LOG = join(ROOT, 'examples', 'heroku.log')
export const EXAMPLE_DRAIN = join(ROOT, 'examples', 'drain.logplex')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  stdout: string
}

export interface CliOptions {
  /** Working directory; default the project root. */
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Bytes for stdin; without it stdin is an empty pipe. */
  input?: Buffer | string
}

/** Runs the built CLI (`bin/run.js`) as a user would, with colour settings cleared unless given. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) =>
      resolve({code, signal, stderr: Buffer.concat(stderr).toString(), stdout: Buffer.concat(stdout).toString('latin1')}),
    )
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** The CLI as a running process (one that follows, so does not end on its own), and what it printed so far. */
export interface RunningCli {
  readonly stdout: string
  readonly stderr: string
  /** Ends it with SIGTERM and waits for it to close. */
  stop(): Promise<void>
}

/** Starts the built CLI with `env` as given. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env})
  const output = {stderr: '', stdout: ''}
  child.stdout.on('data', (chunk) => (output.stdout += chunk))
  child.stderr.on('data', (chunk) => (output.stderr += chunk))
  const closed = new Promise((resolve) => child.on('close', resolve))
  return {
    get stderr() {
      return output.stderr
    },
    get stdout() {
      return output.stdout
    },
    async stop() {
      child.kill('SIGTERM')
      await closed
    },
  }
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env}
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  return {...env, ...extra}
}

/** A fresh temporary directory, removed after the current mocha suite. */
export function tempDir(prefix = 'logsift-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** Polls `condition` (it may ask a router) until it holds, failing with `what` after the deadline (no fixed sleeps). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
