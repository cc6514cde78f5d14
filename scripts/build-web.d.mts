import type {Metafile} from 'esbuild'

/** Bundles the router's page into `outDir` (default dist/web). */
export function buildWeb(outDir?: string): Promise<Metafile>
