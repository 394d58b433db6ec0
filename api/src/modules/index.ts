import type { Redis } from 'ioredis'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import type { ApiRouter } from '../platform/routing.js'

export interface CoreDeps {
  config: Config
  log: Logger
  redis: Redis
}

/** Composition root of the domain modules: builds their services and routers from the platform parts. */
export async function buildModules(_deps: CoreDeps): Promise<{ routers: ApiRouter[]; close(): Promise<void> }> {
  return { routers: [], close: async () => {} }
}
