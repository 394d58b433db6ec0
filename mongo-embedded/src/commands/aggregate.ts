import type { Document } from 'bson'
import { Aggregator } from 'mingo'
import * as pipelineOps from 'mingo/operators/pipeline'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { cloneDoc } from '../query/compare.js'
import { mingoOptions, translateMingoError } from '../query/mingo.js'
import { findDocs } from '../storage/planner.js'
import { collName, num, type Handler } from './context.js'

/** Stages mongod has that we refuse rather than emulate badly. */
const UNSUPPORTED_STAGES = new Set([
  '$changeStream',
  '$out',
  '$merge',
  '$geoNear',
  '$search',
  '$searchMeta',
  '$vectorSearch',
  '$collStats',
  '$indexStats',
  '$currentOp',
  '$listSessions',
  '$listLocalSessions',
  '$planCacheStats',
])
const KNOWN_STAGES = new Set(Object.keys(pipelineOps))

function checkPipeline(pipeline: unknown): Document[] {
  if (!Array.isArray(pipeline))
    throw new MongoServerError(ErrorCodes.TypeMismatch, "'pipeline' option must be specified as an array")
  for (const stage of pipeline as Document[]) {
    const keys = Object.keys(stage)
    const name = keys[0] ?? ''
    if (keys.length !== 1)
      throw new MongoServerError(
        ErrorCodes.Location40324,
        'A pipeline stage specification object must contain exactly one field.',
      )
    if (UNSUPPORTED_STAGES.has(name)) throw notSupported(`aggregation stage ${name}`)
    if (!KNOWN_STAGES.has(name))
      throw new MongoServerError(ErrorCodes.Location40324, `Unrecognized pipeline stage name: '${name}'`)
    const inner = stage[name] as unknown
    if ((name === '$lookup' || name === '$facet') && inner && typeof inner === 'object') {
      const nested =
        name === '$lookup' ? [(inner as Document).pipeline ?? []] : Object.values(inner as Document)
      for (const p of nested) checkPipeline(p)
    }
  }
  return pipeline as Document[]
}

export const aggregateCommands: Record<string, Handler> = {
  aggregate: (cmd, { storage, db, cursors }) => {
    if (cmd.explain) throw notSupported('explain')
    const pipeline = checkPipeline(cmd.pipeline)
    if (cmd.cursor === undefined)
      throw new MongoServerError(
        ErrorCodes.FailedToParse,
        "The 'cursor' option is required, except for aggregate with the explain argument",
      )
    const name = cmd.aggregate === 1 ? null : collName(cmd, 'aggregate')
    const coll = name ? storage.collection(db, name) : undefined
    // a leading $match can use the indexes; everything after runs in mingo on copies
    const [first, ...rest] = pipeline
    const leadingMatch = first && '$match' in first ? (first.$match as Document) : null
    const input = coll ? findDocs(coll, leadingMatch ?? {}) : []
    let out: Document[]
    try {
      const agg = new Aggregator(leadingMatch ? rest : pipeline, {
        ...mingoOptions,
        collectionResolver: (from) => [...(storage.collection(db, from)?.docs.values() ?? [])].map(cloneDoc),
      })
      out = agg.run(input.map(cloneDoc)) as Document[]
    } catch (err) {
      throw translateMingoError(err)
    }
    const batchSize = num((cmd.cursor as Document).batchSize)
    return cursors.first(`${db}.${name ?? '$cmd.aggregate'}`, out, { batchSize })
  },
}
