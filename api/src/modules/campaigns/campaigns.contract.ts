import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { machine } from '../machine.contract.js'
import { PushCategory } from '../interests/interests.contract.js'
import {
  EnterpriseSize,
  EnterpriseType,
  IndustryCode,
  IpcCode,
  RegionCode,
} from '../taxonomy/taxonomy.contract.js'

export const Targeting = z.strictObject({
  regions: z.array(RegionCode).max(50).meta({ label: '地区' }).default([]),
  /**
   * within: enterprises registered in (or below) a targeted region.
   * overlap: also enterprises recorded only at a broader level (a city-level record for a district target).
   */
  regionMatch: z.enum(['within', 'overlap']).meta({ label: '地区匹配方式' }).default('within'),
  industries: z.array(IndustryCode).max(50).meta({ label: '行业' }).default([]),
  ipcs: z.array(IpcCode).max(50).meta({ label: 'IPC 分类号' }).default([]),
  enterpriseTypes: z.array(EnterpriseType).meta({ label: '企业类型' }).default([]),
  sizes: z.array(EnterpriseSize).meta({ label: '企业规模' }).default([]),
})
export type TargetingInput = z.input<typeof Targeting>
export type TargetingOutput = z.output<typeof Targeting>

export const ContentRef = z
  .object({
    kind: z.enum(['announcement', 'patent', 'training']).meta({ label: '推送内容类型' }),
    id: ObjectIdString.meta({ label: '推送内容' }),
  })
  .meta({ label: '推送内容' })
const CampaignName = text({ label: '推送名称', max: 60 })

export const CampaignCreate = z.strictObject({
  name: CampaignName,
  content: ContentRef,
  /** Omitted: the content item's own tags are the targeting. */
  targeting: Targeting.meta({ label: '推送对象' }).optional(),
})
export type CampaignCreateInput = z.input<typeof CampaignCreate>
export const CampaignUpdate = z.strictObject({
  name: CampaignName.optional(),
  targeting: Targeting.meta({ label: '推送对象' }).optional(),
})
export type CampaignUpdateInput = z.input<typeof CampaignUpdate>

export const CampaignSend = z.strictObject({
  /** Omitted: now. Otherwise a time in the next 90 days. */
  at: z.coerce.date().meta({ label: '发送时间' }).optional(),
})
export type CampaignSendInput = z.input<typeof CampaignSend>

/** failed: planning the recipients gave up (see failureReason); a campaign whose sends failed ends done. */
export const CampaignStatus = z
  .enum(['draft', 'scheduled', 'queued', 'sending', 'done', 'failed', 'cancelled'])
  .meta({ label: '推送状态' })
/** Statuses as the console and the Excel export name them. */
export const CAMPAIGN_STATUS_LABELS: Record<z.output<typeof CampaignStatus>, string> = {
  draft: '草稿',
  scheduled: '已排期',
  queued: '排队中',
  sending: '发送中',
  done: '已完成',
  failed: '失败',
  cancelled: '已取消',
}

/**
 * A campaign's lifecycle. Editors (push.manage) edit, schedule, send, cancel and resend; the worker plans,
 * finishes, and fails a plan that gave up. `edit` keeps a draft a draft: only drafts may change.
 */
