#!/usr/bin/env node
// Bundles the router's page (web/) into dist/web: index.html, assets app.js and app.css. Run by `npm run build`;
// the router serves these files as they are (no CDN, no inline script: see src/router/web/web.ts).
import {build} from 'esbuild'
import {copyFile, mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Writes the bundle to `outDir` (default dist/web); returns esbuild's metafile for sizes. */
export async function buildWeb(outDir = join(root, 'dist', 'web')) {
  await mkdir(outDir, {recursive: true})
  const result = await build({
    bundle: true,
    entryNames: 'app',
    entryPoints: [join(root, 'web', 'src', 'main.tsx')],
    format: 'esm',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    minify: true,
    outdir: outDir,
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
  })
  await copyFile(join(root, 'web', 'index.html'), join(outDir, 'index.html'))
  return result.metafile
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const metafile = await buildWeb(process.argv[2])
  for (const [file, {bytes}] of Object.entries(metafile.outputs)) console.log(`${file.replace(root + '/', '')}  ${(bytes / 1024).toFixed(1)} KiB`)
}
