import { z } from 'zod'
import { ObjectIdString, PageQuery, pageOf } from '../common.contract.js'
import { PushCategory } from '../interests/interests.contract.js'
import {
  EnterpriseSize,
  EnterpriseType,
  IndustryCode,
  IpcCode,
  RegionCode,
} from '../taxonomy/taxonomy.contract.js'

export const Targeting = z.strictObject({
  regions: z.array(RegionCode).max(50).default([]),
  /**
   * within: enterprises registered in (or below) a targeted region.
   * overlap: also enterprises recorded only at a broader level (a city-level record for a district target).
   */
  regionMatch: z.enum(['within', 'overlap']).default('within'),
  industries: z.array(IndustryCode).max(50).default([]),
  ipcs: z.array(IpcCode).max(50).default([]),
  enterpriseTypes: z.array(EnterpriseType).default([]),
  sizes: z.array(EnterpriseSize).default([]),
})
export type TargetingInput = z.input<typeof Targeting>
export type TargetingOutput = z.output<typeof Targeting>

export const ContentRef = z.object({ kind: z.enum(['announcement', 'patent']), id: ObjectIdString })

export const CampaignCreate = z.strictObject({
  name: z.string().trim().min(1, '请输入推送名称').max(60),
  content: ContentRef,
  /** Omitted: the content item's own tags are the targeting. */
  targeting: Targeting.optional(),
})
export type CampaignCreateInput = z.input<typeof CampaignCreate>
export const CampaignUpdate = z.strictObject({
  name: z.string().trim().min(1).max(60).optional(),
  targeting: Targeting.optional(),
})
export type CampaignUpdateInput = z.input<typeof CampaignUpdate>

export const CampaignSend = z.strictObject({
  /** Omitted: now. Otherwise a time in the next 90 days. */
  at: z.coerce.date().optional(),
})
export type CampaignSendInput = z.input<typeof CampaignSend>

export const CampaignStatus = z.enum(['draft', 'scheduled', 'queued', 'sending', 'done', 'cancelled'])

export const Progress = z.object({
  /** members planned / processed so far */
  total: z.number().int(),
  processed: z.number().int(),
  wechatSent: z.number().int(),
  wechatFailed: z.number().int(),
  inboxOnly: z.number().int(),
  failedByErrcode: z.record(z.string(), z.number().int()),
  read: z.number().int(),
  clicked: z.number().int(),
  percent: z.number(),
})

export const CampaignOut = z.object({
  id: z.string(),
  name: z.string(),
  content: z.object({
    kind: z.enum(['announcement', 'patent']),
    id: z.string(),
    title: z.string(),
    category: PushCategory,
  }),
  targeting: Targeting,
  templateId: z.string(),
  status: CampaignStatus,
  scheduledAt: z.iso.datetime().nullable(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  plan: z
    .object({
      enterprises: z.number().int(),
      members: z.number().int(),
      capped: z.number().int(),
      batches: z.number().int(),
    })
    .nullable(),
  progress: Progress,
  createdAt: z.iso.datetime(),
})
export type CampaignOutput = z.output<typeof CampaignOut>
export const CampaignListQuery = PageQuery.extend({ status: CampaignStatus.optional() })
export type CampaignListQueryInput = z.input<typeof CampaignListQuery>
export const CampaignPage = pageOf(CampaignOut)
export type CampaignPageOutput = z.output<typeof CampaignPage>

export const MatchReason = z.object({
  dimension: z.enum(['region', 'industry', 'ipc', 'type', 'size', 'all']),
  text: z.string(),
})
export const DryRunRow = z.object({
  enterpriseId: z.string(),
  name: z.string(),
  region: z.string().nullable(),
  members: z.number().int(),
  reachable: z.number().int(),
  capped: z.boolean(),
  reasons: z.array(MatchReason),
})
export const DryRunQuery = PageQuery.extend({ filter: z.enum(['all', 'capped', 'reachable']).default('all') })
export type DryRunQueryInput = z.input<typeof DryRunQuery>
export const DryRun = z.object({
  summary: z.object({
    enterprises: z.number().int(),
    members: z.number().int(),
    /** members holding an unused subscription grant for the template now */
    reachable: z.number().int(),
    inboxOnly: z.number().int(),
    /** enterprises the weekly cap holds back, and their members */
    cappedEnterprises: z.number().int(),
    cappedMembers: z.number().int(),
    optedOut: z.number().int(),
    weeklyCap: z.number().int(),
  }),
  rows: pageOf(DryRunRow),
})
export type DryRunOutput = z.output<typeof DryRun>

export const YearQuery = z.object({ year: z.coerce.number().int().min(2020).max(2100) })
export const YearStats = z.object({
  year: z.number().int(),
  target: z.number().int(),
  delivered: z.number().int(),
  distinctEnterprises: z.number().int(),
  percent: z.number(),
  byMonth: z.array(z.object({ month: z.number().int(), delivered: z.number().int() })),
  byRegion: z.array(z.object({ region: z.string(), delivered: z.number().int() })),
  byIndustry: z.array(z.object({ section: z.string(), delivered: z.number().int() })),
})
export type YearStatsOutput = z.output<typeof YearStats>
