import { z } from 'zod'
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
export interface TaskRun {
  /** 1-based */
  attempt: number
  /** no retry follows a failure of this attempt */
  lastAttempt: boolean
}

/** A job module as the worker runs it; the worker looks tasks up by name. */
export interface Task<P extends z.ZodType, D> {
  name: string
  payload: P
  perform(deps: D, payload: z.output<P>, run: TaskRun): Promise<unknown>
  /** After the last attempt failed (or the job stalled once too often). Must be idempotent. */
  onFailed(deps: D, payload: z.output<P>, err: Error): Promise<void>
}

const retryOptions = (r: RetryPolicy) => ({
  attempts: r.attempts,
  backoff: { type: 'exponential', delay: r.backoffMs },
  // Kept after completion so a re-run plan finds the id taken and adds nothing.
  removeOnComplete: false,
  removeOnFail: false,
})

const PlanPayload = z.object({ campaignId: z.string() })
export const PlanJob = {
  name: 'campaign.plan',
  payload: PlanPayload,
  id: (campaignId: string, at: Date) => `campaign:${campaignId}:plan:${at.getTime()}`,
  options: retryOptions,
  perform: (d, p) => d.campaigns.plan(p.campaignId),
  // Planning gave up: the campaign is failed with a reason, never left queued or sending.
  onFailed: (d, p, err) => d.campaigns.failPlan(p.campaignId, err),
} satisfies Task<typeof PlanPayload, PushTaskDeps> & Record<string, unknown>

const BatchPayloadSchema = z.object({
  campaignId: z.string(),
  batch: z.number().int(),
  /** [userId, enterpriseId] pairs */
  recipients: z.array(z.tuple([z.string(), z.string()])),
  /** a resend batch: its round, and how its members had failed (errcode → members) */
  resend: z.object({ round: z.number().int(), before: z.record(z.string(), z.number().int()) }).optional(),
})
export const BatchJob = {
  name: 'campaign.batch',
  payload: BatchPayloadSchema,
  id: (campaignId: string, batch: number) => `campaign:${campaignId}:batch:${batch}`,
  options: retryOptions,
  // The last attempt records what WeChat still refused (45009 …) as failed instead of retrying.
  perform: (d, p, run) => d.delivery.processBatch(p, { lastAttempt: run.lastAttempt }),
  // Anything else that exhausted the attempts: a failed batch result, so the campaign can still end.
  onFailed: (d, p, err) => d.delivery.failBatch(p, err),
} satisfies Task<typeof BatchPayloadSchema, PushTaskDeps> & Record<string, unknown>
export type BatchPayload = z.output<typeof BatchPayloadSchema>

const SweepPayload = z.object({})
/** Every minute, one run across all workers: finishes jobs whose onFailed a dying worker never ran. */
export const CampaignSweepJob = {
  name: 'campaign.sweep',
  payload: SweepPayload,
  everyMs: 60_000,
  options: { attempts: 1, jobId: 'campaign-sweep', removeOnComplete: 10, removeOnFail: 10 },
  perform: (d) => d.campaigns.sweep((p, err) => d.delivery.failBatch(p, err)),
  // Nothing to leave behind: the next run sweeps again.
  onFailed: async () => {},
} satisfies Task<typeof SweepPayload, PushTaskDeps> & Record<string, unknown>

/** How the campaign service hands work to bull; implemented in platform/queues.ts. */
export interface CampaignQueue {
  plan(campaignId: string, at: Date): Promise<void>
  batches(campaignId: string, batches: BatchPayload[]): Promise<void>
  /** Those of these jobs that bull has given up on, with their data: the sweep finishes their work. */
  failedJobs(jobIds: string[]): Promise<{ id: string; data: unknown; reason: string }[]>
}
