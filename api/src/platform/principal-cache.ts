import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import type { MongooseQueryMiddleware, Schema } from 'mongoose'

/**
 * Who is calling, with what powers, is read on every authenticated request. Reading it from MongoDB each
 * time costs two or three round trips before a handler runs, so each process keeps principals in memory and
 * asks Redis, in one MGET per request, whether its copy is still current:
 *
 * - every record a principal is built from carries an **epoch** in Redis: one per user
 *   (`admin:<id>`, `mp:<id>`), one per collection for writes that name no single user (`admin:*`, `mp:*`),
 *   and one for the shared parts (`roles`, `memberships` — which also covers enterprise verification);
 * - every write that could change a principal sets its epochs to a fresh random value *after* the write
 *   (mongoose middleware on those models, `watchPrincipalWrites`, so no code path can forget it);
 * - a cached principal is used only while the epochs read now equal the ones read before it was loaded.
 *
 * So logout, disabling, a role or password change, leaving an enterprise or a verification decision is
 * seen by every api process on its next request. Random values (not counters) mean a Redis that lost its
 * data can never make an old copy look current again: a missing key differs from any value. If Redis
 * cannot be read, the principal is read from the database: an unverifiable copy is never trusted. Entries
 * also expire after a minute, for writes made outside this code (an operator's shell).
 */

/** The epochs a write bumps; shared by every cache in this process (tests run api and worker in one). */
const writers = new Set<(keys: string[]) => Promise<unknown>>()

/** Epochs live a week; an expired one only costs one database read. */
const EPOCH_TTL_S = 7 * 24 * 3600

/** Registers this process's Redis as where epochs are written; returns the unregister function. */
export function registerEpochWriter(redis: Redis, prefix: string) {
  const write = async (keys: string[]) => {
    // Commands fail at once while the client (re)connects (no offline queue): a write made during start-up
    // (seeding the built-in roles) waits for the connection a few seconds rather than failing the process.
    if (redis.status !== 'ready') await readyWithin(redis, 5_000)
    const pipeline = redis.pipeline()
    for (const k of keys)
      pipeline.set(`${prefix}:epoch:${k}`, randomBytes(8).toString('base64url'), 'EX', EPOCH_TTL_S)
    return pipeline.exec().then((results) => {
      const failed = results?.find(([err]) => err)
      if (failed) throw failed[0]
    })
  }
  writers.add(write)
  return () => writers.delete(write)
}

function readyWithin(redis: Redis, ms: number) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady)
      reject(new Error(`Redis did not connect within ${ms / 1000} s`))
    }, ms)
    const onReady = () => {
      clearTimeout(timer)
      resolve()
    }
    redis.once('ready', onReady)
  })
}

/** Sets fresh epochs. A failure throws: the change is made, but callers must not report success silently. */
async function bumpEpochs(keys: string[]) {
  if (keys.length) await Promise.all([...writers].map((w) => w(keys)))
}

interface Entry<V> {
  value: V | undefined
  epochs: (string | null)[]
}

export class PrincipalCache<V> {
  private readonly entries: LRUCache<string, Entry<V>>

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: { max?: number; ttlMs?: number } = {},
  ) {
    this.entries = new LRUCache({ max: opts.max ?? 10_000, ttl: opts.ttlMs ?? 60_000 })
  }

  /**
   * The value for `id`, loaded by `load` unless the copy held was loaded under the same `epochs` (keys
   * without the prefix). One Redis round trip; a database read only on a miss or after a change.
   */
  async get(id: string, epochs: string[], load: () => Promise<V | undefined>): Promise<V | undefined> {
    let now: (string | null)[]
    try {
      now = await this.redis.mget(epochs.map((k) => `${this.prefix}:epoch:${k}`))
    } catch {
      return load()
    }
    const held = this.entries.get(id)
    if (held && held.epochs.every((e, i) => e === now[i])) return held.value
    const value = await load()
    // Stored with the epochs read *before* loading: a change landing meanwhile bumps them, so the next
    // request loads again instead of keeping what may be the old state.
    this.entries.set(id, { value, epochs: now })
    return value
  }
}

/**
 * Bumps epochs after every write to a model principals are built from.
 * - `ns`: the epoch namespace. With `perId`, a write naming one record by `_id` (or returning it) bumps
 *   `<ns>:<id>`, anything else `<ns>:*`; without, every write bumps `<ns>`.
 * - `fields`: only updates touching one of these (or their sub-fields) count; saves and deletes always do,
 *   and `$setOnInsert` never does (it only fills a new record, which no one has cached).
 */
export function watchPrincipalWrites(
  schema: Schema,
  opts: { ns: string; perId?: boolean; fields?: readonly string[] },
) {
  const touches = (update: unknown) => {
    if (!opts.fields) return true
    if (!update || typeof update !== 'object') return false
    if (Array.isArray(update)) return true // an aggregation pipeline update: assume it does
    const paths: string[] = []
    for (const [op, v] of Object.entries(update as Record<string, unknown>)) {
      if (op === '$setOnInsert') continue
      if (op.startsWith('$') && v && typeof v === 'object') paths.push(...Object.keys(v))
      else paths.push(op)
    }
    return paths.some((p) => opts.fields!.some((f) => p === f || p.startsWith(`${f}.`)))
  }
  const keyFor = (id: unknown) => {
    if (!opts.perId) return opts.ns
    const single = idOf(id)
    return single ? `${opts.ns}:${single}` : `${opts.ns}:*`
  }

  const queryOps: MongooseQueryMiddleware[] = [
    'updateOne',
    'updateMany',
    'findOneAndUpdate',
    'replaceOne',
    'findOneAndReplace',
  ]
  schema.post(queryOps, async function (this: QueryLike, res: unknown) {
    if (!touches(this.getUpdate())) return
    const filterId = this.getFilter()._id
    const returned =
      res && typeof res === 'object' && '_id' in res ? (res as { _id: unknown })._id : undefined
    await bumpEpochs([keyFor(filterId ?? returned)])
  })
  const deleteOps: MongooseQueryMiddleware[] = ['deleteOne', 'deleteMany', 'findOneAndDelete']
  schema.post(deleteOps, { query: true, document: false }, async function (this: QueryLike) {
    await bumpEpochs([keyFor(this.getFilter()._id)])
  })
  schema.post('save', async function (doc: { _id: unknown }) {
    await bumpEpochs([keyFor(doc._id)])
  })
  // New records under per-id epochs cannot be cached yet (ids are never reused): nothing to bump.
  if (!opts.perId)
    schema.post('insertMany', async function () {
      await bumpEpochs([opts.ns])
    })
  schema.post('bulkWrite', async function () {
    await bumpEpochs([keyFor(undefined)])
  })
}

interface QueryLike {
  getFilter(): Record<string, unknown>
  getUpdate(): unknown
}

/** The one id a filter or result names: a string or ObjectId, or `{ $eq: id }`. */
function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (v && typeof v === 'object') {
    if ('$eq' in v) return idOf((v as { $eq: unknown }).$eq)
    if (typeof (v as { toHexString?: unknown }).toHexString === 'function')
      return (v as { toHexString(): string }).toHexString()
  }
  return undefined
}
