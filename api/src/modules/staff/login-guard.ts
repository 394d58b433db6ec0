import type { Redis } from 'ioredis'
import { AppError } from '../../platform/errors.js'
import type { Logger } from '../../platform/logger.js'
import { staffErrors } from './staff.errors.js'
import { LoginThrottleModel } from './staff.model.js'

export interface LoginGuardOptions {
  redis: Redis
  prefix: string
  /** failures of one name from one address before delays start (LOGIN_MAX_FAILURES) */
  maxFailures: number
  /** the longest delay, in minutes (LOGIN_LOCK_MINUTES) */
  maxDelayMinutes: number
  /** failures from one address, across every name, in `sprayWindowSeconds` before it gets 429 */
  sprayFailures?: number
  sprayWindowSeconds?: number
  log?: Logger
}

type Scope = 'pair' | 'account' | 'address'

/** How long failures are remembered when nothing else happens. */
const MEMORY_SECONDS = 24 * 3600
/** Addresses that signed in to an account recently skip that account's own delays (OWASP device trust). */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600

/**
 * Console login throttling after the OWASP Authentication Cheat Sheet:
 *  - counted in Redis by the *typed* name, so an unknown name and a wrong password behave identically;
 *  - a name from one address gets progressive delays (30 s doubling up to LOGIN_LOCK_MINUTES);
 *  - a name from every address together gets short delays (≤ 60 s) against distributed guessing, which
 *    addresses that signed in to it before do not feel, so a stranger cannot keep its owner out;
 *  - one address failing across many names (spraying) gets 429 for the window.
 * Nothing is ever locked: every delay ends by itself, and a console user can lift it.
 */
export class LoginGuard {
  private readonly sprayFailures: number
  private readonly sprayWindow: number
  constructor(private readonly o: LoginGuardOptions) {
    this.sprayFailures = o.sprayFailures ?? 30
    this.sprayWindow = o.sprayWindowSeconds ?? 900
  }

  private key(...parts: string[]) {
    return `${this.o.prefix}:login:${parts.join(':')}`
  }

  /**
   * Throws 429 LOGIN_THROTTLED when this attempt must wait; the password is not checked then. Like the rate
   * limiter, a Redis outage must not take sign-in down with it: the guard then lets attempts through and
   * says so in the log.
   */
  async check(username: string, ip: string) {
    try {
      await this.checkOrThrow(username, ip)
    } catch (e) {
      if (e instanceof AppError) throw e
      this.o.log?.warn({ err: e }, 'login guard unavailable; allowing the attempt')
    }
  }

  private async checkOrThrow(username: string, ip: string) {
    const now = Date.now()
    const [pair, account, address, known] = await this.o.redis
      .multi()
      .hget(this.key('pair', username, ip), 'until')
      .hget(this.key('account', username), 'until')
      .get(this.key('address', ip))
      .sismember(this.key('known', username), ip)
      .exec()
      .then((r) => (r ?? []).map(([, v]) => v))
    const untils = [Number(pair ?? 0), known ? 0 : Number(account ?? 0)]
    if (Number(address ?? 0) >= this.sprayFailures) {
      const ttl = await this.o.redis.pttl(this.key('address', ip))
      untils.push(now + Math.max(ttl, 1000))
    }
    const until = Math.max(...untils)
    if (until > now) throw throttled(Math.ceil((until - now) / 1000))
  }

  /** Records a failed attempt; starts (and records for the console) a delay when one is due. */
  async failed(username: string, ip: string, userId: string | null) {
    await this.recordFailure(username, ip, userId).catch((e: unknown) =>
      this.o.log?.warn({ err: e }, 'login guard could not record a failure'),
    )
  }

