#!/usr/bin/env node
import {readFileSync} from 'node:fs'
import {setFlagsFromString} from 'node:v8'

// `logsift --version` is answered before oclif loads, in oclif's own format: loading oclif is most of the
// start-up time, and scripts call --version often.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // undici parses HTTP with llhttp, in WebAssembly; V8 compiles its hot functions again, optimised, on a
  // background thread, and the process waits for that before it exits: ~120 ms at the end of every command
  // that called the API, for parsing that the baseline (Liftoff) code does fast enough. The router runs for
  // long and keeps the optimised code.
  if (process.argv[2] !== 'serve') setFlagsFromString('--liftoff-only')
  // supports-color, which oclif asks whether to colour its help and errors, reads --color and --no-color from
  // the command line as it loads. Those are logsift's flags, about log output: hidden from it while oclif loads,
  // so help and errors are coloured by stderr/stdout and the environment alone, and never into a pipe.
  const argv = process.argv
  process.argv = argv.filter((arg, i) => i < 2 || !/^--(no-)?colou?rs?(=|$)/.test(arg))
  // oclif checks the Node version against its own package.json as it loads, which costs ~10 ms (semver) and,
  // bundled, never finds that file; npm checks logsift's `engines` at install.
  const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING
  process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  // oclif's execute(), with logsift's error output: usage errors as one plain line and a hint (see error-output.ts).
  // oclif comes from the bundle that holds the commands (scripts/build-cli.mjs), not from node_modules.
  const {flush, handleCliError, run, watchStdout} = await import('../dist/cli/main.js')
  watchStdout('logsift')
  process.argv = argv
  if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning
  // Not awaited, as execute() does not: stdout whose reader went away (| head) never drains.
  await run(process.argv.slice(2), import.meta.url).then(() => void flush()).catch(handleCliError)
}
