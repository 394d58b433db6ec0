/**
 * The worker's public entry into the api: everything `jobs/` may import. The worker is a loop over the
 * tasks the listed modules declare, run with those modules' own services.
 */
import mongoose from 'mongoose'
import type { Config } from './platform/config.js'
import { connectMongo } from './platform/db.js'
import type { Logger } from './platform/logger.js'
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
  return {
    platform: { ...built.core, services: built.services },
    queues: built.openQueues(),
    async close() {
      await runner.drain()
      await built.close()
      redis.disconnect()
      if (connect) await mongoose.disconnect()
    },
  }
}
