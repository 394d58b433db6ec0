/**
 * Aggregation stages whose mingo versions answer differently from mongod, rewritten after mongod's
 * own algorithms: `$project` keeps the input's field order (so `_id` stays first) and appends
 * computed fields; `$group`, `$bucket`, `$bucketAuto` and `$sortByCount` put `_id` first, treat a
 * missing key as null and group with BSON equality; `$bucket` emits only non-empty buckets;
 * `$setWindowFields` supports the common window functions and refuses the rest with 115;
 * `$lookup` with localField/foreignField joins by BSON equality and runs its pipeline (if any) on
 * the matching documents only.
 */
import type { Document } from 'bson'
import { ComputeOptions, computeValue, type Options } from 'mingo/core'
import type { Iterator } from 'mingo/lazy'
import { Aggregator } from 'mingo'
import { $bucketAuto as mingoBucketAuto, $lookup as mingoLookup } from 'mingo/operators/pipeline'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { cloneDoc, compareValues, isPlainObject, keyOf, toNumber, typeRank, valuesAtPath } from './compare.js'
import { dateAdd, zoneOf } from './dates.js'
// mingo.ts registers these stages and is always loaded first; compileFilter is only called at run time
import { compileFilter } from './mingo.js'
import { parseSort, sortDocs } from './sort.js'

type Stage = (collection: Iterator, expr: unknown, options: Options) => Iterator

const fail = (code: number, msg: string) => new MongoServerError(code, msg)
/** Runs `fn` over the whole input (the stages here need every document before emitting one). */
const onAll = (collection: Iterator, fn: (docs: Document[]) => Document[]) =>
  collection.transform((all: unknown[]) => fn(all as Document[]))
const mapDocs = (collection: Iterator, fn: (doc: Document) => Document) =>
  collection.map((d: unknown) => fn(d as Document))
const isOperatorObject = (v: unknown): v is Document =>
  isPlainObject(v) && (Object.keys(v)[0]?.startsWith('$') ?? false)

/** Missing fields of computed documents are omitted and missing array elements become null, as in mongod. */
function normalize(v: unknown): unknown {
  if (v === undefined) return null
  if (Array.isArray(v)) return v.map(normalize)
  if (isPlainObject(v)) {
    const out: Document = {}
    for (const k of Object.keys(v)) if (v[k] !== undefined) out[k] = normalize(v[k])
    return out
  }
  return v
}

// ---------------------------------------------------------------------------------------------
// $project

interface ProjNode {
  included: Set<string>
  excluded: Set<string>
  children: Map<string, ProjNode>
  exprs: Map<string, unknown>
  /** computed fields and children, in specification order (mongod's _orderToProcessAdditionsAndChildren) */
  order: string[]
  computed: boolean
}

const newNode = (): ProjNode => ({
  included: new Set(),
  excluded: new Set(),
  children: new Map(),
  exprs: new Map(),
  order: [],
  computed: false,
})

function child(node: ProjNode, field: string): ProjNode {
  let c = node.children.get(field)
  if (!c) {
    c = newNode()
    node.children.set(field, c)
    node.order.push(field)
  }
  return c
}

const isFlag = (v: unknown) => typeof v === 'number' || typeof v === 'boolean' || typeRank(v) === 3

