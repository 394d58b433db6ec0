import type { Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { keyOf, valuesAtPath } from '../query/compare.js'
import { duplicateKeyError, Index, type IndexSpec, normaliseSpec, sameKey, sameOptions } from './indexes.js'

/** Journal sink; the in-memory mode passes a no-op. */
export type LogFn = (rec: Document) => void

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' }

/**
 * Work counters of the query planner, shared by every collection of one Storage and reported by
 * `serverStatus` as mongod's `metrics.queryExecutor`: `scanned` counts index keys (and `_id`
 * lookups) examined, `scannedObjects` documents examined.
 */
export interface QueryStats {
  scanned: number
  scannedObjects: number
}

/**
 * One collection: documents by canonical `_id` key plus secondary indexes. Stored
 * documents are never mutated in place (updates swap in a new object), so cursors and
 * in-flight replies can hold references safely.
 */
export class Collection {
  readonly docs = new Map<string, Document>()
  readonly indexes = new Map<string, Index>()

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document,
    private readonly log: LogFn,
    readonly stats: QueryStats = { scanned: 0, scannedObjects: 0 },
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`
  }

  get(id: unknown): Document | undefined {
    return this.docs.get(keyOf(id))
  }

  private checkUnique(doc: Document, selfId: string | null): void {
    for (const idx of this.indexes.values()) idx.checkUnique(this.ns, doc, selfId)
  }

  insert(doc: Document, replay = false): void {
    const id = keyOf(doc._id)
    if (!replay) {
      if (this.docs.has(id)) throw duplicateKeyError(this.ns, ID_INDEX, [doc._id])
      this.checkUnique(doc, null)
    }
    this.docs.set(id, doc)
    for (const idx of this.indexes.values()) idx.add(id, doc)
    if (!replay) this.log({ op: 'put', db: this.db, coll: this.name, doc })
  }

  /** Swap `oldDoc` for `newDoc` (same `_id`), enforcing unique indexes first. */
  replace(oldDoc: Document, newDoc: Document): void {
    const id = keyOf(oldDoc._id)
    this.checkUnique(newDoc, id)
    for (const idx of this.indexes.values()) idx.remove(id, oldDoc)
    this.docs.set(id, newDoc)
    for (const idx of this.indexes.values()) idx.add(id, newDoc)
    this.log({ op: 'put', db: this.db, coll: this.name, doc: newDoc })
  }

  /** Replay path: put by `_id` without validation. */
  put(doc: Document): void {
    const old = this.get(doc._id)
    if (old) this.remove(old, true)
    this.insert(doc, true)
  }

  remove(doc: Document, replay = false): void {
    const id = keyOf(doc._id)
    if (!this.docs.delete(id)) return
    for (const idx of this.indexes.values()) idx.remove(id, doc)
    if (!replay) this.log({ op: 'del', db: this.db, coll: this.name, id: doc._id })
  }

  /** Returns true when created, false when an identical index already exists. */
  createIndex(raw: Document, replay = false): boolean {
    const spec = normaliseSpec(raw)
    if (spec.name === '_id_' || keyOf(spec.key) === keyOf(ID_INDEX.key)) {
      if (spec.unique === false)
        throw new MongoServerError(
          ErrorCodes.InvalidOptions,
          "The field 'unique' is not valid for an _id index specification",
        )
      return false
    }
    for (const idx of this.indexes.values()) {
      const same = sameKey(idx.spec, spec)
      if (idx.name === spec.name) {
        if (same && sameOptions(idx.spec, spec)) return false
        if (same)
          throw new MongoServerError(
            ErrorCodes.IndexOptionsConflict,
            `Index with name: ${spec.name} already exists with different options`,
          )
        throw new MongoServerError(
          ErrorCodes.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(idx.spec)}`,
        )
      }
      if (same && sameOptions(idx.spec, spec)) return false
      if (same && !spec.partialFilterExpression && !idx.spec.partialFilterExpression) {
        throw new MongoServerError(
          ErrorCodes.IndexOptionsConflict,
          `Index already exists with a different name: ${idx.name}`,
        )
      }
    }
    const idx = new Index(spec)
    for (const [id, doc] of this.docs) {
      if (!replay && spec.unique) {
        const keys = idx.keysFor(doc)
        for (const k of keys?.full ?? []) {
          if (idx.full.has(k.key)) throw duplicateKeyError(this.ns, spec, k.values)
        }
      }
      idx.add(id, doc)
    }
    this.indexes.set(spec.name, idx)
    if (!replay) this.log({ op: 'createIndex', db: this.db, coll: this.name, spec })
    return true
  }

  dropIndex(name: string, replay = false): void {
    this.indexes.delete(name)
    if (!replay) this.log({ op: 'dropIndex', db: this.db, coll: this.name, name })
  }

  listIndexes(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((i) => i.spec)]
  }

  /** Removes documents past their TTL; returns how many. */
  expire(now: number): number {
    let n = 0
    for (const idx of this.indexes.values()) {
      const ttl = idx.spec.expireAfterSeconds
      if (typeof ttl !== 'number' || idx.paths.length !== 1) continue
      const cutoff = now - ttl * 1000
      const path = idx.paths[0] as string[]
      // every document, every sweep (the test setup sweeps each second): read a top-level date directly and
      // allocate nothing for it; a document is due when any of its dates is (the earliest one decides)
      for (const doc of this.docs.values()) {
        const top = path.length === 1 ? (doc[path[0] as string] as unknown) : undefined
        let due = false
        if (top instanceof Date) due = top.getTime() <= cutoff
        else
          for (const v of valuesAtPath(doc, path))
            if (v instanceof Date && v.getTime() <= cutoff) {
              due = true
              break
            }
        if (due) {
          // deleting the entry being visited is safe while iterating a Map
          this.remove(doc)
          n++
        }
      }
    }
    return n
  }
}
