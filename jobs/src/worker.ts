import type { Job, Queue } from 'bull'
import mongoose from 'mongoose'
import type { Logger } from 'pino'
import type { z } from 'zod'
import {
  BatchJob,
  CampaignSweepJob,
  PlanJob,
  type PushTaskDeps,
  type Task,
} from '@zct/api/modules/campaigns/campaigns.jobs'
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
  const pushTasks = new TaskRunner<PushTaskDeps>(
    push,
    { campaigns: platform.campaigns, delivery: platform.delivery },
    log,
  )
  pushTasks.run(PlanJob, 1)
  pushTasks.run(BatchJob, batchConcurrency)
  pushTasks.run(CampaignSweepJob, 1)
  for (const q of [system, push])
    q.on('failed', (job, err) =>
      log.warn(
        { queue: q.name, job: job?.name, id: job?.id, attempts: job?.attemptsMade, err: err.message },
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
  await push.add(
    CampaignSweepJob.name,
    {},
    { ...CampaignSweepJob.options, repeat: { every: CampaignSweepJob.everyMs } },
  )
  return {
    platform,
    queues: [system, push],
    async close() {
      await pushTasks.drain()
      await platform.close()
      redis.disconnect()
      if (connect) await mongoose.disconnect()
    },
  }
}

/**
 * Runs task modules on one queue: parses the payload, tells perform whether no retry follows, and once
 * bull has given up on a job (attempts spent, or stalled once too often) runs the task's onFailed, which
 * leaves the work in a final state. An onFailed that fails is logged; the campaign sweep catches up.
 */
class TaskRunner<D> {
  private readonly tasks = new Map<string, Task<z.ZodType, D>>()
  private readonly finishing = new Set<Promise<void>>()

  constructor(
    private readonly queue: Queue,
    private readonly deps: D,
    private readonly log: Logger,
  ) {
    queue.on('failed', (job: Job | null, err: Error) => {
      const task = job && this.tasks.get(job.name)
      if (!task) return
      const done: Promise<void> = this.onFailed(task, job, err).finally(() => this.finishing.delete(done))
      this.finishing.add(done)
    })
  }

  run<P extends z.ZodType>(task: Task<P, D>, concurrency: number) {
    this.tasks.set(task.name, task as unknown as Task<z.ZodType, D>)
    this.queue.process(task.name, concurrency, (job: Job) => {
      const attempt = job.attemptsMade + 1
      const lastAttempt = attempt >= (job.opts.attempts ?? 1)
      return task.perform(this.deps, task.payload.parse(job.data), { attempt, lastAttempt })
    })
  }

  /** Waits for onFailed calls under way, so closing never cuts one short. */
  async drain() {
    await Promise.all([...this.finishing])
  }

  private async onFailed(task: Task<z.ZodType, D>, job: Job, err: Error) {
    try {
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || (await job.isFailed())
      if (!final) return // a retry follows
      await task.onFailed(this.deps, task.payload.parse(job.data), err)
    } catch (e) {
      this.log.error(
        { queue: this.queue.name, job: job.name, id: job.id, err: (e as Error).message },
        'onFailed did not finish; the campaign sweep will',
      )
    }
  }
}
