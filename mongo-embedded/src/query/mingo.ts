/**
 * mingo glue: one Context holding every mingo operator, with the comparison query
 * operators replaced by BSON-aware ones (mingo compares Long/Decimal128 by their string
 * form and does not bracket types like mongod).
 */
import type { Document } from 'bson'
import { Context, Query } from 'mingo'
import type { Options } from 'mingo/core'
import * as accumulatorOps from 'mingo/operators/accumulator'
import * as expressionOps from 'mingo/operators/expression'
import * as pipelineOps from 'mingo/operators/pipeline'
import * as projectionOps from 'mingo/operators/projection'
import * as queryOps from 'mingo/operators/query'
import * as windowOps from 'mingo/operators/window'
import { ErrorCodes, MongoServerError, notSupported, toServerError } from '../errors.js'
import { compareValues, isPlainObject, keyOf, typeRank, valuesEqual } from './compare.js'
import { dateOperators } from './dates.js'
import { accumulatorOverrides, pipelineOverrides } from './stages.js'

type Pred = (doc: Document) => boolean

/** Values a query path can match: the leaf itself, array elements, `undefined` for missing. */
function candidates(doc: unknown, parts: string[], i = 0, out: unknown[] = []): unknown[] {
  if (i === parts.length) {
    out.push(doc)
    if (Array.isArray(doc)) out.push(...doc)
    return out
  }
  const seg = parts[i] as string
  if (Array.isArray(doc)) {
    if (/^\d+$/.test(seg)) candidates(doc[Number(seg)], parts, i + 1, out)
    for (const e of doc) if (isPlainObject(e)) candidates(e, parts, i, out)
    return out
  }
  if (!isPlainObject(doc) || doc[seg] === undefined) {
    out.push(undefined)
    return out
  }
  return candidates(doc[seg], parts, i + 1, out)
}

/** Split dotted paths, memoised: filters repeat the same few field names (read-only arrays). */
const pathCache = new Map<string, string[]>()
function pathParts(selector: string): string[] {
  let parts = pathCache.get(selector)
  if (!parts) {
    if (pathCache.size >= 10_000) pathCache.clear()
    pathCache.set(selector, (parts = selector.split('.')))
  }
  return parts
}

const fieldOp =
  (test: (values: unknown[], arg: unknown) => boolean) =>
  (selector: string, value: unknown): Pred => {
    const parts = pathParts(selector)
    return (doc) => test(candidates(doc, parts), value)
  }

type Scalar = string | number | boolean
const isScalar = (v: unknown): v is Scalar => {
  const t = typeof v
  return t === 'string' || t === 'number' || t === 'boolean'
}

/**
 * Fast path for a top-level field: when the document (a plain object) holds a string, number or
 * boolean there, that value is the only candidate `candidates()` would produce, so `fast` tests it
 * directly without building the candidate array; anything else (arrays, dotted paths, BSON values,
 * missing fields) goes through `general`, so results are the same either way.
 */
function scalarField(parts: string[], general: Pred, fast: (x: Scalar) => boolean): Pred {
  if (parts.length !== 1) return general
  const field = parts[0] as string
  return (doc) => {
    const x = doc[field]
    return isScalar(x) && isPlainObject(doc) ? fast(x) : general(doc)
  }
}

/** `compareValues(x, v)` for a scalar pair, or NaN when their types differ (never equal/ordered). */
const compareScalars = (x: Scalar, v: Scalar) => (typeof x === typeof v ? compareValues(x, v) : NaN)

const eq = (values: unknown[], v: unknown) =>
  v instanceof RegExp
    ? values.some((x) => typeof x === 'string' && v.test(x))
    : values.some((x) => valuesEqual(x, v))

const inOp = (values: unknown[], arg: unknown) => {
  if (!Array.isArray(arg)) throw new MongoServerError(ErrorCodes.BadValue, '$in needs an array')
  return arg.some((v) => eq(values, v))
}

/**
 * Long `$in` lists (a fan-out reading members of 5,000 enterprises) are tested through a hash of each
 * value's canonical key (the same key the indexes use, so equality agrees with index lookups) instead of
 * comparing every candidate with every value. Lists with regexes keep the general path.
 */
