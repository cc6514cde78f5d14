// Why the JetStream engine puts many messages in one NATS message (issue 11): appends of 1, 10, 100 and 1,000
// router lines each, one after the other (no overlap, so each is a round trip), 20,000 lines per case, to
// one nats-server started on loopback; lines/s, chunks stored, and payload bytes against the lines' text.
//
//   npx tsx bench/jetstream-chunks.ts
import {JetStreamLogEngine} from '../src/router/cluster/jetstream-engine.js'
import {routerMessage} from '../test/router/log/conformance.js'
import {NatsCluster} from '../test/router/cluster/nats-servers.js'

const LINES = 20_000
const nats = await NatsCluster.single()
try {
  const engine = await JetStreamLogEngine.open({connection: {servers: nats.urls}, name: 'bench'})
  console.log('| lines per append | lines/s | NATS messages stored | payload / text bytes |')
  console.log('| --- | --- | --- | --- |')
  for (const perAppend of [1, 10, 100, 1000]) {
    const log = engine.app(`app${perAppend}`)
    let text = 0
    const started = performance.now()
    for (let i = 0; i < LINES / perAppend; i++) {
      const batch = Array.from({length: perAppend}, (_, j) => routerMessage(i * perAppend + j, Date.now()))
      for (const message of batch) text += Buffer.byteLength(message.text)
      await log.append(batch)
    }

    const seconds = (performance.now() - started) / 1000
    const info = await engine.jsm.streams.info(engine.streamName, {subjects_filter: log.subject})
    const {bytes} = await log.stats()
    console.log(`| ${perAppend} | ${Math.round(LINES / seconds)} | ${info.state.subjects?.[log.subject]} | ${(bytes / text).toFixed(2)} |`)
  }

  await engine.close()
} finally {
  await nats.stop()
}
