/**
 * A deliberately small query planner: an equality/$in on `_id` or on the first field of a
 * complete (non-sparse, non-partial) index narrows the candidates, then the full filter is
 * applied. A single-field sort that matches an index with a limit walks the index order
 * instead of sorting the collection.
 */
import type { Document } from 'bson'
import { isPlainObject, keyOf } from '../query/compare.js'
import { compileFilter } from '../query/mingo.js'
import { parseSort, sortDocs } from '../query/sort.js'
import type { Collection } from './collection.js'

export interface FindOptions {
  sort?: Document
  skip?: number
  limit?: number
}

/** Values an equality condition can be served from an index with, or null. */
function equalityValues(cond: unknown): unknown[] | null {
  const usable = (v: unknown) =>
    !(v instanceof RegExp) &&
    !Array.isArray(v) &&
    !(isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$')))
  if (
    isPlainObject(cond) &&
    Object.keys(cond).length > 0 &&
    Object.keys(cond).every((k) => k.startsWith('$'))
  ) {
    if (Object.keys(cond).length !== 1) return null
    if ('$eq' in cond) return usable(cond.$eq) ? [cond.$eq] : null
    if ('$in' in cond && Array.isArray(cond.$in)) return cond.$in.every(usable) ? cond.$in : null
    return null
  }
  return usable(cond) ? [cond] : null
}

function candidateIds(coll: Collection, filter: Document): Iterable<string> | null {
  let best: Set<string> | null = null
  const consider = (ids: Set<string>) => {
    if (!best || ids.size < best.size) best = ids
  }
  for (const [field, cond] of Object.entries(filter)) {
    if (field.startsWith('$')) continue
    const vals = equalityValues(cond)
    if (!vals) continue
    if (field === '_id') {
      consider(new Set(vals.map(keyOf).filter((k) => coll.docs.has(k))))
      continue
    }
    for (const idx of coll.indexes.values()) {
      if (!idx.complete || Object.keys(idx.spec.key)[0] !== field) continue
      const ids = new Set<string>()
      for (const v of vals) for (const id of idx.first.get(keyOf(v)) ?? []) ids.add(id)
      consider(ids)
    }
  }
  return best
}

export function findDocs(coll: Collection, filter: Document, opts: FindOptions = {}): Document[] {
  const match = compileFilter(filter)
  const sort = parseSort(opts.sort)
  const skip = opts.skip ?? 0
  const want = opts.limit ? skip + opts.limit : Infinity
  const ids = candidateIds(coll, filter)
  const out: Document[] = []

  if (ids) {
    for (const id of ids) {
      const doc = coll.docs.get(id)
      if (doc && match(doc)) out.push(doc)
    }
  } else if (sort && sort.length === 1 && want !== Infinity) {
    const [path, dir] = sort[0] as [string[], 1 | -1]
    const field = path.join('.')
    const idx = [...coll.indexes.values()].find(
      (i) => i.complete && !i.multikey && Object.keys(i.spec.key)[0] === field,
    )
    if (idx) {
      const order = idx.sortedIds(coll.docs)
      const n = order.length
      for (let i = 0; i < n && out.length < want; i++) {
        const doc = coll.docs.get(order[dir === 1 ? i : n - 1 - i] as string)
        if (doc && match(doc)) out.push(doc)
      }
      return out.slice(skip)
    }
  }
  if (!ids) {
    for (const doc of coll.docs.values()) {
      if (match(doc)) {
        out.push(doc)
        if (!sort && out.length >= want) break
      }
    }
  }
  const sorted = sort ? sortDocs(out, sort) : out
  return sorted.slice(skip, want === Infinity ? undefined : want)
}
