import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEnv, type CompatEnv } from './server.js'

interface UpdDoc {
  _id: number
  n: number
  m: number
  lo: number
  hi: number
  old?: string
  gone?: number
  renamed?: string
  list: number[]
  set: string[]
  pulls: number[]
  pops: number[]
  a?: { b: number }
  touched?: Date
}
let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('crud')
})
afterAll(() => env.close())

describe('insert and find through the driver', () => {
  it('generates an ObjectId _id, returns documents with _id first and keeps any _id type', async () => {
    const c = env.db.collection('ids')
    const r = await c.insertOne({ a: 1 })
    expect(r.insertedId).toBeInstanceOf(ObjectId)
    await c.insertMany([
      { _id: 'str' as never, a: 2 },
      { _id: 42 as never, a: 3 },
    ])
    const all = await c.find().toArray()
    expect(Object.keys(all[0]!)[0]).toBe('_id')
    expect(await c.findOne({ _id: 'str' as never })).toEqual({ _id: 'str', a: 2 })
    expect(await c.findOne({ _id: 42 as never })).toEqual({ _id: 42, a: 3 })
    expect(await c.findOne({ _id: new ObjectId(r.insertedId.toHexString()) })).toMatchObject({ a: 1 })
  })

  it('round-trips every BSON type with its exact type', async () => {
    const c = env.db.collection('types')
    const oid = new ObjectId()
    const when = new Date('2024-01-02T03:04:05.678Z')
    await c.insertOne({
      _id: oid,
      long: Long.fromString('9007199254740993'),
      int: new Int32(7),
      dbl: new Double(1.5),
      dec: Decimal128.fromString('1234.5678'),
      bin: new Binary(Buffer.from([1, 2, 3]), 0),
      date: when,
      nil: null,
      nested: { deep: { arr: [1, 'two', { three: 3 }] } },
      bool: true,
    })
    const raw = await c.findOne({ _id: oid }, { promoteValues: false, promoteLongs: false })
    expect(raw!.long).toBeInstanceOf(Long)
    expect(String(raw!.long)).toBe('9007199254740993')
    expect(raw!.int).toBeInstanceOf(Int32)
    expect(raw!.dbl).toBeInstanceOf(Double)
    const doc = await c.findOne({ _id: oid })
    expect(doc!.dec).toBeInstanceOf(Decimal128)
    expect(doc!.dec.toString()).toBe('1234.5678')
    expect(Buffer.from((doc!.bin as Binary).buffer)).toEqual(Buffer.from([1, 2, 3]))
    expect(doc!.date).toEqual(when)
    expect(doc!.nil).toBeNull()
    expect(doc!.nested).toEqual({ deep: { arr: [1, 'two', { three: 3 }] } })
    // typed values are also queryable
    expect(await c.countDocuments({ long: Long.fromString('9007199254740993') })).toBe(1)
    expect(await c.countDocuments({ dec: { $gt: Decimal128.fromString('1000') } })).toBe(1)
    expect(await c.countDocuments({ date: { $gte: new Date('2024-01-01') } })).toBe(1)
  })

  it('projects by inclusion and exclusion, including dotted paths and _id rules', async () => {
    const c = env.db.collection('proj')
    await c.insertOne({
      _id: 1 as never,
      a: 1,
      b: { c: 2, d: 3 },
      arr: [
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ],
    })
    expect(await c.findOne({}, { projection: { a: 1 } })).toEqual({ _id: 1, a: 1 })
    expect(await c.findOne({}, { projection: { a: 1, _id: 0 } })).toEqual({ a: 1 })
    expect(await c.findOne({}, { projection: { 'b.c': 1 } })).toEqual({ _id: 1, b: { c: 2 } })
    expect(await c.findOne({}, { projection: { 'arr.x': 1, _id: 0 } })).toEqual({ arr: [{ x: 1 }, { x: 3 }] })
    expect(await c.findOne({}, { projection: { b: 0, arr: 0 } })).toEqual({ _id: 1, a: 1 })
    expect(await c.findOne({}, { projection: { 'b.d': 0, arr: 0, _id: 0 } })).toEqual({ a: 1, b: { c: 2 } })
    expect(await c.findOne({}, { projection: { arr: { $slice: 1 }, a: 1 } })).toEqual({
      _id: 1,
      a: 1,
      arr: [{ x: 1, y: 2 }],
    })
    await expect(c.findOne({}, { projection: { a: 1, b: 0 } })).rejects.toMatchObject({ code: 31254 })
  })

  it('keeps each document’s own field order through an inclusion projection, however often it is sent', async () => {
    const c = env.db.collection('projection_order')
    await c.insertMany([
      { _id: 1 as never, z: 1, a: 2, m: 3, skipped: 4 },
      { _id: 2 as never, m: 5, z: 6 },
    ])
    // the api sends the same projection on every request (the principal lookup): the second time is the same
    for (let i = 0; i < 2; i++) {
      const docs = await c
        .find({}, { projection: { a: 1, z: 1, m: 1, missing: 1 } })
        .sort({ _id: 1 })
        .toArray()
      expect(docs.map((d) => Object.keys(d))).toEqual([
        ['_id', 'z', 'a', 'm'],
        ['_id', 'm', 'z'],
      ])
      expect(docs[0]).toEqual({ _id: 1, z: 1, a: 2, m: 3 })
    }
  })

  it('sorts by nested and multiple keys, with skip and limit', async () => {
    const c = env.db.collection('sort')
    await c.insertMany([
      { n: 1, g: 'b', o: { k: 3 } },
      { n: 2, g: 'a', o: { k: 1 } },
      { n: 3, g: 'b', o: { k: 2 } },
      { n: 4, g: 'a', o: { k: 4 } },
    ])
    const byNested = await c
      .find({}, { projection: { _id: 0, n: 1 } })
      .sort({ 'o.k': 1 })
      .toArray()
    expect(byNested.map((d) => d.n)).toEqual([2, 3, 1, 4])
    const multi = await c
      .find({}, { projection: { _id: 0, n: 1 } })
      .sort({ g: 1, n: -1 })
      .toArray()
    expect(multi.map((d) => d.n)).toEqual([4, 2, 3, 1])
    const page = await c.find().sort({ n: 1 }).skip(1).limit(2).toArray()
    expect(page.map((d) => d.n)).toEqual([2, 3])
  })

  it('sorts arrays by their smallest element ascending and missing fields first', async () => {
    const c = env.db.collection('sortarr')
    await c.insertMany([{ i: 1, v: [5, 1] }, { i: 2, v: 3 }, { i: 3 }])
    const asc = await c.find().sort({ v: 1 }).toArray()
    expect(asc.map((d) => d.i)).toEqual([3, 1, 2])
    const desc = await c.find().sort({ v: -1 }).toArray()
    expect(desc.map((d) => d.i)).toEqual([1, 2, 3])
  })

  it('pages with batchSize and getMore, and singleBatch closes the cursor', async () => {
    const c = env.db.collection('cursor')
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })))
    const first = await env.db.command({ find: 'cursor', filter: {} }, { promoteLongs: false })
    expect(first.cursor.firstBatch).toHaveLength(101)
    expect(first.cursor.id).toBeInstanceOf(Long)
    expect(first.cursor.ns).toBe(`${env.dbName}.cursor`)
    const more = await env.db.command({ getMore: first.cursor.id, collection: 'cursor', batchSize: 100 })
    expect(more.cursor.nextBatch).toHaveLength(100)
    const rest = await env.db.command({ getMore: first.cursor.id, collection: 'cursor' })
    expect(rest.cursor.nextBatch).toHaveLength(49)
    expect(Number(rest.cursor.id)).toBe(0)
    const single = await env.db.command({ find: 'cursor', filter: {}, batchSize: 5, singleBatch: true })
    expect(single.cursor.firstBatch).toHaveLength(5)
    expect(Number(single.cursor.id)).toBe(0)
    expect(await c.find().batchSize(7).toArray()).toHaveLength(250)
  })

  it('kills cursors and then reports them not found', async () => {
    const first = await env.db.command({ find: 'cursor', filter: {}, batchSize: 2 })
    const killed = await env.db.command({ killCursors: 'cursor', cursors: [first.cursor.id] })
    expect(killed.cursorsKilled.map(String)).toEqual([String(first.cursor.id)])
    await expect(env.db.command({ getMore: first.cursor.id, collection: 'cursor' })).rejects.toMatchObject({
      code: 43,
    })
  })

  it('matches query operators on arrays, nested fields and mixed numeric types', async () => {
    const c = env.db.collection('ops')
    await c.insertMany([
      { i: 1, tags: ['a', 'b'], n: 1, sub: [{ k: 1 }, { k: 5 }] },
      { i: 2, tags: ['c'], n: Long.fromNumber(2), sub: [{ k: 2 }] },
      { i: 3, n: 3.5 },
    ])
    const ids = async (f: object) => (await c.find(f).sort({ i: 1 }).toArray()).map((d) => d.i)
    expect(await ids({ tags: 'a' })).toEqual([1])
    expect(await ids({ tags: { $in: ['c', 'z'] } })).toEqual([2])
    expect(await ids({ tags: { $exists: false } })).toEqual([3])
    expect(await ids({ n: { $gte: 2 } })).toEqual([2, 3])
    expect(await ids({ n: 2 })).toEqual([2])
    expect(await ids({ 'sub.k': { $gt: 4 } })).toEqual([1])
    expect(await ids({ sub: { $elemMatch: { k: { $gte: 2, $lt: 3 } } } })).toEqual([2])
    expect(await ids({ $or: [{ i: 1 }, { n: 3.5 }] })).toEqual([1, 3])
    expect(await ids({ tags: { $size: 2 } })).toEqual([1])
    expect(await ids({ tags: null })).toEqual([3])
    expect(await ids({ n: { $type: 'long' } })).toEqual([2])
  })
})

