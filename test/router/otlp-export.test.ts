import assert from 'node:assert/strict'

import {startRouter, type RunningRouter} from '../../src/router/server.js'
import {call, createApp, dataDir, postText, testRouter, waitFor} from './helpers.js'
import {attributes, encodeRequest, GrpcOtlpReceiver, oneResource, OtlpReceiver} from './otlp-peer.js'

const FAST = {backoff: {baseMs: 20, capMs: 100}}

async function addTelemetryDrain(router: RunningRouter, app: string, endpoint: string, type = 'otlphttp', headers: Record<string, string> = {}): Promise<any> {
  const reply = await call(router, 'POST', '/telemetry-drains', {body: {exporter: {endpoint, headers, type}, owner: {id: app, type: 'app'}, signals: ['logs']}})
  assert.equal(reply.status, 201, reply.text)
  return reply.json
}

describe('telemetry drains in the Platform API', () => {
  let router: RunningRouter
  let app: {id: string; log_input_token: string}

  before(async () => {
    router = await testRouter()
    app = await createApp(router, 'demo')
  })

  it('creates, lists, shows and deletes a drain with the fields heroku telemetry reads', async () => {
    const created = await addTelemetryDrain(router, app.id, 'https://otel.example.com', 'otlphttp', {'x-api-key': 'secret'})
    assert.deepEqual(Object.keys(created).sort(), ['created_at', 'exporter', 'id', 'owner', 'signals', 'updated_at'])
    assert.deepEqual(created.exporter, {endpoint: 'https://otel.example.com', headers: {'x-api-key': 'secret'}, type: 'otlphttp'})
    assert.deepEqual(created.owner, {id: app.id, name: 'demo', type: 'app'})
    assert.deepEqual((await call(router, 'GET', '/apps/demo/telemetry-drains')).json, [created])
    const shown = await call(router, 'GET', `/telemetry-drains/${created.id}`)
    assert.equal(shown.status, 200)
    assert.equal(shown.json.delivery.state, 'idle')
    assert.deepEqual((await call(router, 'DELETE', `/telemetry-drains/${created.id}`)).json, created)
    assert.deepEqual((await call(router, 'GET', '/apps/demo/telemetry-drains')).json, [])
    assert.equal((await call(router, 'GET', `/telemetry-drains/${created.id}`)).status, 404)
  })

  it('refuses what it cannot keep (422), and a drain feeding the app its own log', async () => {
    const bad = [
      {exporter: {endpoint: 'https://x.example.com', type: 'otlphttp'}, owner: {id: 'demo', type: 'space'}, signals: ['logs']},
      {exporter: {endpoint: 'https://x.example.com', type: 'splunk'}, owner: {id: 'demo', type: 'app'}, signals: ['logs']},
      {exporter: {endpoint: 'ftp://x.example.com', type: 'otlphttp'}, owner: {id: 'demo', type: 'app'}, signals: ['logs']},
      {exporter: {endpoint: 'https://x.example.com', type: 'otlphttp'}, owner: {id: 'demo', type: 'app'}, signals: ['profiles']},
      {exporter: {endpoint: router.url, headers: {Authorization: 'Basic ' + Buffer.from(`token:${app.log_input_token}`).toString('base64')}, type: 'otlphttp'}, owner: {id: 'demo', type: 'app'}, signals: ['logs']},
    ]
    for (const body of bad) assert.equal((await call(router, 'POST', '/telemetry-drains', {body})).status, 422, JSON.stringify(body))
    assert.equal((await call(router, 'POST', '/telemetry-drains', {body: {...bad[1], exporter: {endpoint: 'https://x.example.com', type: 'otlp'}, owner: {id: 'nope', type: 'app'}}})).status, 404)
  })

  it('a Fir app (apps:create --generation fir) has telemetry drains, and no log drains', async () => {
    const fir = await call(router, 'POST', '/apps', {body: {generation: 'fir', name: 'firapp'}})
    assert.equal(fir.status, 201)
    assert.deepEqual(fir.json.generation, {name: 'fir'})
    assert.deepEqual((await call(router, 'GET', '/apps/demo')).json.generation, {name: 'cedar'})
    const refused = await call(router, 'POST', '/apps/firapp/log-drains', {body: {url: 'https://logs.example.com'}})
    assert.equal(refused.status, 422)
    assert.match(refused.json.message, /Fir app: it has telemetry drains/)
    await addTelemetryDrain(router, 'firapp', 'https://otel.example.com')
  })
})

