import type { Middleware } from 'koa'
import mongoose from 'mongoose'

/**
 * Every failure that reaches a client is an AppError: HTTP status, a stable English code that clients may
 * branch on, and a Chinese message a person can act on. `report` marks errors worth an operator's attention.
 */
export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly status: number,
    readonly code: string,
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
      `请求参数有误：${issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join('；')}`,
      { fields: issues },
    ),
  badRequest: (code: string, message: string, details?: unknown) => new AppError(400, code, message, details),
  unauthorized: (message = '请先登录', code = 'UNAUTHORIZED') => new AppError(401, code, message),
  forbidden: (message = '没有权限执行此操作', details?: unknown, code = 'FORBIDDEN') =>
    new AppError(403, code, message, details),
  notFound: (what = '资源') => new AppError(404, 'NOT_FOUND', `${what}不存在或无权查看`),
  conflict: (code: string, message: string, details?: unknown) => new AppError(409, code, message, details),
  payloadTooLarge: (message: string) => new AppError(413, 'PAYLOAD_TOO_LARGE', message),
  unsupportedMedia: (message: string) => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message),
  locked: (message: string, retryAfterSeconds: number) =>
    new AppError(423, 'ACCOUNT_LOCKED', message, { retryAfterSeconds }, false, {
      'Retry-After': String(retryAfterSeconds),
    }),
  tooManyRequests: (retryAfterSeconds: number, headers: Record<string, string>) =>
    new AppError(
      429,
      'RATE_LIMITED',
      `操作过于频繁，请 ${retryAfterSeconds} 秒后再试`,
      { retryAfterSeconds },
      false,
      {
        ...headers,
        'Retry-After': String(retryAfterSeconds),
      },
    ),
  upstream: (code: string, message: string, details?: unknown) =>
    new AppError(502, code, message, details, true),
  unavailable: (message: string) => new AppError(503, 'SERVICE_UNAVAILABLE', message, undefined, true),
}

/** Human names for indexed fields, so a duplicate-key error says what collided in words a user knows. */
const FIELD_NAMES: Record<string, string> = {
  username: '用户名',
  creditCode: '统一社会信用代码',
  name: '名称',
  openid: '微信账号',
  phoneHash: '手机号',
}

/** Database errors are mapped here and only here. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (isDuplicateKey(err)) {
    const fields = Object.keys(err.keyPattern ?? err.keyValue ?? {})
    const named = fields.map((f) => FIELD_NAMES[f] ?? f).join('、')
    return errors.conflict('DUPLICATE', named ? `${named}已存在，请勿重复提交` : '记录已存在，请勿重复提交', {
      fields,
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

export function isDuplicateKey(
  err: unknown,
): err is { code: 11000; keyPattern?: Record<string, unknown>; keyValue?: Record<string, unknown> } {
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

function toAppError(raw: unknown): AppError {
  if (raw instanceof AppError) return raw
  const db = fromDatabaseError(raw)
  if (db) return db
  // koa / body parser errors carry an HTTP status; keep it but never expose their English text.
  const status =
    (raw as { status?: number; statusCode?: number })?.status ?? (raw as { statusCode?: number })?.statusCode
  if (status === 413) return errors.payloadTooLarge('请求体过大，请精简内容后重试')
  if (status === 415) return errors.unsupportedMedia('不支持的请求格式，请使用 application/json')
  if (status === 400) return errors.badRequest('BAD_REQUEST', '请求格式不正确，请检查 JSON 是否有效')
  if (
    (raw as { name?: string })?.name === 'MongoServerSelectionError' ||
    (raw as { name?: string })?.name === 'MongoNetworkError'
  )
    return errors.unavailable('数据库暂时不可用，请稍后重试')
  return new AppError(500, 'INTERNAL', '服务器内部错误，请稍后重试；如持续出现请联系管理员', undefined, true)
}