describe('update', () => {
  it('applies the common operators', async () => {
    const c = env.db.collection<UpdDoc>('upd')
    await c.insertOne({
      _id: 1,
      n: 5,
      m: 2,
      lo: 10,
      hi: 1,
      old: 'x',
      gone: 1,
      list: [3, 1],
      set: ['a'],
      pulls: [1, 2, 3, 2],
      pops: [1, 2, 3],
    })
    const r = await c.updateOne(
      { _id: 1 as never },
      {
        $set: { 'a.b': 1 },
        $unset: { gone: '' },
        $inc: { n: 2 },
        $mul: { m: 3 },
        $min: { lo: 4 },
        $max: { hi: 9 },
        $rename: { old: 'renamed' },
        $push: { list: { $each: [9, 0], $sort: 1, $slice: 3 } },
        $addToSet: { set: { $each: ['a', 'b'] } },
        $pull: { pulls: 2 },
        $pop: { pops: -1 },
        $currentDate: { touched: true },
      },
    )
    expect(r).toMatchObject({ matchedCount: 1, modifiedCount: 1 })
    const d = await c.findOne({ _id: 1 as never })
    expect(d).toMatchObject({
      n: 7,
      m: 6,
      lo: 4,
      hi: 9,
      renamed: 'x',
      a: { b: 1 },
      list: [0, 1, 3],
      set: ['a', 'b'],
      pulls: [1, 3],
      pops: [2, 3],
    })
    expect(d).not.toHaveProperty('gone')
    expect(d).not.toHaveProperty('old')
    expect(d!.touched).toBeInstanceOf(Date)
    await c.updateOne(
      { _id: 1 as never },
      { $push: { list: { $each: [7], $position: 0 } }, $pullAll: { set: ['b'] } },
    )
    expect(await c.findOne({ _id: 1 as never })).toMatchObject({ list: [7, 0, 1, 3], set: ['a'] })
  })

  it('reports nModified 0 when nothing changes', async () => {
    const c = env.db.collection('upd')
    const r = await c.updateOne({ _id: 1 as never }, { $set: { n: 7 } })
    expect(r).toMatchObject({ matchedCount: 1, modifiedCount: 0 })
  })

  it('replaces documents keeping _id and rejects changing _id', async () => {
    const c = env.db.collection('repl')
    await c.insertOne({ _id: 1 as never, a: 1, b: 2 })
    await c.replaceOne({ _id: 1 as never }, { c: 3 })
    expect(await c.findOne({ _id: 1 as never })).toEqual({ _id: 1, c: 3 })
    await expect(c.updateOne({ _id: 1 as never }, { $set: { _id: 2 } })).rejects.toMatchObject({ code: 66 })
  })

  it('upserts from equality fields of the filter and reports upserted ids', async () => {
    const c = env.db.collection('ups')
    const r = await c.updateOne(
      { email: 'u@x', 'profile.kind': 'a', n: { $gt: 1 } },
      { $set: { v: 1 }, $setOnInsert: { created: true } },
      { upsert: true },
    )
    expect(r.upsertedCount).toBe(1)
    const d = await c.findOne({ _id: r.upsertedId! })
    expect(d).toMatchObject({ email: 'u@x', profile: { kind: 'a' }, v: 1, created: true })
    expect(d).not.toHaveProperty('n')
    await c.updateOne(
      { email: 'u@x' },
      { $set: { v: 2 }, $setOnInsert: { created: false } },
      { upsert: true },
    )
    expect(await c.findOne({ email: 'u@x' })).toMatchObject({ v: 2, created: true })
    const raw = await env.db.command({
      update: 'ups',
      updates: [
        { q: { k: 1 }, u: { $set: { z: 1 } }, upsert: true },
        { q: { k: 2 }, u: { k: 2, r: 1 }, upsert: true },
      ],
    })
    expect(raw.n).toBe(2)
    expect(raw.nModified).toBe(0)
    expect(raw.upserted.map((u: { index: number }) => u.index)).toEqual([0, 1])
  })

  it('updates many documents with multi', async () => {
    const c = env.db.collection('multi')
    await c.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }])
    const r = await c.updateMany({ g: 1 }, { $set: { hit: true } })
    expect(r).toMatchObject({ matchedCount: 2, modifiedCount: 2 })
    expect(await c.countDocuments({ hit: true })).toBe(2)
  })

  it('supports positional $, $[] and $[<id>] with arrayFilters', async () => {
    const c = env.db.collection('pos')
    await c.insertOne({
      _id: 1 as never,
      items: [
        { k: 'a', q: 1 },
        { k: 'b', q: 2 },
        { k: 'c', q: 3 },
      ],
      nums: [1, 2, 3],
    })
    await c.updateOne({ _id: 1 as never, 'items.k': 'b' }, { $set: { 'items.$.q': 20 } })
    await c.updateOne({ _id: 1 as never, nums: 2 }, { $inc: { 'nums.$': 100 } })
    expect(await c.findOne({ _id: 1 as never })).toMatchObject({
      items: [{ q: 1 }, { q: 20 }, { q: 3 }],
      nums: [1, 102, 3],
    })
    await c.updateOne({ _id: 1 as never }, { $inc: { 'items.$[].q': 1 } })
    await c.updateOne(
      { _id: 1 as never },
      { $set: { 'items.$[big].flag': true } },
      { arrayFilters: [{ 'big.q': { $gte: 4 } }] },
    )
    const d = await c.findOne({ _id: 1 as never })
    expect(d!.items).toEqual([
      { k: 'a', q: 2 },
      { k: 'b', q: 21, flag: true },
      { k: 'c', q: 4, flag: true },
    ])
  })

  it('supports pipeline-style updates', async () => {
    const c = env.db.collection('pipe')
    await c.insertOne({ _id: 1 as never, a: 2, b: 3 })
    await c.updateOne({ _id: 1 as never }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }])
    expect(await c.findOne({ _id: 1 as never })).toEqual({ _id: 1, a: 2, sum: 5 })
  })

  it('rejects unknown update operators and conflicting paths', async () => {
    const c = env.db.collection('upd')
    await expect(c.updateOne({}, { $frobnicate: { a: 1 } } as never)).rejects.toMatchObject({ code: 9 })
    await expect(c.updateOne({}, { $set: { a: 1 }, $inc: { a: 1 } })).rejects.toMatchObject({ code: 40 })
  })
})

