/**
 * find/findAndModify projection with mongod's rules: inclusion or exclusion (never mixed
 * except `_id`), dotted paths descend into arrays of documents, `_id` included unless
 * excluded, `$slice` and `$elemMatch` operators.
 */
import type { Document } from 'bson'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { isPlainObject } from './compare.js'
import { compileFilter } from './mingo.js'

type Node = { [k: string]: Node | true }
interface Compiled {
  inclusion: boolean
  tree: Node
  includeId: boolean
  slices: Array<[string[], number | [number, number]]>
  elemMatches: Array<[string, (d: Document) => boolean]>
}

function addPath(tree: Node, parts: string[]): void {
  let node = tree
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string
    let next = node[p]
    if (next === true) return // parent already fully selected
    if (!next) node[p] = next = {}
    node = next
  }
  node[parts[parts.length - 1] as string] = true
}

/**
 * Compiled plain projections (`{ a: 1, b: 1 }`, what mongoose's `select` sends) by their text: the api sends
 * the same few on every request (the principal lookup's, say), so compiling each once takes that work off
 * every find. Operators (`$slice`, `$elemMatch`) compile per request. Bounded: cleared when full.
 */
const plainCache = new Map<string, (d: Document) => Document>()
const PLAIN_CACHE_MAX = 512

/** The cache key of a projection whose values are all numbers or booleans, or null when it has others. */
function plainKey(projection: Document): string | null {
  let key = ''
  for (const k in projection) {
    const v = projection[k] as unknown
    if (typeof v === 'number') key += `${k}\0${v === 0 ? 0 : 1}\0`
    else if (typeof v === 'boolean') key += `${k}\0${v ? 1 : 0}\0`
    else return null
  }
  return key
}

export function compileProjection(projection: Document | undefined): ((d: Document) => Document) | null {
  if (!projection) return null
  const key = plainKey(projection)
  if (key === '') return null
  if (key === null) return compile(projection)
  let fn = plainCache.get(key)
  if (!fn) {
    fn = compile(projection) as (d: Document) => Document
    if (plainCache.size >= PLAIN_CACHE_MAX) plainCache.clear()
    plainCache.set(key, fn)
  }
  return fn
}

function compile(projection: Document): ((d: Document) => Document) | null {
  if (Object.keys(projection).length === 0) return null
  const c: Compiled = { inclusion: false, tree: {}, includeId: true, slices: [], elemMatches: [] }
  let mode: 'in' | 'ex' | undefined
  for (const [key, raw] of Object.entries(projection)) {
    if (key.endsWith('.$')) throw notSupported('positional projection operator "$"')
    if (isPlainObject(raw)) {
      const op = Object.keys(raw)[0]
      if (op === '$slice') {
        const s = raw.$slice as unknown
        c.slices.push([key.split('.'), Array.isArray(s) ? [Number(s[0]), Number(s[1])] : Number(s)])
        continue
      }
      if (op === '$elemMatch') {
        const pred = compileFilter(raw.$elemMatch as Document)
        c.elemMatches.push([key, pred])
        continue
      }
      throw new MongoServerError(
        ErrorCodes.BadValue,
        `Unsupported projection option: ${key}: ${JSON.stringify(raw)}`,
      )
    }
    if (typeof raw === 'string') throw notSupported('computed projection expressions in find')
    const include = !(raw === 0 || raw === false || raw === null)
    if (key === '_id') {
      c.includeId = include
      continue
    }
    const m = include ? 'in' : 'ex'
    if (mode && mode !== m) {
      throw new MongoServerError(
        include ? ErrorCodes.Location31253 : ErrorCodes.Location31254,
        include
          ? `Cannot do inclusion on field ${key} in exclusion projection`
          : `Cannot do exclusion on field ${key} in inclusion projection`,
      )
    }
    mode = m
    addPath(c.tree, key.split('.'))
  }
  c.inclusion = mode === 'in' || (mode === undefined && c.elemMatches.length > 0 && c.slices.length === 0)
  if (!c.inclusion && !c.includeId) c.tree._id = true
  if (c.inclusion && !c.slices.length && !c.elemMatches.length) {
    let flat = true
    for (const k in c.tree) if (c.tree[k] !== true) flat = false
    if (flat) return (doc) => includeTopLevel(doc, c.tree, c.includeId)
  }
  return (doc) => apply(doc, c)
}

/**
 * The usual projection, top-level fields only (`{ username: 1, roleIds: 1 }`): what `apply` does for it,
 * `_id` first then the document's own order, without building the result twice.
 */
function includeTopLevel(doc: Document, tree: Node, includeId: boolean): Document {
  const out: Document = {}
  if (includeId && doc._id !== undefined) out._id = doc._id
  for (const k in doc) {
    if (tree[k] === true && k !== '_id') {
      const v = doc[k] as unknown
      if (v !== undefined) out[k] = v
    }
  }
  return out
}

function include(v: unknown, node: Node): unknown {
  if (Array.isArray(v))
    return v.filter((e) => isPlainObject(e) || Array.isArray(e)).map((e) => include(e, node))
  if (!isPlainObject(v)) return undefined
  const out: Document = {}
  for (const k of Object.keys(v)) {
    const sub = node[k]
    if (sub === undefined || v[k] === undefined) continue
    if (sub === true) out[k] = v[k]
    else {
      const r = include(v[k], sub)
      if (r !== undefined) out[k] = r
    }
  }
  return out
}

function exclude(v: unknown, node: Node): unknown {
  if (Array.isArray(v)) return v.map((e) => exclude(e, node))
  if (!isPlainObject(v)) return v
  const out: Document = {}
  for (const k of Object.keys(v)) {
    const sub = node[k]
    if (sub === true) continue
    out[k] = sub === undefined ? v[k] : exclude(v[k], sub)
  }
  return out
}

function apply(doc: Document, c: Compiled): Document {
  let out: Document
  if (c.inclusion) {
    out = include(doc, c.tree) as Document
    if (c.includeId && doc._id !== undefined) out = { _id: doc._id, ...out }
    for (const [p] of c.slices)
      if (!p.slice(1).length && doc[p[0] as string] !== undefined) out[p[0] as string] ??= doc[p[0] as string]
  } else {
    out = exclude(doc, c.tree) as Document
  }
  for (const [path, spec] of c.slices) sliceAt(out, path, spec)
  for (const [field, pred] of c.elemMatches) {
    const arr = doc[field]
    const hit = Array.isArray(arr) ? arr.find((e) => isPlainObject(e) && pred(e)) : undefined
    if (hit === undefined) delete out[field]
    else out[field] = [hit]
  }
  return out
}

function sliceAt(doc: unknown, path: string[], spec: number | [number, number]): void {
  if (!isPlainObject(doc)) return
  const [head, ...rest] = path as [string, ...string[]]
  if (rest.length) return sliceAt(doc[head], rest, spec)
  const arr = doc[head]
  if (!Array.isArray(arr)) return
  if (typeof spec === 'number') doc[head] = spec >= 0 ? arr.slice(0, spec) : arr.slice(spec)
  else {
    const start = spec[0] < 0 ? Math.max(arr.length + spec[0], 0) : spec[0]
    doc[head] = arr.slice(start, start + spec[1])
  }
}
