import type { Server } from 'node:http'
import net from 'node:net'
import mongoose from 'mongoose'
import type { Redis } from 'ioredis'
import { createHttpApp } from './platform/app.js'
import type { RouteInfo } from './platform/routing.js'
import type { Config } from './platform/config.js'
import { connectMongo, pingMongo } from './platform/db.js'
import type { Logger } from './platform/logger.js'
import { createRedis, pingRedis } from './platform/redis.js'
import { buildModules, MODULES } from './modules/index.js'
import { reportApiFiguresOf } from './platform/metrics.js'

export interface RunningServer {
  server: Server
  url: string
  config: Config
  redis: Redis
  /** Services of this process, for the CLI and tests acting as an operator would. */
  platform: Awaited<ReturnType<typeof buildModules>>['platform']
  /** Every declared route with who may call it: the authorization matrix test is generated from this. */
  routes: RouteInfo[]
  /**
   * Stops the process's HTTP side and closes the stores. `drainMs`: first keep answering that long, as usual,
   * while /readyz fails, so a proxy moves its traffic elsewhere before the listener closes.
   */
  close(opts?: { drainMs?: number }): Promise<void>
}

/**
 * Boots one stateless api process: connects MongoDB and Redis, mounts every module, listens.
 * `close()` is the graceful path: stop accepting, let in-flight requests finish, then close the stores.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  // Start-up work (seeding the built-in roles, and the writes it makes through Redis) needs Redis now: its
  // commands fail rather than queue while it connects, and a restarted process would die on that race.
  if (redis.status !== 'ready')
    await new Promise<void>((resolve) => {
      const warn = (err: Error) => log.warn({ err: err.message }, 'waiting for redis')
      redis.on('error', warn)
      redis.once('ready', () => {
        redis.off('error', warn)
        resolve()
      })
    })
  // Read by /readyz on every call: shutting down adds a failing check (see close()).
  const readiness: Record<string, () => Promise<boolean>> = {
    mongodb: () => pingMongo(),
    redis: () => pingRedis(redis),
  }
  /** the listener is closed: every answer closes its connection */
  let closing = false
  const modules = await buildModules({ config, log, redis })
  // /metrics reads queue depths and the year's push figures from this process's clients
  const stopFigures = reportApiFiguresOf(modules.platform, MODULES)
  const app = createHttpApp(
    {
      log,
      bodyLimitKb: config.http.bodyLimitKb,
      adminOrigin: config.http.adminOrigin,
      trustProxy: config.http.trustProxy,
      adminStaticDir: config.http.adminStaticDir,
      metricsToken: config.http.metricsToken,
      readiness,
      isShuttingDown: () => closing,
    },
    modules.routers,
  )
  // A burst of new connections (a training's registration opening, a proxy re-opening its pool after a restart)
  // waits in the kernel's accept queue while the event loop is busy. Node's default of 511 overflows under
  // 2,000 at once, and an overflowed connection is reset after the client sent its request. The kernel caps
  // this at net.core.somaxconn (4096 on current Linux).
  const server = app.listen({ port: config.http.port, host: config.http.host, backlog: 4096 })
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
    async close({ drainMs = 0 } = {}) {
      // Two steps, so that a reverse proxy in front loses no request:
      // 1. Draining, for drainMs: /readyz fails, so a proxy that checks health takes us out, while every
      //    request is answered as usual and keep-alive connections stay open. Closing them now would make a
      //    proxy that keeps sending open new ones all through the drain, and the listener's close resets
      //    any still waiting to be accepted: a POST the proxy may not retry.
      // 2. Closing: the listener stops, so a proxy that only retries refused connections moves on; answers
      //    on connections still open say `Connection: close`. A proxy closes its idle ones itself when its
      //    keepalive timeout (shorter than the drain) ends; whatever is still idle after the drain's length
      //    again is closed then.
      readiness.draining = async () => false
      if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs))
      closing = true
      await new Promise<void>((resolve) => {
        let sweep: NodeJS.Timeout | undefined
        const grace = setTimeout(() => {
          // Connections finishing their last request become idle later: keep closing idle ones until done.
          sweep = setInterval(() => server.closeIdleConnections(), 200)
          server.closeIdleConnections()
        }, drainMs)
        // net.Server's close stops accepting but, unlike http.Server's (Node 19+), does not cut idle
        // connections at once: one accepted a moment ago is "idle" while its request is still on its way in.
        net.Server.prototype.close.call(server, () => {
          clearTimeout(grace)
          clearInterval(sweep)
          resolve()
        })
      })
      stopFigures()
      await modules.close()
      await mongoose.disconnect()
      redis.disconnect()
    },
  }
}
