/**
 * The worker's public entry into the api: everything `jobs/` may import. The worker is a loop over the
 * tasks the listed modules declare, run with those modules' own services.
 */
import mongoose from 'mongoose'
import type { Config } from './platform/config.js'
import { connectMongo } from './platform/db.js'
import type { Logger } from './platform/logger.js'
import { startMetricsServer, useProcessMetrics } from './platform/metrics.js'
import type { ModuleDef } from './platform/modules.js'
import { createRedis } from './platform/redis.js'
import { TaskRunner } from './platform/tasks.js'
import { buildServices, MODULES } from './modules/index.js'

export { runProcess } from './platform/process.js'
export { heartbeatKey, SYSTEM_QUEUE } from './modules/system/system.tasks.js'

export interface WorkerOptions {
  config: Config
  log: Logger
  /** per task name, jobs processed at once by this worker (default: the task's own `concurrency`) */
  concurrency?: Record<string, number>
  /** Tests that share the api's process and connection pass false. */
  connect?: boolean
}

/** One worker process: the same services as the api, driven by bull. */
export async function startWorker({ config, log, concurrency = {}, connect = true }: WorkerOptions) {
  if (connect) await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const built = await buildServices({ config, log, redis })
  const runner = new TaskRunner((name) => built.core.queue(name), log)
  for (const m of MODULES as readonly ModuleDef[])
    for (const task of m.tasks ?? [])
      runner.run(task, built.services[m.name] as never, concurrency[task.name] ?? task.concurrency)
  await Promise.all(built.openQueues().map((q) => q.isReady()))
  await runner.schedule()
  const metrics = await serveWorkerMetrics(config)
  return {
    platform: { ...built.core, services: built.services },
    queues: built.openQueues(),
    /** where GET /metrics and /healthz answer; undefined when WORKER_METRICS_PORT is 0 */
    metricsPort: metrics?.port,
    async close() {
      // Stop taking jobs and let the active ones finish first (bull's close waits for them): closing the
      // modules and the WeChat client alongside would fail a batch halfway and leave it to a retry.
      await Promise.all(built.openQueues().map((q) => q.close()))
      await runner.drain()
      await built.close()
      redis.disconnect()
      if (connect) await mongoose.disconnect()
      await metrics?.close()
    },
  }
}

/** GET /metrics and /healthz on WORKER_METRICS_PORT (0 = none), started last: healthy means taking jobs. */
async function serveWorkerMetrics(config: Config) {
  useProcessMetrics('worker')
  const port = config.worker.metricsPort
  if (!port) return undefined
  try {
    return await startMetricsServer({ host: config.http.host, port, token: config.http.metricsToken })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message
    throw new Error(
      `配置错误（环境变量）：WORKER_METRICS_PORT=${port} 无法在 ${config.http.host} 上监听（${code}）；每个 worker 需要各自的端口，设为 0 则不提供`,
      { cause: e },
    )
  }
}
