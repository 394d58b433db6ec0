/**
 * Crash-safe persistence for development use.
 *
 * Layout of `dbPath`:
 *   snapshot.bson        framed records rebuilding the full state; first record {op:'meta', gen}
 *   journal.<gen>.bson   framed records appended after the snapshot of generation <gen>
 * Frame: uint32 payload length | uint32 crc32(payload) | BSON payload.
 *
 * Writes are buffered and fsync'd in groups (every `commitIntervalMs`, default 50 ms), like
 * mongod's journal commit interval: a write acknowledged without `j` can be lost if the process dies
 * within that window. `durable()` flushes at once for writes that asked for `j: true` or
 * `w: 'majority'`; their reply waits for it. Compaction serialises the
 * state synchronously (so it is consistent), switches to a new journal generation, then
 * writes snapshot.tmp + fsync + rename. Start-up loads the snapshot and replays journals
 * with gen >= the snapshot's, stopping at the first torn/corrupt frame. Replaying a journal
 * twice is harmless: every record is an idempotent put/delete by key.
 */
import { BSON, type Document } from 'bson'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { DESERIALIZE_OPTIONS } from '../wire/protocol.js'
import type { Storage } from './engine.js'

/** Default group-commit interval (mongod's storage.journal.commitIntervalMs defaults to 100). */
export const DEFAULT_COMMIT_INTERVAL_MS = 50
const COMPACT_AFTER_BYTES = 64 * 1024 * 1024
const SNAPSHOT = 'snapshot.bson'
const JOURNAL_RE = /^journal\.(\d+)\.bson$/

export function frame(rec: Document): Buffer {
  const payload = BSON.serialize(rec)
  const head = Buffer.allocUnsafe(8)
  head.writeUInt32LE(payload.length, 0)
  head.writeUInt32LE(crc32(payload), 4)
  return Buffer.concat([head, payload])
}

/** Decodes frames until the end or the first torn/corrupt one. */
export function* readFrames(buf: Buffer): Generator<Document> {
  let off = 0
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off)
    const crc = buf.readUInt32LE(off + 4)
    if (len < 5 || off + 8 + len > buf.length) return
    const payload = buf.subarray(off + 8, off + 8 + len)
    if (crc32(payload) !== crc) return
    yield BSON.deserialize(payload, DESERIALIZE_OPTIONS)
    off += 8 + len
  }
}

export class Persistence {
  private gen = 0
  private pending: Buffer[] = []
  private journalBytes = 0
  private fh: FileHandle | null = null
  /** All file I/O is chained so journal writes and compactions never interleave. */
  private io: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private failed: unknown = null
  /** the immediate flush journaled writes of this event-loop turn share */
  private syncing: Promise<void> | null = null

  private constructor(
    private readonly dir: string,
    private readonly storage: Storage,
    private readonly commitIntervalMs: number,
  ) {}

  static async open(
    dir: string,
    storage: Storage,
    commitIntervalMs = DEFAULT_COMMIT_INTERVAL_MS,
  ): Promise<Persistence> {
    mkdirSync(dir, { recursive: true })
    const p = new Persistence(dir, storage, commitIntervalMs)
    p.load()
    storage.log = (rec) => p.append(rec)
    // start from a fresh snapshot so old journals can go
    p.compact()
    await p.io
    return p
  }

  private load(): void {
    let snapGen = 0
    try {
      const frames = readFrames(readFileSync(join(this.dir, SNAPSHOT)))
      const meta = frames.next()
      if (!meta.done && meta.value.op === 'meta') snapGen = Number(meta.value.gen)
      for (const rec of frames) this.storage.apply(rec)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const journals = this.journals().filter((g) => g >= snapGen)
    for (const g of journals) {
      for (const rec of readFrames(readFileSync(join(this.dir, `journal.${g}.bson`)))) this.storage.apply(rec)
    }
    this.gen = Math.max(snapGen, ...journals)
  }

  private journals(): number[] {
    return readdirSync(this.dir)
      .map((f) => JOURNAL_RE.exec(f)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
  }

  private append(rec: Document): void {
    const buf = frame(rec)
    this.pending.push(buf)
    this.journalBytes += buf.length
    this.timer ??= setTimeout(() => {
      this.timer = null
      void this.flush()
      if (this.journalBytes > COMPACT_AFTER_BYTES) this.compact()
    }, this.commitIntervalMs)
  }

  /**
   * Resolves once everything appended so far is on disk (rejects if the journal cannot be written).
   * Journaled writes arriving in the same event-loop turn share one write + fsync; the default
   * group commit keeps its interval.
   */
  durable(): Promise<void> {
    const done = this.pending.length
      ? (this.syncing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          this.syncing = null
          return this.flush()
        }))
      : this.io
    return done.then(() => {
      if (this.failed) throw this.failed
    })
  }

  /** Group commit: one write + fsync for everything appended since the last flush. */
  flush(): Promise<void> {
    const bufs = this.pending
    this.pending = []
    const gen = this.gen
    this.io = this.io.then(async () => {
      if (!bufs.length) return
      this.fh ??= await open(join(this.dir, `journal.${gen}.bson`), 'a')
      await this.fh.write(Buffer.concat(bufs))
      await this.fh.sync()
    })
    this.io = this.io.catch((err: unknown) => {
      this.failed = err
      console.error('[mongo-embedded] journal write failed', err)
    })
    return this.io
  }

  private compact(): void {
    void this.flush()
    const gen = ++this.gen
    this.journalBytes = 0
    // captured synchronously: exactly the state the new journal generation starts from
    const snapshot = [frame({ op: 'meta', gen }), ...[...this.storage.dump()].map(frame)]
    this.io = this.io.then(async () => {
      await this.fh?.close()
      this.fh = null
      const tmp = join(this.dir, `${SNAPSHOT}.tmp`)
      const fh = await open(tmp, 'w')
      try {
        for (let i = 0; i < snapshot.length; i += 4096)
          await fh.write(Buffer.concat(snapshot.slice(i, i + 4096)))
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, join(this.dir, SNAPSHOT))
      const dirFh = await open(this.dir, 'r')
      await dirFh.sync().finally(() => dirFh.close())
      for (const g of this.journals()) if (g < gen) await unlink(join(this.dir, `journal.${g}.bson`))
    })
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.compact()
    await this.io
    await this.fh?.close()
    this.fh = null
    if (this.failed) throw this.failed
  }
}
