import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { ClaimStatus, ClaimType } from './claims.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// Public notice (公示) and payment batches with reconciliation against the bank's results. Money is integer
// fen; a batch's figures are always computed from its claims, never kept as counters.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

const Actor = z.object({ id: z.string().nullable(), name: z.string() })

// ── Public notice (公示) ────────────────────────────────────────────────────────────────────────────

export const NOTICE_DEFAULT_WORKING_DAYS = 5
/** One notice lists at most this many claims (the announcement must stay readable); the rest go in the next. */
export const NOTICE_MAX_CLAIMS = 1000

export const NoticeCreate = z.strictObject({
  /** the notice period in working days (official holiday calendar), from the day it is published */
  workingDays: z
    .number()
    .int()
    .min(1)
    .max(20)
    .meta({ label: '公示期（工作日）' })
    .default(NOTICE_DEFAULT_WORKING_DAYS),
  /** default: 2026 年第 N 期专利代理师资助公示 */
  title: text({ label: '公示标题', max: 100 }).optional(),
})
export type NoticeCreateInput = z.input<typeof NoticeCreate>

export const NoticeStatus = z.enum(['open', 'closed']).meta({ label: '公示状态' })
export type NoticeStatusOutput = z.output<typeof NoticeStatus>
export const NOTICE_STATUS_LABELS: Record<NoticeStatusOutput, string> = { open: '公示中', closed: '公示结束' }

export const NoticeOut = z.object({
  id: z.string(),
  /** GS2026-001 */
  no: z.string(),
  title: z.string(),
  status: NoticeStatus,
  workingDays: z.number().int(),
  /** the announcement it was published as (content module) */
  announcementId: z.string(),
  periodStart: z.iso.datetime(),
  /** the end of the last working day of the period (23:59:59 Beijing time) */
  periodEnd: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  /** as published */
  claimCount: z.number().int(),
  amountFen: z.number().int(),
  /** now: still on notice, cleared, and sent back to review by an objection */
  onNoticeCount: z.number().int(),
  clearedCount: z.number().int(),
  objectionCount: z.number().int(),
  createdBy: Actor,
  createdAt: z.iso.datetime(),
})
export type NoticeOutput = z.output<typeof NoticeOut>

export const NoticeClaim = z.object({
  id: z.string(),
  no: z.string(),
  /** as published: 张*明 */
  maskedName: z.string(),
  type: ClaimType,
  amountFen: z.number().int(),
  /** where the claim stands now */
  status: ClaimStatus,
  /** the objection that sent it back to review during this notice */
  objection: z.object({ at: z.iso.datetime(), reason: z.string().nullable(), by: z.string() }).nullable(),
})
export const NoticeDetail = NoticeOut.extend({ claims: z.array(NoticeClaim) })
export type NoticeDetailOutput = z.output<typeof NoticeDetail>

export const NoticeListQuery = PageQuery.extend({ status: NoticeStatus.optional() })
export const NoticePage = pageOf(NoticeOut)

// ── Payment batches ─────────────────────────────────────────────────────────────────────────────────

export const BatchCreate = z.strictObject({
  /** only these claims (each cleared, or failed with its account since fixed); default: every such claim */
  claimIds: z
    .array(ObjectIdString.meta({ label: '资助申请' }))
    .min(1)
    .max(10_000)
    .meta({ label: '资助申请' })
    .optional(),
})
export type BatchCreateInput = z.input<typeof BatchCreate>

export const BatchStatus = z.enum(['open', 'closed']).meta({ label: '批次状态' })
export type BatchStatusOutput = z.output<typeof BatchStatus>
export const BATCH_STATUS_LABELS: Record<BatchStatusOutput, string> = { open: '发放中', closed: '已关闭' }

/** A claim's fate in one batch: a claim that failed here and was paid in a later batch stays `failed` here. */
export const BatchOutcome = z.enum(['pending', 'paid', 'failed']).meta({ label: '发放结果' })
export type BatchOutcomeOutput = z.output<typeof BatchOutcome>
export const BATCH_OUTCOME_LABELS: Record<BatchOutcomeOutput, string> = {
  pending: '待银行回单',
  paid: '发放成功',
  failed: '发放失败',
}

