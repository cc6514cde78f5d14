import {createRequire} from 'node:module'

/**
 * Loads one of Node's own modules when a run first needs it: for the modules few runs need (child_process to ask
 * git for the app, worker_threads for a big file), which every run would load if imported at the top. With
 * oclif's (scripts/build-cli.mjs), ~11 ms of a `logs` run's start-up (bench/RESULTS.md, "Start-up: what a
 * `logs` run loaded and never used").
 */
export const requireBuiltin = createRequire(import.meta.url)