  private async recordFailure(username: string, ip: string, userId: string | null) {
    const pairKey = this.key('pair', username, ip)
    const accountKey = this.key('account', username)
    const addressKey = this.key('address', ip)
    const res = await this.o.redis
      .multi()
      .hincrby(pairKey, 'n', 1)
      .expire(pairKey, MEMORY_SECONDS)
      .hincrby(accountKey, 'n', 1)
      .expire(accountKey, MEMORY_SECONDS)
      .incr(addressKey)
      .expire(addressKey, this.sprayWindow, 'NX')
      .exec()
    const [pairN = 0, accountN = 0, addressN = 0] = [0, 2, 4].map((i) => Number(res?.[i]?.[1] ?? 0))
    const now = Date.now()
    const starts: { scope: Scope; seconds: number; failures: number }[] = []
    const pairDelay = this.pairDelay(pairN)
    if (pairDelay) starts.push({ scope: 'pair', seconds: pairDelay, failures: pairN })
    const accountDelay = this.accountDelay(accountN)
    if (accountDelay) starts.push({ scope: 'account', seconds: accountDelay, failures: accountN })
    if (addressN === this.sprayFailures)
      starts.push({ scope: 'address', seconds: this.sprayWindow, failures: addressN })
    if (!starts.length) return
    const m = this.o.redis.multi()
    for (const s of starts)
      if (s.scope !== 'address')
        m.hset(s.scope === 'pair' ? pairKey : accountKey, 'until', String(now + s.seconds * 1000))
    // The names under an account-wide delay, by when it ends: the user list reads them in one command.
    if (accountDelay)
      m.zremrangebyscore(this.key('accounts-until'), '-inf', now).zadd(
        this.key('accounts-until'),
        now + accountDelay * 1000,
        username,
      )
    await m.exec()
    await LoginThrottleModel.insertMany(
      starts.map((s) => ({
        username,
        userId,
        ip,
        scope: s.scope,
        failures: s.failures,
        until: new Date(now + s.seconds * 1000),
      })),
    )
  }

  /** A successful sign-in forgets this address's failures for the name and trusts the address for it. */
  async succeeded(username: string, ip: string) {
    await this.o.redis
      .multi()
      .del(this.key('pair', username, ip))
      .sadd(this.key('known', username), ip)
      .expire(this.key('known', username), KNOWN_ADDRESS_SECONDS)
      .exec()
      .catch((e: unknown) => this.o.log?.warn({ err: e }, 'login guard could not record a sign-in'))
  }

  /** The console lifts every delay on a name (after the person called the bureau, say). */
  async lift(username: string) {
    const pairs = await this.scan(this.key('pair', username, '*'))
    await this.o.redis
      .multi()
      .del(this.key('account', username), ...pairs)
      .zrem(this.key('accounts-until'), username)
      .exec()
    await LoginThrottleModel.updateMany(
      { username, until: { $gt: new Date() }, liftedAt: null },
      { $set: { liftedAt: new Date() } },
    )
  }

  /** When the name's account-wide delay ends, for the user list. */
  async accountUntil(usernames: string[]) {
    const out = new Map<string, Date>()
    if (!usernames.length) return out
    // One command whatever the page's size: the few names delayed right now, then those on this page.
    const delayed = await this.o.redis.zrangebyscore(
      this.key('accounts-until'),
      `(${Date.now()}`,
      '+inf',
      'WITHSCORES',
    )
    const page = new Set(usernames)
    for (let i = 0; i < delayed.length; i += 2)
      if (page.has(delayed[i]!)) out.set(delayed[i]!, new Date(Number(delayed[i + 1])))
    return out
  }

  private async scan(pattern: string) {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await this.o.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200)
      keys.push(...batch)
      cursor = next
    } while (cursor !== '0')
    return keys
  }

  /** 30 s, 60 s, 120 s … after the maxFailures-th failure, capped at LOGIN_LOCK_MINUTES. */
  private pairDelay(n: number) {
    if (n < this.o.maxFailures) return 0
    return Math.min(30 * 2 ** (n - this.o.maxFailures), this.o.maxDelayMinutes * 60)
  }

  /** Across addresses the bar is higher and the wait short: it slows guessing without shutting anyone out. */
  private accountDelay(n: number) {
    const start = this.o.maxFailures * 4
    if (n < start) return 0
    return Math.min(5 * 2 ** (n - start), 60)
  }
}

const throttled = staffErrors.loginThrottled