const Sum = z.object({ count: z.number().int(), fen: z.number().int() })
export const BatchFigures = z.object({
  expected: Sum,
  paid: Sum,
  failed: Sum,
  pending: Sum,
  /** nothing pending, and paid + failed = expected: the batch may be closed */
  reconciled: z.boolean(),
})
export type BatchFiguresOutput = z.output<typeof BatchFigures>

export const BatchOut = z.object({
  id: z.string(),
  /** PC2026-0001 */
  no: z.string(),
  status: BatchStatus,
  figures: BatchFigures,
  importCount: z.number().int(),
  createdBy: Actor,
  createdAt: z.iso.datetime(),
  closedBy: Actor.nullable(),
  closedAt: z.iso.datetime().nullable(),
})
export type BatchOutput = z.output<typeof BatchOut>
export const BatchListQuery = PageQuery.extend({ status: BatchStatus.optional() })
export const BatchPage = pageOf(BatchOut)

// ── Bank result imports ─────────────────────────────────────────────────────────────────────────────

export const ImportStatus = z.enum(['queued', 'running', 'done', 'failed']).meta({ label: '导入状态' })
export type ImportStatusOutput = z.output<typeof ImportStatus>
export const IMPORT_STATUS_LABELS: Record<ImportStatusOutput, string> = {
  queued: '排队中',
  running: '处理中',
  done: '已完成',
  failed: '处理失败',
}

/** What became of one line of the bank's result file. Only `paid` and `failed` changed a claim. */
export const LineOutcome = z
  .enum([
    'pending',
    'paid',
    'failed',
    'already_paid',
    'already_failed',
    'amount_mismatch',
    'not_in_batch',
    'unknown',
    'conflict',
  ])
  .meta({ label: '处理结果' })
export type LineOutcomeOutput = z.output<typeof LineOutcome>
export const LINE_OUTCOME_LABELS: Record<LineOutcomeOutput, string> = {
  pending: '待处理',
  paid: '已确认发放成功',
  failed: '已登记发放失败',
  already_paid: '此前已确认发放成功，未重复处理',
  already_failed: '此前已登记发放失败，未重复处理',
  amount_mismatch: '金额与应发金额不一致，未处理',
  not_in_batch: '不属于本批次，未处理',
  unknown: '系统中没有此业务参考号，未处理',
  conflict: '与此前的回单结果矛盾，未处理',
}

export const ImportOut = z.object({
  id: z.string(),
  batchId: z.string(),
  /** the batch's 1st, 2nd … import */
  seq: z.number().int(),
  fileId: z.string(),
  fileName: z.string(),
  status: ImportStatus,
  /** lines in the file */
  lines: z.number().int(),
  /** lines per outcome (LineOutcome), computed from the lines */
  counts: z.record(z.string(), z.number().int()),
  /** why a failed import stopped; its remaining lines stay `pending` */
  error: z.string().nullable(),
  createdBy: Actor,
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
})
export type ImportOutput = z.output<typeof ImportOut>

export const BatchDetail = BatchOut.extend({ imports: z.array(ImportOut) })
export type BatchDetailOutput = z.output<typeof BatchDetail>

export const BatchClaim = z.object({
  id: z.string(),
  no: z.string(),
  type: ClaimType,
  applicantName: z.string(),
  holderName: z.string(),
  /** masked */
  accountNo: z.string(),
  bankName: z.string(),
  amountFen: z.number().int(),
  outcome: BatchOutcome,
  /** where the claim stands now (a claim failed here may be in a later batch) */
  status: ClaimStatus,
  /** the bank's reason of a failure */
  reason: z.string().nullable(),
  paidAt: z.iso.datetime().nullable(),
})
export const BatchClaimsQuery = PageQuery.extend({ outcome: BatchOutcome.optional() })
export const BatchClaimPage = pageOf(BatchClaim)

