#!/usr/bin/env node
// The redactor on adversarial lines: 1 MB of one fragment repeated, for every fragment that once made a rule
// rescan the rest of the line from each occurrence (target: under 200 ms each, linear in the line's length).
//
//   npm run build && node bench/redact.mjs [--runs 5] [--bytes 1000000]
//
// Runs the built redactor (dist/) in this process, `--redact-email` on, and prints one row per fragment:
// the median of --runs timings, the fastest, and the median on a line a quarter as long (a linear redactor
// takes about a quarter of the time there; a quadratic one a sixteenth).
import {parseArgs} from 'node:util'

import {createRedactor} from '../dist/redact/redactor.js'

const {values: opts} = parseArgs({
  options: {
    bytes: {default: '1000000', type: 'string'},
    runs: {default: '5', type: 'string'},
  },
})
const runs = Number(opts.runs)
const bytes = Number(opts.bytes)

const FRAGMENTS = [
  'token',
  'Password',
  'session_',
  'api-key-',
  'Bearer ',
  'Basic ',
  'secret=',
  '://user:',
  '4',
  '4111 ',
  '@',
  'a@',
  'eyJ',
  'eyJ-',
  'AKIA',
  'token: ',
  'token="',
  'x y ',
]

const redactor = createRedactor({email: true})

function repeatTo(unit, length) {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
}

function timings(line) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    redactor.text(line)
    times.push(performance.now() - started)
  }

  return times.sort((a, b) => a - b)
}

const median = (sorted) => sorted[Math.floor(sorted.length / 2)]

console.log(`redactor.text on ${bytes.toLocaleString('en')}-character lines, ${runs} runs each (ms)`)
console.log()
console.log('| fragment | median | fastest | median at 1/4 length |')
console.log('| --- | ---: | ---: | ---: |')
for (const fragment of FRAGMENTS) {
  const full = timings(repeatTo(fragment, bytes))
  const quarter = timings(repeatTo(fragment, Math.floor(bytes / 4)))
  console.log(`| \`${JSON.stringify(fragment)}\` | ${median(full).toFixed(1)} | ${full[0].toFixed(1)} | ${median(quarter).toFixed(1)} |`)
}