function parseProjection(spec: Document): { root: ProjNode; inclusion: boolean } {
  const root = newNode()
  let inclusion = false
  let exclusion = false
  let idExcluded = false
  const walk = (path: ProjNode[], s: Document, prefix: string) => {
    const keys = Object.keys(s)
    if (keys.length === 0) throw fail(51270, 'An empty sub-projection is not a valid value')
    for (const key of keys) {
      if (key.startsWith('$'))
        throw fail(16410, `FieldPath field names may not start with '$'. Given '${key}'`)
      const v = s[key] as unknown
      const parts = key.split('.')
      const nodes = [...path]
      for (const p of parts.slice(0, -1)) nodes.push(child(nodes[nodes.length - 1] as ProjNode, p))
      const target = nodes[nodes.length - 1] as ProjNode
      const leaf = parts[parts.length - 1] as string
      const full = prefix + key
      if (isPlainObject(v) && !isOperatorObject(v)) {
        walk([...nodes, child(target, leaf)], v, `${full}.`)
        continue
      }
      if (isFlag(v)) {
        const on = typeof v === 'boolean' ? v : toNumber(v) !== 0
        if (full === '_id') {
          if (on) root.included.add('_id')
          else idExcluded = true
        } else if (on) {
          if (exclusion) throw fail(31253, `Cannot do inclusion on field ${full} in exclusion projection`)
          inclusion = true
          target.included.add(leaf)
        } else {
          if (inclusion) throw fail(31254, `Cannot do exclusion on field ${full} in inclusion projection`)
          exclusion = true
          target.excluded.add(leaf)
        }
        continue
      }
      if (exclusion) throw fail(31252, 'Cannot use expression other than $meta in exclusion projection')
      if (full !== '_id') inclusion = true
      target.exprs.set(leaf, v)
      target.order.push(leaf)
      for (const n of nodes) n.computed = true
    }
  }
  walk([root], spec, '')
  checkCollisions(root, '')
  const computedId = root.exprs.has('_id')
  if (!inclusion && !exclusion) inclusion = root.included.has('_id') || computedId
  if (inclusion) {
    if (!idExcluded && !computedId) root.included.add('_id')
  } else if (idExcluded) root.excluded.add('_id')
  return { root, inclusion }
}

/** `{a: 1, 'a.b': 1}` and the like name one path twice: mongod refuses them (31250). */
function checkCollisions(node: ProjNode, prefix: string): void {
  const seen = new Set<string>()
  for (const k of [...node.included, ...node.excluded, ...node.exprs.keys(), ...node.children.keys()]) {
    if (seen.has(k)) throw fail(31250, `Invalid $project :: caused by :: Path collision at ${prefix}${k}`)
    seen.add(k)
  }
  for (const [k, c] of node.children) checkCollisions(c, `${prefix}${k}.`)
}

type Ev = (expr: unknown) => unknown

function includeFields(node: ProjNode, input: Document): Document {
  const out: Document = {}
  for (const k of Object.keys(input)) {
    if (node.included.has(k)) {
      if (input[k] !== undefined) out[k] = input[k]
    } else {
      const c = node.children.get(k)
      // a field with a sub-projection keeps its slot even when nothing of it survives (mongod
      // sets it "missing" there); computed values may still fill it, dropMissing removes the rest
      if (c) out[k] = includeValue(c, input[k])
    }
  }
  return out
}

function dropMissing(doc: Document): Document {
  for (const k of Object.keys(doc)) {
    const v = doc[k] as unknown
    if (v === undefined) delete doc[k]
    else if (isPlainObject(v)) dropMissing(v)
    else if (Array.isArray(v)) for (const e of v) if (isPlainObject(e)) dropMissing(e)
  }
  return doc
}

function includeValue(node: ProjNode, v: unknown): unknown {
  if (isPlainObject(v)) return includeFields(node, v)
  if (Array.isArray(v)) return v.map((e) => includeValue(node, e)).filter((e) => e !== undefined)
  return undefined
}

function applyExpressions(node: ProjNode, out: Document, ev: Ev): void {
  for (const field of node.order) {
    const c = node.children.get(field)
    const v = c ? expressionsOnValue(c, out[field], ev) : ev(node.exprs.get(field))
    if (v === undefined) delete out[field]
    else out[field] = v
  }
}

function expressionsOnValue(node: ProjNode, v: unknown, ev: Ev): unknown {
  if (isPlainObject(v)) {
    const copy = { ...v }
    applyExpressions(node, copy, ev)
    return copy
  }
  if (Array.isArray(v)) return v.map((e) => expressionsOnValue(node, e, ev))
  if (node.computed) {
    const o: Document = {}
    applyExpressions(node, o, ev)
    return o
  }
  return undefined
}

function excludeFields(node: ProjNode, input: Document): Document {
  const out: Document = {}
  for (const k of Object.keys(input)) {
    if (node.excluded.has(k)) continue
    const c = node.children.get(k)
    out[k] = c ? excludeValue(c, input[k]) : input[k]
  }
  return out
}

function excludeValue(node: ProjNode, v: unknown): unknown {
  if (isPlainObject(v)) return excludeFields(node, v)
  if (Array.isArray(v)) return v.map((e) => excludeValue(node, e))
  return v
}

