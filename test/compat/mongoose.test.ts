import { Schema, Types } from 'mongoose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('mongoose')
})
afterAll(() => env.close())

const itemSchema = new Schema(
  {
    email: { type: String, required: true, unique: true },
    name: String,
    qty: { type: Number, default: 0 },
    price: Schema.Types.Decimal128,
    big: BigInt,
    blob: Buffer,
    ref: Schema.Types.ObjectId,
    when: Date,
    tags: [String],
    lines: [{ sku: String, n: Number }],
    meta: { color: String, size: Number },
  },
  { timestamps: true },
)
itemSchema.index({ name: 1, qty: -1 })

const makeModel = () => env.mongoose.model('Item', itemSchema)
let itemModel: ReturnType<typeof makeModel> | undefined
const model = () => (itemModel ??= makeModel())

describe('mongoose models', () => {
  it('builds schema indexes on init and syncIndexes is idempotent', async () => {
    const Item = model()
    await Item.init()
    await Item.syncIndexes()
    const names = (await Item.listIndexes()).map((i: { name: string }) => i.name).sort()
    expect(names).toEqual(['_id_', 'email_1', 'name_1_qty_-1'])
    expect(await Item.syncIndexes()).toEqual([])
  })

  it('round-trips every schema type through create and lean reads', async () => {
    const Item = model()
    const ref = new Types.ObjectId()
    const when = new Date('2023-05-06T07:08:09.010Z')
    const created = await Item.create({
      email: 'types@x',
      name: 'T',
      qty: 2.5,
      price: '19.99',
      big: 9007199254740993n,
      blob: Buffer.from('hi'),
      ref,
      when,
      tags: ['a'],
      lines: [{ sku: 's', n: 1 }],
      meta: { color: 'red', size: 3 },
    })
    const lean = await Item.findById(created._id).lean<Record<string, unknown>>()
    expect(lean!.qty).toBe(2.5)
    expect(String(lean!.price)).toBe('19.99')
    expect(lean!.ref).toEqual(ref)
    expect(lean!.when).toEqual(when)
    expect(lean!.createdAt).toBeInstanceOf(Date)
    expect((lean!.lines as Array<{ _id: unknown }>)[0]!._id).toBeInstanceOf(Types.ObjectId)
    const doc = await Item.findById(created._id)
    expect(doc!.big).toBe(9007199254740993n)
    expect(Buffer.from(doc!.blob as Buffer).toString()).toBe('hi')
    expect(doc!.meta).toMatchObject({ color: 'red', size: 3 })
  })

  it('queries, sorts, selects and paginates', async () => {
    const Item = model()
    await Item.insertMany(
      [1, 2, 3, 4].map((i) => ({ email: `p${i}@x`, name: 'page', qty: i, tags: i % 2 ? ['odd'] : ['even'] })),
    )
    const rows = await Item.find({ name: 'page', tags: 'odd' }).sort({ qty: -1 }).select('qty -_id').lean()
    expect(rows).toEqual([{ qty: 3 }, { qty: 1 }])
    const page = await Item.find({ name: 'page' }).sort('qty').skip(1).limit(2).lean()
    expect(page.map((r) => r.qty)).toEqual([2, 3])
    expect(await Item.countDocuments({ name: 'page', qty: { $gte: 2 } })).toBe(3)
    expect(await Item.exists({ email: 'p1@x' })).toBeTruthy()
    expect((await Item.distinct('tags', { name: 'page' })).sort()).toEqual(['even', 'odd'])
  })

  it('updates through documents, updateOne and findOneAndUpdate', async () => {
    const Item = model()
    const doc = await Item.findOne({ email: 'p1@x' })
    doc!.name = 'saved'
    doc!.tags.push('more')
    await doc!.save()
    expect(await Item.findOne({ email: 'p1@x' }).lean()).toMatchObject({
      name: 'saved',
      tags: ['odd', 'more'],
    })
    await Item.updateOne({ email: 'p1@x' }, { $inc: { qty: 10 } })
    const after = await Item.findOneAndUpdate(
      { email: 'p1@x' },
      { $set: { 'meta.color': 'blue' } },
      { new: true },
    ).lean()
    expect(after).toMatchObject({ qty: 11, meta: { color: 'blue' } })
    const up = await Item.findOneAndUpdate(
      { email: 'new@x' },
      { $set: { name: 'upserted' } },
      { upsert: true, new: true },
    ).lean()
    expect(up).toMatchObject({ email: 'new@x', name: 'upserted', qty: 0 })
  })

  it('maps duplicate keys to the mongoose/driver error shape', async () => {
    const Item = model()
    const err = await Item.create({ email: 'p2@x' }).then(
      () => null,
      (e: unknown) => e as { code: number; keyPattern: unknown; keyValue: unknown; message: string },
    )
    expect(err).not.toBeNull()
    expect(err!.code).toBe(11000)
    expect(err!.keyPattern).toEqual({ email: 1 })
    expect(err!.keyValue).toEqual({ email: 'p2@x' })
    expect(err!.message).toMatch(
      /^E11000 duplicate key error collection: .*\.items index: email_1 dup key: \{ email: "p2@x" \}/,
    )
  })

  it('deletes and aggregates', async () => {
    const Item = model()
    const agg = await Item.aggregate([
      { $match: { name: 'page' } },
      { $group: { _id: '$name', total: { $sum: '$qty' } } },
    ])
    expect(agg).toEqual([{ _id: 'page', total: 9 }])
    expect((await Item.deleteMany({ name: 'page' })).deletedCount).toBe(3)
    expect(await Item.findOneAndDelete({ email: 'new@x' }).lean()).toMatchObject({ name: 'upserted' })
  })

  it('rejects transactions the way a standalone mongod does', async () => {
    const session = await env.mongoose.startSession()
    const Item = model()
    const err = await session
      .withTransaction(() => Item.create([{ email: 'txn@x' }], { session }))
      .then(
        () => null,
        (e: unknown) => e as { code?: number; message: string },
      )
    await session.endSession()
    expect(err).not.toBeNull()
    expect(err!.code).toBe(20)
    expect(err!.message).toContain('Transaction numbers are only allowed on a replica set member or mongos')
    expect(await Item.countDocuments({ email: 'txn@x' })).toBe(0)
  })
})
