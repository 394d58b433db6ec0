import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { openQueue, QUEUES } from './queues.js'
import * as health from './tasks/health.js'

export interface WorkerOptions {
  redisUrl: string
  prefix: string
  log: Logger
}

/** Starts every queue's processors in this process; `close()` lets active jobs finish first. */
export async function startWorker(opts: WorkerOptions) {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2 })
  const system = openQueue(QUEUES.system, opts.redisUrl, opts.prefix)
  system.process(health.name, 1, (job) => health.process(job, redis, opts.prefix))
  system.on('failed', (job, err) => opts.log.warn({ queue: QUEUES.system, job: job.name, id: job.id, err }, 'job failed'))
  await system.isReady()
  // Repeatable heartbeat: one schedule across all workers (bull dedupes repeatable jobs by key).
  await system.add(health.name, { requestedAt: 'schedule' }, { ...health.options, repeat: { every: 30_000 }, jobId: 'heartbeat' })
  return {
    queues: [system],
    async close() {
      await system.close()
      redis.disconnect()
    },
  }
}
