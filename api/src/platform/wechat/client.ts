import type { Redis } from 'ioredis'
import { Agent, request } from 'undici'
import { z } from 'zod'
import { wechatCallDuration, wechatCalls } from '../metrics.js'
import { LOCAL_ERRCODES, TOKEN_INVALID_ERRCODES, WechatError } from './errors.js'
import { TokenStore, type CachedToken } from './token-store.js'

type LogFn = (obj: object, msg?: string) => void
export interface WechatLogger {
  /** successful calls: one line per call, so debug (a push sends hundreds per second) */
  debug?: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

export interface WechatClientOptions {
  /** https://api.weixin.qq.com in production; the fake's address in dev and tests */
  baseUrl: string
  appId: string
  appSecret: string
  redis: Redis
  /** prepended to the Redis keys (`${keyPrefix}wx:token`, `${keyPrefix}wx:token:lock`) */
  keyPrefix?: string
  logger?: WechatLogger
  /** per HTTP attempt; default 5000 */
  timeoutMs?: number
  /** transient failures (-1, 45009, network, timeout): attempts in all and the backoff; default 3 / 200 ms / 2000 ms */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number }
  /** fetch a new token when less than this remains (capped at half the token's lifetime); default 5 min */
  tokenRefreshMarginMs?: number
  /** how long this process reuses its copy of the shared token without reading Redis; default 5 s, 0 = always read */
  tokenLocalCacheMs?: number
  /** refresh lock TTL; default 10 s. Waiters poll the cache every pollMs for at most waitMs (default TTL + 2 s). */
  tokenLock?: { ttlMs?: number; waitMs?: number; pollMs?: number }
}

export interface SubscribeMessage {
  toUser: string
  templateId: string
  page?: string
  /** keyword → value, e.g. `{ thing1: '专利申请已受理' }` (or the API's own `{ thing1: { value } }`) */
  data: Record<string, string | { value: string }>
  miniprogramState?: 'developer' | 'trial' | 'formal'
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW'
}

/** msg_sec_check v2 scenes: 1 资料, 2 评论, 3 论坛, 4 社交日志 */
export type SecCheckScene = 1 | 2 | 3 | 4

export interface SecCheckResult {
  suggest: 'pass' | 'review' | 'risky'
  /** 100 normal, 10001 广告, 20001 时政, 20002 色情, 20003 辱骂, 20006 违法犯罪, 20008 欺诈, 20012 低俗, 20013 版权, 21000 其他 */
  label: number
  traceId?: string
}

const Session = z.object({
  openid: z.string().min(1),
  session_key: z.string().min(1),
  unionid: z.string().optional(),
})
const StableToken = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() })
const PhoneInfo = z.object({
  phone_info: z.object({
    phoneNumber: z.string(),
    purePhoneNumber: z.string(),
    countryCode: z.coerce.string(),
  }),
})
const SendResult = z.object({ msgid: z.union([z.number(), z.string()]).optional() })
const SecCheck = z.object({
  result: z.object({ suggest: z.enum(['pass', 'review', 'risky']), label: z.coerce.number() }),
  trace_id: z.string().optional(),
})

interface CallSpec {
  method: 'GET' | 'POST'
  query?: Record<string, string>
  body?: unknown
  /** adds ?access_token= and refreshes it once when WeChat refuses it */
  token?: boolean
  /**
   * false for calls that use something up (a one-time code, a subscription grant): a timed-out request may have
   * been carried out, and repeating it would fail with a misleading "code used" or send twice.
   */
  retryTimeouts?: boolean
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const noop: LogFn = () => {}

/**
 * Server-side WeChat mini-program API. The access_token lives in Redis, shared by every process, and only one
 * process refreshes it at a time; a refused token is refreshed once and the call retried once; busy/quota
 * errors and network failures are retried with backoff. Logs carry endpoint, errcode and duration, never
 * secrets, tokens, codes or session keys.
 */
export class WechatClient {
  /** Keep-alive connections to the WeChat API, shared by every call of this client. */
  private readonly pool = new Agent({ keepAliveTimeout: 30_000, connections: 64 })
  private local: CachedToken | undefined
  private localUntil = 0
  private readonly baseUrl: string
  private readonly store: TokenStore
  private readonly log: WechatLogger
  private readonly timeoutMs: number
  private readonly attempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly marginMs: number
  private readonly localCacheMs: number
  private readonly lockWaitMs: number
  private readonly lockPollMs: number

  constructor(private readonly opts: WechatClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    const lockTtlMs = opts.tokenLock?.ttlMs ?? 10_000
    this.store = new TokenStore(opts.redis, opts.keyPrefix ?? '', lockTtlMs)
    this.log = opts.logger ?? { info: noop, warn: noop, error: noop }
    this.timeoutMs = opts.timeoutMs ?? 5_000
    this.attempts = Math.max(1, opts.retry?.attempts ?? 3)
    this.baseDelayMs = opts.retry?.baseDelayMs ?? 200
    this.maxDelayMs = opts.retry?.maxDelayMs ?? 2_000
    this.marginMs = opts.tokenRefreshMarginMs ?? 5 * 60_000
    this.localCacheMs = opts.tokenLocalCacheMs ?? 5_000
    this.lockWaitMs = opts.tokenLock?.waitMs ?? lockTtlMs + 2_000
    this.lockPollMs = opts.tokenLock?.pollMs ?? 50
  }

