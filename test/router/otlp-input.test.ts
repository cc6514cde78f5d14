import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {gzipSync} from 'node:zlib'

import type {RunningRouter} from '../../src/router/server.js'
import {BIN, cliEnv, ROOT, tempDir} from '../helpers/cli.js'
import {call, createApp, createSession, readSession, testRouter, waitFor} from './helpers.js'
import {attributes, decodeResponse, encodeRequest, oneResource} from './otlp-peer.js'

const run = promisify(execFile)
/** 2024-12-01T13:20:00.123456789Z in nanoseconds. */
const NANOS = '1733059200123456789'
const TRACE = '5b8efff798038103d269b633813fc60c'
const SPAN = 'eee19b7ec3c1b174'

describe('OTLP/HTTP logs input (POST /v1/logs)', () => {
  let router: RunningRouter
  let token: string

  before(async () => {
    router = await testRouter({maxBodyBytes: 64 * 1024, maxFrameBytes: 2000})
    token = (await createApp(router, 'demo')).log_input_token
    await createApp(router, 'other')
  })

  const basic = () => 'Basic ' + Buffer.from(`token:${token}`).toString('base64')

  function post(body: Buffer | string, headers: Record<string, string>, key: null | string = null) {
    return call(router, 'POST', '/v1/logs', {body, headers, key})
  }

  async function recent(app = 'demo'): Promise<string[]> {
    return (await readSession(await createSession(router, app, {lines: 1500}))).text.split('\n').filter(Boolean)
  }

  it('stores protobuf records as heroku lines: Fir dyno, timestamp to the microsecond, kvlist body and attributes as a JSON payload', async () => {
    const body = encodeRequest(oneResource({'service.instance.id': 'web-58f4b7c6d-x2k9p', 'service.name': 'demo'}, [
      {attributes: attributes({'http.status': 200, user: 'ann'}), body: {stringValue: 'GET /health'}, severityNumber: 9, spanId: Buffer.from(SPAN, 'hex'), timeUnixNano: NANOS, traceId: Buffer.from(TRACE, 'hex')},
      {body: {kvlistValue: {values: attributes({event: 'signup', plan: 'pro'})}}, severityNumber: 17, timeUnixNano: NANOS},
    ]))
    const reply = await post(body, {authorization: basic(), 'content-type': 'application/x-protobuf'})
    assert.equal(reply.status, 200, reply.text)
    assert.equal(reply.headers['content-type'], 'application/x-protobuf')
    assert.deepEqual(decodeResponse(Buffer.from(reply.text, 'latin1')), {})
    assert.deepEqual((await recent()).slice(-2), [
      `2024-12-01T13:20:00.123456+00:00 app[web-58f4b7c6d-x2k9p]: GET /health {"http.status":200,"user":"ann","trace_id":"${TRACE}","span_id":"${SPAN}"}`,
      '2024-12-01T13:20:00.123456+00:00 app[web-58f4b7c6d-x2k9p]: {"event":"signup","plan":"pro"}',
    ])
  })

  it('takes OTLP/JSON from curl: hex ids, integer enums, 64-bit integers as strings; a heroku-router service is heroku[router]', async () => {
    const json = JSON.stringify({resourceLogs: [{resource: {attributes: [{key: 'service.name', value: {stringValue: 'heroku-router'}}]}, scopeLogs: [{logRecords: [{
      attributes: [{key: 'bytes', value: {intValue: '9007199254740993'}}], body: {stringValue: 'at=info method=GET path="/" status=200'},
      observedTimeUnixNano: NANOS, severityNumber: 13, spanId: SPAN, traceId: TRACE,
    }]}]}]})
    const file = join(tempDir(), 'logs.json')
    writeFileSync(file, json)
    const {stdout} = await run('curl', ['-sS', '-i', '-u', `token:${token}`, '-H', 'Content-Type: application/json', '--data-binary', `@${file}`, `${router.url}/v1/logs`])
    assert.match(stdout, /^HTTP\/1\.1 200/)
    assert.match(stdout, /content-type: application\/json/i)
    assert.ok(stdout.endsWith('\r\n\r\n{}'), stdout)
    assert.equal((await recent()).at(-1), `2024-12-01T13:20:00.123456+00:00 heroku[router]: at=info method=GET path="/" status=200 {"bytes":"9007199254740993","trace_id":"${TRACE}","span_id":"${SPAN}"}`)
  })

  it('takes gzip bodies, protobuf and JSON', async () => {
    const request = oneResource({'service.name': 'demo'}, [{body: {stringValue: 'zipped'}, timeUnixNano: NANOS}])
    let reply = await post(gzipSync(encodeRequest(request)), {authorization: basic(), 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf'})
    assert.equal(reply.status, 200, reply.text)
    reply = await post(gzipSync(JSON.stringify(request)), {authorization: basic(), 'content-encoding': 'gzip', 'content-type': 'application/json'})
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual((await recent()).slice(-2), Array.from({length: 2}, () => '2024-12-01T13:20:00.123456+00:00 app[otlp]: zipped'))
  })
})

describe('OTLP/HTTP logs input: refusals and pushback', () => {
  let router: RunningRouter
  let token: string

  before(async () => {
    router = await testRouter({maxBodyBytes: 4096, maxFrameBytes: 200, otlpInFlight: 1})
    token = (await createApp(router, 'demo')).log_input_token
    await createApp(router, 'other')
  })

  const basic = () => 'Basic ' + Buffer.from(`token:${token}`).toString('base64')
  const one = (text: string, resource: Record<string, string> = {'service.name': 'demo'}) => oneResource(resource, [{body: {stringValue: text}}])

  function post(body: Buffer | string, headers: Record<string, string>, key: null | string = null) {
    return call(router, 'POST', '/v1/logs', {body, headers, key})
  }

  async function recent(app = 'demo'): Promise<string[]> {
    return (await readSession(await createSession(router, app, {lines: 1500}))).text.split('\n').filter(Boolean).map((line) => line.slice(line.indexOf(' ') + 1))
  }

  it('answers 400 (a google.rpc.Status in the request\'s encoding) for a body that is not a request, and stores nothing', async () => {
    const before = await recent()
    let reply = await post('not protobuf at all', {authorization: basic(), 'content-type': 'application/x-protobuf'})
    assert.equal(reply.status, 400)
    assert.equal(reply.headers['content-type'], 'application/x-protobuf')
    reply = await post('[1, 2]', {authorization: basic(), 'content-type': 'application/json'})
    assert.equal(reply.status, 400)
    assert.equal(reply.json.code, 3)
    assert.match(reply.json.message, /not an ExportLogsServiceRequest in OTLP\/JSON/)
    reply = await post(JSON.stringify({resourceLogs: [{scopeLogs: [{logRecords: [{traceId: 'zz'}]}]}]}), {authorization: basic(), 'content-type': 'application/json'})
    assert.equal(reply.status, 400)
    assert.match(reply.json.message, /traceId "zz" is not hex/)
    for (const nanos of ['-5', 'soon', -5, 1.5]) {
      reply = await post(JSON.stringify({resourceLogs: [{scopeLogs: [{logRecords: [{body: {stringValue: 'when?'}, timeUnixNano: nanos}]}]}]}), {authorization: basic(), 'content-type': 'application/json'})
      assert.equal(reply.status, 400, String(nanos))
      assert.match(reply.json.message, /timeUnixNano .* is not nanoseconds since 1970/)
    }

    reply = await post('{}', {authorization: basic(), 'content-type': 'text/plain'})
    assert.equal(reply.status, 415)
    assert.deepEqual(await recent(), before)
  })

  it('takes an OTLP/JSON time as a string or a number of nanoseconds', async () => {
    for (const [text, nanos] of [['as a string', '1500000000000000000'], ['as a number', 1.5e18]]) {
      const reply = await post(JSON.stringify({resourceLogs: [{scopeLogs: [{logRecords: [{body: {stringValue: text}, timeUnixNano: nanos}]}]}]}), {authorization: basic(), 'content-type': 'application/json'})
      assert.equal(reply.status, 200)
    }

    const stored = await recent()
    for (const text of ['as a string', 'as a number']) assert.ok(stored.includes(`app[otlp]: ${text}`), stored.join('\n'))
  })

  it('answers 413 past the body limit, gunzipped size included', async () => {
    const big = JSON.stringify(one('x'.repeat(5000)))
    let reply = await post(big, {authorization: basic(), 'content-type': 'application/json'})
    assert.equal(reply.status, 413)
    reply = await post(gzipSync(big), {authorization: basic(), 'content-encoding': 'gzip', 'content-type': 'application/json'})
    assert.equal(reply.status, 413)
    assert.match(reply.json.message, /4096-byte limit/)
  })

  it('answers 401 without an input token or with an unknown one, and stores nothing', async () => {
    let reply = await post(JSON.stringify(one('no token')), {'content-type': 'application/json'})
    assert.equal(reply.status, 401)
    assert.equal(reply.headers['www-authenticate'], 'Basic realm="logsift"')
    reply = await post(JSON.stringify(one('bad token')), {authorization: 'Basic ' + Buffer.from('token:t.00000000-0000-4000-8000-000000000000').toString('base64'), 'content-type': 'application/json'})
    assert.equal(reply.status, 401)
    assert.ok(!(await recent()).some((line) => line.includes('token')))
  })

  it('with the API key, sends each resource to the app service.name names; the others are counted in partialSuccess', async () => {
    const request = {resourceLogs: [
      ...one('to demo').resourceLogs, ...one('to other', {'service.name': 'other'}).resourceLogs,
      ...one('to nobody', {'service.name': 'nobody'}).resourceLogs, ...one('x'.repeat(300)).resourceLogs,
    ]}
    const reply = await post(encodeRequest(request), {'content-type': 'application/x-protobuf'}, router.apiKey)
    assert.equal(reply.status, 200)
    const response = decodeResponse(Buffer.from(reply.text, 'latin1'))
    assert.deepEqual(response, {partialSuccess: {errorMessage: 'the router has no app nobody', rejectedLogRecords: 2}})
    assert.equal((await recent()).at(-1), 'app[otlp]: to demo')
    assert.equal((await recent('other')).at(-1), 'app[otlp]: to other')
  })

  it('answers 429 with Retry-After while it takes in as many requests as it may, then takes them again', async () => {
    // A request whose body is still coming holds the only place. One that arrives while a post is being
    // stored is answered 429 itself: it is sent again until it holds the place.
    const hold = async (): Promise<{answered: () => boolean; socket: Socket}> => {
      const socket = connect((new URL(router.url)).port as unknown as number, '127.0.0.1')
      await new Promise((resolve) => socket.once('connect', resolve))
      let answered = false
      socket.on('data', () => (answered = true))
      socket.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`)
      // A turn of this process's event loop, which the router shares: it reads the request before the next is sent.
      await new Promise((resolve) => setImmediate(resolve))
      return {answered: () => answered, socket}
    }

    let held = await hold()
    // Posted until the router has the held request in: it answers 200 until then.
    let reply = await post(JSON.stringify(one('busy')), {authorization: basic(), 'content-type': 'application/json'})
    const deadline = Date.now() + 10_000
    while (reply.status === 200 && Date.now() < deadline) {
      if (held.answered()) {
        held.socket.destroy()
        held = await hold()
      }

      reply = await post(JSON.stringify(one('busy')), {authorization: basic(), 'content-type': 'application/json'})
    }

    assert.equal(reply.status, 429)
    assert.equal(reply.headers['retry-after'], '1')
    assert.equal(reply.json.code, 8)
    held.socket.destroy()
    await waitFor('the held request to end', () => held.socket.destroyed)
    let after = await post(JSON.stringify(one('free again')), {authorization: basic(), 'content-type': 'application/json'})
    while (after.status === 429 && Date.now() < deadline + 10_000) after = await post(JSON.stringify(one('free again')), {authorization: basic(), 'content-type': 'application/json'})
    assert.equal(after.status, 200)
    assert.equal((await recent()).at(-1), 'app[otlp]: free again')
  })
})

describe('OTLP/HTTP logs input: a log that cannot store', function () {
  this.timeout(30_000)

  it('answers 503 with Retry-After and a google.rpc.Status (UNAVAILABLE) when the file size limit is reached', async () => {
    const dir = join(tempDir(), 'data')
    const child = spawn('prlimit', ['--fsize=300000', process.execPath, BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir], {cwd: ROOT, env: cliEnv()})
    after(() => child.kill())
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    await waitFor('the router to start', () => / on (http:\S+) /.test(stdout), 15_000)
    const url = / on (http:\S+) /.exec(stdout)![1]
    const router = {apiKey: readFileSync(join(dir, 'api-key'), 'utf8').trim(), url} as RunningRouter
    const token = (await createApp(router, 'demo')).log_input_token
    const body = JSON.stringify(oneResource({'service.name': 'demo'}, Array.from({length: 50}, () => ({body: {stringValue: 'x'.repeat(1000)}}))))
    const headers = {authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64'), 'content-type': 'application/json'}
    let reply = await call(router, 'POST', '/v1/logs', {body, headers, key: null})
    for (let posts = 0; reply.status === 200 && posts < 100; posts++) reply = await call(router, 'POST', '/v1/logs', {body, headers, key: null})
    assert.equal(reply.status, 503, reply.text)
    assert.equal(reply.headers['retry-after'], '5')
    assert.equal(reply.json.code, 14)
    assert.match(reply.json.message, /cannot store messages now/)
  })
})
