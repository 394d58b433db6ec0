import type { Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { keyOf } from '../query/compare.js'
import { collName, type Handler } from './context.js'

export const indexCommands: Record<string, Handler> = {
  createIndexes: (cmd, { storage, db }) => {
    const name = collName(cmd, 'createIndexes')
    const specs = cmd.indexes
    if (!Array.isArray(specs) || specs.length === 0) {
      throw new MongoServerError(ErrorCodes.BadValue, 'Must specify at least one index to create')
    }
    const createdCollectionAutomatically = !storage.collection(db, name)
    const coll = storage.ensureCollection(db, name)
    const numIndexesBefore = coll.indexes.size + 1
    for (const spec of specs as Document[]) coll.createIndex(spec)
    const numIndexesAfter = coll.indexes.size + 1
    return {
      numIndexesBefore,
      numIndexesAfter,
      createdCollectionAutomatically,
      ...(numIndexesAfter === numIndexesBefore ? { note: 'all indexes already exist' } : {}),
      ok: 1,
    }
  },

  listIndexes: (cmd, { storage, db, cursors }) => {
    const name = collName(cmd, 'listIndexes')
    const coll = storage.collection(db, name)
    if (!coll) throw new MongoServerError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${db}.${name}`)
    return cursors.first(`${db}.${name}`, coll.listIndexes(), { batchSize: Infinity })
  },

  dropIndexes: (cmd, { storage, db }) => {
    const name = collName(cmd, 'dropIndexes')
    const coll = storage.collection(db, name)
    if (!coll) throw new MongoServerError(ErrorCodes.NamespaceNotFound, `ns not found ${db}.${name}`)
    const nIndexesWas = coll.indexes.size + 1
    const target = cmd.index
    const names: string[] = []
    if (target === '*') names.push(...coll.indexes.keys())
    else if (Array.isArray(target)) names.push(...target.map(String))
    else if (typeof target === 'string') names.push(target)
    else {
      const found = [...coll.indexes.values()].find((i) => keyOf(i.spec.key) === keyOf(target))
      if (!found)
        throw new MongoServerError(
          ErrorCodes.IndexNotFound,
          `can't find index with key: ${JSON.stringify(target)}`,
        )
      names.push(found.name)
    }
    for (const n of names) {
      if (n === '_id_') throw new MongoServerError(ErrorCodes.InvalidOptions, 'cannot drop _id index')
      if (!coll.indexes.has(n))
        throw new MongoServerError(ErrorCodes.IndexNotFound, `index not found with name [${n}]`)
    }
    for (const n of names) coll.dropIndex(n)
    return { nIndexesWas, ok: 1 }
  },
}