function inSet(arg: unknown): ((x: unknown) => boolean) | undefined {
  if (!Array.isArray(arg) || arg.length < 8 || arg.some((v) => v instanceof RegExp || isPlainObject(v)))
    return undefined
  const keys = new Set(arg.map(keyOf))
  return (x) => keys.has(keyOf(x))
}

const range = (ok: (c: number) => boolean) => (values: unknown[], v: unknown) => {
  const rank = typeRank(v)
  return values.some((x) => typeRank(x) === rank && ok(compareValues(x, v)))
}

const TYPE_ALIASES: Record<string, number> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  javascript: 13,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
}

function bsonTypeNumber(v: unknown): number {
  if (v === null) return 10
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? 16 : 1
  if (typeof v === 'string') return 2
  if (typeof v === 'boolean') return 8
  if (typeof v === 'bigint') return 18
  if (Array.isArray(v)) return 4
  if (v instanceof Date) return 9
  if (v instanceof RegExp) return 11
  const map: Record<string, number> = {
    ObjectId: 7,
    Long: 18,
    Decimal128: 19,
    Binary: 5,
    Int32: 16,
    Double: 1,
    Timestamp: 17,
    MinKey: -1,
    MaxKey: 127,
    BSONRegExp: 11,
    Code: 13,
  }
  const t = (v as { _bsontype?: string })._bsontype
  return t ? (map[t] ?? 3) : 3
}

const typeOp = (values: unknown[], arg: unknown) => {
  const wanted = (Array.isArray(arg) ? arg : [arg]).map((a) => {
    if (a === 'number') return -2
    const n = typeof a === 'string' ? TYPE_ALIASES[a] : Number(a)
    if (n === undefined || Number.isNaN(n))
      throw new MongoServerError(ErrorCodes.BadValue, `Unknown type name alias: ${String(a)}`)
    return n
  })
  // the first candidate is the field itself; arrays also match on their elements
  return values.some(
    (x) => x !== undefined && wanted.some((w) => (w === -2 ? typeRank(x) === 3 : bsonTypeNumber(x) === w)),
  )
}

const eqOp = fieldOp(eq)
const neOp = fieldOp((vals, v) => !eq(vals, v))
const ninOp = fieldOp((vals, v) => !inOp(vals, v))

/** `$in`/`$nin` whose values are all scalars: a scalar field is a member iff the Set has it. */
const scalarSet = (value: unknown): Set<unknown> | null =>
  Array.isArray(value) && value.every(isScalar) ? new Set(value) : null

const rangeOp = (ok: (c: number) => boolean) => {
  const general = fieldOp(range(ok))
  return (selector: string, value: unknown): Pred => {
    const parts = pathParts(selector)
    const pred = general(selector, value)
    return isScalar(value) ? scalarField(parts, pred, (x) => ok(compareScalars(x, value))) : pred
  }
}

const overrides = {
  $eq: (selector: string, value: unknown): Pred => {
    const pred = eqOp(selector, value)
    return isScalar(value)
      ? scalarField(pathParts(selector), pred, (x) => x === value || compareScalars(x, value) === 0)
      : pred
  },
  $ne: (selector: string, value: unknown): Pred => {
    const pred = neOp(selector, value)
    return isScalar(value)
      ? scalarField(pathParts(selector), pred, (x) => !(x === value || compareScalars(x, value) === 0))
      : pred
  },
  $in: (selector: string, value: unknown): Pred => {
    const parts = pathParts(selector)
    const member = inSet(value)
    const pred = member
      ? (doc: Document) => candidates(doc, parts).some(member)
      : fieldOp(inOp)(selector, value)
    const set = scalarSet(value)
    return set ? scalarField(parts, pred, (x) => set.has(x)) : pred
  },
  $nin: (selector: string, value: unknown): Pred => {
    const parts = pathParts(selector)
    const member = inSet(value)
    const pred = member ? (doc: Document) => !candidates(doc, parts).some(member) : ninOp(selector, value)
    const set = scalarSet(value)
    return set ? scalarField(parts, pred, (x) => !set.has(x)) : pred
  },
  $gt: rangeOp((c) => c > 0),
  $gte: rangeOp((c) => c >= 0),
  $lt: rangeOp((c) => c < 0),
  $lte: rangeOp((c) => c <= 0),
  $type: fieldOp(typeOp),
}

