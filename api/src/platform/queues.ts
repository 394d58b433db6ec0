import Queue from 'bull'
import {
  BatchJob,
  PlanJob,
  PUSH_QUEUE,
  type BatchPayload,
  type CampaignQueue,
  type PushRetry,
} from '../modules/campaigns/campaigns.jobs.js'

/** Every bull queue is opened here, for producers (api) and consumers (workers) alike. */
export function openQueue(name: string, redisUrl: string, prefix: string) {
  return new Queue(name, redisUrl, {
    prefix: `${prefix}:bull`,
    // A worker killed mid-job leaves its jobs "active": another worker takes them over once the lock
    // (renewed every lockDuration/2 while alive) lapses, checked every stalledInterval.
    settings: { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 5 },
    defaultJobOptions: {
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
    },
  })
}

export function bullCampaignQueue(queue: Queue.Queue, retry: PushRetry): CampaignQueue {
  return {
    async plan(campaignId, at) {
      const delay = Math.max(0, at.getTime() - Date.now())
      await queue.add(
        PlanJob.name,
        { campaignId },
        { ...PlanJob.options(retry.plan), delay, jobId: PlanJob.id(campaignId, at) },
      )
    },
    async batches(campaignId, batches: BatchPayload[]) {
      // addBulk in slices: one round trip per 200 jobs keeps enqueueing 300 batches well under a second.
      for (let i = 0; i < batches.length; i += 200) {
        await queue.addBulk(
          batches.slice(i, i + 200).map((b) => ({
            name: BatchJob.name,
            data: b,
            opts: { ...BatchJob.options(retry.batch), jobId: BatchJob.id(campaignId, b.batch) },
          })),
        )
      }
    },
    async failedJobs(jobIds) {
      if (!jobIds.length) return []
      // One pipelined ZSCORE per id on the failed set: cheap enough to ask about every missing batch each sweep.
      const failedKey = (queue as unknown as { toKey(k: string): string }).toKey('failed')
      const pipe = queue.client.pipeline()
      for (const id of jobIds) pipe.zscore(failedKey, id)
      const scores = (await pipe.exec()) ?? []
      const failed = jobIds.filter((_, i) => scores[i]?.[1] != null)
      const jobs = await Promise.all(failed.map((id) => queue.getJob(id)))
      return jobs.flatMap((j) =>
        j ? [{ id: String(j.id), data: j.data as unknown, reason: j.failedReason ?? '' }] : [],
      )
    },
  }
}

/** Queue names in one place, so producers and consumers cannot drift apart. */
export const QUEUES = { system: 'system', push: PUSH_QUEUE } as const
export { PUSH_QUEUE }
