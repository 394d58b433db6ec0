import type { Document } from 'bson'

/** MongoDB server error codes we emit (names as mongod reports them in `codeName`). */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  InvalidBSON: 22,
  IndexNotFound: 27,
  NamespaceNotFound: 26,
  CursorNotFound: 43,
  WriteConcernFailed: 64,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  ConversionFailure: 241,
  ConflictingUpdateOperators: 40,
  DuplicateKey: 11000,
  Location40324: 40324,
  Location31254: 31254,
  Location31253: 31253,
} as const

const codeNames = new Map<number, string>(Object.entries(ErrorCodes).map(([k, v]) => [v, k]))

export class MongoServerError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Extra fields copied into the reply / writeError (keyPattern, keyValue...). */
    readonly extra: Document = {},
  ) {
    super(message)
  }

  get codeName(): string {
    // mongod names its numbered assertions Location<code>
    return codeNames.get(this.code) ?? (this.code >= 10000 ? `Location${this.code}` : 'UnknownError')
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra }
  }

  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra }
  }
}

export const badValue = (msg: string) => new MongoServerError(ErrorCodes.BadValue, msg)
export const notSupported = (what: string) =>
  new MongoServerError(ErrorCodes.CommandNotSupported, `${what} is not supported by mongo-embedded`)

/**
 * mingo throws plain Errors for unknown operators and bad expressions; map them to the
 * reply a client expects so nothing is silently dropped.
 */
export function toServerError(err: unknown): MongoServerError {
  if (err instanceof MongoServerError) return err
  const msg = err instanceof Error ? err.message : String(err)
  return new MongoServerError(ErrorCodes.BadValue, msg)
}
