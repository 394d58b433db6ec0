import mongoose, { Schema, type Types } from 'mongoose'
import type { TargetingOutput } from './campaigns.contract.js'

const CampaignSchema = new Schema(
  {
    name: { type: String, required: true },
    content: {
      kind: { type: String, enum: ['announcement', 'patent', 'training'], required: true },
      id: { type: Schema.Types.ObjectId, required: true },
      title: { type: String, required: true },
      summary: { type: String, default: '' },
      category: { type: String, required: true },
    },
    targeting: { type: Schema.Types.Mixed, required: true },
    templateId: { type: String, required: true },
    status: {
      type: String,
      enum: ['draft', 'scheduled', 'queued', 'sending', 'done', 'failed', 'cancelled'],
      default: 'draft',
    },
    scheduledAt: { type: Date, default: null },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    plan: { type: Schema.Types.Mixed, default: null },
    /** the plan job's id, so the sweep can tell a plan that bull gave up on */
    planJobId: { type: String, default: null },
    /** why the campaign failed (planning gave up): reason for people, error for the log */
    failure: { type: Schema.Types.Mixed, default: null },
    /** the latest resend of quota-failed deliveries; its batches continue the plan's numbering */
    resend: { type: Schema.Types.Mixed, default: null },
    /** the first batch number a next resend may use */
    nextBatch: { type: Number, default: null },
    createdBy: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
)
// Serves: the console's campaign list, newest first, by status and unfiltered.
CampaignSchema.index({ status: 1, createdAt: -1 })
CampaignSchema.index({ createdAt: -1 })

/** WeChat channel of one (campaign, member): the unique key is what makes a restarted worker safe. */
const DeliverySchema = new Schema(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    enterpriseId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, enum: ['wechat'], default: 'wechat' },
    /** pending → sending → sent | spent (43101) | no_grant | muted (pushes turned off) | failed */
    status: { type: String, default: 'pending' },
    attempts: { type: Number, default: 0 },
    errcode: { type: Number, default: null },
    msgid: { type: String, default: null },
    recovered: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false },
)
// Serves: exactly one WeChat delivery per (campaign, member); a batch's lookup of its members' deliveries
// (userId $in the batch, campaignId equal). userId leads: 500 members select ~500 entries, where a
// campaignId-first key would walk every delivery of the campaign for each batch.
DeliverySchema.index({ userId: 1, campaignId: 1, channel: 1 }, { unique: true })
// Serves: per-campaign counts by status (sent / failed by errcode) for statistics; the resendable
// members of a campaign (status 'failed', errcode among the quota codes, filtered on the few failed rows).
DeliverySchema.index({ campaignId: 1, status: 1 })

/** One enterprise reached by one campaign: the unit the yearly target counts. */
const EnterpriseDeliverySchema = new Schema(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    enterpriseId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    year: { type: Number, required: true },
    month: { type: Number, required: true },
    region: { type: String, default: null },
    sections: { type: [String], default: [] },
  },
  { versionKey: false },
)
// Serves: one enterprise-delivery per enterprise per campaign.
EnterpriseDeliverySchema.index({ campaignId: 1, enterpriseId: 1 }, { unique: true })
// Serves: the weekly frequency cap (pushes to an enterprise since a date).
EnterpriseDeliverySchema.index({ at: 1, enterpriseId: 1 })
// Serves: yearly statistics by month, region and industry.
EnterpriseDeliverySchema.index({ year: 1, month: 1 })

/** Outcome of one fan-out batch, written once: progress is the sum of these, so a retried batch never double-counts. */
const BatchResultSchema = new Schema(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    batch: { type: Number, required: true },
    processed: { type: Number, required: true },
    wechatSent: { type: Number, required: true },
    wechatFailed: { type: Number, required: true },
    inboxOnly: { type: Number, required: true },
    failedByErrcode: { type: Schema.Types.Mixed, default: {} },
    /** failed: attempts ran out with members unsent (errcode: the commonest cause); error: a crash's message */
    status: { type: String, enum: ['done', 'failed'], default: 'done' },
    errcode: { type: Number, default: null },
    error: { type: String, default: null },
    /** 0 for the plan's batches, n for the nth resend, whose figures are changes to the earlier ones */
    round: { type: Number, default: 0 },
    /** members a resend batch tried again */
    resent: { type: Number, default: 0 },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
)
// Serves: write-once per batch; summing a campaign's progress.
BatchResultSchema.index({ campaignId: 1, batch: 1 }, { unique: true })

export interface CampaignDoc {
  _id: Types.ObjectId
  name: string
  content: {
    kind: 'announcement' | 'patent' | 'training'
    id: Types.ObjectId
    title: string
    summary: string
    category: string
  }
  targeting: TargetingOutput
  templateId: string
  status: 'draft' | 'scheduled' | 'queued' | 'sending' | 'done' | 'failed' | 'cancelled'
  scheduledAt: Date | null
  startedAt: Date | null
  finishedAt: Date | null
  plan: { enterprises: number; members: number; capped: number; batches: number } | null
  planJobId?: string | null
  failure?: { reason: string; error: string; at: Date } | null
  resend?: CampaignResend | null
  nextBatch?: number | null
  createdBy: Types.ObjectId
  createdAt: Date
}
export interface CampaignResend {
  round: number
  members: number
  /** batch numbers firstBatch … firstBatch + batches - 1 */
  firstBatch: number
  batches: number
  startedAt: Date
  finishedAt: Date | null
}
export interface DeliveryDoc {
  _id: Types.ObjectId
  campaignId: Types.ObjectId
  userId: Types.ObjectId
  enterpriseId: Types.ObjectId
  status: 'pending' | 'sending' | 'sent' | 'spent' | 'no_grant' | 'muted' | 'failed'
  attempts: number
  errcode: number | null
}
export interface BatchResultDoc {
  campaignId: Types.ObjectId
  batch: number
  processed: number
  wechatSent: number
  wechatFailed: number
  inboxOnly: number
  failedByErrcode: Record<string, number>
  status?: 'done' | 'failed'
  errcode?: number | null
  error?: string | null
  round?: number
  resent?: number
}

export const CampaignModel = mongoose.model('Campaign', CampaignSchema, 'campaigns')
export const DeliveryModel = mongoose.model('Delivery', DeliverySchema, 'deliveries')
export const EnterpriseDeliveryModel = mongoose.model(
  'EnterpriseDelivery',
  EnterpriseDeliverySchema,
  'enterprise_deliveries',
)
export const BatchResultModel = mongoose.model(
  'CampaignBatchResult',
  BatchResultSchema,
  'campaign_batch_results',
)
