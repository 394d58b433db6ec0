import type { Context, Middleware } from 'koa'
import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { errors } from './errors.js'

/**
 * Named policies, counted in Redis so every api process shares one budget. `key` picks what is counted:
 * per IP for anonymous routes, per account for signed-in ones.
 */
export const RATE_POLICIES = {
  /** console password login: per IP and username, against guessing */
  login: {
    points: 10,
    duration: 60,
    key: (ctx: Context) =>
      `${ctx.ip}:${String((ctx.request as { body?: { username?: unknown } }).body?.username ?? '')}`,
  },
  /** wx.login code exchange and token refresh: per IP */
  codeExchange: { points: 30, duration: 60, key: (ctx: Context) => ctx.ip },
  /** uploads: per signed-in user */
  upload: { points: 20, duration: 60, key: (ctx: Context) => userKey(ctx) },
  /** exports, dry runs and other expensive reads: per signed-in user */
  expensive: { points: 10, duration: 60, key: (ctx: Context) => userKey(ctx) },
} as const
export type RatePolicy = keyof typeof RATE_POLICIES

function userKey(ctx: Context) {
  return String((ctx.state.user as { id?: string } | undefined)?.id ?? ctx.ip)
}

export class RateLimits {
  private readonly limiters = new Map<RatePolicy, RateLimiterRedis>()
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Tests shrink the windows; production uses the table above. */
    private readonly overrides: Partial<Record<RatePolicy, { points: number; duration: number }>> = {},
  ) {}

  private limiter(name: RatePolicy) {
    let l = this.limiters.get(name)
    if (!l) {
      const p = { ...RATE_POLICIES[name], ...this.overrides[name] }
      l = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.prefix}:rl:${name}`,
        points: p.points,
        duration: p.duration,
      })
      this.limiters.set(name, l)
    }
    return l
  }

  middleware(name: RatePolicy): Middleware {
    return async (ctx, next) => {
      const limiter = this.limiter(name)
      const key = RATE_POLICIES[name].key(ctx)
      try {
        const res = await limiter.consume(key)
        setHeaders(ctx, limiter.points, res)
      } catch (e) {
        if (e instanceof RateLimiterRes) {
          const retry = Math.max(1, Math.ceil(e.msBeforeNext / 1000))
          throw errors.tooManyRequests(retry, {
            'RateLimit-Limit': String(limiter.points),
            'RateLimit-Remaining': '0',
            'RateLimit-Reset': String(retry),
          })
        }
        // A Redis outage must not take logins down with it: fail open, but say so in the logs.
        ctx.state.log?.warn({ err: e, policy: name }, 'rate limiter unavailable; allowing request')
      }
      await next()
    }
  }
}

function setHeaders(ctx: Context, limit: number, res: RateLimiterRes) {
  ctx.set('RateLimit-Limit', String(limit))
  ctx.set('RateLimit-Remaining', String(res.remainingPoints))
  ctx.set('RateLimit-Reset', String(Math.ceil(res.msBeforeNext / 1000)))
}