const $project: Stage = (collection, expr, options) => {
  if (!isPlainObject(expr)) throw fail(15969, '$project specification must be an object')
  if (Object.keys(expr).length === 0)
    throw fail(
      51272,
      'Invalid $project :: caused by :: projection specification must have at least one field',
    )
  const { root, inclusion } = parseProjection(expr)
  const copts = ComputeOptions.init(options)
  return mapDocs(collection, (doc) => {
    if (!inclusion) return excludeFields(root, doc)
    const out = includeFields(root, doc)
    if (root.computed) {
      const o = copts.update(doc)
      applyExpressions(root, out, (e) => computeValue(doc, e, null, o))
    }
    return dropMissing(out)
  })
}

// ---------------------------------------------------------------------------------------------
// $group, $sortByCount, $bucket, $bucketAuto

function checkAccumulators(fields: Document, stage: string): void {
  for (const [k, v] of Object.entries(fields)) {
    if (k.includes('.')) throw fail(40235, `The field name '${k}' cannot contain '.'`)
    if (!isPlainObject(v) || Object.keys(v).length !== 1 || !Object.keys(v)[0]?.startsWith('$'))
      throw fail(
        40234,
        `The field '${k}' must be an accumulator object${stage === '$bucket' ? ' in $bucket' : ''}`,
      )
  }
}

/** `{_id: key, ...accumulators}` for each group, in first-seen order. */
function groupDocs(
  docs: Document[],
  keyOfDoc: (doc: Document, o: ComputeOptions) => unknown,
  fields: Document,
  options: Options,
): Document[] {
  const copts = ComputeOptions.init(options)
  const groups = new Map<string, { id: unknown; docs: Document[] }>()
  for (const doc of docs) {
    const id = normalize(keyOfDoc(doc, copts.update(doc)))
    const k = keyOf(id)
    const g = groups.get(k)
    if (g) g.docs.push(doc)
    else groups.set(k, { id, docs: [doc] })
  }
  const out: Document[] = []
  for (const { id, docs: members } of groups.values()) {
    const row: Document = { _id: id }
    for (const [name, acc] of Object.entries(fields))
      row[name] = normalize(computeValue(members, acc, null, copts.update(null, { groupId: id })))
    out.push(row)
  }
  return out
}

const $group: Stage = (collection, expr, options) => {
  if (!isPlainObject(expr)) throw fail(15947, "a group's fields must be specified in an object")
  if (!('_id' in expr)) throw fail(15955, 'a group specification must include an _id')
  const { _id: idExpr, ...fields } = expr
  checkAccumulators(fields, '$group')
  return onAll(collection, (docs) =>
    groupDocs(docs, (doc, o) => computeValue(doc, idExpr, null, o), fields, options),
  )
}

const $sortByCount: Stage = (collection, expr, options) => {
  if (!(typeof expr === 'string' && expr.startsWith('$')) && !isOperatorObject(expr))
    throw fail(40148, 'the sortBy field must be defined as a $-prefixed path or an expression')
  return onAll(collection, (docs) =>
    sortDocs(
      groupDocs(docs, (doc, o) => computeValue(doc, expr, null, o), { count: { $sum: 1 } }, options),
      [[['count'], -1]],
    ),
  )
}

