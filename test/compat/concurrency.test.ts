import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('concurrency')
})
afterAll(() => env.close())

describe('concurrent writers', () => {
  it('50 concurrent conditional decrements on stock 10 give exactly 10 successes', async () => {
    const c = env.db.collection('stock')
    await c.insertOne({ sku: 'a', stock: 10 })
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        c.findOneAndUpdate({ sku: 'a', stock: { $gt: 0 } }, { $inc: { stock: -1 } }),
      ),
    )
    expect(results.filter((r) => r !== null)).toHaveLength(10)
    expect((await c.findOne({ sku: 'a' }))!.stock).toBe(0)
  })

  it('20 concurrent inserts of one unique key give exactly one success', async () => {
    const c = env.db.collection('uniq')
    await c.createIndex({ key: 1 }, { unique: true })
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => c.insertOne({ key: 'k', i })),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const codes = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as { code: number }).code] : [],
    )
    expect(codes).toEqual(Array(19).fill(11000))
  })

  it('concurrent $inc from separate clients loses no update', async () => {
    const c = env.db.collection('counter')
    await c.insertOne({ _id: 'n' as never, v: 0 })
    await Promise.all(
      Array.from({ length: 200 }, () => c.updateOne({ _id: 'n' as never }, { $inc: { v: 1 } })),
    )
    expect((await c.findOne({ _id: 'n' as never }))!.v).toBe(200)
  })

  it('50 concurrent $expr-guarded bookings of 10 seats modify exactly 10 times', async () => {
    const c = env.db.collection('sessions')
    const { insertedId } = await c.insertOne({ capacity: 10, taken: 0 })
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        c.updateOne({ _id: insertedId, $expr: { $lt: ['$taken', '$capacity'] } }, { $inc: { taken: 1 } }),
      ),
    )
    expect(results.reduce((n, r) => n + r.modifiedCount, 0)).toBe(10)
    expect(results.filter((r) => r.matchedCount === 0)).toHaveLength(40)
    expect((await c.findOne({ _id: insertedId }))!.taken).toBe(10)
  })

  it('a pipeline update with $cond under concurrency never passes capacity', async () => {
    const c = env.db.collection('sessions')
    const { insertedId } = await c.insertOne({ capacity: 10, taken: 0 })
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        c.updateOne({ _id: insertedId }, [
          {
            $set: {
              taken: { $cond: [{ $lt: ['$taken', '$capacity'] }, { $add: ['$taken', 1] }, '$taken'] },
            },
          },
        ]),
      ),
    )
    expect(results.reduce((n, r) => n + r.modifiedCount, 0)).toBe(10)
    expect((await c.findOne({ _id: insertedId }))!.taken).toBe(10)
  })

  it('concurrent $expr-guarded findOneAndUpdate hands out seat numbers 1..capacity once each', async () => {
    const c = env.db.collection('sessions')
    const { insertedId } = await c.insertOne({ capacity: 5, taken: 0 })
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        c.findOneAndUpdate(
          { _id: insertedId, $expr: { $lt: ['$taken', '$capacity'] } },
          { $inc: { taken: 1 } },
          { returnDocument: 'after' },
        ),
      ),
    )
    const seats = results.flatMap((r) => (r ? [r.taken as number] : [])).sort((a, b) => a - b)
    expect(seats).toEqual([1, 2, 3, 4, 5])
  })
})

describe('findOneAndUpdate with sort', () => {
  const waitlist = (name: string) => env.db.collection(name)
  const seed = async (name: string, n: number) => {
    const base = Date.parse('2025-03-01T00:00:00Z')
    // inserted in an order unrelated to createdAt
    const docs = Array.from({ length: n }, (_, i) => ({
      seq: i,
      status: 'waiting',
      priority: i % 3,
      createdAt: new Date(base + ((i * 7) % n) * 60_000),
    }))
    await waitlist(name).insertMany(docs)
    return docs
  }

  it('claims the oldest waiting entry, or the newest, or by priority then age', async () => {
    const docs = await seed('wl_sorted', 12)
    const byAge = [...docs].sort((a, b) => +a.createdAt - +b.createdAt)
    const oldest = await waitlist('wl_sorted').findOneAndUpdate(
      { status: 'waiting' },
      { $set: { status: 'offered' } },
      { sort: { createdAt: 1 }, returnDocument: 'after' },
    )
    expect(oldest).toMatchObject({ seq: byAge[0]!.seq, status: 'offered' })
    const newest = await waitlist('wl_sorted').findOneAndUpdate(
      { status: 'waiting' },
      { $set: { status: 'offered' } },
      { sort: { createdAt: -1 } },
    )
    expect(newest).toMatchObject({ seq: byAge[byAge.length - 1]!.seq, status: 'waiting' })
    const left = byAge.slice(1, -1)
    const expected = [...left].sort((a, b) => b.priority - a.priority || +a.createdAt - +b.createdAt)[0]!
    const urgent = await waitlist('wl_sorted').findOneAndUpdate(
      { status: 'waiting' },
      { $set: { status: 'offered' } },
      { sort: { priority: -1, createdAt: 1 } },
    )
    expect(urgent!.seq).toBe(expected.seq)
  })

  it('20 concurrent claims take the 20 oldest entries, each exactly once', async () => {
    for (const [name, index] of [
      ['wl_plain', null],
      ['wl_indexed', { createdAt: 1 }],
      ['wl_compound', { status: 1, createdAt: 1 }],
    ] as const) {
      if (index) await waitlist(name).createIndex(index)
      const docs = await seed(name, 30)
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          waitlist(name).findOneAndUpdate(
            { status: 'waiting' },
            { $set: { status: 'offered', by: i } },
            { sort: { createdAt: 1 }, returnDocument: 'after' },
          ),
        ),
      )
      const claimed = claims.map((d) => d!.seq as number)
      expect(new Set(claimed).size, name).toBe(20)
      const oldest20 = [...docs]
        .sort((a, b) => +a.createdAt - +b.createdAt)
        .slice(0, 20)
        .map((d) => d.seq)
      expect(
        [...claimed].sort((a, b) => a - b),
        name,
      ).toEqual([...oldest20].sort((a, b) => a - b))
      expect(await waitlist(name).countDocuments({ status: 'offered' }), name).toBe(20)
    }
  })
})
