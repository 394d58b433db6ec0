import mongoose, { Schema, type Types } from 'mongoose'
import type { ActorDoc } from './claims.model.js'
import {
  BatchStatus,
  ImportStatus,
  LineOutcome,
  type BatchFiguresOutput,
  type BatchStatusOutput,
  type ImportStatusOutput,
  type LineOutcomeOutput,
} from './claims.payments.contract.js'

const Actor = { _id: false, kind: String, id: Schema.Types.ObjectId, name: String }

// ── Public notices (公示) ───────────────────────────────────────────────────────────────────────────

/**
 * One 公示: the approved claims it listed (fixed when published), the announcement it went out as, and its
 * period. `publishing` is a short-lived state held while one notice is built and published: at most one
 * exists (a unique index), so two reviewers publishing at once never list the same claim twice.
 */
const NoticeSchema = new Schema(
  {
    no: { type: String, default: null },
    year: { type: Number, required: true },
    title: { type: String, default: null },
    status: { type: String, enum: ['publishing', 'open', 'closed'], required: true },
    workingDays: { type: Number, required: true },
    announcementId: { type: Schema.Types.ObjectId, default: null },
    /** the claims listed, in the order published */
    claimIds: { type: [Schema.Types.ObjectId], default: [] },
    amountFen: { type: Number, default: 0 },
    publishedAt: { type: Date, default: null },
    /** the end of the period's last working day */
    endsAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    createdBy: { type: Actor, required: true },
  },
  { timestamps: true },
)
// Serves: the one-publication-at-a-time lock (a second `publishing` notice is a duplicate key).
NoticeSchema.index({ status: 1 }, { unique: true, partialFilterExpression: { status: 'publishing' } })
// Serves: the sweep closing notices whose period has ended (status open, endsAt < now).
NoticeSchema.index({ status: 1, endsAt: 1 })
// Serves: the console's notice list, newest first (optionally by status).
NoticeSchema.index({ createdAt: -1 })
// Serves: lookup by 公示编号; unique among published notices.
NoticeSchema.index({ no: 1 }, { unique: true, partialFilterExpression: { no: { $type: 'string' } } })

export interface NoticeDoc {
  _id: Types.ObjectId
  no: string | null
  year: number
  title: string | null
  status: 'publishing' | 'open' | 'closed'
  workingDays: number
  announcementId: Types.ObjectId | null
  claimIds: Types.ObjectId[]
  amountFen: number
  publishedAt: Date | null
  endsAt: Date | null
  closedAt: Date | null
  createdBy: ActorDoc
  createdAt: Date
  updatedAt: Date
}

// ── Payment batches ─────────────────────────────────────────────────────────────────────────────────

/**
 * A payment batch. Its figures are computed from its claims every time (a claim is in the batch while its
 * `batchId` names it; `claimIds`, written right after the claims were moved in, also keeps those that failed
 * here and moved on to a later batch). `imports` counts result imports, taken atomically for their numbers.
 */
const BatchSchema = new Schema(
  {
    no: { type: String, required: true },
    year: { type: Number, required: true },
    status: { type: String, enum: BatchStatus.options, required: true },
    claimIds: { type: [Schema.Types.ObjectId], default: [] },
    imports: { type: Number, default: 0 },
    createdBy: { type: Actor, required: true },
    closedBy: { type: Actor, default: null },
    closedAt: { type: Date, default: null },
    /** the figures it was closed with */
    closedFigures: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: true },
)
// Serves: lookup by 批次编号; one batch per number.
BatchSchema.index({ no: 1 }, { unique: true })
// Serves: the console's batch list, newest first (optionally by status).
BatchSchema.index({ createdAt: -1 })

export interface BatchDoc {
  _id: Types.ObjectId
  no: string
  year: number
  status: BatchStatusOutput
  claimIds: Types.ObjectId[]
  imports: number
  createdBy: ActorDoc
  closedBy: ActorDoc | null
  closedAt: Date | null
  closedFigures: BatchFiguresOutput | null
  createdAt: Date
  updatedAt: Date
}

// ── Bank result imports ─────────────────────────────────────────────────────────────────────────────

/** One import of a bank result file into a batch; its lines are in claim_result_lines. */
const ImportSchema = new Schema(
  {
    batchId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    fileId: { type: Schema.Types.ObjectId, required: true },
    fileName: { type: String, required: true },
    sha256: { type: String, required: true },
    status: { type: String, enum: ImportStatus.options, required: true },
    lines: { type: Number, required: true },
    error: { type: String, default: null },
    createdBy: { type: Actor, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true },
)
// Serves: a batch's imports, newest first (batch detail).
ImportSchema.index({ batchId: 1, createdAt: -1 })
// Serves: the sweep re-enqueueing imports whose job was lost (status queued, created a while ago).
ImportSchema.index({ status: 1, createdAt: 1 })

export interface ImportDoc {
  _id: Types.ObjectId
  batchId: Types.ObjectId
  seq: number
  fileId: Types.ObjectId
  fileName: string
  sha256: string
  status: ImportStatusOutput
  lines: number
  error: string | null
  createdBy: ActorDoc
  startedAt: Date | null
  finishedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/**
 * One line of a bank result file and what became of it. Written `pending` when the file is accepted; the
 * worker sets each outcome once (only from `pending`), so a re-run after a crash picks up where it stopped.
 */
const LineSchema = new Schema(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    batchId: { type: Schema.Types.ObjectId, required: true },
    row: { type: Number, required: true },
    no: { type: String, required: true },
    amountFen: { type: Number, required: true },
    result: { type: String, enum: ['success', 'failure'], required: true },
    reason: { type: String, default: null },
    outcome: { type: String, enum: LineOutcome.options, default: 'pending' },
    message: { type: String, default: null },
    claimId: { type: Schema.Types.ObjectId, default: null },
    appliedAt: { type: Date, default: null },
  },
  { versionKey: false },
)
// Serves: one line per row of an import; the import's lines in row order, and the worker's next pending
// lines ({importId, outcome: 'pending'} sorted by row uses the second index).
LineSchema.index({ importId: 1, row: 1 }, { unique: true })
// Serves: the worker's pending lines in row order, the import page filtered by outcome, the outcome counts.
LineSchema.index({ importId: 1, outcome: 1, row: 1 })

export interface LineDoc {
  _id: Types.ObjectId
  importId: Types.ObjectId
  batchId: Types.ObjectId
  row: number
  no: string
  amountFen: number
  result: 'success' | 'failure'
  reason: string | null
  outcome: LineOutcomeOutput
  message: string | null
  claimId: Types.ObjectId | null
  appliedAt: Date | null
}

export const ClaimNoticeModel = mongoose.model('ClaimNotice', NoticeSchema, 'claim_notices')
export const ClaimBatchModel = mongoose.model('ClaimBatch', BatchSchema, 'claim_batches')
export const ClaimResultImportModel = mongoose.model(
  'ClaimResultImport',
  ImportSchema,
  'claim_result_imports',
)
export const ClaimResultLineModel = mongoose.model('ClaimResultLine', LineSchema, 'claim_result_lines')
