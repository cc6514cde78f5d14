import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'

import {OutputSink} from '../../src/output/sink.js'

/** What the sink wrote to a stream, once flushed. */
async function written(use: (sink: OutputSink) => void): Promise<Buffer> {
  const stream = new PassThrough()
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  const sink = new OutputSink(stream)
  use(sink)
  await sink.flush()
  return Buffer.concat(chunks)
}

describe('OutputSink', () => {
  it('writes raw bytes exactly: no newline is added to a last line without one', async () => {
    const output = await written((sink) => {
      sink.raw(Buffer.from('a\n'))
      sink.raw(Buffer.from('b'))
    })
    assert.equal(output.toString(), 'a\nb')
  })

  it('writes large raw pieces in order with the small ones around them', async () => {
    const big = Buffer.alloc(300 * 1024, 'x')
    const output = await written((sink) => {
      sink.raw(Buffer.from('first\n'))
      sink.raw(big)
      sink.raw(Buffer.from('last'))
    })
    assert.ok(output.equals(Buffer.concat([Buffer.from('first\n'), big, Buffer.from('last')])))
  })

  it('ends every formatted line with a newline, a long one (in slices) included, keeping surrogate pairs whole', async () => {
    const long = 'é'.repeat(70_001) + '😀'.repeat(50_000)
    const output = await written((sink) => {
      sink.line('short')
      sink.line(long)
      sink.line('after')
    })
    assert.equal(output.toString(), `short\n${long}\nafter\n`)
  })
})
