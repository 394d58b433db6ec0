import { ObjectId, type Document } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

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

describe('field order of stage outputs', () => {
  it('puts _id first out of $group, $bucket, $bucketAuto and $sortByCount', async () => {
    const [grouped] = await orders()
      .aggregate([{ $group: { _id: '$status', n: { $sum: 1 }, total: { $sum: '$total' } } }])
      .toArray()
    expect(Object.keys(grouped!)).toEqual(['_id', 'n', 'total'])
    const [bucket] = await orders()
      .aggregate([{ $bucket: { groupBy: '$total', boundaries: [0, 100], output: { n: { $sum: 1 } } } }])
      .toArray()
    expect(Object.keys(bucket!)).toEqual(['_id', 'n'])
    const [auto] = await orders()
      .aggregate([{ $bucketAuto: { groupBy: '$total', buckets: 2 } }])
      .toArray()
    expect(Object.keys(auto!)).toEqual(['_id', 'count'])
    const [counted] = await orders()
      .aggregate([{ $sortByCount: '$status' }])
      .toArray()
    expect(Object.keys(counted!)).toEqual(['_id', 'count'])
  })

  it('keeps the stored field order in $project and appends computed fields', async () => {
    const [picked] = await orders()
      .aggregate([{ $project: { status: 1, total: 1 } }])
      .toArray()
    expect(Object.keys(picked!)).toEqual(['_id', 'total', 'status'])
    const [computed] = await orders()
      .aggregate([{ $project: { double: { $multiply: ['$total', 2] }, status: 1 } }])
      .toArray()
    expect(Object.keys(computed!)).toEqual(['_id', 'status', 'double'])
    const [excluded] = await orders()
      .aggregate([{ $project: { items: 0 } }])
      .toArray()
    expect(Object.keys(excluded!)).toEqual(['_id', 'user', 'total', 'status'])
  })
})

describe('grouping stages', () => {
  it('groups a missing key with null and leaves missing values out of $push', async () => {
    const c = env.db.collection('sparse')
    await c.insertMany([{ k: 'a', v: 1 }, { v: 2 }, { k: null }, { k: 'a' }])
    const rows = await c
      .aggregate([{ $group: { _id: '$k', n: { $sum: 1 }, vs: { $push: '$v' } } }, { $sort: { _id: 1 } }])
      .toArray()
    expect(rows).toEqual([
      { _id: null, n: 2, vs: [2] },
      { _id: 'a', n: 2, vs: [1] },
    ])
  })

  it('$bucket puts a value equal to a boundary in the bucket it opens and emits no empty bucket', async () => {
    const rows = await orders()
      .aggregate([{ $bucket: { groupBy: '$total', boundaries: [0, 5, 10, 15, 100] } }])
      .toArray()
    // totals 10, 20, 5, 7: [0,5) is empty, 5 opens [5,10), 10 opens [10,15)
    expect(rows).toEqual([
      { _id: 5, count: 2 },
      { _id: 10, count: 1 },
      { _id: 15, count: 1 },
    ])
  })

  it('$bucket sends out-of-range values to the default bucket, with named outputs', async () => {
    const rows = await orders()
      .aggregate([
        {
          $bucket: {
            groupBy: '$total',
            boundaries: [0, 8, 15],
            default: '15 及以上',
            output: { n: { $sum: 1 }, sum: { $sum: '$total' } },
          },
        },
      ])
      .toArray()
    expect(rows).toEqual([
      { _id: 0, n: 2, sum: 12 },
      { _id: 8, n: 1, sum: 10 },
      { _id: '15 及以上', n: 1, sum: 20 },
    ])
  })

  it('$sortByCount counts per value, most frequent first', async () => {
    expect(
      await orders()
        .aggregate([{ $sortByCount: '$status' }])
        .toArray(),
    ).toEqual([
      { _id: 'paid', count: 3 },
      { _id: 'open', count: 1 },
    ])
  })
})

describe('$lookup with let and pipeline', () => {
  it('joins on several variables and aggregates inside the sub-pipeline', async () => {
    const rows = await env.db
      .collection('users')
      .aggregate([
        {
          $lookup: {
            from: 'orders',
            let: { uid: '$_id', min: 8 },
            pipeline: [
              { $match: { $expr: { $and: [{ $eq: ['$user', '$$uid'] }, { $gte: ['$total', '$$min'] }] } } },
              { $group: { _id: null, sum: { $sum: '$total' }, n: { $sum: 1 } } },
              { $project: { _id: 0, sum: 1, n: 1 } },
            ],
            as: 'big',
          },
        },
        { $project: { _id: 0, name: 1, big: 1 } },
        { $sort: { name: 1 } },
      ])
      .toArray()
    expect(rows).toEqual([
      { name: 'ann', big: [{ sum: 30, n: 2 }] },
      { name: 'bob', big: [] },
    ])
  })

  it('combines localField/foreignField with a pipeline', async () => {
    const rows = await env.db
      .collection('users')
      .aggregate([
        {
          $lookup: {
            from: 'orders',
            localField: '_id',
            foreignField: 'user',
            pipeline: [
              { $match: { status: 'paid' } },
              { $sort: { total: 1 } },
              { $project: { _id: 0, total: 1 } },
            ],
            as: 'paid',
          },
        },
        { $project: { _id: 0, name: 1, paid: 1 } },
        { $sort: { name: 1 } },
      ])
      .toArray()
    expect(rows).toEqual([
      { name: 'ann', paid: [{ total: 10 }, { total: 20 }] },
      { name: 'bob', paid: [{ total: 7 }] },
    ])
  })
})

