import assert from 'node:assert/strict'

import {Chalk} from 'chalk'

import {createFormatter, OUTPUT_FORMATS} from '../../src/format/index.js'
import {formatJson} from '../../src/format/json.js'
import {formatLogfmt} from '../../src/format/logfmt.js'
import {heroku} from './records.js'

const LINE = '2024-05-01T12:00:00.123456+00:00 app[web.1]: level=error msg="db timeout"'

describe('createFormatter', () => {
  it('offers every output format', () => {
    assert.deepEqual(OUTPUT_FORMATS, ['pretty', 'raw', 'json', 'logfmt'])
  })

  it('hands out the formatter for each format', () => {
    const chalk = new Chalk({level: 0})
    assert.equal(createFormatter('json', chalk), formatJson)
    assert.equal(createFormatter('logfmt', chalk), formatLogfmt)
    assert.equal(createFormatter('pretty', chalk)(heroku(LINE)), LINE)
  })

  it('colours pretty output with the chalk it is given, and nothing else', () => {
    assert.notEqual(createFormatter('pretty', new Chalk({level: 1}))(heroku(LINE)), LINE)
    assert.equal(createFormatter('json', new Chalk({level: 3}))(heroku(LINE)), formatJson(heroku(LINE)))
  })
})
