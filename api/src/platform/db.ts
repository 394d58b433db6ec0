import mongoose, { type Model } from 'mongoose'
import { isDuplicateKey } from './errors.js'
import type { Logger } from './logger.js'

/**
 * One mongoose connection per process. The driver reconnects by itself; `/readyz` pings so an outage is
 * visible and recovery needs no restart. `autoIndex` builds the indexes declared on every model at boot.
 */
export async function connectMongo(uri: string, log: Logger) {
  mongoose.set('strictQuery', true)
  // mongoose captures a stack per query only to decorate "Query was already executed" errors; that
  // capture is a large share of a lean read's client cost, and we never execute a query twice.
  mongoose.set('skipOriginalStackTraces', true)
  const conn = mongoose.connection
  conn.on('disconnected', () => log.warn('mongodb disconnected'))
  conn.on('reconnected', () => log.info('mongodb reconnected'))
  await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5_000,
    heartbeatFrequencyMS: 2_000,
    maxPoolSize: 50,
    autoIndex: true,
  })
  // Build declared indexes now rather than lazily, so the first hot query already has them.
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()))
  return conn
}

/** Pings with a short deadline; never waits for the driver's long server-selection timeout. */
export async function pingMongo(timeoutMs = 1_000): Promise<boolean> {
  const db = mongoose.connection.db
  if (!db) return false
  try {
    await withTimeout(db.command({ ping: 1 }, { timeoutMS: timeoutMs } as object), timeoutMs)
    return true
  } catch {
    return false
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Idempotent bulk insert for fan-out records: complete documents (lean, so no per-document mongoose overhead
 * at 500 a batch), unordered, and rows already written by an earlier run (a unique key taken) are skipped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model with a unique key
export async function insertIgnoringDuplicates(model: Model<any>, docs: object[]) {
  if (!docs.length) return
  try {
    await model.insertMany(docs, { ordered: false, lean: true })
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors
    const allDuplicates = writeErrors?.every((w) => (w.code ?? w.err?.code) === 11000)
    if (!isDuplicateKey(err) && !allDuplicates) throw err
  }
}
