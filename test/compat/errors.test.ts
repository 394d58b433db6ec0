import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('errors')
  await env.db.collection('c').insertOne({ a: 'hello world' })
})
afterAll(() => env.close())

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected an error')
    },
    (e: { code: number; codeName: string; errmsg?: string; message: string }) => e,
  )

describe('error replies', () => {
  it('every error carries ok 0, errmsg, code and codeName', async () => {
    const err = await errorOf(env.db.command({ definitelyNotACommand: 1 }))
    expect(err.code).toBe(59)
    expect(err.codeName).toBe('CommandNotFound')
    expect(err.message).toContain("no such command: 'definitelyNotACommand'")
  })

  it.skipIf(!embedded)(
    'a real mongod command it does not implement answers 115 naming the command',
    async () => {
      const err = await errorOf(env.db.command({ renameCollection: 'x.a', to: 'x.b' }))
      expect(err.code).toBe(115)
      expect(err.codeName).toBe('CommandNotSupported')
      expect(err.message).toContain("command 'renameCollection' is not supported")
    },
  )

  it('unknown query operators answer BadValue naming the operator', async () => {
    const err = await errorOf(
      env.db
        .collection('c')
        .find({ a: { $frob: 1 } })
        .toArray(),
    )
    expect(err.code).toBe(2)
    expect(err.message).toContain('$frob')
  })

  it('unknown aggregation stages answer 40324 naming the stage', async () => {
    const err = await errorOf(
      env.db
        .collection('c')
        .aggregate([{ $frob: {} }])
        .toArray(),
    )
    expect(err.code).toBe(40324)
    expect(err.message).toContain('$frob')
  })

  it('unknown aggregation expressions are refused, not ignored', async () => {
    const err = await errorOf(
      env.db
        .collection('c')
        .aggregate([{ $project: { x: { $frob: '$a' } } }])
        .toArray(),
    )
    expect(err.message).toContain('$frob')
  })

  it('refuses a transaction command with code 20', async () => {
    const session = env.client.startSession()
    session.startTransaction()
    const err = await errorOf(env.db.collection('c').insertOne({ t: 1 }, { session }))
    await session.abortTransaction().catch(() => undefined)
    await session.endSession()
    expect(err.code).toBe(20)
    expect(err.codeName).toBe('IllegalOperation')
    expect(err.message).toBe('Transaction numbers are only allowed on a replica set member or mongos')
  })
})

describe.skipIf(!embedded)('unsupported features answer 115 CommandNotSupported naming the feature', () => {
  const cases: Array<[string, () => Promise<unknown>]> = [
    [
      '$text',
      () =>
        env.db
          .collection('c')
          .find({ $text: { $search: 'hello' } })
          .toArray(),
    ],
    ['$where', () => env.db.collection('c').find({ $where: 'true' }).toArray()],
    [
      'collation',
      () =>
        env.db
          .collection('c')
          .find({}, { collation: { locale: 'fr' } })
          .toArray(),
    ],
    [
      '$changeStream',
      () =>
        env.db
          .collection('c')
          .aggregate([{ $changeStream: {} }])
          .toArray(),
    ],
    [
      'mapReduce',
      () =>
        env.db.command({ mapReduce: 'c', map: 'function(){}', reduce: 'function(){}', out: { inline: 1 } }),
    ],
    ['text index', () => env.db.collection('c').createIndex({ a: 'text' })],
  ]
  for (const [what, run] of cases) {
    it(what, async () => {
      const err = await errorOf(run())
      expect(err.code).toBe(115)
      expect(err.codeName).toBe('CommandNotSupported')
      expect(err.message).toContain(what.split(' ')[0])
    })
  }
})
