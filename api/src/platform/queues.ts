import Queue from 'bull'
import {
  BatchJob,
  PlanJob,
  PUSH_QUEUE,
  type BatchPayload,
  type CampaignQueue,
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

export function bullCampaignQueue(queue: Queue.Queue): CampaignQueue {
  return {
    async plan(campaignId, at) {
      const delay = Math.max(0, at.getTime() - Date.now())
      await queue.add(
        PlanJob.name,
        { campaignId },
        { ...PlanJob.options, delay, jobId: PlanJob.id(campaignId, at) },
      )
    },
    async batches(campaignId, batches: BatchPayload[]) {
      // addBulk in slices: one round trip per 200 jobs keeps enqueueing 300 batches well under a second.
      for (let i = 0; i < batches.length; i += 200) {
        await queue.addBulk(
          batches.slice(i, i + 200).map((b) => ({
            name: BatchJob.name,
            data: b,
            opts: { ...BatchJob.options, jobId: BatchJob.id(campaignId, b.batch) },
          })),
        )
      }
    },
  }
}

/** Queue names in one place, so producers and consumers cannot drift apart. */
export const QUEUES = { system: 'system', push: PUSH_QUEUE } as const
export { PUSH_QUEUE }
