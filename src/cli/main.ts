/**
 * What bin/run.js loads: oclif's run and flush from the same bundle as the commands (so one copy of oclif runs
 * them), and logsift's error output.
 */
export {flush, run} from '@oclif/core'
export {handleCliError} from './error-output.js'
export {watchStdout} from './stdout-failure.js'
