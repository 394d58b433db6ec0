import { z } from 'zod'

/**
 * The jobs this domain enqueues. Job ids derive from campaign and batch, so a re-triggered plan adds
 * nothing already queued; the delivery records' unique keys are the second line of defence.
 */
export const PUSH_QUEUE = 'push'
export const BATCH_SIZE = 500

export const PlanJob = {
  name: 'campaign.plan',
  payload: z.object({ campaignId: z.string() }),
  id: (campaignId: string, at: Date) => `campaign:${campaignId}:plan:${at.getTime()}`,
  options: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: false,
    removeOnFail: false,
  },
}

export const BatchJob = {
  name: 'campaign.batch',
  payload: z.object({
    campaignId: z.string(),
    batch: z.number().int(),
    /** [userId, enterpriseId] pairs */
    recipients: z.array(z.tuple([z.string(), z.string()])),
  }),
  id: (campaignId: string, batch: number) => `campaign:${campaignId}:batch:${batch}`,
  // Kept after completion so a re-run plan finds the id taken and adds nothing.
  options: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: false,
    removeOnFail: false,
  },
}
export type BatchPayload = z.output<typeof BatchJob.payload>

/** How the campaign service hands work to bull; implemented in platform/queues.ts. */
export interface CampaignQueue {
  plan(campaignId: string, at: Date): Promise<void>
  batches(campaignId: string, batches: BatchPayload[]): Promise<void>
}
