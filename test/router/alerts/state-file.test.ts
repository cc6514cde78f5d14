import assert from 'node:assert/strict'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {readAlertState} from '../../../src/router/alerts/state-file.js'
import {tempDir} from '../../helpers/cli.js'

describe('alerts.json read back', () => {
  it('says what is wrong with a file it cannot use, and moves it aside', async () => {
    const table: Array<[string, string]> = [
      ['{"alerts": {}, "outbox": "no", "version": 1}', '"outbox" is not an array'],
      ['{"alerts": null, "outbox": [], "version": 1}', '"alerts" is not an object'],
      ['{"alerts": {}, "outbox": [], "version": 2}', 'version 2, expected 1'],
      ['null', 'version undefined, expected 1'],
    ]
    for (const [text, why] of table) {
      const file = join(tempDir(), 'alerts.json')
      writeFileSync(file, text)
      const {problem, state} = await readAlertState(file)
      assert.equal(problem, `${file} is corrupt (${why}); moved to ${file}.bad, alerts start with no episode`, text)
      assert.deepEqual([state.alerts.size, state.outbox], [0, []])
      assert.ok(existsSync(`${file}.bad`))
    }
  })
})
