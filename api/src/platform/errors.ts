import type { Middleware } from 'koa'
import mongoose from 'mongoose'
import type { ErrorCodeOutput } from '../modules/errors.contract.js'

/** A code clients may branch on: one of the platform's or a domain's declared codes (errors.contract.ts). */
export type ErrorCode = ErrorCodeOutput

/**
 * Every failure that reaches a client is an AppError: HTTP status, a stable English code that clients may
 * branch on, and a Chinese message a person can act on. `report` marks errors worth an operator's attention.
 */
export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly report = false,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export interface FieldIssue {
  path: string
  message: string
}

export const errors = {
  validation: (issues: FieldIssue[]) =>
    new AppError(
      400,
      'VALIDATION_FAILED',
      // each field's message names its field (请填写统一社会信用代码): no developer paths in what a person reads
      issues.map((i) => i.message).join('；') || '请求参数有误',
      { fields: issues },
    ),
  badRequest: (code: ErrorCode, message: string, details?: unknown) =>
    new AppError(400, code, message, details),
  unauthorized: (message = '请先登录', code: ErrorCode = 'UNAUTHORIZED') => new AppError(401, code, message),
  /** The token is forged, expired, or names someone who no longer exists. */
  tokenInvalid: () => new AppError(401, 'TOKEN_INVALID', '登录已失效，请重新登录'),
  /** A refresh token that was used, revoked, or belongs to nobody. */
  refreshInvalid: () => new AppError(401, 'REFRESH_INVALID', '登录已过期，请重新登录'),
  forbidden: (message = '没有权限执行此操作', details?: unknown, code: ErrorCode = 'FORBIDDEN') =>
    new AppError(403, code, message, details),
  passwordChangeRequired: () =>
    new AppError(403, 'PASSWORD_CHANGE_REQUIRED', '请先修改初始密码，再进行其他操作'),
  tempPasswordExpired: (hours: number) =>
    new AppError(403, 'TEMP_PASSWORD_EXPIRED', `临时密码已超过 ${hours} 小时有效期，请联系管理员重新设置`),
  enterpriseRequired: (message = '请先绑定企业并通过审核') =>
    new AppError(403, 'ENTERPRISE_REQUIRED', message),
  notEnterpriseAdmin: (message = '只有企业管理员可以执行此操作') =>
    new AppError(403, 'NOT_ENTERPRISE_ADMIN', message),
  /** Actions taken in an enterprise's name wait until a reviewer has verified its administrator. */
  enterpriseUnverified: () =>
    new AppError(
      403,
      'ENTERPRISE_UNVERIFIED',
      '企业认证尚未通过：工作人员审核营业执照（或授权书）并通过认证后，才能办理此事项',
    ),
  notFound: (what = '资源') => new AppError(404, 'NOT_FOUND', `${what}不存在或无权查看`),
  conflict: (code: ErrorCode, message: string, details?: unknown) =>
    new AppError(409, code, message, details),
  /** A move the record's state machine does not allow from its current state (platform/transitions.ts). */
  stateConflict: (
    message: string,
    details: { current: string; allowedFrom: readonly string[]; move: string },
  ) => new AppError(409, 'STATE_CONFLICT', message, details),
  payloadTooLarge: (message: string) => new AppError(413, 'PAYLOAD_TOO_LARGE', message),
  unsupportedMedia: (message: string) => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message),
  tooManyRequests: (
    retryAfterSeconds: number,
    headers: Record<string, string>,
    code: ErrorCode = 'RATE_LIMITED',
    message = `操作过于频繁，请 ${retryAfterSeconds} 秒后再试`,
  ) =>
    new AppError(429, code, message, { retryAfterSeconds }, false, {
      ...headers,
      'Retry-After': String(retryAfterSeconds),
    }),
  upstream: (code: ErrorCode, message: string, details?: unknown) =>
    new AppError(502, code, message, details, true),
  unavailable: (message: string) => new AppError(503, 'SERVICE_UNAVAILABLE', message, undefined, true),
}

/**
 * Duplicate keys name the domain's rule: each domain's errors file declares which error a collision on one
 * of its unique indexes raises (`uniqueRule('admin_users', { username: 1 }, staffErrors.usernameTaken)`),
 * so the platform knows no domain field. Keyed by collection and the index's fields in order.
 */
const UNIQUE_RULES = new Map<string, () => AppError>()
const ruleKey = (collection: string, fields: string[]) => `${collection}:${fields.join(',')}`

