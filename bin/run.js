#!/usr/bin/env node
import {readFileSync} from 'node:fs'

// `logsift --version` is answered before oclif loads, in oclif's own format: loading oclif is most of the
// start-up time, and scripts call --version often.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
