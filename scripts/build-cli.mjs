#!/usr/bin/env node
// Builds dist/ from src/ with esbuild: every command, hook and worker, and the modules other programs import
// by path, as entry points sharing chunks (dist/chunks/). Bundled because start-up is mostly module loading:
// oclif alone is ~170 CommonJS files, and Node 20 has no compile cache; one shared copy of it in one chunk
// starts `logs` ~100 ms sooner (bench/RESULTS.md, "Start-up"). Types are checked by tsc, not here.
import {build} from 'esbuild'
import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** Modules loaded by path rather than imported: workers, bin/run.js's entry, and what scripts and benches use. */
const LOADED_BY_PATH = [
  'cli/main',
  'pipeline/scan-worker',
  'pipeline/stats-worker',
  'router/log/read-worker',
  'router/log/file-engine',
  'router/server',
  'redact/redactor',
]

/**
 * Dependencies bundled: oclif (with what it requires) and the small ones every `logs` run loads. The rest stay
 * in node_modules, loaded only by the commands and paths that need them.
 */
const BUNDLED = new Set(['@oclif/core', 'chalk', 'logfmt'])

const sources = readdirSync(src, {recursive: true}).filter((file) => file.endsWith('.ts'))
const commandsAndHooks = sources.filter((file) => /^(commands|hooks)\//.test(file)).map((file) => join(src, file))
const {dependencies} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

await build({
  banner: {
    // Bundled CommonJS (oclif) calls require for Node's modules; an ES module has none of its own.
    js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  bundle: true,
  chunkNames: 'chunks/[name]-[hash]',
  entryPoints: [...commandsAndHooks, ...LOADED_BY_PATH.map((path) => join(src, `${path}.ts`))],
  external: [...Object.keys(dependencies).filter((name) => !BUNDLED.has(name)), 'typescript', 'ts-node'],
  format: 'esm',
  logLevel: 'warning',
  outbase: src,
  outdir: join(root, 'dist'),
  platform: 'node',
  splitting: true,
  target: 'node20',
})