const $bucket: Stage = (collection, expr, options) => {
  if (!isPlainObject(expr)) throw fail(40201, 'Argument to $bucket stage must be an object')
  const { groupBy, boundaries, output } = expr
  const hasDefault = 'default' in expr
  const dflt = expr.default as unknown
  if (!(typeof groupBy === 'string' && groupBy.startsWith('$')) && !isOperatorObject(groupBy))
    throw fail(40202, "The $bucket 'groupBy' field must be defined as a $-prefixed path or an expression")
  if (!Array.isArray(boundaries) || boundaries.length < 2)
    throw fail(40192, "The $bucket 'boundaries' field must be an array of at least two values")
  for (let i = 1; i < boundaries.length; i++) {
    if (typeRank(boundaries[i]) !== typeRank(boundaries[0]))
      throw fail(40193, "All values in the 'boundaries' option to $bucket must have the same type")
    if (compareValues(boundaries[i - 1], boundaries[i]) >= 0)
      throw fail(40194, "The 'boundaries' option to $bucket must be sorted in ascending order")
  }
  const lower = boundaries[0] as unknown
  const upper = boundaries[boundaries.length - 1] as unknown
  if (
    hasDefault &&
    typeRank(dflt) === typeRank(lower) &&
    compareValues(dflt, lower) >= 0 &&
    compareValues(dflt, upper) < 0
  )
    throw fail(
      40199,
      "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary.",
    )
  const fields = (output as Document | undefined) ?? { count: { $sum: 1 } }
  if (!isPlainObject(fields)) throw fail(40196, "The $bucket 'output' field must be an object")
  checkAccumulators(fields, '$bucket')
  const bucketOf = (v: unknown): unknown => {
    if (compareValues(v, lower) >= 0 && compareValues(v, upper) < 0) {
      let lo = 0
      let hi = boundaries.length - 1
      // largest i with boundaries[i] <= v
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1
        if (compareValues(boundaries[mid], v) <= 0) lo = mid
        else hi = mid
      }
      return boundaries[lo]
    }
    if (!hasDefault)
      throw fail(
        40066,
        '$switch could not find a matching branch for an input, and no default was specified.',
      )
    return dflt
  }
  return onAll(collection, (docs) =>
    groupDocs(docs, (doc, o) => bucketOf(computeValue(doc, groupBy, null, o)), fields, options).sort((a, b) =>
      compareValues(a._id, b._id),
    ),
  )
}

const idFirst = (doc: Document): Document => ('_id' in doc ? { _id: doc._id, ...doc } : doc)

const $bucketAuto: Stage = (collection, expr, options) =>
  mapDocs((mingoBucketAuto as Stage)(collection, expr, options), idFirst)

// ---------------------------------------------------------------------------------------------
// Accumulators: mongod skips missing values in $push and $addToSet

type Accumulator = (collection: unknown[], expr: unknown, options: Options) => unknown

const values = (collection: unknown[], expr: unknown, options: Options): unknown[] => {
  const copts = ComputeOptions.init(options)
  const out: unknown[] = []
  for (const doc of collection) {
    const v = computeValue(doc, expr, null, copts.update(doc))
    if (v !== undefined) out.push(v)
  }
  return out
}

const $push: Accumulator = (collection, expr, options) => values(collection, expr, options)

const $addToSet: Accumulator = (collection, expr, options) => {
  const seen = new Map<string, unknown>()
  for (const v of values(collection, expr, options)) if (!seen.has(keyOf(v))) seen.set(keyOf(v), v)
  return [...seen.values()]
}

// ---------------------------------------------------------------------------------------------
// $setWindowFields

type Bound = 'unbounded' | 'current' | number
interface WindowSpec {
  field: string
  op: string
  arg: unknown
  kind: 'documents' | 'range' | 'whole'
  lo: Bound
  hi: Bound
  unit?: string
}

const ACCUMULATING = new Set([
  '$sum',
  '$avg',
  '$min',
  '$max',
  '$count',
  '$push',
  '$addToSet',
  '$first',
  '$last',
])
const RANKING = new Set(['$rank', '$denseRank', '$documentNumber'])
const RANGE_UNITS: Record<string, number> = {
  week: 7 * 86_400_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
}

function parseBound(v: unknown, kind: string): Bound {
  if (v === 'unbounded' || v === 'current') return v
  const n = typeRank(v) === 3 ? toNumber(v) : NaN
  if (Number.isNaN(n) || (kind === 'documents' && !Number.isInteger(n)))
    throw fail(ErrorCodes.FailedToParse, `Numeric ${kind}-based bounds must be an integer`)
  return n
}