export const CampaignMachine = machine({
  what: '推送',
  states: CAMPAIGN_STATUS_LABELS,
  moves: {
    edit: { from: ['draft'], to: 'draft', permission: 'push.manage', label: '编辑' },
    schedule: { from: ['draft', 'scheduled'], to: 'scheduled', permission: 'push.manage', label: '定时发送' },
    send: { from: ['draft', 'scheduled'], to: 'queued', permission: 'push.manage', label: '立即发送' },
    cancel: { from: ['draft', 'scheduled'], to: 'cancelled', permission: 'push.manage', label: '取消' },
    plan: { from: ['queued', 'scheduled', 'sending'], to: 'sending', label: '生成发送名单' },
    finish: { from: ['sending'], to: 'done', label: '完成发送' },
    failPlan: { from: ['queued', 'scheduled', 'sending'], to: 'failed', label: '标记失败' },
    resend: { from: ['done'], to: 'sending', permission: 'push.manage', label: '重发失败的部分' },
  },
})
export type CampaignMove = keyof typeof CampaignMachine.moves

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
    kind: z.enum(['announcement', 'patent', 'training']),
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
  /** why a failed campaign failed, in words for the operator */
  failureReason: z.string().nullable(),
  /**
   * Members whose WeChat message was refused for the daily quota (45009) or a busy WeChat, and never
   * went out: a resend may reach them. Refusals for good (43101, 47003) and unknown outcomes are not counted.
   */
  resendable: z.number().int(),
  /** the latest resend of those members */
  resend: z
    .object({
      round: z.number().int(),
      members: z.number().int(),
      processed: z.number().int(),
      startedAt: z.iso.datetime(),
      finishedAt: z.iso.datetime().nullable(),
    })
    .nullable(),
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
export const DryRunQuery = PageQuery.extend({
  filter: z.enum(['all', 'capped', 'reachable']).meta({ label: '筛选' }).default('all'),
})
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

export const YearQuery = z.object({
  year: z.coerce.number().int().min(2020).max(2100).meta({ label: '年份' }),
})
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

/** Every campaign endpoint (pushes and their yearly statistics), declared once: the routes and the console's API functions read this. */
export const CampaignEndpoints = endpoints({
  list: {
    method: 'get',
    path: '/admin/v1/campaigns',
    query: CampaignListQuery,
    response: CampaignPage,
    summary: '推送列表',
  },
  create: {
    method: 'post',
    path: '/admin/v1/campaigns',
    body: CampaignCreate,
    response: CampaignOut,
    status: 201,
    summary: '新建推送（草稿）',
  },
  get: {
    method: 'get',
    path: '/admin/v1/campaigns/:id',
    params: IdParams,
    response: CampaignOut,
    summary: '推送详情与进度',
  },
  update: {
    method: 'patch',
    path: '/admin/v1/campaigns/:id',
    params: IdParams,
    body: CampaignUpdate,
    response: CampaignOut,
    summary: '修改推送草稿（名称、推送对象）',
  },
  dryRun: {
    method: 'get',
    path: '/admin/v1/campaigns/:id/dry-run',
    params: IdParams,
    query: DryRunQuery,
    response: DryRun,
    summary: '试算：会推送给哪些企业和成员',
  },
  send: {
    method: 'post',
    path: '/admin/v1/campaigns/:id/send',
    params: IdParams,
    body: CampaignSend,
    response: CampaignOut,
    status: 202,
    summary: '立即发送或定时发送（由后台任务发送）',
  },
  resendFailed: {
    method: 'post',
    path: '/admin/v1/campaigns/:id/resend-failed',
    params: IdParams,
    response: CampaignOut,
    status: 202,
    summary: '重发因微信额度或繁忙未送达的消息（每人一次）',
  },
  cancel: {
    method: 'post',
    path: '/admin/v1/campaigns/:id/cancel',
    params: IdParams,
    response: CampaignOut,
    summary: '取消推送',
  },
  yearStats: {
    method: 'get',
    path: '/admin/v1/stats/push',
    query: YearQuery,
    response: YearStats,
    summary: '年度推送统计',
  },
  exportYearStats: {
    method: 'get',
    path: '/admin/v1/stats/push/export',
    query: YearQuery,
    response: 'file',
    summary: '导出年度推送统计（Excel）',
  },
})

/** The campaigns domain's refusals (raised through campaigns.errors.ts). */
export const CampaignErrorCode = z.enum([
  'CAMPAIGN_LOCKED',
  'CAMPAIGN_STARTED',
  'CAMPAIGN_STILL_SENDING',
  'NOTHING_TO_RESEND',
])
