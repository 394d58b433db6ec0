import mongoose, { Schema, type Types } from 'mongoose'
import {
  Audience,
  ContentKind,
  ContentStatus,
  PatentKind,
  type ContentKindOutput,
  type ContentStatusOutput,
  type PatentKindOutput,
} from './content.contract.js'

/**
 * One `contents` collection for announcements and patent information, told apart by `kind`: the lifecycle
 * (status, scheduling, pinning, content check, read receipts) is the same code for both, and only the
 * kind-specific parts (`audience` for announcements, `patent` for patent information) differ.
 */
const AttachmentSchema = new Schema(
  { fileId: { type: Schema.Types.ObjectId, required: true }, name: String, mime: String, size: Number },
  { _id: false },
)

const ContentSchema = new Schema(
  {
    kind: { type: String, enum: ContentKind.options, required: true },
    status: { type: String, enum: ContentStatus.options, required: true },
    title: { type: String, required: true },
    summary: { type: String, default: '' },
    /** Sanitised HTML: stored only after the allowlist has been applied. */
    body: { type: String, default: '' },
    /** The body's first 120 characters of text, rewritten with it: the summary of items that have none. */
    excerpt: { type: String, default: '' },
    /** Snapshot of the uploads' display data, so lists need no lookup in `files`. */
    attachments: { type: [AttachmentSchema], default: [] },
    /** Bumped by every edit of checked text; a check or a publish only applies to the revision it read. */
    rev: { type: Number, default: 0 },
    /** When a scheduled item goes live; null otherwise. */
    publishAt: { type: Date, default: null },
    /** First publication; kept when a withdrawn item is republished, so it keeps its place in lists. */
    publishedAt: { type: Date, default: null },
    withdrawnAt: { type: Date, default: null },
    pinned: { type: Boolean, default: false },
    pinnedAt: { type: Date, default: null },
    secCheck: {
      type: new Schema(
        {
          suggest: String,
          label: Number,
          checkedAt: Date,
          rev: Number,
          /** A 'review' verdict confirmed by an editor after a human look; a new check starts unconfirmed. */
          reviewedAt: { type: Date, default: null },
          reviewedBy: { type: Schema.Types.ObjectId, default: null },
          reviewerName: { type: String, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    readCount: { type: Number, default: 0 },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
    // ── announcements ──
    audience: {
      kind: { type: String, enum: Audience.shape.kind.options },
      regions: { type: [String], default: undefined },
      industries: { type: [String], default: undefined },
    },
    /**
     * Denormalised region/industry filters for the mini-program query: an empty filter is stored as ['*'],
     * so one `$in: ['*', ...the user's codes and their ancestors]` serves both cases.
     */
    audienceMatch: {
      regions: { type: [String], default: undefined },
      industries: { type: [String], default: undefined },
    },
    // ── patent information ──
    patent: {
      type: new Schema(
        {
          kind: { type: String, enum: PatentKind.options, required: true },
          link: { type: String, default: null },
          source: { type: String, default: null },
          ipcs: { type: [String], default: [] },
          industries: { type: [String], default: [] },
          regions: { type: [String], default: [] },
          enterpriseTypes: { type: [String], default: [] },
          sizes: { type: [String], default: [] },
        },
        { _id: false },
      ),
      default: undefined,
    },
  },
  { timestamps: true },
)
// Serves: the mini-program lists (kind + status = published, pinned first by pinnedAt, then newest, ties by
// `_id`, which the index holds so the page is read in order), and the unread count (kind + status); the
// patent list adds `patent.kind` as a filter on this prefix.
ContentSchema.index({ kind: 1, status: 1, pinned: -1, pinnedAt: -1, publishedAt: -1, _id: -1 })
// Serves: the scheduled sweep `publishDue` (status = scheduled, publishAt ≤ now).
ContentSchema.index({ status: 1, publishAt: 1 })
// Serves: the console's announcement and patent lists, newest first, unfiltered or by status.
ContentSchema.index({ kind: 1, createdAt: -1 })
ContentSchema.index({ kind: 1, status: 1, createdAt: -1 })
// Serves: the console's 待人工复核 / 已复核 filter (kind + secCheck.suggest = review, then reviewedAt null or
// not), newest first; only the few items WeChat asked a human to look at are indexed.
ContentSchema.index(
  { kind: 1, 'secCheck.suggest': 1, createdAt: -1 },
  { partialFilterExpression: { 'secCheck.suggest': 'review' } },
)

const ContentReadSchema = new Schema(
  {
    contentId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    readAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
)
// Serves: one receipt per person and item (the unique key makes "first open counts" race-free), and
// "who read this" for an item.
ContentReadSchema.index({ contentId: 1, userId: 1 }, { unique: true })
// Serves: the `unread` flag of a page and the unread count (this user's receipts among given items).
ContentReadSchema.index({ userId: 1, contentId: 1 })

export interface AttachmentDoc {
  fileId: Types.ObjectId
  name: string
  mime: string
  size: number
}

export interface SecCheckDoc {
  suggest: 'pass' | 'review' | 'risky'
  label: number
  checkedAt: Date
  rev: number
  reviewedAt?: Date | null
  reviewedBy?: Types.ObjectId | null
  reviewerName?: string | null
}

export interface PatentFieldsDoc {
  kind: PatentKindOutput
  link: string | null
  source: string | null
  ipcs: string[]
  industries: string[]
  regions: string[]
  enterpriseTypes: string[]
  sizes: string[]
}

export interface AudienceDoc {
  kind: 'all' | 'enterprises' | 'individuals'
  regions: string[]
  industries: string[]
}

export interface ContentDoc {
  _id: Types.ObjectId
  kind: ContentKindOutput
  status: ContentStatusOutput
  title: string
  summary: string
  body: string
  excerpt: string
  attachments: AttachmentDoc[]
  rev: number
  publishAt: Date | null
  publishedAt: Date | null
  withdrawnAt: Date | null
  pinned: boolean
  pinnedAt: Date | null
  secCheck: SecCheckDoc | null
  readCount: number
  audience?: AudienceDoc
  patent?: PatentFieldsDoc
  createdAt: Date
  updatedAt: Date
}

export const ContentModel = mongoose.model('Content', ContentSchema, 'contents')
export const ContentReadModel = mongoose.model('ContentRead', ContentReadSchema, 'content_reads')
