/**
 * A deliberately small query planner: an equality/$in on `_id`, on the first field of an index, or on every
 * field of a compound index, the index holding every possible match (complete; sparse or partial ones when
 * the query implies their condition), narrows the candidates, then the full filter is applied. With a limit,
 * a sort an index holds in order is read in that order instead of sorting the matches: the first field of an
 * index (no usable equality), or the second field of a compound index whose first field the filter fixes
 * (`{ status }` sorted on `submittedAt` from `{ status: 1, submittedAt: -1 }`) when the equality alone leaves
 * many candidates. A trailing `_id` in the same direction is allowed: index entries keep ties in id order.
 *
 * Every plan adds the index keys and documents it examined to `coll.stats` (serverStatus
 * `metrics.queryExecutor.scanned` / `scannedObjects`, as mongod reports them).
 */
import type { Document } from 'bson'
import { isPlainObject, keyOf } from '../query/compare.js'
import { compileFilter } from '../query/mingo.js'
import { parseSort, sortDocs, type SortSpec } from '../query/sort.js'
import type { Collection } from './collection.js'
import type { Index, SortEntry } from './indexes.js'

export interface FindOptions {
  sort?: Document
  skip?: number
  limit?: number
}

const NO_OPTIONS: FindOptions = {}
const NO_IDS: ReadonlySet<string> = new Set()

/** A value an index can look up by equality (no regex, array or operator object). */
function usable(v: unknown): boolean {
  if (v instanceof RegExp || Array.isArray(v)) return false
  if (isPlainObject(v)) for (const k in v) if (k.startsWith('$')) return false
  return true
}

/** Values an equality condition can be served from an index with, or null. */
function equalityValues(cond: unknown): unknown[] | null {
  if (isPlainObject(cond)) {
    let n = 0
    let allOperators = true
    for (const k in cond) {
      n++
      if (!k.startsWith('$')) allOperators = false
    }
    if (n > 0 && allOperators) {
      if (n !== 1) return null
      if ('$eq' in cond) return usable(cond.$eq) ? [cond.$eq] : null
      if ('$in' in cond && Array.isArray(cond.$in)) return cond.$in.every(usable) ? cond.$in : null
      return null
    }
  }
  return usable(cond) ? [cond] : null
}

/** Past this many key combinations (`$in` × `$in`), a compound lookup is left to the first field's. */
const MAX_COMBINATIONS = 1_000

/**
 * The smallest candidate id set any indexed equality of the filter yields, or null (scan).
 * A single looked-up value returns the index's own set (read only, not kept past the query).
 */
function candidateIds(coll: Collection, filter: Document): ReadonlySet<string> | null {
  let best: ReadonlySet<string> | null = null
  for (const field in filter) {
    if (field.startsWith('$')) continue
    const vals = equalityValues(filter[field])
    if (!vals) continue
    let ids: ReadonlySet<string>
    if (field === '_id') {
      const found = new Set<string>()
      for (const v of vals) {
        const k = keyOf(v)
        if (coll.docs.has(k)) found.add(k)
      }
      coll.stats.scanned += vals.length
      ids = found
      if (!best || ids.size < best.size) best = ids
      continue
    }
    // one key for every index led by this field (the api's inbox has three led by userId)
    let key: string | undefined
    for (const idx of coll.indexes.values()) {
      if (idx.firstField !== field || !idx.serves(filter, vals)) continue
      if (vals.length === 1) {
        ids = idx.first.get((key ??= keyOf(vals[0]))) ?? NO_IDS
      } else {
        const union = new Set<string>()
        for (const v of vals) {
          const hit = idx.first.get(keyOf(v))
          if (hit) for (const id of hit) union.add(id)
        }
        ids = union
      }
      coll.stats.scanned += ids.size
      if (!best || ids.size < best.size) best = ids
    }
  }
  // A compound index whose every field the filter fixes reads exactly those keys, as mongod's bounds do
  // (`{ userId, campaignId }` one item, `{ userId, readAt: null }` the unread ones), not all of the first field's.
  for (const idx of coll.indexes.values()) {
    if (idx.fields.length < 2) continue
    const perField: unknown[][] = []
    let combinations = 1
    for (const field of idx.fields) {
      const vals = Object.hasOwn(filter, field) ? equalityValues(filter[field]) : null
      if (!vals) break
      perField.push(vals)
      combinations *= vals.length
    }
    if (perField.length !== idx.fields.length || combinations > MAX_COMBINATIONS) continue
    if (!idx.serves(filter, perField.flat())) continue
    const ids = idx.lookupAll(perField)
    coll.stats.scanned += ids.size
    if (!best || ids.size < best.size) best = ids
  }
  return best
}