  /** wx.login code → openid and session_key (keep the latter on the server). */
  async code2Session(code: string): Promise<{ openid: string; unionid?: string; sessionKey: string }> {
    const s = await this.call('/sns/jscode2session', Session, {
      method: 'GET',
      query: {
        appid: this.opts.appId,
        secret: this.opts.appSecret,
        js_code: code,
        grant_type: 'authorization_code',
      },
      retryTimeouts: false,
    })
    return { openid: s.openid, sessionKey: s.session_key, ...(s.unionid ? { unionid: s.unionid } : {}) }
  }

  /** getPhoneNumber button code → the user's phone number. */
  async getPhoneNumber(
    code: string,
  ): Promise<{ phoneNumber: string; purePhoneNumber: string; countryCode: string }> {
    const r = await this.call('/wxa/business/getuserphonenumber', PhoneInfo, {
      method: 'POST',
      body: { code },
      token: true,
      retryTimeouts: false,
    })
    const { phoneNumber, purePhoneNumber, countryCode } = r.phone_info
    return { phoneNumber, purePhoneNumber, countryCode }
  }

  /** One subscribe message; consumes one of the user's one-time grants for the template. */
  async sendSubscribeMessage(m: SubscribeMessage): Promise<{ msgid?: string }> {
    const data = Object.fromEntries(
      Object.entries(m.data).map(([k, v]) => [k, typeof v === 'string' ? { value: v } : v]),
    )
    const r = await this.call('/cgi-bin/message/subscribe/send', SendResult, {
      method: 'POST',
      token: true,
      retryTimeouts: false,
      body: {
        touser: m.toUser,
        template_id: m.templateId,
        ...(m.page ? { page: m.page } : {}),
        ...(m.miniprogramState ? { miniprogram_state: m.miniprogramState } : {}),
        lang: m.lang ?? 'zh_CN',
        data,
      },
    })
    return r.msgid === undefined ? {} : { msgid: String(r.msgid) }
  }

  /** Text content security check, version 2 (the user must have opened the mini-program in the last 2 hours). */
  async msgSecCheck(input: {
    openid: string
    content: string
    scene: SecCheckScene
    title?: string
    nickname?: string
  }): Promise<SecCheckResult> {
    const r = await this.call('/wxa/msg_sec_check', SecCheck, {
      method: 'POST',
      token: true,
      body: {
        version: 2,
        openid: input.openid,
        scene: input.scene,
        content: input.content,
        title: input.title,
        nickname: input.nickname,
      },
    })
    return {
      suggest: r.result.suggest,
      label: r.result.label,
      ...(r.trace_id ? { traceId: r.trace_id } : {}),
    }
  }

  /** Closes the keep-alive connections (graceful shutdown). */
  close(): Promise<void> {
    return this.pool.close()
  }

  private keepLocal(t: CachedToken) {
    this.local = t
    this.localUntil = Date.now() + this.localCacheMs
  }

  /** The shared stable access_token, fetched when missing or about to expire. */
  async getAccessToken(): Promise<string> {
    return this.obtainToken()
  }

  /**
   * A token other than `rejected` (if given) that is not due for refresh. One process at a time fetches;
   * the others poll the cache, or keep using a token that is due but still valid.
   */
  private async obtainToken(rejected?: string): Promise<string> {
    const usable = (t: CachedToken) =>
      t.token !== rejected && Date.now() < (rejected ? t.expiresAt : t.refreshAt)
    // A copy of Redis's token, kept until it is due for refresh: sends at hundreds per second need no
    // Redis read each. Harmless to keep: a token refreshed elsewhere still works until it expires, and a
    // refused one comes back here as `rejected`.
    if (this.local && Date.now() < this.localUntil && usable(this.local)) return this.local.token
    try {
      const deadline = Date.now() + this.lockWaitMs
      for (;;) {
        const cached = await this.store.read()
        if (cached && usable(cached)) {
          this.keepLocal(cached)
          return cached.token
        }
        const owner = await this.store.tryLock()
        if (owner) {
          try {
            const again = await this.store.read()
            if (again && usable(again)) return again.token
            const fresh = await this.fetchToken(rejected)
            await this.store.write(fresh)
            this.keepLocal(fresh)
            return fresh.token
          } finally {
            await this.store.unlock(owner)
          }
        }
        if (!rejected && cached && Date.now() < cached.expiresAt - 10_000) return cached.token
        if (Date.now() >= deadline)
          throw new WechatError(
            LOCAL_ERRCODES.tokenBusy,
            'timed out waiting for another process to refresh access_token',
            '/cgi-bin/stable_token',
          )
        await sleep(this.lockPollMs)
      }
    } catch (e) {
      if (e instanceof WechatError) throw e
      // Redis is down: stable_token in normal mode hands every caller the same token, so fetching without the lock is safe.
      this.log.warn(
        { err: { message: (e as Error).message } },
        'wechat token cache unavailable; fetching access_token directly',
      )
      return (await this.fetchToken(rejected)).token
    }
  }

