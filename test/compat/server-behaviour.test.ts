import { startServer } from '@zct/mongo-embedded'
import { Binary, Decimal128, Double, Int32, Long, MongoClient, ObjectId } from 'mongodb'
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BSON } from 'bson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
beforeAll(async () => {
  env = await openEnv('server', { ttlMonitorIntervalMs: 100 })
})
afterAll(() => env.close())

describe('handshake', () => {
  it('hello describes a writable standalone', async () => {
    const hello = await env.client.db('admin').command({ hello: 1 })
    expect(hello).toMatchObject({
      isWritablePrimary: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48000000,
      maxWriteBatchSize: 100000,
      logicalSessionTimeoutMinutes: 30,
      ok: 1,
    })
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(21)
    expect(hello.localTime).toBeInstanceOf(Date)
    expect(typeof hello.connectionId).toBe('number')
    expect(hello.setName).toBeUndefined()
    const legacy = await env.client.db('admin').command({ ismaster: 1 })
    expect(legacy.ismaster).toBe(true)
  })

  it('answers ping, buildInfo and endSessions', async () => {
    const admin = env.client.db('admin')
    expect((await admin.command({ ping: 1 })).ok).toBe(1)
    expect((await admin.command({ buildInfo: 1 })).versionArray[0]).toBeGreaterThanOrEqual(7)
    expect((await admin.command({ endSessions: [] })).ok).toBe(1)
  })
})

describe.skipIf(!embedded)('TTL indexes', () => {
  it('removes documents once expireAfterSeconds has passed', async () => {
    const c = env.db.collection('ttl')
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 })
    await c.insertMany([
      { at: new Date(Date.now() - 5000), k: 'old' },
      { at: new Date(Date.now() + 60_000), k: 'new' },
      { k: 'no date' },
    ])
    await expect
      .poll(async () => (await c.find().toArray()).map((d) => d.k).sort(), { timeout: 3000, interval: 100 })
      .toEqual(['new', 'no date'])
  })
})

/** Sends raw bytes and resolves once the server replies or closes the socket. */
function rawExchange(bytes: Buffer): Promise<{ closed: boolean; reply: Buffer }> {
  const url = new URL(env.uri)
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const s: Socket = connect(Number(url.port), url.hostname, () => s.write(bytes))
    const done = (closed: boolean) => {
      s.destroy()
      resolve({ closed, reply: Buffer.concat(chunks) })
    }
    s.on('data', (d) => {
      chunks.push(d)
      const len = Buffer.concat(chunks).readInt32LE(0)
      if (Buffer.concat(chunks).length >= len) done(false)
    })
    s.on('close', () => done(true))
    s.on('error', () => done(true))
    setTimeout(() => done(false), 1000)
  })
}

function header(len: number, opCode: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeInt32LE(len, 0)
  h.writeInt32LE(1, 4)
  h.writeInt32LE(opCode, 12)
  return h
}

describe('bad input', () => {
  it('garbage, oversize lengths, unknown opcodes and bad BSON never take the server down', async () => {
    const garbage = await rawExchange(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    expect(garbage.closed).toBe(true)
    const oversize = await rawExchange(header(64 * 1024 * 1024, 2013))
    expect(oversize.closed).toBe(true)
    const unknownOp = await rawExchange(Buffer.concat([header(20, 9999), Buffer.alloc(4)]))
    expect(unknownOp.closed).toBe(true)
    await rawExchange(header(16, 2013).subarray(0, 10)) // truncated header, then hang up
    // OP_MSG whose body claims more bytes than it has
    const badBody = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), Buffer.from([0xff, 0, 0, 0, 3, 0x61])])
    const badBson = await rawExchange(Buffer.concat([header(16 + badBody.length, 2013), badBody]))
    if (!badBson.closed) {
      const doc = BSON.deserialize(badBson.reply.subarray(21))
      expect(doc.ok).toBe(0)
      expect(typeof doc.errmsg).toBe('string')
    }
    const fresh = await new MongoClient(env.uri).connect()
    expect((await fresh.db('admin').command({ ping: 1 })).ok).toBe(1)
    await fresh.close()
    expect((await env.client.db('admin').command({ ping: 1 })).ok).toBe(1)
  })
})

