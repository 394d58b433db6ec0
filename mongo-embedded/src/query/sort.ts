import type { Document } from 'bson'
import { badValue } from '../errors.js'
import { compareValues, valuesAtPath } from './compare.js'

export type SortSpec = Array<[path: string[], dir: 1 | -1]>

export function parseSort(sort: Document | undefined): SortSpec | null {
  if (!sort || Object.keys(sort).length === 0) return null
  return Object.entries(sort).map(([k, v]) => {
    if (v === 1 || v === -1) return [k.split('.'), v]
    if (typeof v === 'object' && v !== null && '$meta' in v) throw badValue(`$meta sort is not supported`)
    const n = Number(v)
    if (n === 1 || n === -1) return [k.split('.'), n]
    throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`)
  })
}

/**
 * mongod sorts an array field by its smallest element ascending and largest descending;
 * a missing field sorts as null.
 */
function sortKey(doc: Document, path: string[], dir: 1 | -1): unknown {
  const vals = valuesAtPath(doc, path)
  if (vals.length === 0) return null
  let best = vals[0]
  for (let i = 1; i < vals.length; i++) {
    const c = compareValues(vals[i], best)
    if (dir === 1 ? c < 0 : c > 0) best = vals[i]
  }
  return best
}

export function sortDocs(docs: Document[], spec: SortSpec): Document[] {
  // decorate once so each comparison doesn't walk the documents again
  const keyed = docs.map((doc, i) => ({ doc, i, keys: spec.map(([p, d]) => sortKey(doc, p, d)) }))
  keyed.sort((a, b) => {
    for (let j = 0; j < spec.length; j++) {
      const c = compareValues(a.keys[j], b.keys[j])
      if (c) return c * (spec[j] as [string[], 1 | -1])[1]
    }
    return a.i - b.i
  })
  return keyed.map((k) => k.doc)
}