function parseWindowOutput(field: string, spec: unknown, sortKeys: number): WindowSpec {
  if (field.includes('.')) throw notSupported('$setWindowFields output to a dotted field')
  if (!isPlainObject(spec)) throw fail(ErrorCodes.FailedToParse, `output field '${field}' must be an object`)
  const { window, ...rest } = spec
  const ops = Object.keys(rest)
  if (ops.length !== 1 || !ops[0]?.startsWith('$'))
    throw fail(ErrorCodes.FailedToParse, `Expected exactly one window function in output field '${field}'`)
  const op = ops[0]
  if (!ACCUMULATING.has(op) && !RANKING.has(op) && op !== '$shift')
    throw notSupported(`window function ${op}`)
  const ws: WindowSpec = { field, op, arg: rest[op], kind: 'whole', lo: 'unbounded', hi: 'unbounded' }
  if (RANKING.has(op) || op === '$shift') {
    if (window !== undefined) throw fail(5371601, `${op} does not accept a 'window' field`)
    if (sortKeys === 0) throw fail(5371602, `${op} must be specified with a top level sortBy expression`)
    if ((op === '$rank' || op === '$denseRank') && sortKeys !== 1)
      throw fail(
        5371602,
        `${op} must be specified with a top level sortBy expression with exactly one element`,
      )
    if (RANKING.has(op) && (!isPlainObject(ws.arg) || Object.keys(ws.arg).length))
      throw fail(ErrorCodes.FailedToParse, `${op} takes no arguments`)
    return ws
  }
  if (op === '$count' && (!isPlainObject(ws.arg) || Object.keys(ws.arg).length))
    throw fail(ErrorCodes.FailedToParse, '$count takes no arguments')
  if (window === undefined) return ws
  if (!isPlainObject(window)) throw fail(ErrorCodes.FailedToParse, "'window' field must be an object")
  const { documents, range, unit, ...other } = window
  if (Object.keys(other).length) throw notSupported(`window option ${Object.keys(other)[0]}`)
  if ((documents === undefined) === (range === undefined))
    throw fail(ErrorCodes.FailedToParse, "Window bounds must specify exactly one of 'documents' or 'range'")
  const kind = documents !== undefined ? 'documents' : 'range'
  const bounds = (documents ?? range) as unknown
  if (!Array.isArray(bounds) || bounds.length !== 2)
    throw fail(ErrorCodes.FailedToParse, `Window bounds must be a 2-element array`)
  ws.kind = kind
  ws.lo = parseBound(bounds[0], kind)
  ws.hi = parseBound(bounds[1], kind)
  if (typeof ws.lo === 'number' && typeof ws.hi === 'number' && ws.lo > ws.hi)
    throw fail(5339900, 'Lower bound must not exceed upper bound')
  if (ws.lo === 'unbounded' && ws.hi === 'unbounded') ws.kind = 'whole'
  if (unit !== undefined) {
    if (kind !== 'range') throw fail(ErrorCodes.FailedToParse, "'unit' is only valid with 'range' windows")
    if (typeof unit !== 'string' || !(unit in RANGE_UNITS || ['month', 'quarter', 'year'].includes(unit)))
      throw notSupported(`range window unit ${String(unit)}`)
    ws.unit = unit
  }
  if (ws.kind !== 'whole' && sortKeys === 0)
    throw fail(5339901, `Window function ${op} requires a sortBy when the window is bounded`)
  if (ws.kind === 'range' && sortKeys !== 1)
    throw fail(5339902, 'Range-based window requires sortBy a single field')
  return ws
}

/** [start, end) indexes of the window around position i of a sorted partition. */
function windowRange(ws: WindowSpec, i: number, n: number, sortVals: unknown[]): [number, number] {
  if (ws.kind === 'whole') return [0, n]
  if (ws.kind === 'documents') {
    const lo = ws.lo === 'unbounded' ? 0 : ws.lo === 'current' ? i : i + ws.lo
    const hi = ws.hi === 'unbounded' ? n : ws.hi === 'current' ? i + 1 : i + ws.hi + 1
    return [Math.max(0, lo), Math.min(n, hi)]
  }
  const cur = sortVals[i]
  const numeric = (v: unknown) => {
    if (ws.unit) {
      if (!(v instanceof Date)) throw fail(5429513, `Invalid range: Expected the sortBy field to be a Date`)
      return v.getTime()
    }
    if (typeRank(v) !== 3) throw fail(5429414, `Invalid range: Expected the sortBy field to be a number`)
    return toNumber(v)
  }
  const c = numeric(cur)
  const edge = (b: number) =>
    ws.unit && !(ws.unit in RANGE_UNITS)
      ? dateAdd(c, ws.unit as 'month', b, zoneOf('UTC'))
      : c + b * (ws.unit ? (RANGE_UNITS[ws.unit] as number) : 1)
  const lowV = ws.lo === 'unbounded' ? -Infinity : ws.lo === 'current' ? c : edge(ws.lo)
  const highV = ws.hi === 'unbounded' ? Infinity : ws.hi === 'current' ? c : edge(ws.hi)
  let lo = n
  let hi = 0
  for (let j = 0; j < n; j++) {
    const v = numeric(sortVals[j])
    if (v > highV) break // ascending sort
    if (v >= lowV) {
      if (j < lo) lo = j
      hi = j + 1
    }
  }
  return lo < hi ? [lo, hi] : [0, 0]
}

