import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import type {RunningRouter} from '../../src/router/server.js'
import {isolatedEnv} from '../api/helpers.js'
import {cliEnv, runCli} from '../helpers/cli.js'
import {testRouter} from './helpers.js'
import {assertSeverityRecords} from './otlp-peer.js'

const OTEL_DIR = process.env.LOGSIFT_OTEL_SDK ?? join(homedir(), '.cache', 'logsift-otel')
const INSTALL = 'npm install --prefix "$HOME/.cache/logsift-otel" @opentelemetry/sdk-logs@0.208 @opentelemetry/exporter-logs-otlp-proto@0.208 @opentelemetry/exporter-logs-otlp-http@0.208 @opentelemetry/api-logs@0.208 @opentelemetry/resources@2'
const SENDER = join(import.meta.dirname, 'otel-sdk-sender.cjs')

describe('the OpenTelemetry JS SDK (0.208) as the sender to POST /v1/logs', function () {
  this.timeout(60_000)
  let router: RunningRouter

  before(async function () {
    assert.ok(existsSync(join(OTEL_DIR, 'node_modules', '@opentelemetry', 'sdk-logs')), `the OpenTelemetry SDK is not installed in ${OTEL_DIR}; run scripts/test-peers.sh or: ${INSTALL}`)
    router = await testRouter()
  })

  after(() => router?.close())

  const logsift = (...args: string[]) => runCli(args, {env: cliEnv(isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}))})

  for (const protocol of ['proto', 'json'] as const) {
    it(`records of every severity, a key/value body, attributes and the trace context read back exactly (exporter-logs-otlp-${protocol === 'proto' ? 'proto' : 'http'})`, async () => {
      const app = `otel-${protocol}`
      const created = await logsift('apps:create', app, '--json')
      assert.equal(created.code, 0, created.stderr)
      const token = JSON.parse(created.stdout).log_input_token
      await promisify(execFile)(process.execPath, [SENDER], {env: {
        ...process.env, INSTANCE_ID: 'web-58f4b7c6d-x2k9p', OTEL_DIR, OTLP_AUTH: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'),
        OTLP_PROTOCOL: protocol, OTLP_URL: `${router.url}/v1/logs`, SERVICE_NAME: app,
      }})

      const result = await logsift('logs', '-a', app, '-o', 'json', '-n', '100')
      assert.equal(result.code, 0, result.stderr)
      assertSeverityRecords(result.stdout)
      // The SDK's [seconds, nanoseconds] times, one microsecond apart, kept to the microsecond.
      assert.deepEqual(result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).timestamp), Array.from({length: 24}, (_, i) => `2024-12-01T13:20:00.${123_456 + i}+00:00`))
    })
  }
})
