import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { startServer } from './src/index.js'
const dir = mkdtempSync(join(tmpdir(), 'jb-'))
const s = await startServer({ port: 0, dbPath: dir })
const c = await new MongoClient(s.uri).connect()
const col = c.db('b').collection('x')
for (const [name, wc] of [['default', undefined], ['j:true', { j: true }], ['w:majority', { w: 'majority' as const }]] as const) {
  let t = Date.now()
  for (let i = 0; i < 300; i++) await col.insertOne({ i }, wc ? { writeConcern: wc } : {})
  const seq = (Date.now() - t) / 300
  t = Date.now()
  await Promise.all(Array.from({ length: 2000 }, (_, i) => col.insertOne({ i }, wc ? { writeConcern: wc } : {})))
  const par = 2000 / ((Date.now() - t) / 1000)
  console.log(`${name.padEnd(11)} sequential ${seq.toFixed(2)} ms/insert, 2000 concurrent ${Math.round(par)} inserts/s`)
}
await c.close(); await s.close(); rmSync(dir, { recursive: true, force: true })
