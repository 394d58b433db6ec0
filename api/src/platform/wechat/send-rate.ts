import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'

/** Tokens a process takes from Redis at once; see SendRateLimiter. */
const SEND_BLOCK = 20

/**
 * The subscribe-message send rate, one budget shared by every process (WeChat's quota is per app, not per
 * worker). Tokens come from Redis in blocks of up to SEND_BLOCK, so a sender pays one Redis round trip per
 * block rather than per message; a process may run at most one block ahead of the others. One instance per
 * process: campaign fan-out and single notifications draw on the same local allowance.
 */
export class SendRateLimiter {
  private readonly limiter: RateLimiterRedis
  private readonly block: number
  private allowance = 0
  private refill: Promise<void> | undefined

  constructor(opts: { redis: Redis; prefix: string; sendsPerSecond: number }) {
    this.limiter = new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: `${opts.prefix}:rl:wx-send`,
      points: opts.sendsPerSecond,
      duration: 1,
    })
    this.block = Math.max(1, Math.min(SEND_BLOCK, Math.floor(opts.sendsPerSecond / 10)))
  }

  /** Resolves when this process may send one message. */
  async take(): Promise<void> {
    if (this.allowance > 0) {
      this.allowance--
      return
    }
    this.refill ??= this.refillAllowance().finally(() => (this.refill = undefined))
    await this.refill
    return this.take()
  }

  private async refillAllowance() {
    for (;;) {
      try {
        await this.limiter.consume('all', this.block)
        this.allowance += this.block
        return
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) {
          this.allowance += this.block // Redis trouble: do not stall sending on the limiter
          return
        }
        await new Promise((r) => setTimeout(r, Math.max(5, e.msBeforeNext)))
      }
    }
  }
}
