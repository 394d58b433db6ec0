import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

/** The shared access_token as every api process sees it in Redis. */
export interface CachedToken {
  token: string
  /** when WeChat stops accepting it (ms since epoch) */
  expiresAt: number
  /** from when on a process should fetch a newer one (ms since epoch) */
  refreshAt: number
}

/** Deletes the lock only while it is still ours: a lock that outlived its TTL may belong to someone else now. */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/** The token cache and the one-refresher-at-a-time lock, both in Redis so all processes share them. */
export class TokenStore {
  private readonly tokenKey: string
  private readonly lockKey: string

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly lockTtlMs: number,
  ) {
    this.tokenKey = `${keyPrefix}wx:token`
    this.lockKey = `${keyPrefix}wx:token:lock`
  }

  async read(): Promise<CachedToken | undefined> {
    const raw = await this.redis.get(this.tokenKey)
    if (!raw) return undefined
    try {
      const v = JSON.parse(raw) as Partial<CachedToken>
      if (typeof v.token === 'string' && typeof v.expiresAt === 'number' && typeof v.refreshAt === 'number')
        return { token: v.token, expiresAt: v.expiresAt, refreshAt: v.refreshAt }
    } catch {
      // a foreign or corrupt value counts as no token; the next write replaces it
    }
    return undefined
  }

  async write(t: CachedToken): Promise<void> {
    const ttl = t.expiresAt - Date.now()
    if (ttl > 0) await this.redis.set(this.tokenKey, JSON.stringify(t), 'PX', ttl)
  }

  /** The lock's owner value when acquired, undefined when another process holds it. */
  async tryLock(): Promise<string | undefined> {
    const owner = randomBytes(12).toString('hex')
    const ok = await this.redis.set(this.lockKey, owner, 'PX', this.lockTtlMs, 'NX')
    return ok === 'OK' ? owner : undefined
  }

  async unlock(owner: string): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, this.lockKey, owner)
  }
}