/** Operator table of a mingo module namespace (drops the CJS interop `default`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ops = (ns: object): Record<string, any> =>
  Object.fromEntries(Object.entries(ns).filter(([k]) => k.startsWith('$')))

/** Operators added first win (mingo keeps the first registration of a name). */
export const context = Context.init()
  .addQueryOps(overrides)
  .addQueryOps(ops(queryOps))
  .addExpressionOps(dateOperators)
  .addExpressionOps(ops(expressionOps))
  .addPipelineOps(pipelineOverrides)
  .addPipelineOps(ops(pipelineOps))
  .addAccumulatorOps(accumulatorOverrides)
  .addAccumulatorOps(ops(accumulatorOps))
  .addProjectionOps(ops(projectionOps))
  .addWindowOps(ops(windowOps))

export const mingoOptions: Partial<Options> = {
  context,
  useGlobalContext: false,
  scriptEnabled: false,
  useStrictMode: true,
}

/** Query operators mongod has but we refuse loudly rather than answer wrongly. */
const UNSUPPORTED_QUERY_OPS = new Set([
  '$where',
  '$text',
  '$near',
  '$nearSphere',
  '$geoWithin',
  '$geoIntersects',
  '$jsonSchema',
])

function scanFilter(filter: unknown): void {
  if (Array.isArray(filter)) {
    for (const f of filter) scanFilter(f)
    return
  }
  if (!isPlainObject(filter)) return
  for (const k of Object.keys(filter)) {
    if (UNSUPPORTED_QUERY_OPS.has(k)) throw notSupported(`query operator ${k}`)
    if (k === '$expr') continue
    scanFilter(filter[k])
  }
}

export function translateMingoError(err: unknown): MongoServerError {
  if (err instanceof MongoServerError) return err
  const msg = err instanceof Error ? err.message : String(err)
  let m = /unknown query operator (\$\w+)/.exec(msg)
  if (m) return new MongoServerError(ErrorCodes.BadValue, `unknown operator: ${m[1]}`)
  m = /unknown pipeline operator:? '?(\$\w+)/i.exec(msg)
  if (m) return new MongoServerError(ErrorCodes.Location40324, `Unrecognized pipeline stage name: '${m[1]}'`)
  m = /(?:unknown|invalid) (?:expression|operator|accumulator)[^$]*(\$\w+)/i.exec(msg)
  if (m) return new MongoServerError(ErrorCodes.BadValue, `Unrecognized expression '${m[1]}'`)
  return toServerError(err)
}

const existsOp = fieldOp((values, want) => values.some((v) => v !== undefined) === Boolean(want))
const FAST_OPS: Record<string, (selector: string, value: unknown) => Pred> = {
  ...overrides,
  $exists: existsOp,
}

function hasOperatorKey(cond: Document): boolean {
  for (const k in cond) if (k.startsWith('$')) return true
  return false
}

function allOf(preds: Pred[]): Pred {
  return (doc) => {
    for (const p of preds) if (!p(doc)) return false
    return true
  }
}

/**
 * Plain field conditions with comparison operators (the bulk of real queries) compile
 * straight to our predicates; building a mingo Query copies its whole operator context.
 */
function compileFast(filter: Document): Pred | null {
  const preds: Pred[] = []
  for (const field in filter) {
    const cond = filter[field] as unknown
    if (field.startsWith('$') || cond instanceof RegExp) return null
    if (isPlainObject(cond) && hasOperatorKey(cond)) {
      for (const op in cond) {
        const make = FAST_OPS[op]
        const arg = cond[op] as unknown
        if (!make || arg instanceof RegExp) return null
        preds.push(make(field, arg))
      }
    } else preds.push(overrides.$eq(field, cond))
  }
  return preds.length === 1 ? (preds[0] as Pred) : allOf(preds)
}

const matchAll: Pred = () => true

function isEmpty(filter: Document): boolean {
  for (const _ in filter) return false
  return true
}

/** Compile a filter into a predicate; errors come back as MongoDB error replies. */
export function compileFilter(filter: Document | undefined): Pred {
  if (!filter || isEmpty(filter)) return matchAll
  const fast = compileFast(filter)
  if (fast) return fast
  scanFilter(filter)
  try {
    const q = new Query(filter, mingoOptions)
    return (doc) => q.test(doc)
  } catch (err) {
    throw translateMingoError(err)
  }
}
