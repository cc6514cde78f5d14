// A process that appends to a file log engine for the fault tests (faults.test.ts), reporting on stdout, one
// JSON line per event, written synchronously so that nothing reported is still in a buffer when it dies.
//
//   node --import tsx append-child.ts DIR FSYNC until-killed   4 appenders, forever; {"ack": ...} per resolved append
//   node --import tsx append-child.ts DIR FSYNC until-full     one appender until an append fails; then reads it all
// A fourth argument, `off-loop`, sends every write to the thread pool (slowWriteMs 0).
import {writeSync} from 'node:fs'

import {LogWriteError, type NewMessage} from '../../../src/router/log/engine.js'
import {FileLogEngine, type FsyncPolicy} from '../../../src/router/log/file-engine.js'

const [dir, fsync, mode, writes] = process.argv.slice(2)
/** The parent's end of the pipe may be non-blocking: a full pipe (EAGAIN) is waited out, not fatal. */
const report = (event: object): void => {
  let bytes = Buffer.from(JSON.stringify(event) + '\n')
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(1, bytes))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
  }
}

/** The text of message `i` of appender `writer`'s batch `seq`: faults.test.ts expects the same at each acked offset. */
function childText(writer: number, seq: number, i: number): string {
  return `writer=${writer} seq=${seq} i=${i} ` + 'x'.repeat(200)
}

function batch(writer: number, seq: number, size: number): NewMessage[] {
  return Array.from({length: size}, (_, i) => ({dyno: `web.${writer}`, receivedAt: Date.now(), source: 'app', text: childText(writer, seq, i)}))
}

const engine = await FileLogEngine.open({dir, fsync: fsync as FsyncPolicy, slowWriteMs: writes === 'off-loop' ? 0 : undefined})
const log = engine.app('web')
report({recovery: engine.recovery})

if (mode === 'until-killed') {
  await Promise.all([0, 1, 2, 3].map(async (writer) => {
    for (let seq = 0; ; seq++) {
      const {first, next} = await log.append(batch(writer, seq, 20))
      report({ack: {first, next, seq, writer}})
    }
  }))
} else {
  for (let seq = 0; ; seq++) {
    // Two at once, so that off the event loop the second waits for the first's write and goes with it.
    const results = await Promise.allSettled([log.append(batch(0, seq, 5)), log.append(batch(1, seq, 5))])
    for (const [writer, result] of results.entries()) if (result.status === 'fulfilled') report({ack: {...result.value, seq, writer}})
    const failed = results.find((result) => result.status === 'rejected')
    if (failed !== undefined) {
      const error = failed.reason as Error
      report({error: {message: error.message, name: error.name, reason: error instanceof LogWriteError ? error.reason : undefined}})
      break
    }
  }

  const {messages} = await log.read({offset: 1}, 1_000_000)
  report({read: {count: messages.length, last: messages.at(-1)?.offset}})
  await engine.close()
}
