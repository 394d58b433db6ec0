import type { Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { Collection, type LogFn, type QueryStats } from './collection.js'

/** All databases of the server; every mutation flows through here or a Collection. */
export class Storage {
  readonly dbs = new Map<string, Map<string, Collection>>()
  /** index keys / documents examined by queries since start (serverStatus metrics.queryExecutor) */
  readonly stats: QueryStats = { scanned: 0, scannedObjects: 0 }
  log: LogFn = () => {}

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name)
  }

  /** Implicit creation on first write, like mongod. */
  ensureCollection(db: string, name: string): Collection {
    return this.collection(db, name) ?? this.createCollection(db, name, {})
  }

  createCollection(db: string, name: string, options: Document, replay = false): Collection {
    if (!/^[^$\0]+$/.test(name) || name.startsWith('system.')) {
      throw new MongoServerError(ErrorCodes.InvalidNamespace, `Invalid collection name: ${name}`)
    }
    let colls = this.dbs.get(db)
    if (!colls) this.dbs.set(db, (colls = new Map()))
    const existing = colls.get(name)
    if (existing) return existing
    const coll = new Collection(db, name, options, (rec) => this.log(rec), this.stats)
    colls.set(name, coll)
    if (!replay) this.log({ op: 'createColl', db, coll: name, options })
    return coll
  }

  dropCollection(db: string, name: string, replay = false): boolean {
    const colls = this.dbs.get(db)
    if (!colls?.delete(name)) return false
    if (colls.size === 0) this.dbs.delete(db)
    if (!replay) this.log({ op: 'dropColl', db, coll: name })
    return true
  }

  dropDatabase(db: string, replay = false): void {
    this.dbs.delete(db)
    if (!replay) this.log({ op: 'dropDb', db })
  }

  /** Applies one journal/snapshot record (no validation: the log is trusted). */
  apply(rec: Document): void {
    const db = rec.db as string
    const name = rec.coll as string
    switch (rec.op) {
      case 'createColl':
        this.createCollection(db, name, (rec.options as Document) ?? {}, true)
        break
      case 'dropColl':
        this.dropCollection(db, name, true)
        break
      case 'dropDb':
        this.dropDatabase(db, true)
        break
      case 'put':
        this.createCollection(db, name, {}, true).put(rec.doc as Document)
        break
      case 'del': {
        const coll = this.collection(db, name)
        const doc = coll?.get(rec.id)
        if (coll && doc) coll.remove(doc, true)
        break
      }
      case 'createIndex':
        this.createCollection(db, name, {}, true).createIndex(rec.spec as Document, true)
        break
      case 'dropIndex':
        this.collection(db, name)?.dropIndex(rec.name as string, true)
        break
    }
  }

  /** Records that rebuild the current state (snapshot content). */
  *dump(): Generator<Document> {
    for (const [db, colls] of this.dbs) {
      for (const [name, coll] of colls) {
        yield { op: 'createColl', db, coll: name, options: coll.options }
        for (const idx of coll.indexes.values()) yield { op: 'createIndex', db, coll: name, spec: idx.spec }
        for (const doc of coll.docs.values()) yield { op: 'put', db, coll: name, doc }
      }
    }
  }
}
