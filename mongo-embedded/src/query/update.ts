/**
 * Applies update documents (operator style, replacement, pipeline) with mongod's
 * validation. mingo does the array/path heavy lifting; positional `$` (which mingo treats
 * like `$[]`), `$setOnInsert`, upsert seeding and conflict checks are ours.
 */
import { ObjectId, Timestamp, type Document } from 'bson'
import { Aggregator } from 'mingo'
import { ProcessingMode } from 'mingo/core'
import { update as mingoUpdate } from 'mingo/updater'
import type { UpdateExpression } from 'mingo/updater'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { cloneDoc, isPlainObject, valuesEqual } from './compare.js'
import { compileFilter, mingoOptions, translateMingoError } from './mingo.js'

const MINGO_OPS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$currentDate',
  '$bit',
])
const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith'])

export type UpdateSpec = Document | Document[]

export const isOperatorUpdate = (u: UpdateSpec): u is Document =>
  !Array.isArray(u) && Object.keys(u).some((k) => k.startsWith('$'))

export function validateUpdate(u: UpdateSpec): void {
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = Object.keys(stage)[0] ?? ''
      if (!PIPELINE_STAGES.has(name)) {
        throw new MongoServerError(ErrorCodes.BadValue, `Unrecognized pipeline stage name: '${name}'`)
      }
    }
    return
  }
  if (!isOperatorUpdate(u)) {
    for (const k of Object.keys(u)) {
      if (k.startsWith('$'))
        throw new MongoServerError(ErrorCodes.BadValue, `The dollar ($) prefixed field '${k}' is not valid`)
    }
    return
  }
  const seen: string[] = []
  for (const [op, args] of Object.entries(u)) {
    if (!MINGO_OPS.has(op) && op !== '$setOnInsert') {
      throw new MongoServerError(
        ErrorCodes.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      )
    }
    if (!isPlainObject(args))
      throw new MongoServerError(
        ErrorCodes.FailedToParse,
        `Modifiers operate on fields but we found type ${typeof args} instead.`,
      )
    const paths = Object.keys(args)
    if (op === '$rename') paths.push(...Object.values(args).map(String))
    for (const p of paths) {
      const norm = p.replace(/\.\$(\[[^\]]*\])?/g, '')
      for (const q of seen) {
        if (q === norm || q.startsWith(norm + '.') || norm.startsWith(q + '.')) {
          throw new MongoServerError(
            ErrorCodes.ConflictingUpdateOperators,
            `Updating the path '${p}' would create a conflict at '${norm.length < q.length ? norm : q}'`,
          )
        }
      }
      seen.push(norm)
    }
  }
}

/** Index of the array element the query matched, for the positional `$` operator. */
function positionalIndex(doc: Document, prefix: string, filter: Document): number {
  const preds: Array<(e: unknown) => boolean> = []
  const collect = (f: Document) => {
    for (const [k, cond] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(cond)) cond.forEach((c) => collect(c as Document))
      else if (k === prefix) {
        if (isPlainObject(cond) && '$elemMatch' in cond) {
          const p = compileFilter(cond.$elemMatch as Document)
          const scalar = compileFilter({ v: cond })
          preds.push((e) => (isPlainObject(e) ? p(e) : scalar({ v: [e] })))
        } else {
          const p = compileFilter({ v: cond })
          preds.push((e) => p({ v: e }))
        }
      } else if (k.startsWith(prefix + '.')) {
        const p = compileFilter({ [k.slice(prefix.length + 1)]: cond })
        preds.push((e) => isPlainObject(e) && p(e))
      }
    }
  }
  collect(filter)
  let arr: unknown = doc
  for (const seg of prefix.split('.'))
    arr = isPlainObject(arr) || Array.isArray(arr) ? (arr as Document)[seg] : undefined
  if (preds.length && Array.isArray(arr)) {
    const i = arr.findIndex((e) => preds.every((p) => p(e)))
    if (i >= 0) return i
  }
  throw new MongoServerError(
    ErrorCodes.BadValue,
    'The positional operator did not find the match needed from the query.',
  )
}

