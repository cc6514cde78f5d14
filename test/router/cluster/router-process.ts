// A router node in a process of its own, so that a test can SIGKILL it: startRouter with the JSON options of
// argv[2]; prints `{"url": ...}` once it listens.
import {startRouter} from '../../../src/router/server.js'

const router = await startRouter(JSON.parse(process.argv[2]))
process.stdout.write(`${JSON.stringify({url: router.url})}\n`)