/** Past this many candidates from an equality, walking an index in sort order beats sorting them. */
const WALK_OVER = 256

/**
 * The field and direction a sort reads in index order: one key, or one key then `_id` in the same
 * direction (ties broken by id, which is the order index entries keep).
 */
function walkableSort(sort: SortSpec | null): { field: string; dir: 1 | -1 } | null {
  if (!sort || sort.length > 2) return null
  const [path, dir] = sort[0]!
  if (sort.length === 2) {
    const [idPath, idDir] = sort[1]!
    if (idPath.join('.') !== '_id' || idDir !== dir) return null
  }
  return { field: path.join('.'), dir }
}

/**
 * A compound index `{ a, b }` whose first field the filter fixes to one value and whose second field is the
 * sort: the documents of that value, in sort order. Null when no index fits.
 */
function walkWithin(coll: Collection, filter: Document, field: string): { index: Index; key: string } | null {
  let best: { index: Index; key: string; size: number } | null = null
  for (const idx of coll.indexes.values()) {
    if (idx.multikey || idx.paths.length < 2 || idx.paths[1]!.join('.') !== field) continue
    // a first field the filter does not name is no equality (not one on null)
    if (!(idx.firstField in filter)) continue
    const vals = equalityValues(filter[idx.firstField])
    if (!vals || vals.length !== 1 || !idx.serves(filter, vals)) continue
    // the fewest documents to walk: the most selective equality that has the sort as its second field
    const key = keyOf(vals[0])
    const size = idx.first.get(key)?.size ?? 0
    if (!best || size < best.size) best = { index: idx, key, size }
  }
  return best
}

/** Reads `order` forwards or backwards, keeping matches until `want` are found. */
function walk(
  coll: Collection,
  order: readonly SortEntry[],
  dir: 1 | -1,
  match: (d: Document) => boolean,
  want: number,
  out: Document[],
): number {
  let examined = 0
  const n = order.length
  for (let i = 0; i < n && out.length < want; i++) {
    const doc = coll.docs.get(order[dir === 1 ? i : n - 1 - i]!.id)
    coll.stats.scanned++
    if (!doc) continue
    examined++
    if (match(doc)) out.push(doc)
  }
  return examined
}

export function findDocs(coll: Collection, filter: Document, opts: FindOptions = NO_OPTIONS): Document[] {
  const match = compileFilter(filter)
  const sort = parseSort(opts.sort)
  const skip = opts.skip ?? 0
  const want = opts.limit ? skip + opts.limit : Infinity
  const ids = candidateIds(coll, filter)
  const out: Document[] = []
  let examined = 0

  // Many candidates, a limit and a sort an index holds in order: read that order and stop at the limit.
  const walkable = want !== Infinity ? walkableSort(sort) : null
  if (walkable && (!ids || ids.size > WALK_OVER)) {
    const within = walkWithin(coll, filter, walkable.field)
    if (within) {
      const order = within.index.sortedWithin(within.key, coll.docs)
      examined = walk(coll, order, walkable.dir, match, want, out)
      coll.stats.scannedObjects += examined
      return out.slice(skip)
    }
  }

  if (ids) {
    for (const id of ids) {
      const doc = coll.docs.get(id)
      if (!doc) continue
      examined++
      if (match(doc)) out.push(doc)
    }
  } else if (walkable) {
    let idx
    for (const i of coll.indexes.values()) {
      if (i.complete && !i.multikey && i.firstField === walkable.field) {
        idx = i
        break
      }
    }
    if (idx) {
      examined = walk(coll, idx.sortedIds(coll.docs), walkable.dir, match, want, out)
      coll.stats.scannedObjects += examined
      return out.slice(skip)
    }
  }
  if (!ids) {
    for (const doc of coll.docs.values()) {
      examined++
      if (match(doc)) {
        out.push(doc)
        if (!sort && out.length >= want) break
      }
    }
  }
  coll.stats.scannedObjects += examined
  const sorted = sort ? sortDocs(out, sort) : out
  if (skip === 0 && sorted.length <= want) return sorted
  return sorted.slice(skip, want === Infinity ? undefined : want)
}
