import type { Document } from 'bson'
import { createServer, type Socket } from 'node:net'
import { CursorManager } from './commands/cursors.js'
import { ErrorCodes } from './errors.js'
import { runCommand } from './commands/registry.js'
import { Storage } from './storage/engine.js'
import { Persistence } from './storage/persistence.js'
import { serveConnection } from './wire/connection.js'

export interface ServerOptions {
  /** 0 = random free port (default) */
  port?: number
  /** default 127.0.0.1 */
  host?: string
  /** data directory; absent = in-memory only */
  dbPath?: string
  logLevel?: 'silent' | 'info'
  /** how often expired TTL documents are removed (default 15 s; mongod uses 60 s) */
  ttlMonitorIntervalMs?: number
  /**
   * Group-commit interval of the journal (default 50 ms, like mongod's commitIntervalMs): the most
   * a write acknowledged without `j: true` / `w: 'majority'` can lose in a crash.
   */
  journalCommitIntervalMs?: number
}

const on = (v: unknown) => v === true || (typeof v === 'number' && v !== 0)

/** `j: true`, `w: 'majority'` or `fsync: true`: acknowledge only once the write is on disk. */
function wantsJournal(body: Document): boolean {
  const wc = body.writeConcern as Document | undefined
  return !!wc && (on(wc.j) || wc.w === 'majority' || on(wc.fsync))
}

export interface RunningServer {
  uri: string
  port: number
  close(): Promise<void>
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const storage = new Storage()
  const persistence = opts.dbPath
    ? await Persistence.open(opts.dbPath, storage, opts.journalCommitIntervalMs)
    : null
  const cursors = new CursorManager()
  const sockets = new Set<Socket>()
  let connectionId = 0

  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const ctx = { storage, cursors, connectionId: ++connectionId }
    serveConnection(socket, (body) => {
      const reply = runCommand(body, ctx)
      if (!persistence || !wantsJournal(body)) return reply
      return persistence.durable().then(
        () => reply,
        (err: unknown) => ({
          ...reply,
          writeConcernError: {
            code: ErrorCodes.WriteConcernFailed,
            codeName: 'WriteConcernFailed',
            errmsg: `journal write failed: ${String(err)}`,
          },
        }),
      )
    })
  })

  const ttl = setInterval(() => {
    const now = Date.now()
    for (const colls of storage.dbs.values()) for (const coll of colls.values()) coll.expire(now)
    cursors.sweep(now)
  }, opts.ttlMonitorIntervalMs ?? 15_000)
  ttl.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  if (opts.logLevel === 'info') console.log(`mongo-embedded listening on ${host}:${port}`)

  return {
    uri: `mongodb://${host}:${port}`,
    port,
    async close() {
      clearInterval(ttl)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
      await persistence?.close()
    },
  }
}