export const ResultLine = z.object({
  /** the row in the bank's file (the header is row 1) */
  row: z.number().int(),
  /** 业务参考号: the claim's case number */
  no: z.string(),
  amountFen: z.number().int(),
  result: z.enum(['success', 'failure']),
  /** 失败原因, as the bank wrote it */
  reason: z.string().nullable(),
  outcome: LineOutcome,
  message: z.string().nullable(),
  claimId: z.string().nullable(),
})
export const ImportLinesQuery = PageQuery.extend({ outcome: LineOutcome.optional() })
export const ImportDetail = pageOf(ResultLine).extend({ import: ImportOut })

export const ResultImportBody = z.strictObject({
  /** an upload made with purpose `claim-import` (POST /admin/v1/files?purpose=claim-import) */
  fileId: ObjectIdString.meta({ label: '银行回单文件' }),
})

export const ImportParams = z.object({ id: ObjectIdString, importId: ObjectIdString })

/**
 * The bank's result file, as `GET …/result-template` lays it out: one worksheet, the header in row 1, one
 * line per transfer. Columns are found by their header, in any order; other columns are ignored.
 */
export const RESULT_COLUMNS = {
  no: '业务参考号',
  amount: '金额（元）',
  result: '结果',
  reason: '失败原因',
} as const
export const RESULT_WORDS = { success: '成功', failure: '失败' } as const

// ── Endpoints ───────────────────────────────────────────────────────────────────────────────────────

export const ClaimPaymentEndpoints = endpoints({
  noticePublish: {
    method: 'post',
    path: '/admin/v1/claim-notices',
    body: NoticeCreate,
    response: NoticeDetail,
    status: 201,
    summary: '把全部审核通过的申请列入公示，并作为通知公告发布',
  },
  noticeList: {
    method: 'get',
    path: '/admin/v1/claim-notices',
    query: NoticeListQuery,
    response: NoticePage,
    summary: '资助公示列表',
  },
  noticeDetail: {
    method: 'get',
    path: '/admin/v1/claim-notices/:id',
    params: IdParams,
    response: NoticeDetail,
    summary: '公示详情：所列申请的当前状态与公示期间的异议',
  },
  batchCreate: {
    method: 'post',
    path: '/admin/v1/claim-batches',
    body: BatchCreate,
    response: BatchDetail,
    status: 201,
    summary: '用公示期满的申请（及已更正账户的发放失败申请）创建发放批次',
  },
  batchList: {
    method: 'get',
    path: '/admin/v1/claim-batches',
    query: BatchListQuery,
    response: BatchPage,
    summary: '发放批次列表，含应发、已发、失败、待回单金额',
  },
  batchDetail: {
    method: 'get',
    path: '/admin/v1/claim-batches/:id',
    params: IdParams,
    response: BatchDetail,
    summary: '发放批次详情：对账金额与回单导入记录',
  },
  batchClaims: {
    method: 'get',
    path: '/admin/v1/claim-batches/:id/claims',
    params: IdParams,
    query: BatchClaimsQuery,
    response: BatchClaimPage,
    summary: '发放批次中的申请及其发放结果',
  },
  batchTransferFile: {
    method: 'get',
    path: '/admin/v1/claim-batches/:id/transfer-file',
    params: IdParams,
    response: 'file',
    summary: '下载银行转账文件（Excel，仅含待发放的申请；完整账号仅向有个人信息权限者提供并记入审计）',
  },
  batchResultTemplate: {
    method: 'get',
    path: '/admin/v1/claim-batches/:id/result-template',
    params: IdParams,
    response: 'file',
    summary: '下载银行回单模板（Excel：业务参考号、金额（元）、结果、失败原因）',
  },
  batchImportResults: {
    method: 'post',
    path: '/admin/v1/claim-batches/:id/results',
    params: IdParams,
    body: ResultImportBody,
    response: ImportOut,
    status: 202,
    summary: '导入银行回单，逐行登记发放成功或失败（后台处理）',
  },
  batchImportDetail: {
    method: 'get',
    path: '/admin/v1/claim-batches/:id/imports/:importId',
    params: ImportParams,
    query: ImportLinesQuery,
    response: ImportDetail,
    summary: '回单导入详情：每一行的处理结果',
  },
  batchClose: {
    method: 'post',
    path: '/admin/v1/claim-batches/:id/close',
    params: IdParams,
    response: BatchDetail,
    summary: '对账无误后关闭发放批次',
  },
})
