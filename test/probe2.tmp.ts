import { startServer } from '@zct/mongo-embedded'
import { MongoClient } from 'mongodb'
const s = await startServer({ port: 0 })
const c = await new MongoClient(s.uri).connect()
const db = c.db('p')
const col = db.collection('d')
await col.insertMany(Array.from({ length: 100000 }, (_, i) => ({ i, g: i % 100, at: new Date(Date.UTC(2024, 0, 1) + i * 600_000), v: i % 7 })))
async function run(name: string, p: any[]) {
  const t = Date.now()
  try { const r = await col.aggregate(p).toArray(); console.log(name, Date.now() - t, 'ms', JSON.stringify(r).slice(0, 300)) } catch (e: any) { console.log(name, 'ERR', e.code, e.message) }
}
await run('group 100k', [{ $group: { _id: '$g', n: { $sum: 1 }, s: { $sum: '$v' } } }, { $limit: 2 }])
await run('group month tz 100k', [{ $group: { _id: { $dateTrunc: { date: '$at', unit: 'month', timezone: 'Asia/Shanghai' } }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }, { $limit: 3 }])
await run('toString 100k', [{ $group: { _id: { $dateToString: { date: '$at', format: '%Y-%m-%d', timezone: 'America/New_York' } }, n: { $sum: 1 } } }, { $limit: 2 }])
await run('project 100k', [{ $project: { i: 1, d: { $add: ['$v', 1] } } }, { $limit: 2 }])
await run('window 100k', [{ $setWindowFields: { partitionBy: '$g', sortBy: { i: 1 }, output: { r: { $sum: '$v', window: { documents: ['unbounded', 'current'] } } } } }, { $limit: 2 }])
await run('facet', [{ $limit: 20 }, { $facet: { a: [{ $group: { _id: '$v', n: { $sum: 1 } } }, { $sort: { _id: 1 } }, { $limit: 2 }], b: [{ $bucket: { groupBy: '$i', boundaries: [0, 10, 100] } }], c: [{ $project: { v: 1, x: '$i' } }, { $limit: 1 }] } }])
await run('collision', [{ $project: { a: 1, 'a.b': 1 } }])
await run('unionWith', [{ $limit: 1 }, { $unionWith: { coll: 'd', pipeline: [{ $limit: 1 }, { $project: { i: 1 } }] } }, { $project: { _id: 0, i: 1 } }])
await c.close(); await s.close()
