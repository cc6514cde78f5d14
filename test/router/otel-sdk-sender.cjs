// Sends OTLP logs with the official OpenTelemetry JS SDK, installed outside the project (scripts/test-peers.sh
// puts it in ~/.cache/logsift-otel): a real sender, not the project's own encoder. CommonJS, because the SDK
// is required from that folder. Environment: OTEL_DIR, OTLP_URL, OTLP_AUTH, OTLP_PROTOCOL (proto | json),
// SERVICE_NAME, INSTANCE_ID. Emits the 24 severities, the first with a key/value body; every record with
// attributes and a trace context.
const {createRequire} = require('node:module')
const {join} = require('node:path')

const sdk = createRequire(join(process.env.OTEL_DIR, 'package.json'))
const api = sdk('@opentelemetry/api')
const {BatchLogRecordProcessor, LoggerProvider} = sdk('@opentelemetry/sdk-logs')
const {resourceFromAttributes} = sdk('@opentelemetry/resources')
const {OTLPLogExporter} = sdk(process.env.OTLP_PROTOCOL === 'proto' ? '@opentelemetry/exporter-logs-otlp-proto' : '@opentelemetry/exporter-logs-otlp-http')

const TRACE = '5b8efff798038103d269b633813fc60c'
const SPAN = 'eee19b7ec3c1b174'

async function main() {
  const exporter = new OTLPLogExporter({headers: {Authorization: process.env.OTLP_AUTH}, url: process.env.OTLP_URL})
  const provider = new LoggerProvider({
    processors: [new BatchLogRecordProcessor(exporter)],
    resource: resourceFromAttributes({'service.instance.id': process.env.INSTANCE_ID, 'service.name': process.env.SERVICE_NAME}),
  })
  const logger = provider.getLogger('logsift-test')
  const context = api.trace.setSpanContext(api.ROOT_CONTEXT, {spanId: SPAN, traceFlags: 1, traceId: TRACE})
  for (let i = 0; i < 24; i++) {
    logger.emit({
      attributes: {'http.route': '/pay', n: i + 1, ok: i % 2 === 0, ratio: 0.5},
      body: i === 0 ? {event: 'signup', plan: 'pro'} : `record ${i + 1}`,
      context,
      severityNumber: i + 1,
      timestamp: [1733059200, 123456000 + i * 1000],
    })
  }

  await provider.forceFlush()
  await provider.shutdown()
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`)
  process.exit(1)
})