/** Declares the named error a duplicate key on `collection`'s unique index `key` stands for. */
export function uniqueRule(collection: string, key: Record<string, unknown>, error: () => AppError) {
  UNIQUE_RULES.set(ruleKey(collection, Object.keys(key)), error)
}

/** Database errors are mapped here and only here. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (isDuplicateKey(err)) {
    const fields = Object.keys(err.keyPattern ?? err.keyValue ?? {})
    const collection = /collection: [^.\s]+\.(\S+)/.exec(String(err.message ?? err.errmsg ?? ''))?.[1]
    const named = collection ? UNIQUE_RULES.get(ruleKey(collection, fields)) : undefined
    if (named) return named()
    // No domain named this key: most likely a repeated click.
    return errors.conflict('DUPLICATE', '记录已存在，请勿重复提交', {
      fields: fields.map((f) => ({ path: f, message: '已存在' })),
    })
  }
  if (err instanceof mongoose.Error.CastError) {
    return errors.validation([{ path: err.path, message: '格式不正确' }])
  }
  if (err instanceof mongoose.Error.ValidationError) {
    return errors.validation(Object.values(err.errors).map((e) => ({ path: e.path, message: e.message })))
  }
  return undefined
}

export function isDuplicateKey(err: unknown): err is {
  code: 11000
  keyPattern?: Record<string, unknown>
  keyValue?: Record<string, unknown>
  message?: string
  errmsg?: string
} {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000
}

/** First middleware in the chain: turns anything thrown below into the error envelope. */
export function errorMiddleware(): Middleware {
  return async (ctx, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body === undefined) throw errors.notFound('接口')
    } catch (raw) {
      const err = toAppError(raw)
      ctx.status = err.status
      ctx.set(err.headers)
      ctx.body = {
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      }
      const log = ctx.state.log ?? ctx.app.context.log
      if (err.status >= 500) log?.error({ err: raw, code: err.code }, 'request failed')
      else if (err.report) log?.warn({ code: err.code }, err.message)
    }
  }
}

/**
 * Chinese words for the HTTP errors this stack's middleware raises (koa, body parser, static files,
 * router). Any other status keeps its number under the generic BAD_REQUEST / SERVICE_UNAVAILABLE words.
 */
const HTTP_MESSAGES: Record<number, [code: ErrorCode, message: string]> = {
  400: ['BAD_REQUEST', '请求格式不正确，请检查 JSON 是否有效'],
  401: ['UNAUTHORIZED', '请先登录'],
  403: ['FORBIDDEN', '没有权限访问该地址'],
  404: ['NOT_FOUND', '页面或接口不存在'],
  405: ['METHOD_NOT_ALLOWED', '该接口不支持此请求方法'],
  413: ['PAYLOAD_TOO_LARGE', '提交的内容过大：请精简正文，或把长文和图片改为附件上传后重试'],
  415: ['UNSUPPORTED_MEDIA_TYPE', '不支持的请求格式，请使用 application/json'],
  429: ['RATE_LIMITED', '操作过于频繁，请稍后再试'],
  501: ['NOT_IMPLEMENTED', '该接口不支持此请求方法'],
}

function toAppError(raw: unknown): AppError {
  if (raw instanceof AppError) return raw
  const db = fromDatabaseError(raw)
  if (db) return db
  if (
    (raw as { name?: string })?.name === 'MongoServerSelectionError' ||
    (raw as { name?: string })?.name === 'MongoNetworkError'
  )
    return errors.unavailable('数据库暂时不可用，请稍后重试')
  // Errors raised by middleware (http-errors: koa, body parser, koa-send, router) carry an HTTP status:
  // keep the status, never their English text. Only a genuine fault becomes 500.
  const status =
    (raw as { status?: number; statusCode?: number })?.status ?? (raw as { statusCode?: number })?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 600 && status !== 500) {
    const [code, message]: [ErrorCode, string] = HTTP_MESSAGES[status] ?? [
      status < 500 ? 'BAD_REQUEST' : 'SERVICE_UNAVAILABLE',
      status < 500 ? '请求无法处理，请检查后重试' : '服务暂时不可用，请稍后重试',
    ]
    return new AppError(status, code, message, undefined, status >= 500)
  }
  return new AppError(500, 'INTERNAL', '服务器内部错误，请稍后重试；如持续出现请联系管理员', undefined, true)
}
