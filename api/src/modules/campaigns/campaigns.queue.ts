import type Queue from 'bull'
import { BatchJob, PlanJob, type BatchPayload, type CampaignQueue, type PushRetry } from './campaigns.jobs.js'

/** How the campaign service hands work to bull: stable job ids, so a re-run plan adds nothing twice. */
export function bullCampaignQueue(queue: Queue.Queue, retry: PushRetry): CampaignQueue {
  return {
    async plan(campaignId, at) {
      const delay = Math.max(0, at.getTime() - Date.now())
      await queue.add(PlanJob.name, PlanJob.payload.parse({ campaignId, at: at.getTime() }), {
        ...PlanJob.retry(retry.plan),
        delay,
        jobId: PlanJob.id(campaignId, at),
      })
    },
    async batches(campaignId, batches: BatchPayload[]) {
      // addBulk in slices: one round trip per 200 jobs keeps enqueueing 300 batches well under a second.
      for (let i = 0; i < batches.length; i += 200) {
        await queue.addBulk(
          batches.slice(i, i + 200).map((b) => ({
            name: BatchJob.name,
            data: BatchJob.payload.parse(b),
            opts: { ...BatchJob.retry(retry.batch), jobId: BatchJob.id(campaignId, b.batch) },
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