describe('delete, findAndModify, count, distinct', () => {
  it('deletes one or all matches', async () => {
    const c = env.db.collection('del')
    await c.insertMany([{ g: 1 }, { g: 1 }, { g: 1 }, { g: 2 }])
    expect((await c.deleteOne({ g: 1 })).deletedCount).toBe(1)
    expect((await c.deleteMany({ g: 1 })).deletedCount).toBe(2)
    expect(await c.countDocuments()).toBe(1)
  })

  it('findOneAndUpdate honours sort, returnDocument, projection and upsert', async () => {
    const c = env.db.collection('fam')
    await c.insertMany([
      { q: 1, p: 'low' },
      { q: 9, p: 'high' },
    ])
    const before = await c.findOneAndUpdate(
      {},
      { $set: { seen: true } },
      { sort: { q: -1 }, projection: { _id: 0, p: 1, seen: 1 } },
    )
    expect(before).toEqual({ p: 'high' })
    const after = await c.findOneAndUpdate({ q: 1 }, { $inc: { q: 1 } }, { returnDocument: 'after' })
    expect(after).toMatchObject({ q: 2, p: 'low' })
    const up = await c.findOneAndUpdate(
      { q: 50 },
      { $set: { p: 'new' } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    )
    expect(up.value).toMatchObject({ q: 50, p: 'new' })
    expect(up.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false })
    expect(up.lastErrorObject!.upserted).toBeDefined()
    expect(await c.findOneAndUpdate({ q: 404 }, { $set: { p: 1 } })).toBeNull()
  })

  it('findOneAndDelete and findOneAndReplace', async () => {
    const c = env.db.collection('fam2')
    await c.insertMany([{ k: 1 }, { k: 2 }])
    expect(await c.findOneAndDelete({ k: 1 })).toMatchObject({ k: 1 })
    expect(await c.findOneAndReplace({ k: 2 }, { k: 3 }, { returnDocument: 'after' })).toMatchObject({ k: 3 })
    expect(await c.countDocuments()).toBe(1)
  })

  it('counts with the count command and distinct flattens arrays', async () => {
    const c = env.db.collection('cnt')
    await c.insertMany([
      { t: ['a', 'b'], g: 1 },
      { t: ['b', 'c'], g: 1 },
      { t: 'd', g: 2 },
    ])
    expect(await c.estimatedDocumentCount()).toBe(3)
    expect((await env.db.command({ count: 'cnt', query: { g: 1 } })).n).toBe(2)
    expect((await env.db.command({ count: 'cnt', query: {}, skip: 1, limit: 1 })).n).toBe(1)
    expect((await c.distinct('t')).sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(await c.distinct('t', { g: 2 })).toEqual(['d'])
  })
})

describe('collections and databases', () => {
  it('creates, lists (with filter and nameOnly) and drops collections', async () => {
    await env.db.createCollection('made')
    await expect(env.db.createCollection('made')).rejects.toMatchObject({ code: 48 })
    const names = (await env.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)
    expect(names).toContain('made')
    expect(await env.db.listCollections({ name: 'made' }).toArray()).toHaveLength(1)
    expect(await env.db.collection('made').drop()).toBe(true)
    expect(await env.db.listCollections({ name: 'made' }).toArray()).toHaveLength(0)
  })

  it('lists and drops databases', async () => {
    const other = env.client.db(`${env.dbName}_x`)
    await other.collection('c').insertOne({ a: 1 })
    const { databases } = await env.client.db('admin').admin().listDatabases()
    expect(databases.map((d) => d.name)).toContain(`${env.dbName}_x`)
    await other.dropDatabase()
    const after = await env.client.db('admin').admin().listDatabases()
    expect(after.databases.map((d) => d.name)).not.toContain(`${env.dbName}_x`)
  })
})