describe('$setWindowFields', () => {
  const payments = () => env.db.collection('payments')
  beforeAll(async () => {
    // station a: months 1-4, station b: months 1-2; a tie on amount 300 in station a
    await payments().insertMany([
      { station: 'a', month: 3, amount: 300, at: new Date('2025-03-01T00:00:00Z') },
      { station: 'a', month: 1, amount: 100, at: new Date('2025-01-01T00:00:00Z') },
      { station: 'b', month: 2, amount: 50, at: new Date('2025-02-01T00:00:00Z') },
      { station: 'a', month: 2, amount: 300, at: new Date('2025-01-29T00:00:00Z') },
      { station: 'b', month: 1, amount: 20, at: new Date('2025-01-01T00:00:00Z') },
      { station: 'a', month: 4, amount: 40, at: new Date('2025-04-01T00:00:00Z') },
    ])
  })
  const byStationMonth = (a: Document, b: Document) =>
    String(a.station).localeCompare(String(b.station)) || Number(a.month) - Number(b.month)

  /** mongod's answer, or a refusal with 115 on the embedded server */
  async function correctOr115(run: () => Promise<unknown>, expected: unknown) {
    try {
      expect(await run()).toEqual(expected)
    } catch (err) {
      if ((err as { code?: number }).code !== 115) throw err
      expect(embedded).toBe(true)
    }
  }

  it('keeps running totals per partition with a documents window', async () => {
    await correctOr115(
      async () =>
        (
          await payments()
            .aggregate([
              {
                $setWindowFields: {
                  partitionBy: '$station',
                  sortBy: { month: 1 },
                  output: {
                    running: { $sum: '$amount', window: { documents: ['unbounded', 'current'] } },
                    total: { $sum: '$amount' },
                    prevAndThis: { $avg: '$amount', window: { documents: [-1, 'current'] } },
                  },
                },
              },
              { $project: { _id: 0, station: 1, month: 1, running: 1, total: 1, prevAndThis: 1 } },
            ])
            .toArray()
        ).sort(byStationMonth),
      [
        { station: 'a', month: 1, running: 100, total: 740, prevAndThis: 100 },
        { station: 'a', month: 2, running: 400, total: 740, prevAndThis: 200 },
        { station: 'a', month: 3, running: 700, total: 740, prevAndThis: 300 },
        { station: 'a', month: 4, running: 740, total: 740, prevAndThis: 170 },
        { station: 'b', month: 1, running: 20, total: 70, prevAndThis: 20 },
        { station: 'b', month: 2, running: 70, total: 70, prevAndThis: 35 },
      ],
    )
  })

  it('ranks with ties, numbers documents and shifts to the previous one', async () => {
    await correctOr115(
      async () =>
        (
          await payments()
            .aggregate([
              {
                $setWindowFields: {
                  partitionBy: '$station',
                  sortBy: { amount: -1 },
                  output: {
                    rank: { $rank: {} },
                    dense: { $denseRank: {} },
                    n: { $documentNumber: {} },
                  },
                },
              },
              {
                $setWindowFields: {
                  partitionBy: '$station',
                  sortBy: { month: 1 },
                  output: { previous: { $shift: { output: '$amount', by: -1, default: 0 } } },
                },
              },
              { $project: { _id: 0, station: 1, month: 1, rank: 1, dense: 1, previous: 1 } },
            ])
            .toArray()
        ).sort(byStationMonth),
      [
        { station: 'a', month: 1, rank: 3, dense: 2, previous: 0 },
        { station: 'a', month: 2, rank: 1, dense: 1, previous: 100 },
        { station: 'a', month: 3, rank: 1, dense: 1, previous: 300 },
        { station: 'a', month: 4, rank: 4, dense: 3, previous: 300 },
        { station: 'b', month: 1, rank: 2, dense: 2, previous: 0 },
        { station: 'b', month: 2, rank: 1, dense: 1, previous: 20 },
      ],
    )
  })

  it('counts what falls in a date range window', async () => {
    await correctOr115(
      async () =>
        (
          await payments()
            .aggregate([
              {
                $setWindowFields: {
                  sortBy: { at: 1 },
                  output: { lastWeek: { $count: {}, window: { range: [-7, 'current'], unit: 'day' } } },
                },
              },
              { $project: { _id: 0, station: 1, month: 1, lastWeek: 1 } },
            ])
            .toArray()
        ).sort(byStationMonth),
      [
        // 01-01 (two), 01-29, 02-01 (within 7 days of 01-29), 03-01, 04-01
        { station: 'a', month: 1, lastWeek: 2 },
        { station: 'a', month: 2, lastWeek: 1 },
        { station: 'a', month: 3, lastWeek: 1 },
        { station: 'a', month: 4, lastWeek: 1 },
        { station: 'b', month: 1, lastWeek: 2 },
        { station: 'b', month: 2, lastWeek: 2 },
      ],
    )
  })

  it.skipIf(!embedded)('refuses a window function it does not implement with 115', async () => {
    await expect(
      payments()
        .aggregate([
          {
            $setWindowFields: { sortBy: { month: 1 }, output: { d: { $derivative: { input: '$amount' } } } },
          },
        ])
        .toArray(),
    ).rejects.toMatchObject({ code: 115 })
  })
})
