import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import type { CampaignDelivery } from './campaigns.delivery.js'
import type { CampaignService } from './campaigns.service.js'

/**
 * The jobs this domain enqueues, each a task: payload schema, retry options, perform, and onFailed, which
 * runs once bull has given up and must leave the work in a final state a person can see. Job ids derive
 * from campaign and batch, so a re-triggered plan adds nothing already queued; the delivery records'
 * unique keys are the second line of defence.
 */
export const PUSH_QUEUE = 'push'
export const BATCH_SIZE = 500

/** Attempts in all and the first backoff, doubling (config `PUSH_*_ATTEMPTS` / `PUSH_*_BACKOFF_MS`). */
export interface RetryPolicy {
  attempts: number
  backoffMs: number
}
export interface PushRetry {
  plan: RetryPolicy
  batch: RetryPolicy
}

export interface PushTaskDeps {
  campaigns: CampaignService
  delivery: CampaignDelivery
}
const retryOptions = (r: RetryPolicy) => ({
  attempts: r.attempts,
  backoff: { type: 'exponential', delay: r.backoffMs },
  // Kept after completion so a re-run plan finds the id taken and adds nothing.
  removeOnComplete: false,
  removeOnFail: false,
})

/** Used when a job is added without the configured policy (a test enqueueing by hand, say). */
const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 2_000 }

const planJobId = (campaignId: string, at: Date) => `campaign:${campaignId}:plan:${at.getTime()}`
const PlanPayload = z.object({
  campaignId: z.string(),
  /** the time it was scheduled for: a job left behind by a reschedule finds the campaign moved and stops */
  at: z.number().int().optional(),
})
export const PlanJob = {
  ...defineTask({
    queue: PUSH_QUEUE,
    name: 'campaign.plan',
    payload: PlanPayload,
    options: retryOptions(DEFAULT_RETRY),
    perform: (d: PushTaskDeps, p) =>
      d.campaigns.plan(
        p.campaignId,
        p.at === undefined ? undefined : planJobId(p.campaignId, new Date(p.at)),
      ),
    // Planning gave up: the campaign is failed with a reason, never left queued or sending.
    onFailed: (d, p, err) => d.campaigns.failPlan(p.campaignId, err),
  }),
  id: planJobId,
  /** the configured policy (PUSH_PLAN_*), applied when the job is added */
  retry: retryOptions,
}

const BatchPayloadSchema = z.object({
  campaignId: z.string(),
  batch: z.number().int(),
  /** [userId, enterpriseId] pairs */
  recipients: z.array(z.tuple([z.string(), z.string()])),
  /** a resend batch: its round, and how its members had failed (errcode → members) */
  resend: z.object({ round: z.number().int(), before: z.record(z.string(), z.number().int()) }).optional(),
})
export const BatchJob = {
  ...defineTask({
    queue: PUSH_QUEUE,
    name: 'campaign.batch',
    payload: BatchPayloadSchema,
    options: retryOptions(DEFAULT_RETRY),
    /** each batch keeps WECHAT_SEND_CONCURRENCY sends in flight; two batches per worker */
    concurrency: 2,
    // The last attempt records what WeChat still refused (45009 …) as failed instead of retrying.
    perform: (d: PushTaskDeps, p, run) => d.delivery.processBatch(p, { lastAttempt: run.lastAttempt }),
    // Anything else that exhausted the attempts: a failed batch result, so the campaign can still end.
    onFailed: (d, p, err) => d.delivery.failBatch(p, err),
  }),
  id: (campaignId: string, batch: number) => `campaign:${campaignId}:batch:${batch}`,
  /** the configured policy (PUSH_BATCH_*), applied when the job is added */
  retry: retryOptions,
}
export type BatchPayload = z.output<typeof BatchPayloadSchema>

const SweepPayload = z.object({})
/** Every minute, one run across all workers: finishes jobs whose onFailed a dying worker never ran. */
export const CampaignSweepJob = defineTask({
  queue: PUSH_QUEUE,
  name: 'campaign.sweep',
  payload: SweepPayload,
  repeat: { every: 60_000 },
  options: { attempts: 1, jobId: 'campaign-sweep', removeOnComplete: 10, removeOnFail: 10 },
  perform: (d: PushTaskDeps) => d.campaigns.sweep((p, err) => d.delivery.failBatch(p, err)),
  // Nothing to leave behind: the next run sweeps again.
  onFailed: async () => {},
})

/** Every task of this domain, for its module. */
export const CAMPAIGN_TASKS = [PlanJob, BatchJob, CampaignSweepJob] as const

/** How the campaign service hands work to bull; implemented in platform/queues.ts. */
export interface CampaignQueue {
  plan(campaignId: string, at: Date): Promise<void>
  batches(campaignId: string, batches: BatchPayload[]): Promise<void>
  /** Those of these jobs that bull has given up on, with their data: the sweep finishes their work. */
  failedJobs(jobIds: string[]): Promise<{ id: string; data: unknown; reason: string }[]>
}
