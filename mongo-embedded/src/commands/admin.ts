import { BSON, type Document } from 'bson'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { compileFilter } from '../query/mingo.js'
import { collName, type Handler } from './context.js'

const dbSize = (colls: Iterable<{ docs: Map<string, Document> }>) => {
  let n = 0
  for (const c of colls) n += c.docs.size
  return n
}

export const adminCommands: Record<string, Handler> = {
  listDatabases: (cmd, { storage }) => {
    const filter = compileFilter(cmd.filter as Document | undefined)
    const databases = [...storage.dbs.entries()]
      .map(([name, colls]) => ({ name, sizeOnDisk: dbSize(colls.values()) * 100, empty: colls.size === 0 }))
      .filter((d) => filter(d))
      .map((d) => (cmd.nameOnly ? { name: d.name } : d))
    return {
      databases,
      totalSize: databases.reduce((s, d) => s + ((d as Document).sizeOnDisk ?? 0), 0),
      ok: 1,
    }
  },

  listCollections: (cmd, { storage, db, cursors }) => {
    const filter = compileFilter(cmd.filter as Document | undefined)
    const colls = [...(storage.dbs.get(db)?.values() ?? [])].map((c) => ({
      name: c.name,
      type: 'collection',
      options: c.options,
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }))
    const docs = colls
      .filter((c) => filter(c))
      .map((c) => (cmd.nameOnly ? { name: c.name, type: c.type } : c))
    const batchSize = (cmd.cursor as Document | undefined)?.batchSize as number | undefined
    return cursors.first(`${db}.$cmd.listCollections`, docs, { batchSize: batchSize ?? Infinity })
  },

  create: (cmd, { storage, db }) => {
    const name = collName(cmd, 'create')
    if (storage.collection(db, name))
      throw new MongoServerError(ErrorCodes.NamespaceExists, `Collection ${db}.${name} already exists.`)
    if (cmd.viewOn || cmd.pipeline) throw notSupported('views')
    if (cmd.capped) throw notSupported('capped collections')
    if (cmd.timeseries) throw notSupported('time series collections')
    const options: Document = {}
    for (const [k, v] of Object.entries(cmd)) {
      if (['create', '$db', 'lsid', '$clusterTime', 'writeConcern', 'comment', '$readPreference'].includes(k))
        continue
      options[k] = v
    }
    storage.createCollection(db, name, options)
    return { ok: 1 }
  },

  drop: (cmd, { storage, db }) => {
    const name = collName(cmd, 'drop')
    const coll = storage.collection(db, name)
    if (!coll) return { ok: 1 } // mongod 7 no longer errors on a missing namespace
    const nIndexesWas = coll.indexes.size + 1
    storage.dropCollection(db, name)
    return { nIndexesWas, ns: `${db}.${name}`, ok: 1 }
  },

  dropDatabase: (_cmd, { storage, db }) => {
    storage.dropDatabase(db)
    return { dropped: db, ok: 1 }
  },

  collStats: (cmd, { storage, db }) => {
    const coll = storage.collection(db, collName(cmd, 'collStats'))
    let size = 0
    for (const d of coll?.docs.values() ?? []) size += BSON.calculateObjectSize(d)
    const count = coll?.docs.size ?? 0
    return {
      ns: `${db}.${String(cmd.collStats)}`,
      count,
      size,
      avgObjSize: count ? size / count : 0,
      nindexes: (coll?.indexes.size ?? 0) + 1,
      ok: 1,
    }
  },

  mapReduce: () => {
    throw notSupported('mapReduce')
  },
}
