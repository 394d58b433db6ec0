import type { Job } from 'bull'
import mongoose from 'mongoose'
import type { Logger } from 'pino'
import { BatchJob, PlanJob } from '@zct/api/modules/campaigns/campaigns.jobs'
import { RetryBatch } from '@zct/api/modules/campaigns/campaigns.delivery'
import { PublishJob, SweepJob } from '@zct/api/modules/content/content.jobs'
import { publishDue } from '@zct/api/modules/content/content.service'
import { buildPlatform } from '@zct/api/modules/index'
import type { Config } from '@zct/api/platform/config'
import { connectMongo } from '@zct/api/platform/db'
import { createRedis } from '@zct/api/platform/redis'
import * as health from './tasks/health.js'

export interface WorkerOptions {
  config: Config
  log: Logger
  /** Batch jobs processed at once by this worker (each keeps WECHAT_SEND_CONCURRENCY sends in flight). */
  batchConcurrency?: number
  /** Tests that share the api's process and connection pass false. */
  connect?: boolean
}

/**
 * One worker process: the same services as the api, driven by bull. Each job module declares its payload
 * schema and retry options (api/src/modules/<domain>/<domain>.jobs.ts); this file only routes jobs to them.
 */
export async function startWorker({ config, log, batchConcurrency = 2, connect = true }: WorkerOptions) {
  if (connect) await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const platform = buildPlatform({ config, log, redis })
  const system = platform.systemQueue
  const push = platform.pushQueue

  system.process(health.name, 1, (job) => health.process(job, redis, config.redis.prefix))
  // Scheduled publishing: a delayed job per schedule, and a once-a-minute sweep in case an enqueue failed.
  system.process(PublishJob.name, 1, () => publishDue(new Date()))
  system.process(SweepJob.name, 1, () => publishDue(new Date()))
  push.process(PlanJob.name, 1, (job: Job) =>
    platform.campaigns.plan(PlanJob.payload.parse(job.data).campaignId),
  )
  push.process(BatchJob.name, batchConcurrency, async (job: Job) => {
    try {
      return await platform.delivery.processBatch(BatchJob.payload.parse(job.data))
    } catch (err) {
      if (err instanceof RetryBatch) log.warn({ job: job.id, attempt: job.attemptsMade + 1 }, err.message)
      throw err
    }
  })
  for (const q of [system, push])
    q.on('failed', (job, err) =>
      log.warn(
        { queue: q.name, job: job.name, id: job.id, attempts: job.attemptsMade, err: err.message },
        'job failed',
      ),
    )

  await Promise.all([system.isReady(), push.isReady()])
  // Repeatable heartbeat: one schedule across all workers (bull dedupes repeatable jobs by key).
  await system.add(
    health.name,
    { requestedAt: 'schedule' },
    { ...health.options, repeat: { every: 30_000 }, jobId: 'heartbeat' },
  )
  await system.add(SweepJob.name, {}, { ...SweepJob.options, repeat: { every: SweepJob.everyMs } })
  return {
    platform,
    queues: [system, push],
    async close() {
      await platform.close()
      redis.disconnect()
      if (connect) await mongoose.disconnect()
    },
  }
}