describe('telemetry drain delivery (OTLP out)', function () {
  this.timeout(30_000)

  it('sends syslog and text input as OTLP/HTTP protobuf: resource, body, severity, time, fields as attributes, trace ids', async () => {
    const receiver = await OtlpReceiver.start()
    after(() => receiver.close())
    const router = await testRouter({drains: FAST})
    const app = await createApp(router, 'demo')
    await addTelemetryDrain(router, 'demo', receiver.url, 'otlphttp', {'x-api-key': 'k1'})
    await postText(router, 'demo', [
      '2024-05-01T12:00:00.123456+00:00 heroku[router]: at=info method=GET path="/" status=200 service=3ms',
      '2024-05-01T12:00:01.000000+00:00 app[web.1]: ERROR payment failed',
    ].join('\n'))
    const trace = '5b8efff798038103d269b633813fc60c'
    const otlp = encodeRequest(oneResource({'service.instance.id': 'web-58f4b7c6d-x2k9p'}, [
      {attributes: attributes({user: 'ann'}), body: {stringValue: 'hello'}, severityNumber: 13, timeUnixNano: '1714564802000001999', traceId: Buffer.from(trace, 'hex')},
    ]))
    const auth = 'Basic ' + Buffer.from(`token:${app.log_input_token}`).toString('base64')
    assert.equal((await call(router, 'POST', '/v1/logs', {body: otlp, headers: {authorization: auth, 'content-type': 'application/x-protobuf'}, key: null})).status, 200)
    await waitFor('three records at the receiver', () => receiver.records().length === 3)
    assert.equal(receiver.requests[0].headers['x-api-key'], 'k1')
    assert.equal(receiver.requests[0].headers['content-encoding'], 'gzip')
    const [router1, web, fir] = receiver.records()
    assert.deepEqual(router1.resource, {'heroku.dyno': 'router', 'heroku.source': 'heroku', 'service.instance.id': 'router', 'service.name': 'demo'})
    assert.equal(router1.record.body.stringValue, 'at=info method=GET path="/" status=200 service=3ms')
    assert.equal(router1.record.timeUnixNano, '1714564800123456000')
    assert.equal(router1.record.severityText, 'INFO')
    assert.deepEqual(router1.record.attributes.map((kv: any) => kv.key), ['at', 'method', 'path', 'status', 'service'])
    assert.equal(web.record.severityNumber, 17)
    assert.equal(web.resource['service.instance.id'], 'web.1')
    assert.equal(fir.resource['service.instance.id'], 'web-58f4b7c6d-x2k9p')
    assert.equal(fir.record.severityNumber, 13)
    assert.equal(fir.record.timeUnixNano, '1714564802000001000')
    assert.equal(Buffer.from(fir.record.traceId, 'base64').toString('hex'), trace)
    assert.deepEqual(fir.record.attributes, [{key: 'user', value: {stringValue: 'ann'}}])
    const status = (await call(router, 'GET', `/telemetry-drains/${(await call(router, 'GET', '/apps/demo/telemetry-drains')).json[0].id}`)).json.delivery
    assert.equal(status.state, 'connected')
    assert.equal(status.delivered, 3)
    // Counted as delivered to a drain, as its refusals are counted as drain_rejected drops.
    assert.deepEqual((await call(router, 'GET', '/status')).json.apps.find((each: any) => each.name === 'demo').messages_out, {drains: 3, sessions: 0})
    assert.match((await call(router, 'GET', '/metrics')).text, /logsift_messages_delivered_total\{app="demo",to="drain"\} 3\n/)
  })

  it('loses nothing across a receiver outage and a router restart: every record once, in order, and counts all it delivered', async () => {
    const receiver = await OtlpReceiver.start()
    after(() => receiver.close())
    const dir = dataDir()
    let router = await startRouter({dataDir: dir, drains: FAST, port: 0, syslogPort: 0})
    await createApp(router, 'demo')
    await addTelemetryDrain(router, 'demo', receiver.url)
    let refusedWhileDown = 0
    let up = true
    receiver.answer = () => (up ? 200 : (refusedWhileDown++, 503))
    const post = (from: number, count: number) => postText(router, 'demo', Array.from({length: count}, (_, i) => `2024-05-01T12:00:00.000000+00:00 app[web.1]: line ${from + i}`).join('\n'))
    await post(0, 100)
    await waitFor('the first 100', () => receiver.records().length === 100)
    up = false
    await post(100, 100)
    await waitFor('the receiver to refuse a retry', () => refusedWhileDown >= 2)
    await router.close()
    router = await startRouter({dataDir: dir, drains: FAST, port: 0, syslogPort: 0})
    try {
      await post(200, 100)
      up = true
      await waitFor('all 300', () => receiver.records().length >= 300, 15_000)
      const lines = receiver.records().map(({record}) => record.body.stringValue)
      assert.deepEqual(lines, Array.from({length: 300}, (_, i) => `line ${i}`))
      // What it delivered before the restart is still counted.
      const id = (await call(router, 'GET', '/apps/demo/telemetry-drains')).json[0].id
      await waitFor('300 delivered', async () => (await call(router, 'GET', `/telemetry-drains/${id}`)).json.delivery.delivered === 300)
    } finally {
      await router.close()
    }
  })

  it('sends OTLP/gRPC (exporter type otlp) and retries on UNAVAILABLE', async () => {
    const receiver = await GrpcOtlpReceiver.start()
    after(() => receiver.close())
    const router = await testRouter({drains: FAST})
    await createApp(router, 'demo')
    let unavailable = 2
    receiver.answer = () => (unavailable-- > 0 ? 14 : 0)
    await addTelemetryDrain(router, 'demo', receiver.url, 'otlp', {'x-team': 'a'})
    await postText(router, 'demo', '2024-05-01T12:00:00.000000+00:00 app[worker.1]: over grpc')
    await waitFor('the record over gRPC', () => receiver.records().length === 1)
    assert.equal(receiver.records()[0].record.body.stringValue, 'over grpc')
    assert.equal(receiver.records()[0].resource['service.instance.id'], 'worker.1')
    assert.equal(receiver.requests[0].headers['x-team'], 'a')
    assert.ok(unavailable < 0)
  })
})