function accumulate(op: string, vals: unknown[], start: number, end: number): unknown {
  switch (op) {
    case '$count':
      return end - start
    case '$sum':
    case '$avg': {
      let sum = 0
      let n = 0
      for (let j = start; j < end; j++) {
        const v = vals[j]
        if (typeRank(v) !== 3) continue
        if ((v as { _bsontype?: string })._bsontype === 'Decimal128')
          throw notSupported(`${op} of Decimal128 in a window`)
        sum += toNumber(v)
        n++
      }
      return op === '$sum' ? sum : n ? sum / n : null
    }
    case '$min':
    case '$max': {
      let best: unknown
      for (let j = start; j < end; j++) {
        const v = vals[j]
        if (v === undefined || v === null) continue
        if (best === undefined || (op === '$min' ? compareValues(v, best) < 0 : compareValues(v, best) > 0))
          best = v
      }
      return best ?? null
    }
    case '$push': {
      const out: unknown[] = []
      for (let j = start; j < end; j++) if (vals[j] !== undefined) out.push(vals[j])
      return out
    }
    case '$addToSet': {
      const seen = new Map<string, unknown>()
      for (let j = start; j < end; j++) {
        const v = vals[j]
        if (v !== undefined && !seen.has(keyOf(v))) seen.set(keyOf(v), v)
      }
      return [...seen.values()]
    }
    case '$first':
      return start < end ? (vals[start] ?? null) : null
    default: // $last
      return start < end ? (vals[end - 1] ?? null) : null
  }
}

const $setWindowFields: Stage = (collection, expr, options) => {
  if (!isPlainObject(expr)) throw fail(ErrorCodes.FailedToParse, '$setWindowFields must be an object')
  const { partitionBy, sortBy, output, ...other } = expr
  if (Object.keys(other).length)
    throw fail(ErrorCodes.FailedToParse, `$setWindowFields got unexpected argument: ${Object.keys(other)[0]}`)
  if (!isPlainObject(output))
    throw fail(ErrorCodes.FailedToParse, "$setWindowFields requires an 'output' object")
  const sort = parseSort(sortBy as Document | undefined) ?? []
  const specs = Object.entries(output).map(([f, s]) => parseWindowOutput(f, s, sort.length))
  if (specs.some((ws) => ws.kind === 'range') && sort[0]?.[1] === -1)
    throw notSupported('a range window over a descending sortBy')
  const copts = ComputeOptions.init(options)
  return onAll(collection, (docs) => {
    // mongod sorts by the partition key, then sortBy, and emits partitions in that order
    const keyed = docs.map((doc, i) => ({
      doc,
      i,
      part:
        partitionBy === undefined ? null : normalize(computeValue(doc, partitionBy, null, copts.update(doc))),
    }))
    keyed.sort((a, b) => compareValues(a.part, b.part) || a.i - b.i)
    const partitions: Document[][] = []
    let lastKey: string | undefined
    for (const k of keyed) {
      const key = keyOf(k.part)
      if (key !== lastKey) partitions.push([])
      lastKey = key
      ;(partitions[partitions.length - 1] as Document[]).push(k.doc)
    }
    const out: Document[] = []
    for (const raw of partitions) {
      const part = sort.length ? sortDocs(raw, sort) : raw
      const n = part.length
      const sortVals = sort.length === 1 ? part.map((d) => sortValue(d, sort[0]![0])) : []
      const results = specs.map((ws) => {
        if (ws.op === '$documentNumber') return part.map((_, i) => i + 1)
        if (ws.op === '$rank' || ws.op === '$denseRank') {
          const ranks: number[] = []
          let dense = 0
          for (let i = 0; i < n; i++) {
            const tie = i > 0 && compareValues(sortVals[i], sortVals[i - 1]) === 0
            if (!tie) dense++
            ranks.push(tie ? (ranks[i - 1] as number) : ws.op === '$rank' ? i + 1 : dense)
          }
          return ranks
        }
        if (ws.op === '$shift') {
          if (!isPlainObject(ws.arg)) throw fail(ErrorCodes.FailedToParse, '$shift takes an object')
          const { output: shiftExpr, by, default: dflt } = ws.arg
          if (!Number.isInteger(by))
            throw fail(ErrorCodes.FailedToParse, "'$shift:by' field must be an integer")
          return part.map((doc, i) => {
            const j = i + (by as number)
            if (j < 0 || j >= n)
              return dflt === undefined ? null : computeValue(doc, dflt, null, copts.update(doc))
            const target = part[j] as Document
            return computeValue(target, shiftExpr, null, copts.update(target)) ?? null
          })
        }
        const vals =
          ws.op === '$count' ? [] : part.map((doc) => computeValue(doc, ws.arg, null, copts.update(doc)))
        return part.map((_, i) => {
          const [start, end] = windowRange(ws, i, n, sortVals)
          return accumulate(ws.op, vals, start, end)
        })
      })
      part.forEach((doc, i) => {
        const row = { ...doc }
        specs.forEach((ws, s) => {
          row[ws.field] = normalize((results[s] as unknown[])[i])
        })
        out.push(row)
      })
    }
    return out
  })
}