function resolvePositional(doc: Document, args: Document, filter: Document): Document {
  const out: Document = {}
  for (const [path, v] of Object.entries(args)) {
    const m = /^(.*?)\.\$(?=\.|$)/.exec(path)
    out[m ? `${m[1]}.${positionalIndex(doc, m[1] as string, filter)}${path.slice(m[0].length)}` : path] = v
  }
  return out
}

/** mingo's $currentDate stores epoch millis; mongod stores a Date (or Timestamp). */
function toMingoExpr(op: string, args: Document): UpdateExpression {
  if (op === '$currentDate') {
    const now = new Date()
    const set: Document = {}
    for (const [k, v] of Object.entries(args)) {
      set[k] =
        isPlainObject(v) && v.$type === 'timestamp'
          ? Timestamp.fromBits(0, Math.floor(now.getTime() / 1000))
          : now
    }
    return { $set: set } as UpdateExpression
  }
  return { [op === '$setOnInsert' ? '$set' : op]: cloneDoc(args) } as unknown as UpdateExpression
}

export interface ApplyOptions {
  filter: Document
  arrayFilters?: Document[]
  isInsert: boolean
}

/** Returns a new document (the input is never mutated). */
export function applyUpdate(doc: Document, u: UpdateSpec, opts: ApplyOptions): Document {
  let out: Document
  if (Array.isArray(u)) {
    try {
      const agg = new Aggregator(u, { ...mingoOptions, processingMode: ProcessingMode.CLONE_INPUT })
      out = (agg.run([doc])[0] as Document | undefined) ?? {}
    } catch (err) {
      throw translateMingoError(err)
    }
  } else if (!isOperatorUpdate(u)) {
    out = { _id: doc._id, ...cloneDoc(u as Document) }
    if (out._id === undefined) delete out._id
  } else {
    out = cloneDoc(doc)
    for (const [op, rawArgs] of Object.entries(u)) {
      if (op === '$setOnInsert' && !opts.isInsert) continue
      const args = resolvePositional(out, rawArgs as Document, opts.filter)
      const expr = toMingoExpr(op, args)
      try {
        mingoUpdate(
          out,
          expr,
          opts.arrayFilters ?? [],
          {},
          {
            cloneMode: 'none',
            queryOptions: mingoOptions,
          },
        )
      } catch (err) {
        throw translateMingoError(err)
      }
    }
  }
  if (!opts.isInsert && doc._id !== undefined) {
    if (out._id === undefined && !isOperatorUpdate(u)) out._id = doc._id
    if (out._id === undefined || !valuesEqual(out._id, doc._id)) {
      throw new MongoServerError(
        ErrorCodes.ImmutableField,
        `Performing an update on the path '_id' would modify the immutable field '_id'`,
      )
    }
  }
  return out
}

/** Seed document for an upsert: equality fields of the filter (mongod's rules, simplified). */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {}
  const visit = (f: Document) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((c) => visit(c as Document))
      if (k.startsWith('$')) continue
      let val: unknown = v
      if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if (!('$eq' in v)) continue
        val = v.$eq
      }
      if (val instanceof RegExp) continue
      setPath(seed, k, cloneDoc(val))
    }
  }
  visit(filter)
  return seed
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.')
  let cur = doc
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string
    if (!isPlainObject(cur[p])) cur[p] = {}
    cur = cur[p] as Document
  }
  cur[parts[parts.length - 1] as string] = value
}

/** `_id` first, as mongod stores it; generates an ObjectId when absent. */
export function withId(doc: Document): Document {
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc }
  if (Object.keys(doc)[0] === '_id') return doc
  const { _id, ...rest } = doc
  return { _id, ...rest }
}
