import {MemoryLogEngine} from '../../../src/router/log/memory-engine.js'
import {logEngineConformance} from './conformance.js'

logEngineConformance('memory engine', {durable: false}, () => ({
  open: async ({now, retention}) => new MemoryLogEngine({now, retention}),
}))
