import type { Queue } from 'bull'
import type { Redis } from 'ioredis'
import type { Config } from './config.js'
import { PersonalDataCipher } from './crypto.js'
import { JwtService } from './jwt.js'
import type { Logger } from './logger.js'
import type { Core } from './modules.js'
import { registerEpochWriter } from './principal-cache.js'
import { openQueue } from './queues.js'
import { RateLimits } from './rate-limit.js'
import { RefreshTokens } from './refresh-tokens.js'
import { createStorage } from './storage/index.js'
import { WechatClient } from './wechat/client.js'

export interface CoreDeps {
  config: Config
  log: Logger
  redis: Redis
}

/** The shared clients every module builds on, once per process (api and worker alike). */
export async function buildCore({ config, log, redis }: CoreDeps) {
  const queues = new Map<string, Queue>()
  // Writes in this process to what principals are built from tell every process's cache (principal-cache.ts).
  const unregisterEpochs = registerEpochWriter(redis, config.redis.prefix)
  const core: Core = {
    config,
    log,
    redis,
    jwt: new JwtService(config.jwt.secret, config.jwt.issuer, config.jwt.accessTtl),
    cipher: PersonalDataCipher.fromConfig(config.data),
    refresh: new RefreshTokens(config.jwt.refreshTtl),
    rateLimits: new RateLimits(redis, config.redis.prefix),
    wechat: new WechatClient({
      baseUrl: config.wechat.baseUrl,
      appId: config.wechat.appId,
      appSecret: config.wechat.appSecret,
      redis,
      keyPrefix: `${config.redis.prefix}:`,
      logger: log.child({ component: 'wechat' }),
    }),
    // Async to build: the S3 SDK loads only when configured.
    storage: await createStorage(config.storage),
    queue(name) {
      let q = queues.get(name)
      if (!q) queues.set(name, (q = openQueue(name, config.redis.url, config.redis.prefix)))
      return q
    },
  }
  return {
    core,
    /** the queues opened so far, for a worker to wait on */
    openQueues: () => [...queues.values()],
    async close() {
      unregisterEpochs()
      await Promise.all([...[...queues.values()].map((q) => q.close()), core.wechat.close()])
    },
  }
}
