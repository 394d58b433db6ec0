import { Redis } from 'ioredis'
import { withTimeout } from './db.js'

/** Shared Redis for rate limits, token caches and locks. Bull opens its own connections. */
export function createRedis(url: string) {
  return new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  })
}

export async function pingRedis(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  try {
    return (await withTimeout(redis.ping(), timeoutMs)) === 'PONG'
  } catch {
    return false
  }
}
