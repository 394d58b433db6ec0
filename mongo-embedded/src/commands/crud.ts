import type { Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { keyOf, valuesAtPath } from '../query/compare.js'
import { compileProjection } from '../query/projection.js'
import {
  applyUpdate,
  isOperatorUpdate,
  upsertSeed,
  validateUpdate,
  withId,
  type UpdateSpec,
} from '../query/update.js'
import type { Collection } from '../storage/collection.js'
import type { Storage } from '../storage/engine.js'
import { findDocs } from '../storage/planner.js'
import { collName, num, type Handler } from './context.js'

/** Runs each write statement, collecting mongod-shaped writeErrors (ordered stops at the first). */
function eachStatement<T>(
  stmts: unknown,
  ordered: unknown,
  run: (stmt: T, index: number) => void,
): Document[] {
  if (!Array.isArray(stmts))
    throw new MongoServerError(ErrorCodes.BadValue, 'write statements must be an array')
  const writeErrors: Document[] = []
  for (let i = 0; i < stmts.length; i++) {
    try {
      run(stmts[i] as T, i)
    } catch (err) {
      if (!(err instanceof MongoServerError)) throw err
      writeErrors.push(err.toWriteError(i))
      if (ordered !== false) break
    }
  }
  return writeErrors
}

const withErrors = (reply: Document, writeErrors: Document[]) =>
  writeErrors.length ? { ...reply, writeErrors } : reply

function insertDoc(coll: Collection, raw: Document): Document {
  if (Array.isArray(raw._id)) throw new MongoServerError(ErrorCodes.BadValue, "can't use an array for _id")
  const doc = withId(raw)
  coll.insert(doc)
  return doc
}

interface UpdateOpts {
  upsert?: boolean
  multi?: boolean
  arrayFilters?: Document[]
  sort?: Document
}

interface UpdateResult {
  matched: number
  modified: number
  upserted?: unknown
  before?: Document
  after?: Document
}

/** Shared by `update` and `findAndModify`: read-modify-write without yielding the event loop. */
function runUpdate(
  storage: Storage,
  db: string,
  name: string,
  filter: Document,
  u: UpdateSpec,
  opts: UpdateOpts,
): UpdateResult {
  validateUpdate(u)
  if (opts.multi && !Array.isArray(u) && !isOperatorUpdate(u)) {
    throw new MongoServerError(
      ErrorCodes.FailedToParse,
      'multi update is not supported for replacement-style update',
    )
  }
  const existing = storage.collection(db, name)
  const matches = existing
    ? findDocs(existing, filter, { sort: opts.sort, limit: opts.multi ? undefined : 1 })
    : []
  const res: UpdateResult = { matched: 0, modified: 0 }
  if (matches.length === 0) {
    if (!opts.upsert) return res
    const coll = storage.ensureCollection(db, name)
    const seed = upsertSeed(filter)
    const base =
      !Array.isArray(u) && !isOperatorUpdate(u) ? (seed._id !== undefined ? { _id: seed._id } : {}) : seed
    const doc = insertDoc(
      coll,
      applyUpdate(base, u, { filter, arrayFilters: opts.arrayFilters, isInsert: true }),
    )
    return { matched: 0, modified: 0, upserted: doc._id, after: doc }
  }
  const coll = existing as Collection
  for (const doc of matches) {
    res.matched++
    let next = applyUpdate(doc, u, { filter, arrayFilters: opts.arrayFilters, isInsert: false })
    if (keyOf(next) === keyOf(doc)) next = doc
    else {
      next = withId(next)
      coll.replace(doc, next)
      res.modified++
    }
    if (!res.before) {
      res.before = doc
      res.after = next
    }
  }
  return res
}

const find: Handler = (cmd, { storage, db, cursors }) => {
  const name = collName(cmd, 'find')
  const ns = `${db}.${name}`
  const project = compileProjection(cmd.projection as Document | undefined)
  const coll = storage.collection(db, name)
  const rawLimit = num(cmd.limit) ?? 0
  const limit = Math.abs(rawLimit) || undefined
  const docs = coll
    ? findDocs(coll, (cmd.filter as Document) ?? {}, {
        sort: cmd.sort as Document,
        skip: num(cmd.skip),
        limit,
      })
    : []
  const batchSize = num(cmd.batchSize)
  return cursors.first(ns, docs, {
    batchSize: limit && (!batchSize || limit < batchSize) ? limit : batchSize,
    singleBatch: Boolean(cmd.singleBatch) || rawLimit < 0,
    project,
  })
}

export const crudCommands: Record<string, Handler> = {
  insert: (cmd, { storage, db }) => {
    const coll = storage.ensureCollection(db, collName(cmd, 'insert'))
    let n = 0
    const writeErrors = eachStatement<Document>(cmd.documents, cmd.ordered, (doc) => {
      insertDoc(coll, doc)
      n++
    })
    return withErrors({ n, ok: 1 }, writeErrors)
  },

  find,

  getMore: (cmd, { db, cursors }) =>
    cursors.getMore(cmd.getMore, `${db}.${collName(cmd, 'collection')}`, num(cmd.batchSize)),

  killCursors: (cmd, { cursors }) => cursors.kill((cmd.cursors as unknown[]) ?? []),

  update: (cmd, { storage, db }) => {
    const name = collName(cmd, 'update')
    let n = 0
    let nModified = 0
    const upserted: Document[] = []
    const writeErrors = eachStatement<Document>(cmd.updates, cmd.ordered, (stmt, index) => {
      const r = runUpdate(storage, db, name, (stmt.q as Document) ?? {}, stmt.u as UpdateSpec, {
        upsert: Boolean(stmt.upsert),
        multi: Boolean(stmt.multi),
        arrayFilters: stmt.arrayFilters as Document[] | undefined,
      })
      n += r.matched
      nModified += r.modified
      if (r.upserted !== undefined) {
        n++
        upserted.push({ index, _id: r.upserted })
      }
    })
    return withErrors({ n, nModified, ...(upserted.length ? { upserted } : {}), ok: 1 }, writeErrors)
  },

  delete: (cmd, { storage, db }) => {
    const coll = storage.collection(db, collName(cmd, 'delete'))
    let n = 0
    const writeErrors = eachStatement<Document>(cmd.deletes, cmd.ordered, (stmt) => {
      if (!coll) return
      const limit = num(stmt.limit) ?? 0
      for (const doc of findDocs(coll, (stmt.q as Document) ?? {}, { limit: limit ? 1 : undefined })) {
        coll.remove(doc)
        n++
      }
    })
    return withErrors({ n, ok: 1 }, writeErrors)
  },

  findAndModify: (cmd, { storage, db }) => {
    const name = collName(cmd, 'findAndModify')
    const filter = (cmd.query as Document) ?? {}
    const project = compileProjection(cmd.fields as Document | undefined)
    const out = (d: Document | undefined) => (d ? (project ? project(d) : d) : null)
    if (cmd.remove) {
      const coll = storage.collection(db, name)
      const doc = coll ? findDocs(coll, filter, { sort: cmd.sort as Document, limit: 1 })[0] : undefined
      if (coll && doc) coll.remove(doc)
      return { lastErrorObject: { n: doc ? 1 : 0 }, value: out(doc), ok: 1 }
    }
    if (cmd.update === undefined)
      throw new MongoServerError(
        ErrorCodes.FailedToParse,
        'Either an update or remove=true must be specified',
      )
    const r = runUpdate(storage, db, name, filter, cmd.update as UpdateSpec, {
      upsert: Boolean(cmd.upsert),
      arrayFilters: cmd.arrayFilters as Document[] | undefined,
      sort: cmd.sort as Document,
    })
    const lastErrorObject: Document = {
      n: r.matched || (r.upserted !== undefined ? 1 : 0),
      updatedExisting: r.matched > 0,
    }
    if (r.upserted !== undefined) lastErrorObject.upserted = r.upserted
    const value = cmd.new ? out(r.after) : out(r.before)
    return { lastErrorObject, value, ok: 1 }
  },

  count: (cmd, { storage, db }) => {
    const coll = storage.collection(db, collName(cmd, 'count'))
    const query = (cmd.query as Document) ?? {}
    const skip = num(cmd.skip) ?? 0
    const limit = Math.abs(num(cmd.limit) ?? 0)
    let n = 0
    if (coll) n = Object.keys(query).length === 0 ? coll.docs.size : findDocs(coll, query).length
    n = Math.max(0, n - skip)
    return { n: limit ? Math.min(limit, n) : n, ok: 1 }
  },

  distinct: (cmd, { storage, db }) => {
    const coll = storage.collection(db, collName(cmd, 'distinct'))
    if (typeof cmd.key !== 'string')
      throw new MongoServerError(
        ErrorCodes.TypeMismatch,
        "BSON field 'distinct.key' is missing but a required field",
      )
    const path = cmd.key.split('.')
    const seen = new Map<string, unknown>()
    for (const doc of coll ? findDocs(coll, (cmd.query as Document) ?? {}) : []) {
      for (const v of valuesAtPath(doc, path))
        if (v !== undefined && !seen.has(keyOf(v))) seen.set(keyOf(v), v)
    }
    return { values: [...seen.values()], ok: 1 }
  },
}
