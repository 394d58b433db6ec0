import { randomBytes } from 'node:crypto'
import type { Context, Middleware } from 'koa'
import type { FakeEndpoint, FakeWechatState } from './state.js'

/** What an endpoint answers: WeChat puts errors in a 200 body as `{errcode, errmsg}`. */
export interface WxReply {
  body: Record<string, unknown>
  status?: number
}

/** errmsg texts as WeChat writes them (it appends ` rid: …`, a request id, to most). */
export const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001:
    'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40037: 'invalid template_id',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40163: 'code been used',
  41001: 'access_token missing',
  41008: 'missing code',
  42001: 'access_token expired',
  43101: 'user refuse to accept the msg',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  47001: 'data format error',
  47003: 'argument invalid!',
  61010: 'user access expired',
  87014: 'risky content',
}

/** A request id as WeChat appends to errmsg (and returns as trace_id). */
export const rid = () =>
  `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`

export function wxError(errcode: number, detail?: string): WxReply {
  const text = detail ?? ERRMSG[errcode] ?? 'unknown error'
  return { body: { errcode, errmsg: `${text}, rid: ${rid()}` } }
}

export const wxOk = (extra: Record<string, unknown> = {}): WxReply => ({
  body: { errcode: 0, errmsg: 'ok', ...extra },
})

export type JsonBody = { ok: true; value: Record<string, unknown> } | { ok: false; empty: boolean }

/** The raw request body parsed as a JSON object (read once; Koa leaves the stream to us). */
export async function readJson(ctx: Context): Promise<JsonBody> {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (!text) return { ok: false, empty: true }
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v)
      ? { ok: true, value: v as Record<string, unknown> }
      : { ok: false, empty: false }
  } catch {
    return { ok: false, empty: false }
  }
}

/** 44002 for no body, 47001 for a body that is not a JSON object, as WeChat answers them. */
export const badBody = (b: Extract<JsonBody, { ok: false }>) => wxError(b.empty ? 44002 : 47001)

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * One WeChat endpoint: injected errors first, then the access_token check (when the endpoint takes one),
 * then the handler; every call is counted by endpoint and errcode. An injected delay holds the answer back
 * after the work is done, as a slow WeChat whose client timed out would.
 */
export function wxEndpoint(
  state: FakeWechatState,
  name: FakeEndpoint,
  opts: { token?: boolean; contentType?: string },
  handler: (ctx: Context) => WxReply | Promise<WxReply>,
): Middleware {
  return async (ctx) => {
    const injected = state.takeInjection(name)
    let reply: WxReply
    if (injected?.status && injected.status >= 500) {
      if (injected.delayMs) await sleep(injected.delayMs)
      state.countCall(name, `http_${injected.status}`)
      ctx.status = injected.status
      ctx.type = 'text/html'
      ctx.body = '<html><body><h1>502 Bad Gateway</h1></body></html>'
      return
    }
    if (injected?.errcode !== undefined) reply = wxError(injected.errcode, injected.errmsg)
    else {
      const tokenErr = opts.token
        ? state.checkToken(typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined)
        : 0
      reply = tokenErr ? wxError(tokenErr) : await handler(ctx)
    }
    const errcode = typeof reply.body.errcode === 'number' ? reply.body.errcode : 0
    state.countCall(name, errcode)
    // a slow answer, not a slow start: the call has taken effect even if the client gave up waiting
    if (injected?.delayMs) await sleep(injected.delayMs)
    ctx.status = reply.status ?? 200
    ctx.type = opts.contentType ?? 'application/json; encoding=utf-8'
    ctx.body = JSON.stringify(reply.body)
  }
}
