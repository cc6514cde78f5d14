import {createRequire} from 'node:module'

/**
 * Loads one of Node's own modules when a run first needs it. Only for those few runs need (child_process to ask
 * git for the app, worker_threads for a big file, zlib for a gzip one): each costs a `logs` run's start-up
 * 3–5 ms when imported at the top (bench/RESULTS.md, "Start-up").
 */
export const requireBuiltin = createRequire(import.meta.url)