describe.skipIf(!embedded)('persistence', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mongo-embedded-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const sample = {
    _id: new ObjectId(),
    long: Long.fromString('1234567890123456789'),
    int: new Int32(5),
    dbl: new Double(2.25),
    dec: Decimal128.fromString('0.1'),
    bin: new Binary(Buffer.from('bytes'), 4),
    date: new Date(1700000000123),
    nil: null,
    nested: { a: [1, { b: 'c' }] },
    str: 'héllo',
  }

  async function withServer<T>(fn: (client: MongoClient) => Promise<T>): Promise<T> {
    const server = await startServer({ port: 0, dbPath: dir })
    const client = await new MongoClient(server.uri).connect()
    try {
      return await fn(client)
    } finally {
      await client.close()
      await server.close()
    }
  }

  it('keeps every type, index and concurrent write across a restart', async () => {
    await withServer(async (client) => {
      const c = client.db('p').collection('things')
      await c.createIndex({ str: 1 }, { unique: true })
      await c.insertOne(sample)
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => client.db('p').collection('many').insertOne({ i })),
      )
      await client
        .db('p')
        .collection('many')
        .updateMany({ i: { $lt: 10 } }, { $set: { low: true } })
      await client
        .db('p')
        .collection('many')
        .deleteMany({ i: { $gte: 190 } })
    })
    await withServer(async (client) => {
      const doc = await client
        .db('p')
        .collection('things')
        .findOne({ _id: sample._id }, { promoteValues: false, promoteLongs: false })
      expect(doc!.long).toBeInstanceOf(Long)
      expect(String(doc!.long)).toBe('1234567890123456789')
      expect(doc!.int).toBeInstanceOf(Int32)
      expect(doc!.dbl).toBeInstanceOf(Double)
      expect(String(doc!.dec)).toBe('0.1')
      expect((doc!.bin as Binary).sub_type).toBe(4)
      expect(Buffer.from((doc!.bin as Binary).buffer).toString()).toBe('bytes')
      expect(doc!.date).toEqual(sample.date)
      expect(doc!.nested).toBeDefined()
      expect(await client.db('p').collection('many').countDocuments()).toBe(190)
      expect(await client.db('p').collection('many').countDocuments({ low: true })).toBe(10)
      const idx = await client.db('p').collection('things').indexes()
      expect(idx.map((i) => i.name)).toContain('str_1')
      await expect(client.db('p').collection('things').insertOne({ str: 'héllo' })).rejects.toMatchObject({
        code: 11000,
      })
    })
  })

  it('keeps acknowledged writes when the server process is killed without warning', async () => {
    const pkg = fileURLToPath(new URL('../../mongo-embedded/', import.meta.url))
    const crashDir = join(dir, 'crash')
    const spawnServer = async (...extra: string[]) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--dbpath', crashDir, ...extra],
        { cwd: pkg, stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const uri = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`server exited ${String(code)}`)))
        createInterface({ input: child.stdout! }).on('line', (l) => {
          const m = /listening on (\S+)/.exec(l)
          if (m?.[1]) resolve(m[1])
        })
      })
      return { child, uri }
    }
    // default writes: on disk within one group-commit interval
    const first = await spawnServer()
    const c1 = await new MongoClient(first.uri).connect()
    await c1
      .db('crash')
      .collection('c')
      .insertMany(Array.from({ length: 100 }, (_, i) => ({ i, at: new Date(i) })))
    await c1
      .db('crash')
      .collection('c')
      .updateOne({ i: 5 }, { $set: { hit: Long.fromNumber(7) } })
    await new Promise((r) => setTimeout(r, 300)) // > one group-commit interval
    first.child.kill('SIGKILL')
    await c1.close(true)

    // journaled writes (j: true, w: 'majority'): on disk when acknowledged. With a 10 s group commit,
    // nothing but the journaled acknowledgement can have put them there before the kill.
    const second = await spawnServer('--journalCommitInterval', '10000')
    const c2 = await new MongoClient(second.uri).connect()
    const j = c2.db('crash').collection('j')
    try {
      expect(await c2.db('crash').collection('c').countDocuments()).toBe(100)
      const hit = await c2.db('crash').collection('c').findOne({ i: 5 }, { promoteLongs: false })
      expect(hit!.hit).toBeInstanceOf(Long)
      await Promise.all(
        Array.from({ length: 50 }, (_, n) => j.insertOne({ n }, { writeConcern: { j: true } })),
      )
      await j.insertMany(
        Array.from({ length: 100 }, (_, i) => ({ n: 100 + i })),
        { writeConcern: { w: 'majority' } },
      )
      await j.updateMany({ n: { $lt: 10 } }, { $set: { vip: true } }, { writeConcern: { j: true } })
      await j.deleteOne({ n: 49 }, { writeConcern: { w: 'majority' } })
      await j.findOneAndUpdate({ n: 0 }, { $set: { claimed: true } }, { writeConcern: { j: true } })
    } finally {
      second.child.kill('SIGKILL') // right after the last acknowledgement
      await c2.close(true)
    }

    const third = await spawnServer()
    const c3 = await new MongoClient(third.uri).connect()
    try {
      const after = c3.db('crash').collection('j')
      expect(await after.countDocuments()).toBe(149)
      expect(await after.countDocuments({ vip: true })).toBe(10)
      expect(await after.countDocuments({ n: 49 })).toBe(0)
      expect(await after.countDocuments({ claimed: true })).toBe(1)
    } finally {
      await c3.close()
      third.child.kill('SIGTERM')
    }
  }, 60_000)

  it('ignores a torn record at the end of the journal', async () => {
    await withServer(async (client) => {
      await client.db('p').collection('torn').insertOne({ k: 1 })
    })
    const journal = readdirSync(dir).find((f) => f.startsWith('journal.'))
    const target = join(dir, journal ?? 'journal.999.bson')
    appendFileSync(target, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6]))
    await withServer(async (client) => {
      expect(await client.db('p').collection('torn').countDocuments()).toBe(1)
      await client.db('p').collection('torn').insertOne({ k: 2 })
    })
    await withServer(async (client) => {
      expect(await client.db('p').collection('torn').countDocuments()).toBe(2)
    })
  })
})
