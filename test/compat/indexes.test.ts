import { MongoServerError } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('indexes')
})
afterAll(() => env.close())

async function dupError(p: Promise<unknown>): Promise<MongoServerError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(MongoServerError)
  return err as MongoServerError
}

describe('unique indexes', () => {
  it('answers a duplicate insert exactly like mongod', async () => {
    const c = env.db.collection('users')
    await c.createIndex({ name: 1 }, { unique: true })
    await c.insertOne({ name: 'x' })
    const err = await dupError(c.insertOne({ name: 'x' }))
    expect(err.code).toBe(11000)
    expect(err.keyPattern).toEqual({ name: 1 })
    expect(err.keyValue).toEqual({ name: 'x' })
    expect(err.message).toBe(
      `E11000 duplicate key error collection: ${env.dbName}.users index: name_1 dup key: { name: "x" }`,
    )
  })

  it('enforces the _id index', async () => {
    const c = env.db.collection('users')
    await c.insertOne({ _id: 'same' as never })
    const err = await dupError(c.insertOne({ _id: 'same' as never }))
    expect(err.code).toBe(11000)
    expect(err.keyPattern).toEqual({ _id: 1 })
    expect(err.message).toMatch(
      /^E11000 duplicate key error collection: .*index: _id_ dup key: \{ _id: "same" \}/,
    )
  })

  it('reports per-document writeErrors in ordered and unordered batches', async () => {
    const c = env.db.collection('batch')
    await c.createIndex({ k: 1 }, { unique: true })
    const ordered = await env.db.command({
      insert: 'batch',
      documents: [{ k: 1 }, { k: 1 }, { k: 2 }],
      ordered: true,
    })
    expect(ordered.n).toBe(1)
    expect(ordered.writeErrors).toHaveLength(1)
    expect(ordered.writeErrors[0]).toMatchObject({
      index: 1,
      code: 11000,
      keyPattern: { k: 1 },
      keyValue: { k: 1 },
    })
    expect(ordered.writeErrors[0].errmsg).toMatch(/^E11000 duplicate key error collection:/)
    const unordered = await env.db.command({
      insert: 'batch',
      documents: [{ k: 1 }, { k: 3 }, { k: 3 }, { k: 4 }],
      ordered: false,
    })
    expect(unordered.n).toBe(2)
    expect(unordered.writeErrors.map((e: { index: number }) => e.index)).toEqual([0, 2])
  })

  it('enforces compound unique indexes on the combination only', async () => {
    const c = env.db.collection('compound')
    await c.createIndex({ a: 1, b: 1 }, { unique: true })
    await c.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
    ])
    const err = await dupError(c.insertOne({ a: 1, b: 2 }))
    expect(err.keyValue).toEqual({ a: 1, b: 2 })
    expect(err.message).toContain('index: a_1_b_1 dup key: { a: 1, b: 2 }')
  })

  it('treats a missing field as null unless the index is sparse', async () => {
    const plain = env.db.collection('nulls')
    await plain.createIndex({ e: 1 }, { unique: true })
    await plain.insertOne({ x: 1 })
    expect((await dupError(plain.insertOne({ x: 2 }))).keyValue).toEqual({ e: null })
    const sparse = env.db.collection('sparse')
    await sparse.createIndex({ e: 1 }, { unique: true, sparse: true })
    await sparse.insertMany([{ x: 1 }, { x: 2 }, { e: 'a' }])
    expect((await dupError(sparse.insertOne({ e: 'a' }))).code).toBe(11000)
  })

  it('applies partialFilterExpression to uniqueness', async () => {
    const c = env.db.collection('partial')
    await c.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } })
    await c.insertMany([
      { email: 'a', active: false },
      { email: 'a', active: false },
      { email: 'a', active: true },
    ])
    expect((await dupError(c.insertOne({ email: 'a', active: true }))).code).toBe(11000)
  })

  it('enforces uniqueness on update, upsert and findAndModify', async () => {
    const c = env.db.collection('users')
    await c.insertOne({ name: 'y' })
    expect((await dupError(c.updateOne({ name: 'y' }, { $set: { name: 'x' } }))).keyValue).toEqual({
      name: 'x',
    })
    expect(
      (await dupError(c.updateOne({ name: 'zz' }, { $set: { name: 'x' } }, { upsert: true }))).code,
    ).toBe(11000)
    expect((await dupError(c.findOneAndUpdate({ name: 'y' }, { $set: { name: 'x' } }))).code).toBe(11000)
    expect(await c.countDocuments({ name: 'y' })).toBe(1)
  })

  it('refuses to build a unique index over existing duplicates', async () => {
    const c = env.db.collection('predup')
    await c.insertMany([{ v: 1 }, { v: 1 }])
    expect((await dupError(c.createIndex({ v: 1 }, { unique: true }))).code).toBe(11000)
    expect((await c.indexes()).map((i) => i.name)).toEqual(['_id_'])
  })
})

