#!/usr/bin/env node
// Builds dist/ from src/ with esbuild, in three bundles. Bundled because start-up is mostly module loading:
// oclif alone is ~170 CommonJS files, and Node 20 has no compile cache (bench/RESULTS.md, "Start-up").
// - the CLI: every command and hook, and bin/run.js's entry, sharing chunks (dist/chunks/), one of which holds
//   the one copy of oclif;
// - each worker in one file: a worker loads its own modules anyway, and one file starts soonest;
// - the modules scripts and benchmarks import by path (the router, its log engine and hub, input decoders, the
//   redactor), sharing chunks of their own.
// Types are checked by tsc, not here.
import {build} from 'esbuild'
import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
const WORKERS = ['pipeline/scan-worker', 'pipeline/stats-worker', 'router/log/read-worker']
const SCRIPT_MODULES = [
  'parse/timestamp',
  'query/prefilter',
  'redact/redactor',
  'router/hub',
  'router/ingest/logplex-input',
  'router/ingest/text-input',
  'router/log/file-engine',
  'router/server',
]

/**
 * Dependencies bundled: oclif (with what it requires) and the small ones every `logs` run loads. The rest stay
 * in node_modules, loaded only by the commands and paths that need them.
 */
const BUNDLED = new Set(['@oclif/core', 'chalk', 'logfmt', 'undici'])
const {dependencies} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const sourcePath = (path) => join(src, `${path}.ts`)
const commandsAndHooks = readdirSync(src, {recursive: true})
  .filter((file) => file.endsWith('.ts') && /^(commands|hooks)\//.test(file))
  .map((file) => join(src, file))

/**
 * Start-up work oclif does on every run that a `logs` run never uses, undone as oclif's files are bundled
 * (bench/RESULTS.md, "Start-up: what a `logs` run loaded and never used"): Node modules it requires at the
 * top but calls only for rare jobs (a shell name, reading flags from stdin, performance marks), loaded on
 * first use instead (with logsift's own, see src/builtin.ts, ~11 ms); and the locale-aware sort of a plugin's
 * command ids, whose first call builds an ICU collator (~7 ms), made a code-unit sort: the ids are lowercase
 * words and colons, which both orders sort alike. A change that no longer applies (a new oclif) fails the
 * build, so none is lost unnoticed.
 */
const OCLIF_EDITS = {
  'lib/config/plugin.js': [['a.id.localeCompare(b.id)', '(a.id < b.id ? -1 : a.id > b.id ? 1 : 0)']],
  'lib/parser/parse.js': [lazyRequire('node:readline')],
  'lib/performance.js': [lazyRequire('node:perf_hooks')],
  'lib/util/os.js': [lazyRequire('node:child_process')],
}

function lazyRequire(name) {
  return [`require("${name}")`, `new Proxy({}, {get: (_, key) => require("${name}")[key]})`]
}

const oclifEdits = {
  name: 'oclif-start-up',
  setup(build) {
    build.onLoad({filter: /[/\\]@oclif[/\\]core[/\\]lib[/\\].*\.js$/}, (args) => {
      const file = Object.keys(OCLIF_EDITS).find((suffix) => args.path.replaceAll('\\', '/').endsWith(`/@oclif/core/${suffix}`))
      if (file === undefined) return
      let contents = readFileSync(args.path, 'utf8')
      for (const [from, to] of OCLIF_EDITS[file]) {
        if (!contents.includes(from)) throw new Error(`${args.path} no longer holds ${from}: see OCLIF_EDITS in scripts/build-cli.mjs`)
        contents = contents.replace(from, to)
      }

      return {contents, loader: 'js'}
    })
  },
}

const options = {
  banner: {
    // Bundled CommonJS (oclif) calls require for Node's modules; an ES module has none of its own.
    js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  bundle: true,
  external: [...Object.keys(dependencies).filter((name) => !BUNDLED.has(name)), 'typescript', 'ts-node'],
  format: 'esm',
  logLevel: 'warning',
  outbase: src,
  outdir: join(root, 'dist'),
  platform: 'node',
  target: 'node20',
}

await Promise.all([
  build({...options, chunkNames: 'chunks/[name]-[hash]', entryPoints: [...commandsAndHooks, sourcePath('cli/main')], plugins: [oclifEdits], splitting: true}),
  build({...options, entryPoints: WORKERS.map(sourcePath)}),
  build({...options, chunkNames: 'chunks/lib-[hash]', entryPoints: SCRIPT_MODULES.map(sourcePath), splitting: true}),
])
