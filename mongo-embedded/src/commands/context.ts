import type { Document } from 'bson'
import { ErrorCodes, MongoServerError } from '../errors.js'
import { toNumber } from '../query/compare.js'
import type { Storage } from '../storage/engine.js'
import type { CursorManager } from './cursors.js'

export interface CommandContext {
  storage: Storage
  cursors: CursorManager
  connectionId: number
  db: string
}

export type Handler = (cmd: Document, ctx: CommandContext) => Document

/** Collection name argument of a command (`{find: "users"}`). */
export function collName(cmd: Document, name: string): string {
  const v = cmd[name]
  if (typeof v !== 'string' || v.length === 0) {
    throw new MongoServerError(ErrorCodes.InvalidNamespace, `collection name has invalid type ${typeof v}`)
  }
  return v
}

/** Numeric option that may arrive as int32, double or Long. */
export function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  const n = toNumber(v)
  if (Number.isNaN(n))
    throw new MongoServerError(ErrorCodes.TypeMismatch, `expected a number, got ${typeof v}`)
  return n
}
