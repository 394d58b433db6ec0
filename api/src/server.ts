import type { Server } from 'node:http'
import mongoose from 'mongoose'
import type { Redis } from 'ioredis'
import { createHttpApp } from './platform/app.js'
import type { RouteInfo } from './platform/routing.js'
import type { Config } from './platform/config.js'
import { connectMongo, pingMongo } from './platform/db.js'
import type { Logger } from './platform/logger.js'
import { createRedis, pingRedis } from './platform/redis.js'
import { buildModules } from './modules/index.js'

export interface RunningServer {
  server: Server
  url: string
  config: Config
  redis: Redis
  /** Services of this process, for the CLI and tests acting as an operator would. */
  platform: Awaited<ReturnType<typeof buildModules>>['platform']
  /** Every declared route with who may call it: the authorization matrix test is generated from this. */
  routes: RouteInfo[]
  close(): Promise<void>
}

/**
 * Boots one stateless api process: connects MongoDB and Redis, mounts every module, listens.
 * `close()` is the graceful path: stop accepting, let in-flight requests finish, then close the stores.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  let shuttingDown = false
  const modules = await buildModules({ config, log, redis })
  const app = createHttpApp(
    {
      log,
      bodyLimitKb: config.http.bodyLimitKb,
      adminOrigin: config.http.adminOrigin,
      trustProxy: config.http.trustProxy,
      adminStaticDir: config.http.adminStaticDir,
      metricsToken: config.http.metricsToken,
      readiness: { mongodb: () => pingMongo(), redis: () => pingRedis(redis) },
      isShuttingDown: () => shuttingDown,
    },
    modules.routers,
  )
  const server = app.listen(config.http.port, config.http.host)
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
  // Keep-alive sockets longer than a typical proxy's idle timeout, so the proxy closes first.
  server.keepAliveTimeout = 65_000
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.http.port
  const url = `http://${config.http.host}:${port}`

  return {
    server,
    url,
    config,
    redis,
    platform: modules.platform,
    routes: modules.routers.flatMap((r) => r.routes),
    async close() {
      shuttingDown = true
      await new Promise<void>((resolve) => {
        // Connections finishing their last request become idle later: keep closing idle ones until done.
        const sweep = setInterval(() => server.closeIdleConnections(), 200)
        server.close(() => {
          clearInterval(sweep)
          resolve()
        })
        server.closeIdleConnections()
      })
      await modules.close()
      await mongoose.disconnect()
      redis.disconnect()
    },
  }
}
