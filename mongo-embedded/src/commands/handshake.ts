import { ObjectId, type Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from '../wire/protocol.js'
import type { Handler } from './context.js'

const startedAt = new Date()

/** Standalone topology: no setName/hosts, so drivers pick "Single"/standalone. */
const hello: Handler = (cmd, ctx) => ({
  ...(cmd.helloOk ? { helloOk: true } : {}),
  isWritablePrimary: true,
  ismaster: true,
  maxBsonObjectSize: MAX_BSON_SIZE,
  maxMessageSizeBytes: MAX_MESSAGE_SIZE,
  maxWriteBatchSize: 100000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId: ctx.connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ok: 1,
})

const buildInfo: Handler = () => ({
  version: '7.0.0',
  gitVersion: 'mongo-embedded',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_SIZE,
  storageEngines: ['mongo-embedded'],
  javascriptEngine: 'none',
  modules: [],
  ok: 1,
})

const refuseTxn: Handler = () => {
  throw new MongoServerError(
    ErrorCodes.IllegalOperation,
    'Transaction numbers are only allowed on a replica set member or mongos',
  )
}

export const handshakeCommands: Record<string, Handler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  getParameter: (cmd) => {
    const out: Document = { ok: 1 }
    if (cmd.featureCompatibilityVersion || cmd.getParameter === '*')
      out.featureCompatibilityVersion = { version: '7.0' }
    return out
  },
  endSessions: () => ({ ok: 1 }),
  killSessions: () => ({ ok: 1 }),
  startSession: () => ({ id: { id: new ObjectId() }, timeoutMinutes: 30, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1:0', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  serverStatus: (_cmd, ctx) => ({
    host: 'mongo-embedded',
    version: '7.0.0',
    process: 'mongo-embedded',
    pid: process.pid,
    uptime: (Date.now() - startedAt.getTime()) / 1000,
    localTime: new Date(),
    connections: { current: ctx.connectionId },
    mem: { resident: Math.round(process.memoryUsage().rss / 1048576) },
    // mongod's names: index keys examined / documents examined by queries since start
    metrics: {
      queryExecutor: { scanned: ctx.storage.stats.scanned, scannedObjects: ctx.storage.stats.scannedObjects },
    },
    ok: 1,
  }),
  hostInfo: () => ({ system: { currentTime: new Date(), hostname: 'mongo-embedded' }, ok: 1 }),
  getCmdLineOpts: () => ({ argv: process.argv, parsed: {}, ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  commitTransaction: refuseTxn,
  abortTransaction: refuseTxn,
}