describe('index management', () => {
  it('treats re-creating an identical index as a no-op and lists indexes', async () => {
    const c = env.db.collection('mgmt')
    expect(await c.createIndex({ a: 1 })).toBe('a_1')
    expect(await c.createIndex({ a: 1 })).toBe('a_1')
    await c.createIndex({ b: -1, c: 1 }, { name: 'bc', sparse: true })
    const idx = await c.indexes()
    expect(idx.map((i) => i.name)).toEqual(['_id_', 'a_1', 'bc'])
    expect(idx[2]).toMatchObject({ key: { b: -1, c: 1 }, sparse: true })
  })

  it('rejects conflicting options (85) and conflicting key specs under one name (86)', async () => {
    const c = env.db.collection('mgmt')
    await expect(c.createIndex({ a: 1 }, { unique: true })).rejects.toMatchObject({ code: 85 })
    await expect(c.createIndex({ z: 1 }, { name: 'a_1' })).rejects.toMatchObject({ code: 86 })
  })

  it('drops indexes by name and by key', async () => {
    const c = env.db.collection('mgmt')
    await c.dropIndex('a_1')
    await c.dropIndex({ b: -1, c: 1 } as never)
    expect((await c.indexes()).map((i) => i.name)).toEqual(['_id_'])
    await expect(c.dropIndex('nope')).rejects.toMatchObject({ code: 27 })
  })

  it('serves equality lookups from the index instead of scanning', async () => {
    const c = env.db.collection('big')
    const docs = Array.from({ length: 30_000 }, (_, i) => ({ email: `u${i}@x`, plain: `u${i}@x`, n: i }))
    await c.insertMany(docs)
    await c.createIndex({ email: 1 })
    const queries = (field: string) => Array.from({ length: 40 }, (_, i) => ({ [field]: `u${i * 700}@x` }))
    /**
     * Index keys and documents the server examined for 40 lookups (counted, not timed): a real mongod
     * reports them in explain's executionStats; the embedded server, which refuses explain, keeps
     * mongod's serverStatus counters metrics.queryExecutor.scanned / scannedObjects, read around the
     * lookups (the server belongs to this file, whose tests run one at a time).
     */
    const examined = async (field: string) => {
      if (!embedded) {
        let keys = 0
        let docs = 0
        for (const q of queries(field)) {
          const { executionStats } = await c.find(q).limit(1).explain('executionStats')
          keys += Number(executionStats.totalKeysExamined)
          docs += Number(executionStats.totalDocsExamined)
        }
        return { keys, docs }
      }
      const counters = async () => {
        const { metrics } = await env.db.admin().serverStatus()
        return metrics.queryExecutor as { scanned: number; scannedObjects: number }
      }
      const before = await counters()
      const found = await Promise.all(queries(field).map((q) => c.findOne(q)))
      expect(found.every(Boolean)).toBe(true)
      const after = await counters()
      return { keys: after.scanned - before.scanned, docs: after.scannedObjects - before.scannedObjects }
    }
    // through the index: one key and one document per lookup
    const indexed = await examined('email')
    expect(indexed.docs).toBe(40)
    expect(indexed.keys).toBeGreaterThanOrEqual(40)
    expect(indexed.keys).toBeLessThanOrEqual(80)
    // without one: each lookup reads the collection up to its match (u0, u700, ... u27300: ~546k in all)
    const scanned = await examined('plain')
    expect(scanned.keys).toBe(0)
    expect(scanned.docs).toBeGreaterThan(100_000)
  })

  it('serves a lookup from a partial index only when the query implies its filter', async () => {
    const c = env.db.collection('members')
    await c.createIndex({ userId: 1 }, { unique: true, partialFilterExpression: { live: true } })
    await c.insertMany(Array.from({ length: 5_000 }, (_, i) => ({ userId: i, live: i % 2 === 0 })))
    const examinedDocs = async (filter: Record<string, unknown>) => {
      if (!embedded) {
        const { executionStats } = await c.find(filter).explain('executionStats')
        return Number(executionStats.totalDocsExamined)
      }
      const docs = async () =>
        ((await env.db.admin().serverStatus()).metrics.queryExecutor as { scannedObjects: number })
          .scannedObjects
      const before = await docs()
      expect(await c.findOne(filter)).not.toBeNull()
      return (await docs()) - before
    }
    expect(await examinedDocs({ userId: 4_000, live: true })).toBe(1)
    // Without `live: true` the index may miss matching documents, so the collection is read.
    expect(await examinedDocs({ userId: 4_001 })).toBeGreaterThan(1_000)
  })

  it('returns sorted-with-limit results from the index order', async () => {
    const c = env.db.collection('big')
    const emails = Array.from({ length: 30_000 }, (_, i) => `u${i}@x`).sort()
    const top = await c.find({}).sort({ email: -1 }).limit(3).toArray()
    expect(top.map((d) => d.email)).toEqual(emails.slice(-3).reverse())
    const low = await c
      .find({ n: { $gte: 10 } })
      .sort({ email: 1 })
      .skip(1)
      .limit(2)
      .toArray()
    const expected = emails.filter((e) => Number(e.slice(1, -2)) >= 10).slice(1, 3)
    expect(low.map((d) => d.email)).toEqual(expected)
  })
  it('reads an equality and a sort in the order of a compound index, and keeps that order through writes', async () => {
    const c = env.db.collection('queue')
    await c.createIndex({ status: 1, at: -1 })
    const statuses = ['paid', 'open', 'held']
    await c.insertMany(
      Array.from({ length: 6_000 }, (_, i) => ({
        status: statuses[i % 3],
        at: new Date(1_700_000_000_000 + ((i * 7919) % 6000) * 1000),
        n: i,
      })),
    )
    const expected = async (status: string, dir: 1 | -1, limit: number, skip = 0) =>
      (await c.find({ status }).toArray())
        .sort(
          (a, b) => dir * (a.at.getTime() - b.at.getTime()) || dir * (String(a._id) < String(b._id) ? -1 : 1),
        )
        .slice(skip, skip + limit)
        .map((d) => d.n)
    const page = async (status: string, dir: 1 | -1, limit: number, skip = 0) =>
      (await c.find({ status }).sort({ at: dir, _id: dir }).skip(skip).limit(limit).toArray()).map((d) => d.n)
    expect(await page('paid', -1, 20)).toEqual(await expected('paid', -1, 20))
    expect(await page('open', 1, 20, 40)).toEqual(await expected('open', 1, 20, 40))
    // Writes move entries: an update that changes the status, one that changes the time, a delete, an insert.
    const newest = await c.find({ status: 'open' }).sort({ at: -1 }).limit(1).next()
    await c.updateOne({ _id: newest!._id }, { $set: { status: 'paid' } })
    const oldest = await c.find({ status: 'paid' }).sort({ at: 1 }).limit(1).next()
    await c.updateOne({ _id: oldest!._id }, { $set: { at: new Date(1_800_000_000_000) } })
    await c.deleteOne({ status: 'paid', n: { $lt: 30 } })
    await c.insertOne({ status: 'paid', at: new Date(1_750_000_000_000), n: -1 })
    for (const [status, dir] of [
      ['paid', -1],
      ['paid', 1],
      ['open', -1],
    ] as const)
      expect(await page(status, dir, 25)).toEqual(await expected(status, dir, 25))
    expect((await page('paid', -1, 2))[0]).toBe(oldest!.n)
    // A filter that does not name the index's first field is no equality on null: every document counts.
    const all = await c.find({}).sort({ at: -1, _id: -1 }).limit(5).toArray()
    expect(all).toHaveLength(5)
    expect(all[0]!.n).toBe(oldest!.n)
    if (!embedded) return
    // Served from the index: a page of 20 examines about 20 documents, not the 2,000 of the status.
    const counters = async () =>
      ((await env.db.admin().serverStatus()).metrics.queryExecutor as { scannedObjects: number })
        .scannedObjects
    const before = await counters()
    await page('held', -1, 20)
    expect((await counters()) - before).toBeLessThanOrEqual(20)
  })
})
