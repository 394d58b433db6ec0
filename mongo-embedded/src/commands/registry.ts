import type { Document } from 'bson'
import { ErrorCodes, MongoServerError, notSupported, toServerError } from '../errors.js'
import { adminCommands } from './admin.js'
import { aggregateCommands } from './aggregate.js'
import type { CommandContext, Handler } from './context.js'
import { crudCommands } from './crud.js'
import { handshakeCommands } from './handshake.js'
import { indexCommands } from './indexes.js'

const handlers = new Map<string, Handler>(
  Object.entries({
    ...handshakeCommands,
    ...adminCommands,
    ...indexCommands,
    ...crudCommands,
    ...aggregateCommands,
  }),
)
const byLowerName = new Map([...handlers].map(([k, v]) => [k.toLowerCase(), v]))

/**
 * Commands a real mongod has that this server does not implement: they answer 115 CommandNotSupported,
 * naming the command, so nobody mistakes a gap here for a typo (a truly unknown name answers 59, as mongod).
 */
const MONGOD_COMMANDS = new Set(
  [
    'abortTransaction',
    'applyOps',
    'authenticate',
    'bulkWrite',
    'cloneCollectionAsCapped',
    'collMod',
    'commitTransaction',
    'compact',
    'connPoolStats',
    'convertToCapped',
    'createRole',
    'createUser',
    'currentOp',
    'dataSize',
    'dbHash',
    'dbStats',
    'dropAllRolesFromDatabase',
    'dropAllUsersFromDatabase',
    'dropRole',
    'dropUser',
    'explain',
    'filemd5',
    'findAndModify',
    'fsync',
    'geoSearch',
    'getLastError',
    'getLog',
    'getMore',
    'grantRolesToUser',
    'hostInfo',
    'killAllSessions',
    'killOp',
    'listCommands',
    'logout',
    'mapReduce',
    'reIndex',
    'renameCollection',
    'replSetGetStatus',
    'revokeRolesFromUser',
    'rolesInfo',
    'saslStart',
    'saslContinue',
    'setParameter',
    'shutdown',
    'startSession',
    'top',
    'updateRole',
    'updateUser',
    'usersInfo',
    'validate',
    'whatsmyuri',
  ].map((n) => n.toLowerCase()),
)

const nonSimple = (c: unknown) => c !== undefined && (c as Document | null)?.locale !== 'simple'

function listHasNonSimpleCollation(list: unknown): boolean {
  if (!Array.isArray(list)) return false
  for (const s of list as Document[]) if (nonSimple(s.collation)) return true
  return false
}

function hasNonSimpleCollation(cmd: Document): boolean {
  return (
    nonSimple(cmd.collation) ||
    listHasNonSimpleCollation(cmd.updates) ||
    listHasNonSimpleCollation(cmd.deletes)
  )
}

function firstKey(body: Document): string {
  for (const k in body) return k
  return ''
}

/**
 * Runs one command synchronously. Nothing here awaits, so each command (and therefore each
 * read-modify-write) is atomic with respect to other connections.
 */
export function runCommand(body: Document, ctx: Omit<CommandContext, 'db'>): Document {
  try {
    const name = firstKey(body)
    const handler = handlers.get(name) ?? byLowerName.get(name.toLowerCase())
    if (!handler) {
      if (MONGOD_COMMANDS.has(name.toLowerCase())) throw notSupported(`command '${name}'`)
      throw new MongoServerError(ErrorCodes.CommandNotFound, `no such command: '${name}'`)
    }
    if (body.txnNumber !== undefined || body.startTransaction || body.autocommit === false) {
      throw new MongoServerError(
        ErrorCodes.IllegalOperation,
        'Transaction numbers are only allowed on a replica set member or mongos',
      )
    }
    if (hasNonSimpleCollation(body)) throw notSupported('collation other than simple')
    const db = typeof body.$db === 'string' ? body.$db : 'admin'
    return handler(body, { storage: ctx.storage, cursors: ctx.cursors, connectionId: ctx.connectionId, db })
  } catch (err) {
    if (!(err instanceof MongoServerError)) console.error('[mongo-embedded] internal error', err)
    return toServerError(err).toReply()
  }
}