  /**
   * stable_token in normal mode returns the current token (or a new one near its expiry). Only when it returns
   * the very token WeChat just refused is force_refresh used: it is limited per day and invalidates the token
   * for every other holder.
   */
  private async fetchToken(rejected?: string): Promise<CachedToken> {
    const stable = (force: boolean) =>
      this.call('/cgi-bin/stable_token', StableToken, {
        method: 'POST',
        body: {
          grant_type: 'client_credential',
          appid: this.opts.appId,
          secret: this.opts.appSecret,
          ...(force ? { force_refresh: true } : {}),
        },
      })
    let r = await stable(false)
    if (rejected && r.access_token === rejected) r = await stable(true)
    const now = Date.now()
    const lifetimeMs = r.expires_in * 1000
    return {
      token: r.access_token,
      expiresAt: now + lifetimeMs,
      refreshAt: now + lifetimeMs - Math.min(this.marginMs, lifetimeMs / 2),
    }
  }

  private async call<T>(endpoint: string, schema: z.ZodType<T>, spec: CallSpec): Promise<T> {
    if (!spec.token) return this.withRetry(endpoint, schema, spec)
    const token = await this.obtainToken()
    try {
      return await this.withRetry(endpoint, schema, spec, token)
    } catch (e) {
      if (!(e instanceof WechatError) || !TOKEN_INVALID_ERRCODES.has(e.errcode)) throw e
      this.log.warn(
        { endpoint, errcode: e.errcode },
        'wechat refused access_token; refreshing and retrying once',
      )
      return this.withRetry(endpoint, schema, spec, await this.obtainToken(token))
    }
  }

  private async withRetry<T>(
    endpoint: string,
    schema: z.ZodType<T>,
    spec: CallSpec,
    token?: string,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(endpoint, schema, spec, attempt, token)
      } catch (e) {
        const retryable =
          e instanceof WechatError &&
          e.transient &&
          !(e.errcode === LOCAL_ERRCODES.timeout && spec.retryTimeouts === false)
        if (!retryable || attempt >= this.attempts) throw e
        const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1))
        await sleep(exp / 2 + Math.random() * (exp / 2))
      }
    }
  }

  private async once<T>(
    endpoint: string,
    schema: z.ZodType<T>,
    spec: CallSpec,
    attempt: number,
    token?: string,
  ): Promise<T> {
    const url = new URL(this.baseUrl + endpoint)
    for (const [k, v] of Object.entries({ ...spec.query, ...(token ? { access_token: token } : {}) }))
      url.searchParams.set(k, v)
    const started = performance.now()
    // Every HTTP attempt ends here exactly once, answered or not: its log line and its metrics.
    const logCall = (level: 'info' | 'warn', errcode: number, status?: number) => {
      const ms = performance.now() - started
      wechatCalls.inc({ endpoint, errcode: String(errcode) })
      wechatCallDuration.observe({ endpoint }, ms / 1000)
      ;(level === 'info' ? (this.log.debug ?? this.log.info) : this.log.warn).call(
        this.log,
        { endpoint, errcode, status, attempt, durationMs: Math.round(ms) },
        'wechat call',
      )
    }
    const fail = (errcode: number, errmsg: string, status?: number, cause?: unknown, transient?: boolean) => {
      logCall('warn', errcode, status)
      return new WechatError(errcode, errmsg, endpoint, {
        cause,
        ...(transient === undefined ? {} : { transient }),
      })
    }

    let status: number
    let text: string
    try {
      // undici's request() over a keep-alive pool, not fetch(): a push sends hundreds of messages a
      // second, and fetch's web-streams machinery was most of the worker's CPU per send.
      const res = await request(url, {
        dispatcher: this.pool,
        method: spec.method,
        headers: spec.body === undefined ? {} : { 'content-type': 'application/json' },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        // A precise deadline: undici's own header/body timeouts tick in whole seconds.
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      status = res.statusCode
      text = await res.body.text()
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError'
      if (timedOut) throw fail(LOCAL_ERRCODES.timeout, `no answer within ${this.timeoutMs} ms`, undefined, e)
      throw fail(LOCAL_ERRCODES.network, (e as Error).message, undefined, e)
    }

    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (e) {
      throw fail(LOCAL_ERRCODES.badResponse, `HTTP ${status}, body is not JSON`, status, e, status >= 500)
    }
    const { errcode, errmsg } = (body ?? {}) as { errcode?: unknown; errmsg?: unknown }
    if (typeof errcode === 'number' && errcode !== 0)
      throw fail(errcode, typeof errmsg === 'string' ? errmsg : '', status)
    const parsed = schema.safeParse(body)
    if (!parsed.success)
      throw fail(
        LOCAL_ERRCODES.badResponse,
        `HTTP ${status}, unexpected body shape`,
        status,
        parsed.error,
        status >= 500,
      )
    logCall('info', 0, status)
    return parsed.data
  }
}
