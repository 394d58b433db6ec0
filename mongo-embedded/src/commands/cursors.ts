import { BSON, Long, type Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { MAX_BSON_SIZE } from '../wire/protocol.js'

const DEFAULT_FIRST_BATCH = 101
const CURSOR_IDLE_MS = 10 * 60 * 1000
/** Headroom for the reply envelope around a batch. */
const BATCH_BYTES = MAX_BSON_SIZE - 64 * 1024

interface OpenCursor {
  ns: string
  docs: Document[]
  pos: number
  project: ((d: Document) => Document) | null
  lastUsed: number
}

/**
 * BSON sizes of the documents cursors hand out. Those are stored documents, never changed in place (an update
 * stores a new object), or a finished command's output, so each is measured once however many pages it goes
 * out in (the inbox's 20 newest, read on every visit). Projected documents are new objects each time and are
 * measured as they come.
 */
const sizes = new WeakMap<Document, number>()

function sizeOf(doc: Document, kept: boolean): number {
  if (!kept) return BSON.calculateObjectSize(doc)
  let size = sizes.get(doc)
  if (size === undefined) sizes.set(doc, (size = BSON.calculateObjectSize(doc)))
  return size
}

/** Server-side cursors over materialised result arrays (documents are immutable refs). */
export class CursorManager {
  private readonly open = new Map<string, OpenCursor>()
  private nextId = BigInt(Date.now()) * 1000n

  private take(c: OpenCursor, batchSize: number | undefined): Document[] {
    const batch: Document[] = []
    let bytes = 0
    const max = batchSize && batchSize > 0 ? batchSize : Infinity
    while (c.pos < c.docs.length && batch.length < max) {
      const raw = c.docs[c.pos] as Document
      const doc = c.project ? c.project(raw) : raw
      // the first document always goes out, so sizes are only needed once a second one is added
      // (a findOne's one-document batch is never measured)
      if (batch.length > 0) {
        const kept = !c.project
        if (batch.length === 1) bytes = sizeOf(batch[0] as Document, kept)
        bytes += sizeOf(doc, kept)
        if (bytes > BATCH_BYTES) break
      }
      batch.push(doc)
      c.pos++
    }
    return batch
  }

  /** Builds the `{cursor: {firstBatch, id, ns}}` reply, keeping a cursor open if needed. */
  first(
    ns: string,
    docs: Document[],
    opts: { batchSize?: number; singleBatch?: boolean; project?: ((d: Document) => Document) | null },
  ): Document {
    const c: OpenCursor = { ns, docs, pos: 0, project: opts.project ?? null, lastUsed: Date.now() }
    const firstBatch = this.take(c, opts.batchSize ?? DEFAULT_FIRST_BATCH)
    let id = Long.ZERO
    if (!opts.singleBatch && c.pos < docs.length) {
      const key = String(++this.nextId)
      this.open.set(key, c)
      id = Long.fromString(key)
    }
    return { cursor: { firstBatch, id, ns }, ok: 1 }
  }

  getMore(cursorId: unknown, ns: string, batchSize: number | undefined): Document {
    const key = String(cursorId)
    const c = this.open.get(key)
    if (!c || c.ns !== ns) throw new MongoServerError(ErrorCodes.CursorNotFound, `cursor id ${key} not found`)
    c.lastUsed = Date.now()
    const nextBatch = this.take(c, batchSize)
    const done = c.pos >= c.docs.length
    if (done) this.open.delete(key)
    return { cursor: { nextBatch, id: done ? Long.ZERO : Long.fromString(key), ns }, ok: 1 }
  }

  kill(ids: unknown[]): Document {
    const cursorsKilled: Long[] = []
    const cursorsNotFound: Long[] = []
    for (const id of ids) {
      const key = String(id)
      ;(this.open.delete(key) ? cursorsKilled : cursorsNotFound).push(Long.fromString(key))
    }
    return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 }
  }

  sweep(now: number): void {
    for (const [k, c] of this.open) if (now - c.lastUsed > CURSOR_IDLE_MS) this.open.delete(k)
  }
}
