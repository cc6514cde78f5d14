/**
 * What logsift's lazy importers take from undici, as an ES module of its own: the build bundles undici
 * (scripts/build-cli.mjs), and a CommonJS package reached through import() would give them only its default
 * export.
 */
export {Agent, request} from 'undici'
