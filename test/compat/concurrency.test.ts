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
})
