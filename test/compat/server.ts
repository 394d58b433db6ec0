/**
 * Each compat file gets a server: the embedded one by default, or a real MongoDB when
 * MONGODB_COMPAT_URI is set (then a unique database per file keeps runs apart).
 */
import { startServer, type RunningServer } from '@zct/mongo-embedded'
import { MongoClient, type Db } from 'mongodb'
import mongoose from 'mongoose'

export const realUri = process.env.MONGODB_COMPAT_URI
export const embedded = !realUri

export interface CompatEnv {
  uri: string
  dbName: string
  client: MongoClient
  db: Db
  mongoose: mongoose.Connection
  close(): Promise<void>
}

export async function openEnv(
  name: string,
  opts: { ttlMonitorIntervalMs?: number } = {},
): Promise<CompatEnv> {
  let server: RunningServer | undefined
  let uri = realUri
  if (!uri) {
    server = await startServer({ port: 0, logLevel: 'silent', ...opts })
    uri = server.uri
  }
  const dbName = `compat_${name}_${Date.now().toString(36)}`
  const client = await new MongoClient(uri).connect()
  const conn = await mongoose.createConnection(uri, { dbName }).asPromise()
  return {
    uri,
    dbName,
    client,
    db: client.db(dbName),
    mongoose: conn,
    async close() {
      if (realUri) await client.db(dbName).dropDatabase()
      await conn.close()
      await client.close()
      await server?.close()
    },
  }
}
