import {type Hook, toConfiguredId} from '@oclif/core'

import {closestName} from '../cli/suggest.js'

/**
 * An unknown command: one line with the closest command, exit 2. Never a prompt (as @oclif/plugin-not-found
 * asks on a terminal): a script must not wait on one, and in a pipe that plugin names no command at all.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const {config, id} = options
  const visible = config.commands.filter((command) => !command.hidden)
  const ids = [...visible.map((command) => command.id), ...visible.flatMap((command) => command.aliases)]
  const closest = closestName(id, ids)
  const guess = closest === undefined ? '' : ` Did you mean ${toConfiguredId(closest, config)}?`
  this.error(`${toConfiguredId(id, config)} is not a ${config.bin} command.${guess}\nSee the commands with ${config.bin} --help`, {exit: 2})
}

export default hook
