import assert from 'node:assert/strict'

import type {RunningRouter} from '../../src/router/server.js'
import {cliEnv, runCli} from '../helpers/cli.js'
import {isolatedEnv} from '../api/helpers.js'
import {call, testRouter} from './helpers.js'
import {assertSeverityRecords, attributes, encodeRequest, oneResource, OtlpReceiver, SEVERITY_LEVELS, SPAN_ID, TRACE_ID} from './otlp-peer.js'


describe('logsift\'s own CLI on the router\'s OTLP and Fir features', function () {
  this.timeout(60_000)
  let router: RunningRouter

  before(async () => {
    router = await testRouter()
  })

  const logsift = (...args: string[]) => runCli(args, {env: cliEnv(isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url}))})

  it('records of every severity, a key/value body, attributes and trace ids read back with logs -a -o json exactly', async () => {
    const created = await logsift('apps:create', 'otel', '--json')
    assert.equal(created.code, 0, created.stderr)
    const token = JSON.parse(created.stdout).log_input_token
    const records = SEVERITY_LEVELS.map((_, i) => ({
      attributes: attributes({'http.route': '/pay', n: i + 1, ok: i % 2 === 0, ratio: 0.5}),
      body: i === 0 ? {kvlistValue: {values: attributes({event: 'signup', plan: 'pro'})}} : {stringValue: `record ${i + 1}`},
      severityNumber: i + 1,
      spanId: Buffer.from(SPAN_ID, 'hex'),
      timeUnixNano: `17330592001234560${String(i).padStart(2, '0')}`,
      traceId: Buffer.from(TRACE_ID, 'hex'),
    }))
    const body = encodeRequest(oneResource({'service.instance.id': 'web-58f4b7c6d-x2k9p', 'service.name': 'otel'}, records))
    const auth = 'Basic ' + Buffer.from(`token:${token}`).toString('base64')
    assert.equal((await call(router, 'POST', '/v1/logs', {body, headers: {authorization: auth, 'content-type': 'application/x-protobuf'}, key: null})).status, 200)

    const result = await logsift('logs', '-a', 'otel', '-o', 'json', '-n', '100')
    assert.equal(result.code, 0, result.stderr)
    assertSeverityRecords(result.stdout)
  })

  it('apps:create --generation fir, telemetry:add, telemetry and telemetry:remove', async () => {
    const receiver = await OtlpReceiver.start()
    after(() => receiver.close())
    const created = await logsift('apps:create', 'firapp', '--generation', 'fir', '--json')
    assert.equal(created.code, 0, created.stderr)
    assert.deepEqual(JSON.parse(created.stdout).generation, {name: 'fir'})

    const added = await logsift('telemetry:add', receiver.url, '-a', 'firapp', '--signals', 'logs', '--headers', '{"x-api-key":"k1"}')
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.stdout, `successfully added drain ${receiver.url}\n`)
    const [drain] = (await call(router, 'GET', '/apps/firapp/telemetry-drains')).json
    assert.deepEqual(drain.exporter, {endpoint: receiver.url, headers: {'x-api-key': 'k1'}, type: 'otlphttp'})

    const listed = await logsift('telemetry', '-a', 'firapp')
    assert.equal(listed.stdout, `=== firapp Telemetry Drains\n${drain.id}  logs  ${receiver.url}\n`)
    const badHeaders = await logsift('telemetry:add', receiver.url, '-a', 'firapp', '--headers', '[1]')
    assert.equal(badHeaders.code, 2)
    assert.match(badHeaders.stderr, /--headers must be a JSON object/)

    const removed = await logsift('telemetry:remove', '-a', 'firapp')
    assert.equal(removed.code, 0, removed.stderr)
    assert.equal(removed.stdout, `Removed telemetry drain ${receiver.url}\n`)
    assert.equal((await logsift('telemetry', '-a', 'firapp')).stdout, 'There are no telemetry drains in firapp\n')
    // Nothing left to remove: said, not a silent success.
    const none = await logsift('telemetry:remove', '-a', 'firapp')
    assert.deepEqual([none.code, none.stdout], [0, 'There are no telemetry drains in firapp\n'])
  })
})
