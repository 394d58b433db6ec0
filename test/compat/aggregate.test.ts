import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
const u1 = new ObjectId()
const u2 = new ObjectId()
beforeAll(async () => {
  env = await openEnv('aggregate')
  await env.db.collection('users').insertMany([
    { _id: u1, name: 'ann', city: 'x' },
    { _id: u2, name: 'bob', city: 'y' },
  ])
  await env.db.collection('orders').insertMany([
    { user: u1, total: 10, items: ['a', 'b'], status: 'paid' },
    { user: u1, total: 20, items: ['b'], status: 'paid' },
    { user: u2, total: 5, items: [], status: 'open' },
    { user: new ObjectId(u2.toHexString()), total: 7, items: ['c'], status: 'paid' },
  ])
})
afterAll(() => env.close())

const orders = () => env.db.collection('orders')

describe('aggregation pipeline', () => {
  it('groups by ObjectId value with every accumulator', async () => {
    const rows = await orders()
      .aggregate([
        {
          $group: {
            _id: '$user',
            sum: { $sum: '$total' },
            avg: { $avg: '$total' },
            min: { $min: '$total' },
            max: { $max: '$total' },
            first: { $first: '$total' },
            last: { $last: '$total' },
            all: { $push: '$status' },
            uniq: { $addToSet: '$status' },
            n: { $count: {} },
          },
        },
        { $sort: { sum: -1 } },
      ])
      .toArray()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({
      _id: u1,
      sum: 30,
      avg: 15,
      min: 10,
      max: 20,
      first: 10,
      last: 20,
      all: ['paid', 'paid'],
      uniq: ['paid'],
      n: 2,
    })
    expect(rows[1]).toMatchObject({ _id: u2, sum: 12, n: 2 })
  })

  it('matches, projects, adds fields, unsets, sorts, skips and limits', async () => {
    const rows = await orders()
      .aggregate([
        { $match: { status: 'paid' } },
        { $addFields: { double: { $multiply: ['$total', 2] } } },
        { $set: { tag: 'x' } },
        { $unset: 'items' },
        { $project: { _id: 0, total: 1, double: 1, tag: 1 } },
        { $sort: { total: 1 } },
        { $skip: 1 },
        { $limit: 1 },
      ])
      .toArray()
    expect(rows).toEqual([{ total: 10, double: 20, tag: 'x' }])
  })

  it('unwinds, counts and sorts by count', async () => {
    const unwound = await orders()
      .aggregate([{ $unwind: '$items' }, { $count: 'n' }])
      .toArray()
    expect(unwound).toEqual([{ n: 4 }])
    const byCount = await orders()
      .aggregate([{ $unwind: '$items' }, { $sortByCount: '$items' }])
      .toArray()
    expect(byCount[0]).toEqual({ _id: 'b', count: 2 })
  })

  it('looks up with localField/foreignField and with a pipeline', async () => {
    const simple = await env.db
      .collection('users')
      .aggregate([
        { $lookup: { from: 'orders', localField: '_id', foreignField: 'user', as: 'orders' } },
        { $sort: { name: 1 } },
      ])
      .toArray()
    expect(simple.map((u) => u.orders.length)).toEqual([2, 2])
    const piped = await env.db
      .collection('users')
      .aggregate([
        { $match: { name: 'ann' } },
        {
          $lookup: {
            from: 'orders',
            let: { uid: '$_id' },
            pipeline: [
              { $match: { $expr: { $eq: ['$user', '$$uid'] } } },
              { $project: { _id: 0, total: 1 } },
            ],
            as: 'o',
          },
        },
      ])
      .toArray()
    expect(piped[0]!.o).toEqual([{ total: 10 }, { total: 20 }])
  })

  it('facets, replaceRoot and replaceWith', async () => {
    const [facets] = await orders()
      .aggregate([
        { $facet: { paid: [{ $match: { status: 'paid' } }, { $count: 'n' }], all: [{ $count: 'n' }] } },
      ])
      .toArray()
    expect(facets).toEqual({ paid: [{ n: 3 }], all: [{ n: 4 }] })
    const roots = await env.db
      .collection('users')
      .aggregate([{ $sort: { name: 1 } }, { $replaceRoot: { newRoot: { who: '$name' } } }])
      .toArray()
    expect(roots).toEqual([{ who: 'ann' }, { who: 'bob' }])
    const withs = await env.db
      .collection('users')
      .aggregate([{ $sort: { name: -1 } }, { $replaceWith: { c: '$city' } }])
      .toArray()
    expect(withs).toEqual([{ c: 'y' }, { c: 'x' }])
  })

  it('returns large results through cursor batches', async () => {
    const c = env.db.collection('many')
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ i })))
    const rows = await c.aggregate([{ $match: { i: { $gte: 0 } } }], { batchSize: 50 }).toArray()
    expect(rows).toHaveLength(300)
  })

  it('does not modify stored documents', async () => {
    await orders()
      .aggregate([{ $addFields: { 'extra.nested': 1, total: 0 } }])
      .toArray()
    expect(await orders().countDocuments({ total: 0 })).toBe(0)
    expect(await orders().countDocuments({ extra: { $exists: true } })).toBe(0)
  })
})