function sortValue(doc: Document, path: string[]): unknown {
  let v: unknown = doc
  for (const p of path) v = isPlainObject(v) ? v[p] : undefined
  return v ?? null
}

// ---------------------------------------------------------------------------------------------
// $lookup with localField/foreignField (with or without a pipeline); let+pipeline alone stays mingo's

const $lookup: Stage = (collection, expr, options) => {
  if (!isPlainObject(expr) || (expr.localField === undefined && expr.foreignField === undefined))
    return (mingoLookup as Stage)(collection, expr, options)
  const { from, localField, foreignField, as, pipeline, let: letExpr } = expr
  if (typeof localField !== 'string' || typeof foreignField !== 'string')
    throw fail(
      ErrorCodes.FailedToParse,
      "$lookup requires both 'localField' and 'foreignField' to be strings",
    )
  if (typeof as !== 'string') throw fail(ErrorCodes.FailedToParse, "$lookup requires an 'as' string")
  if (typeof from !== 'string') throw notSupported('$lookup without a collection name in from')
  if (as.includes('.')) throw notSupported("$lookup into a dotted 'as' field")
  const resolver = options.collectionResolver
  const foreign = (resolver ? resolver(from) : []) as Document[]
  // foreign documents by the canonical key of each value they hold at foreignField (null if none)
  const byValue = new Map<string, number[]>()
  const ffPath = foreignField.split('.')
  foreign.forEach((f, i) => {
    const vals = valuesAtPath(f, ffPath)
    for (const k of new Set(vals.length ? vals.map(keyOf) : [keyOf(null)])) {
      const at = byValue.get(k)
      if (at) at.push(i)
      else byValue.set(k, [i])
    }
  })
  const lfPath = localField.split('.')
  const sub = Array.isArray(pipeline) && pipeline.length ? (pipeline as Document[]) : null
  return mapDocs(collection, (doc) => {
    const local = valuesAtPath(doc, lfPath)
    if (local.some((v) => v === undefined || Array.isArray(v) || v instanceof RegExp))
      throw notSupported('$lookup on a localField holding an empty array, nested arrays or regexes')
    const wanted = local.length ? local : [null]
    const hits = new Set<number>()
    for (const v of wanted) for (const i of byValue.get(keyOf(v)) ?? []) hits.add(i)
    const match = compileFilter({ [foreignField]: { $in: wanted } })
    const matched = [...hits]
      .sort((a, b) => a - b)
      .map((i) => foreign[i] as Document)
      .filter((f) => match(f))
      .map(cloneDoc)
    if (!sub) return { ...doc, [as]: matched }
    const vars = letExpr === undefined ? {} : (computeValue(doc, letExpr, null, options) as Document)
    const agg = new Aggregator(sub, { ...options, variables: { ...options.variables, ...vars } })
    return { ...doc, [as]: agg.run(matched) }
  })
}

export const pipelineOverrides: Record<string, Stage> = {
  $lookup,
  $project,
  $group,
  $bucket,
  $bucketAuto,
  $sortByCount,
  $setWindowFields,
}

export const accumulatorOverrides: Record<string, Accumulator> = { $push, $addToSet }
