import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { mask } from '../../platform/crypto.js'
import { AppError, isDuplicateKey } from '../../platform/errors.js'
import { cellValue, streamWorkbook } from '../../platform/excel.js'
import { findPage } from '../../platform/lists.js'
import { enqueue } from '../../platform/tasks.js'
import { beijingDate, beijingDateTime, beijingYear, iso } from '../../platform/time.js'
import { workingDaysDeadline } from '../../platform/workdays.js'
import { StoredFileModel, type StoredFileDoc } from '../files/files.model.js'
import type { FilesService } from '../files/files.service.js'
import { CLAIM_STATUS_LABELS, CLAIM_TYPE_LABELS, type ClaimStatusOutput } from './claims.contract.js'
import { yuan } from './claims.errors.js'
import { CLAIMS_QUEUE } from './claims.jobs.js'
import {
  ClaimCounterModel,
  ClaimModel,
  ClaimPolicyModel,
  type ActorDoc,
  type ClaimDoc,
  type PolicyDoc,
} from './claims.model.js'
import {
  LINE_OUTCOME_LABELS,
  NOTICE_MAX_CLAIMS,
  RESULT_COLUMNS,
  RESULT_WORDS,
  type BatchClaimsQuery,
  type BatchCreate,
  type BatchFiguresOutput,
  type BatchListQuery,
  type BatchOutcomeOutput,
  type BatchOutput,
  type ImportLinesQuery,
  type ImportOutput,
  type LineOutcomeOutput,
  type NoticeCreate,
  type NoticeListQuery,
  type NoticeOutput,
} from './claims.payments.contract.js'
import { badRowsMessage, paymentErrors, type BadRow } from './claims.payments.errors.js'
import { ApplyResultsTask } from './claims.payments.jobs.js'
import {
  ClaimBatchModel,
  ClaimNoticeModel,
  ClaimResultImportModel,
  ClaimResultLineModel,
  type BatchDoc,
  type ImportDoc,
  type LineDoc,
  type NoticeDoc,
} from './claims.payments.model.js'
import { SYSTEM, actorOf, type ClaimDeps, type ClaimService } from './claims.service.js'

/** How long one publication may hold the lock before another may take it over (a process died mid-way). */
const NOTICE_LEASE_MS = 2 * 60_000
/** How long a second publisher waits for the first to finish. */
const NOTICE_WAIT_MS = 15_000
/** Lines applied per round: moves, then budget and notifications, then the outcomes written. */
const LINE_CHUNK = 200
/** Moves in flight at once within a round (distinct claims: a file names each claim once). */
const LINE_PARALLEL = 4
const MAX_RESULT_ROWS = 50_000
const MAX_LISTED_BAD_ROWS = 20
/** An import queued this long without a job in the queue lost its enqueue: the sweep adds it again. */
const IMPORT_REQUEUE_MS = 60_000
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

type Id = string | Types.ObjectId
const oid = (id: Id) => (typeof id === 'string' ? new Types.ObjectId(id) : id)
const hex = (id: Types.ObjectId) => id.toHexString()
const actorOut = (a: ActorDoc) => ({ id: a.id ? hex(a.id) : null, name: a.name })
/** 1,500.00: a cell or table figure in 元 (the column header says 元). */
const yuanFigure = (fen: number) =>
  (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
const isClaimState = (e: unknown) => e instanceof AppError && e.code === 'CLAIM_STATE'

/** A claim's fate in one batch, from where it stands now (see ClaimBatchModel). */
function outcomeIn(batchId: Types.ObjectId, c: Pick<ClaimDoc, 'batchId' | 'status'>): BatchOutcomeOutput {
  if (!c.batchId?.equals(batchId)) return 'failed' // it failed here and moved on to a later batch
  return c.status === 'paid' ? 'paid' : c.status === 'payment_failed' ? 'failed' : 'pending'
}

/** 金额（元） as written by a bank: 1500, 1500.5, "1,500.00", "¥1,500.00 元" → fen; null when it is not money. */
export function fenOf(v: string | number | null): number | null {
  if (v === null) return null
  if (typeof v === 'number') {
    const fen = Math.round(v * 100)
    return Number.isFinite(v) && v > 0 && Math.abs(v * 100 - fen) < 1e-6 ? fen : null
  }
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(v.replace(/[,，\s¥￥元]/g, ''))
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return fen > 0 && Number.isSafeInteger(fen) ? fen : null
}

const headerKey = (v: string | number | null) =>
  typeof v === 'string' ? v.replace(/\s/g, '').replace(/\(/g, '（').replace(/\)/g, '）') : ''
const HEADERS: Record<string, keyof typeof RESULT_COLUMNS> = {
  业务参考号: 'no',
  '金额（元）': 'amount',
  金额: 'amount',
  结果: 'result',
  发放结果: 'result',
  失败原因: 'reason',
}

export interface ResultRow {
  row: number
  no: string
  amountFen: number
  result: 'success' | 'failure'
  reason: string | null
}

/**
 * Reads a bank result file: the first worksheet whose first row names 业务参考号, 金额（元）and 结果 (失败原因
 * optional; any order, other columns ignored), one line per row, blank rows skipped. Any bad row makes the
 * whole file RESULT_FILE_INVALID naming the rows, so nothing of a half-right file is applied.
 */
export async function readResultFile(data: Buffer): Promise<ResultRow[]> {
  const wb = new ExcelJS.Workbook()
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer)
  } catch {
    throw paymentErrors.resultFile('无法读取该文件，请上传 Excel（.xlsx）格式的银行回单')
  }
  // The first worksheet whose header names 业务参考号 (a bank may put a cover sheet first), else the first.
  const headerOf = (ws: ExcelJS.Worksheet) => {
    const found: Partial<Record<keyof typeof RESULT_COLUMNS, number>> = {}
    ws.getRow(1).eachCell((cell, col) => {
      const key = HEADERS[headerKey(cellValue(cell.value))]
      if (key && found[key] === undefined) found[key] = col
    })
    return found
  }
  const sheet = wb.worksheets.find((ws) => headerOf(ws).no !== undefined) ?? wb.worksheets[0]
  if (!sheet) throw paymentErrors.resultFile('银行回单中没有工作表，请上传银行回单的 Excel 文件')
  const cols = headerOf(sheet)
  const missing = (['no', 'amount', 'result'] as const).filter((k) => cols[k] === undefined)
  if (missing.length)
    throw paymentErrors.resultFile(
      `银行回单第 1 行应为表头，缺少“${missing.map((k) => RESULT_COLUMNS[k]).join('”“')}”列；可下载回单模板对照填写`,
      [{ row: 1, message: '表头不完整' }],
    )
  const rows: ResultRow[] = []
  const bad: BadRow[] = []
  let more = false
  const seen = new Map<string, number>()
  const complain = (row: number, message: string) => {
    if (bad.length < MAX_LISTED_BAD_ROWS) bad.push({ row, message })
    else more = true
  }
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r)
    const cell = (k: keyof typeof RESULT_COLUMNS) =>
      cols[k] === undefined ? null : cellValue(row.getCell(cols[k]!).value)
    const [noCell, amount, result, reason] = [cell('no'), cell('amount'), cell('result'), cell('reason')]
    if (noCell === null && amount === null && result === null && reason === null) continue
    if (rows.length + bad.length >= MAX_RESULT_ROWS)
      throw paymentErrors.resultFile(
        `银行回单超过 ${MAX_RESULT_ROWS.toLocaleString('zh-CN')} 行，请分成多个文件导入`,
      )
    const no = noCell === null ? '' : String(noCell).trim()
    const fen = fenOf(amount)
    const word = result === null ? '' : String(result).trim()
    if (!no) complain(r, `请填写${RESULT_COLUMNS.no}`)
    else if (!/^[A-Za-z0-9-]{1,40}$/.test(no))
      complain(r, `${RESULT_COLUMNS.no}“${no.slice(0, 40)}”格式不正确`)
    else if (seen.has(no)) complain(r, `${RESULT_COLUMNS.no} ${no} 与第 ${seen.get(no)} 行重复`)
    else if (fen === null) complain(r, `${RESULT_COLUMNS.amount}应为大于 0 的金额，最多两位小数`)
    else if (word !== RESULT_WORDS.success && word !== RESULT_WORDS.failure)
      complain(r, `${RESULT_COLUMNS.result}应为“${RESULT_WORDS.success}”或“${RESULT_WORDS.failure}”`)
    else {
      seen.set(no, r)
      const failure = word === RESULT_WORDS.failure
      rows.push({
        row: r,
        no,
        amountFen: fen,
        result: failure ? 'failure' : 'success',
        reason: failure ? (reason === null ? '银行未注明原因' : String(reason).trim().slice(0, 200)) : null,
      })
    }
  }
  if (bad.length) throw paymentErrors.resultFile(badRowsMessage(bad, more), bad)
  if (!rows.length)
    throw paymentErrors.resultFile('银行回单中没有发放结果：请在表头下逐行填写业务参考号、金额与结果')
  return rows
}

async function readAll(stream: Readable) {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** What one line did, decided before anything is written for it. */
interface Applied {
  line: LineDoc
  outcome: LineOutcomeOutput
  message: string | null
  claim: ClaimDoc | null
}

/**
 * Public notice (公示) and payment batches with bank-result reconciliation. Every state move goes through the
 * core's move/moveMany; a batch's figures are computed from its claims each time they are shown.
 */
export class ClaimPaymentService {
  constructor(
    readonly core: ClaimService,
    readonly d: ClaimDeps,
  ) {}

  // ── public notice (公示) ──────────────────────────────────────────────────────────────────────────

  /**
   * Lists every approved claim (up to NOTICE_MAX_CLAIMS, oldest case first), publishes the list as an
   * announcement, then moves exactly those claims on notice. One publication at a time (the `publishing`
   * lock), so two reviewers at once never list a claim twice; if publishing fails, no claim has moved.
   */
  async publishNotice(viewer: AdminPrincipal, input: z.output<typeof NoticeCreate>) {
    const by = actorOf(viewer)
    const lock = await this.lockNotice(by, input.workingDays)
    let announcementId: string | null = null
    try {
      const claims = await ClaimModel.find(
        { status: 'approved' },
        { no: 1, type: 1, amountFen: 1, policyId: 1, 'applicant.name': 1 },
      )
        .sort({ no: 1 })
        .limit(NOTICE_MAX_CLAIMS)
        .lean<ClaimDoc[]>()
      if (!claims.length) throw paymentErrors.noticeEmpty()
      const year = beijingYear()
      // Numbered under the lock: no other notice is being numbered now.
      const seq = (await ClaimNoticeModel.countDocuments({ year, no: { $type: 'string' } })) + 1
      const no = `GS${year}-${String(seq).padStart(3, '0')}`
      const title = input.title ?? `${year} 年第 ${seq} 期专利代理师资助拟发放名单公示`
      const start = new Date()
      const endsAt = workingDaysDeadline(input.workingDays, start)
      const ids = claims.map((c) => c._id)
      const amountFen = claims.reduce((s, c) => s + c.amountFen, 0)
      const policies = await ClaimPolicyModel.find({
        _id: { $in: [...new Set(claims.map((c) => hex(c.policyId)))] },
      }).lean<PolicyDoc[]>()
      const announcement = await this.d.content.announcements.create(
        {
          title,
          body: noticeBody(claims, policies, { start, endsAt, workingDays: input.workingDays, amountFen }),
          summary: `公示期 ${beijingDate(start)} 至 ${beijingDate(endsAt)}，共 ${claims.length} 人`,
          attachments: [],
          audience: { kind: 'all', regions: [], industries: [] },
        },
        viewer,
      )
      announcementId = announcement.id
      await ClaimNoticeModel.updateOne(
        { _id: lock._id },
        { $set: { no, title, announcementId: oid(announcement.id), claimIds: ids, amountFen } },
      )
      await this.d.content.announcements.publish(announcement.id, viewer)
      // Published: from here the notice is completed, by this request or (if it dies) by the sweep.
      await ClaimNoticeModel.updateOne({ _id: lock._id }, { $set: { publishedAt: start, endsAt } })
    } catch (e) {
      if (announcementId) await this.dropAnnouncement(announcementId, viewer)
      await ClaimNoticeModel.deleteOne({ _id: lock._id, status: 'publishing', publishedAt: null })
      throw e
    }
    return this.noticeDetail(hex((await this.completeNotice(lock._id, by))._id))
  }

  /** Moves a published notice's listed claims on notice, opens it and tells the applicants. Idempotent. */
  private async completeNotice(noticeId: Types.ObjectId, by: ActorDoc) {
    const n = (await ClaimNoticeModel.findById(noticeId).lean<NoticeDoc>())!
    const moved = await this.core.moveMany({ _id: { $in: n.claimIds }, noticeId: null }, 'publish', by, {
      $set: { noticeId: n._id },
      note: `已列入公示（${n.no}），公示期至 ${beijingDate(n.endsAt!)}`,
      notify: false,
    })
    const opened = await ClaimNoticeModel.findOneAndUpdate(
      { _id: n._id, status: 'publishing' },
      { $set: { status: 'open' } },
      { new: true },
    ).lean<NoticeDoc>()
    await this.core.notifyApplicants(moved, `已列入公示，公示期至 ${beijingDate(n.endsAt!)}`)
    return opened ?? n
  }

  /** Takes the one-publication lock, waiting for another publication to finish (or to outlive its lease). */
  private async lockNotice(by: ActorDoc, workingDays: number): Promise<NoticeDoc> {
    const giveUp = Date.now() + NOTICE_WAIT_MS
    for (;;) {
      try {
        const doc = await ClaimNoticeModel.create({
          year: beijingYear(),
          status: 'publishing',
          workingDays,
          createdBy: by,
        })
        return doc.toObject<NoticeDoc>()
      } catch (e) {
        if (!isDuplicateKey(e)) throw e
      }
      await this.recoverStaleNotices()
      if (Date.now() > giveUp) throw paymentErrors.noticeBusy()
      await sleep(200)
    }
  }

  /**
   * A publication whose process died: completed if its announcement went out (its claims are moved on
   * notice then), otherwise undone (its draft removed) so the next publication may start.
   */
  private async recoverStaleNotices(now = new Date()) {
    const stale = await ClaimNoticeModel.find({
      status: 'publishing',
      createdAt: { $lt: new Date(now.getTime() - NOTICE_LEASE_MS) },
    }).lean<NoticeDoc[]>()
    for (const n of stale) {
      if (n.publishedAt) {
        await this.completeNotice(n._id, n.createdBy)
        continue
      }
      if (n.announcementId)
        await this.dropAnnouncement(hex(n.announcementId), { id: n.createdBy.id ? hex(n.createdBy.id) : '' })
      await ClaimNoticeModel.deleteOne({ _id: n._id, status: 'publishing', publishedAt: null })
    }
  }

  /** Takes back an announcement whose notice did not go through: a draft is removed, a published one withdrawn. */
  private async dropAnnouncement(id: string, actor: { id: string }) {
    try {
      const a = await this.d.content.announcements.get(id)
      if (a.status === 'draft') await this.d.content.announcements.remove(id)
      else if (a.status === 'published') await this.d.content.announcements.withdraw(id, actor)
    } catch (err) {
      this.d.log.error({ err, announcementId: id }, 'could not take back the announcement of a failed notice')
    }
  }

  async listNotices(q: z.output<typeof NoticeListQuery>) {
    const filter = { status: q.status ?? { $in: ['open', 'closed'] } }
    const { docs, ...page } = await findPage<NoticeDoc>(ClaimNoticeModel, filter, q, { createdAt: -1 })
    const claims = await ClaimModel.find(
      { _id: { $in: docs.flatMap((n) => n.claimIds) } },
      { noticeId: 1, status: 1 },
    ).lean<ClaimDoc[]>()
    const byId = new Map(claims.map((c) => [hex(c._id), c]))
    return {
      ...page,
      items: docs.map((n) =>
        presentNotice(
          n,
          n.claimIds.map((id) => byId.get(hex(id))).filter((c) => !!c),
        ),
      ),
    }
  }

  async noticeDetail(id: string) {
    const n = await ClaimNoticeModel.findOne({
      _id: id,
      status: { $in: ['open', 'closed'] },
    }).lean<NoticeDoc>()
    if (!n) throw paymentErrors.noticeNotFound()
    const found = await ClaimModel.find(
      { _id: { $in: n.claimIds } },
      {
        no: 1,
        type: 1,
        amountFen: 1,
        status: 1,
        noticeId: 1,
        'applicant.name': 1,
        history: 1,
      },
    ).lean<ClaimDoc[]>()
    const byId = new Map(found.map((c) => [hex(c._id), c]))
    const claims = n.claimIds.map((cid) => byId.get(hex(cid))).filter((c) => !!c)
    return {
      ...presentNotice(n, claims),
      claims: claims.map((c) => {
        // the objection that took it off this notice: the first after publication
        const o = c.noticeId?.equals(n._id)
          ? undefined
          : c.history.find((h) => h.action === 'object' && n.publishedAt && h.at >= n.publishedAt)
        return {
          id: hex(c._id),
          no: c.no,
          maskedName: mask.publicName(c.applicant.name),
          type: c.type,
          amountFen: c.amountFen,
          status: c.status,
          objection: o ? { at: iso(o.at), reason: o.note, by: o.by.name } : null,
        }
      }),
    }
  }

  /**
   * Notices whose period has ended: their claims still on notice are cleared (objected ones left the notice
   * already), then the notice is closed. Safe to repeat: a run cut short is finished by the next.
   */
  async closeDueNotices(now = new Date()) {
    const due = await ClaimNoticeModel.find({ status: 'open', endsAt: { $lt: now } }).lean<NoticeDoc[]>()
    let cleared = 0
    for (const n of due) {
      const moved = await this.core.moveMany({ noticeId: n._id }, 'clear', SYSTEM, {
        note: `公示期满（${n.no}）无异议，等待发放`,
      })
      cleared += moved.length
      await ClaimNoticeModel.updateOne(
        { _id: n._id, status: 'open' },
        { $set: { status: 'closed', closedAt: now } },
      )
    }
    return { notices: due.length, cleared }
  }

  // ── payment batches ───────────────────────────────────────────────────────────────────────────────

  /**
   * A new batch of every cleared claim and every failed one whose account the applicant has since fixed (or
   * of those among `claimIds`). One moveMany takes them, atomically per claim, so two finance users at once
   * never put a claim in two batches; the one that got none is BATCH_EMPTY.
   */
  async createBatch(viewer: AdminPrincipal, input: z.output<typeof BatchCreate>) {
    const by = actorOf(viewer)
    const filter = {
      // a failure resets bank.fixedAt, so a failed claim with one has had its account fixed since
      $or: [{ status: 'cleared' }, { status: 'payment_failed', 'bank.fixedAt': { $ne: null } }],
      ...(input.claimIds ? { _id: { $in: input.claimIds.map(oid) } } : {}),
    }
    if (!(await ClaimModel.exists(filter))) throw paymentErrors.batchEmpty()
    const year = beijingYear()
    const counter = await ClaimCounterModel.findOneAndUpdate(
      { _id: `batches:${year}` },
      { $inc: { seq: 1 } },
      { upsert: true, new: true },
    ).lean<{ seq: number }>()
    const no = `PC${year}-${String(counter!.seq).padStart(4, '0')}`
    const batch = (
      await ClaimBatchModel.create({ no, year, status: 'open', createdBy: by })
    ).toObject<BatchDoc>()
    const moved = await this.core.moveMany(filter, 'batch', by, {
      $set: { batchId: batch._id, reason: null },
      note: `已加入发放批次 ${no}，等待银行转账`,
    })
    if (!moved.length) {
      await ClaimBatchModel.deleteOne({ _id: batch._id })
      throw paymentErrors.batchEmpty()
    }
    await ClaimBatchModel.updateOne({ _id: batch._id }, { $set: { claimIds: moved.map((c) => c._id) } })
    return this.batchDetail(hex(batch._id))
  }

  private async batch(id: Id) {
    const b = await ClaimBatchModel.findById(id).lean<BatchDoc>()
    if (!b) throw paymentErrors.batchNotFound()
    return b
  }

  /** Claims in the batch now, and those that failed in it and moved on. */
  private membersFilter(b: Pick<BatchDoc, '_id' | 'claimIds'>) {
    return { $or: [{ batchId: b._id }, { _id: { $in: b.claimIds } }] }
  }

  /** Expected, paid, failed and pending, counted from the claims themselves. */
  async figures(b: Pick<BatchDoc, '_id' | 'claimIds'>): Promise<BatchFiguresOutput> {
    const claims = await ClaimModel.find(this.membersFilter(b), { batchId: 1, status: 1, amountFen: 1 }).lean<
      ClaimDoc[]
    >()
    const f = {
      expected: { count: 0, fen: 0 },
      paid: { count: 0, fen: 0 },
      failed: { count: 0, fen: 0 },
      pending: { count: 0, fen: 0 },
    }
    for (const c of claims) {
      const sum = f[outcomeIn(b._id, c)]
      sum.count++
      sum.fen += c.amountFen
      f.expected.count++
      f.expected.fen += c.amountFen
    }
    const reconciled = f.pending.count === 0 && f.paid.fen + f.failed.fen === f.expected.fen
    return { ...f, reconciled }
  }

  async listBatches(q: z.output<typeof BatchListQuery>) {
    const { docs, ...page } = await findPage<BatchDoc>(
      ClaimBatchModel,
      q.status ? { status: q.status } : {},
      q,
      {
        createdAt: -1,
      },
    )
    return {
      ...page,
      items: await Promise.all(docs.map(async (b) => presentBatch(b, await this.figures(b)))),
    }
  }

  async batchDetail(id: string) {
    const b = await this.batch(id)
    const [figures, imports] = await Promise.all([
      this.figures(b),
      ClaimResultImportModel.find({ batchId: b._id }).sort({ createdAt: -1 }).lean<ImportDoc[]>(),
    ])
    return {
      ...presentBatch(b, figures),
      imports: await Promise.all(imports.map((i) => this.presentImport(i))),
    }
  }

  async batchClaims(id: string, q: z.output<typeof BatchClaimsQuery>) {
    const b = await this.batch(id)
    const filter =
      q.outcome === 'pending'
        ? { batchId: b._id, status: 'in_payment' }
        : q.outcome === 'paid'
          ? { batchId: b._id, status: 'paid' }
          : q.outcome === 'failed'
            ? {
                $or: [
                  { batchId: b._id, status: 'payment_failed' },
                  { _id: { $in: b.claimIds }, batchId: { $ne: b._id } },
                ],
              }
            : this.membersFilter(b)
    const { docs, ...page } = await findPage<ClaimDoc>(
      ClaimModel,
      filter,
      q,
      { no: 1 },
      {
        no: 1,
        type: 1,
        status: 1,
        batchId: 1,
        amountFen: 1,
        reason: 1,
        paidAt: 1,
        'applicant.name': 1,
        'bank.holderName': 1,
        'bank.accountMasked': 1,
        'bank.bankName': 1,
      },
    )
    // The bank's reason of a failure here, from this batch's result lines (the claim's own may be newer).
    const failedLines = await ClaimResultLineModel.find(
      { batchId: b._id, outcome: 'failed', claimId: { $in: docs.map((c) => c._id) } },
      { claimId: 1, reason: 1 },
    ).lean<LineDoc[]>()
    const reasons = new Map(failedLines.map((l) => [hex(l.claimId!), l.reason]))
    return {
      ...page,
      items: docs.map((c) => {
        const outcome = outcomeIn(b._id, c)
        return {
          id: hex(c._id),
          no: c.no,
          type: c.type,
          applicantName: c.applicant.name,
          holderName: c.bank.holderName,
          accountNo: c.bank.accountMasked,
          bankName: c.bank.bankName,
          amountFen: c.amountFen,
          outcome,
          status: c.status,
          reason: outcome === 'failed' ? (reasons.get(hex(c._id)) ?? c.reason ?? null) : null,
          paidAt: outcome === 'paid' ? iso(c.paidAt) : null,
        }
      }),
    }
  }

  /**
   * The bank transfer file: the batch's claims still awaiting the bank (never one already paid or failed, so
   * a second download cannot pay anyone twice), as a streamed workbook. Full account numbers only when
   * `fullPii` (the route audits it); masked otherwise.
   */
  async transferFile(id: string, fullPii: boolean) {
    const b = await this.batch(id)
    if (b.status === 'closed') throw paymentErrors.batchClosed(b.no)
    const filter = { batchId: b._id, status: 'in_payment' }
    const [total] = await ClaimModel.aggregate<{ n: number; fen: number }>([
      { $match: filter },
      { $group: { _id: null, n: { $sum: 1 }, fen: { $sum: '$amountFen' } } },
    ])
    if (!total?.n) throw paymentErrors.nothingToTransfer(b.no)
    const claims = ClaimModel.find(filter, { no: 1, type: 1, amountFen: 1, bank: 1, applicant: 1 })
      .sort({ no: 1 })
      .lean<ClaimDoc>()
      .cursor({ batchSize: 500 })
    const about: [string, string][] = [
      ['发放批次', b.no],
      ['笔数', String(total.n)],
      ['合计金额（元）', yuanFigure(total.fen)],
      ['导出时间（北京时间）', beijingDateTime(new Date())],
      [
        '收款账号',
        fullPii
          ? '完整账号，请妥善保管，用后删除'
          : '已脱敏：提交银行前须由有个人信息查看权限的人员导出完整账号',
      ],
      [
        '回单',
        '银行处理后，请按“业务参考号、金额（元）、结果、失败原因”填写回单（可下载回单模板）并导入本批次',
      ],
    ]
    const stream = streamWorkbook(
      [
        {
          name: '转账明细',
          columns: [
            { header: '序号', key: 'i', width: 8 },
            { header: '收款人', key: 'holder', width: 14 },
            { header: '收款账号', key: 'account', width: 26 },
            { header: '开户银行', key: 'bank', width: 28 },
            { header: '金额（元）', key: 'amount', width: 14, style: { numFmt: '0.00' } },
            { header: '业务参考号', key: 'no', width: 16 },
            { header: '用途', key: 'purpose', width: 30 },
          ],
          rows: claims,
          row: (c: ClaimDoc, i: number) => ({
            i: i + 1,
            holder: c.bank.holderName,
            // text, never a number: 19 digits do not survive as a number
            account: fullPii ? this.core.reveal(c).accountNo : c.bank.accountMasked,
            bank: c.bank.bankName,
            amount: c.amountFen / 100,
            no: c.no,
            purpose: CLAIM_TYPE_LABELS[c.type],
          }),
        },
        {
          name: '说明',
          columns: [
            { header: '项目', key: 'k', width: 20 },
            { header: '内容', key: 'v', width: 60 },
          ],
          rows: about,
          row: ([k, v]: [string, string]) => ({ k, v }),
        },
      ],
      { log: this.d.log, what: `transfer file of batch ${id}` },
    )
    return { stream, fileName: `银行转账文件-${b.no}.xlsx`, count: total.n, mime: XLSX }
  }

  /**
   * The result file to fill in: the batch's pending claims (业务参考号, 金额（元）), 结果 and 失败原因 left for the
   * bank's answer, and a sheet explaining the columns. No personal data.
   */
  async resultTemplate(id: string) {
    const b = await this.batch(id)
    const claims = await ClaimModel.find({ batchId: b._id, status: 'in_payment' }, { no: 1, amountFen: 1 })
      .sort({ no: 1 })
      .lean<ClaimDoc[]>()
    const wb = new ExcelJS.Workbook()
    wb.creator = '知产通'
    const ws = wb.addWorksheet('发放结果')
    ws.columns = [
      { header: RESULT_COLUMNS.no, key: 'no', width: 18 },
      { header: RESULT_COLUMNS.amount, key: 'amount', width: 14, style: { numFmt: '0.00' } },
      { header: RESULT_COLUMNS.result, key: 'result', width: 10 },
      { header: RESULT_COLUMNS.reason, key: 'reason', width: 40 },
    ]
    ws.getRow(1).font = { bold: true }
    for (const c of claims) ws.addRow({ no: c.no, amount: c.amountFen / 100 })
    for (let r = 2; r <= Math.max(claims.length + 1, 2); r++)
      ws.getCell(r, 3).dataValidation = {
        type: 'list',
        allowBlank: true,
        formulae: [`"${RESULT_WORDS.success},${RESULT_WORDS.failure}"`],
      }
    const help = wb.addWorksheet('填写说明')
    help.columns = [
      { header: '列', key: 'k', width: 14 },
      { header: '说明', key: 'v', width: 80 },
    ]
    help.addRows([
      {
        k: RESULT_COLUMNS.no,
        v: '必填。转账文件中的业务参考号（即申请编号，如 ZC2026000123），每个编号只填一行',
      },
      {
        k: RESULT_COLUMNS.amount,
        v: '必填。银行实际处理的金额，单位元，最多两位小数；与应发金额不一致的行不会处理',
      },
      { k: RESULT_COLUMNS.result, v: `必填。“${RESULT_WORDS.success}”或“${RESULT_WORDS.failure}”` },
      {
        k: RESULT_COLUMNS.reason,
        v: '结果为失败时填写银行给出的原因（如：户名与账号不符），申请人将看到此原因并更正账户',
      },
      { k: '其他', v: '表头须在第 1 行，列的顺序不限，其他列会被忽略；同一文件重复导入不会重复登记' },
    ])
    return {
      data: Buffer.from(await wb.xlsx.writeBuffer()),
      fileName: `银行回单模板-${b.no}.xlsx`,
      mime: XLSX,
    }
  }

  // ── bank result imports ───────────────────────────────────────────────────────────────────────────

  /**
   * Accepts a bank result file for a batch: read and checked whole now (a bad file is RESULT_FILE_INVALID
   * naming its rows, and nothing is recorded), its lines stored `pending`, then applied by the worker.
   */
  async importResults(
    viewer: AdminPrincipal,
    batchId: string,
    fileId: string,
    files: Pick<FilesService, 'openForStaff'>,
  ): Promise<ImportOutput> {
    const b = await this.batch(batchId)
    if (b.status === 'closed') throw paymentErrors.batchClosed(b.no)
    const upload = await StoredFileModel.findById(fileId, { purpose: 1 }).lean<StoredFileDoc>()
    if (upload?.purpose !== 'claim-import')
      throw paymentErrors.resultFile('请先以“导入文件”用途上传银行回单（Excel .xlsx），再导入')
    const { file, stream } = await files.openForStaff(fileId, viewer)
    const rows = await readResultFile(await readAll(stream))
    const taken = await ClaimBatchModel.findOneAndUpdate(
      { _id: b._id, status: 'open' },
      { $inc: { imports: 1 } },
      { new: true },
    ).lean<BatchDoc>()
    if (!taken) throw paymentErrors.batchClosed(b.no)
    const importId = new Types.ObjectId()
    // Lines first: an import record always has all its lines.
    for (let i = 0; i < rows.length; i += 1000)
      await ClaimResultLineModel.insertMany(
        rows.slice(i, i + 1000).map((r) => ({ ...r, importId, batchId: b._id, outcome: 'pending' })),
        { ordered: false },
      )
    const imp = (
      await ClaimResultImportModel.create({
        _id: importId,
        batchId: b._id,
        seq: taken.imports,
        fileId: file._id,
        fileName: file.originalName,
        sha256: file.sha256,
        status: 'queued',
        lines: rows.length,
        createdBy: actorOf(viewer),
      })
    ).toObject<ImportDoc>()
    await this.enqueueImport(importId)
    return this.presentImport(imp)
  }

  private enqueueImport(importId: Types.ObjectId) {
    return enqueue(
      this.d.queue(CLAIMS_QUEUE),
      ApplyResultsTask,
      { importId: hex(importId) },
      {
        jobId: ApplyResultsTask.jobId(hex(importId)),
      },
    )
  }

  /**
   * The worker's part: applies an import's pending lines in rounds. Each round moves its claims (a claim
   * already moved by this import is recognised by its move token, so a re-run after a crash reports it as
   * this import's), records the paid ones in the budget (each claim once, however often), notifies, and only
   * then writes the lines' outcomes — so a crash anywhere in a round is finished by the next run.
   */
  async applyImport(importId: string) {
    const imp = await ClaimResultImportModel.findOneAndUpdate(
      { _id: importId, status: { $in: ['queued', 'running'] } },
      { $set: { status: 'running' } },
      { new: true },
    ).lean<ImportDoc>()
    if (!imp) return { applied: 0 }
    const b = await this.batch(imp.batchId)
    let applied = 0
    for (;;) {
      const lines = await ClaimResultLineModel.find({ importId: imp._id, outcome: 'pending' })
        .sort({ row: 1 })
        .limit(LINE_CHUNK)
        .lean<LineDoc[]>()
      if (!lines.length) break
      applied += await this.applyRound(b, imp, lines)
    }
    await ClaimResultImportModel.updateOne(
      { _id: imp._id, status: 'running' },
      { $set: { status: 'done', finishedAt: new Date(), error: null } },
    )
    return { applied }
  }

  /** The job gave up: the import is failed with the reason; its remaining lines stay pending and visible. */
  async failImport(importId: string, err: Error) {
    await ClaimResultImportModel.updateOne(
      { _id: importId, status: { $in: ['queued', 'running'] } },
      {
        $set: {
          status: 'failed',
          finishedAt: new Date(),
          error: `处理中断（${err.message.slice(0, 200)}）；未处理的行仍为待处理，可重新导入同一文件，已处理的行不会重复登记`,
        },
      },
    )
  }

  private async applyRound(b: BatchDoc, imp: ImportDoc, lines: LineDoc[]) {
    const token = `import:${hex(imp._id)}`
    const claims = await ClaimModel.find({ no: { $in: lines.map((l) => l.no) } }).lean<ClaimDoc[]>()
    const byNo = new Map(claims.map((c) => [c.no, c]))
    const members = new Set(b.claimIds.map(hex))
    const done: Applied[] = []
    for (let i = 0; i < lines.length; i += LINE_PARALLEL)
      done.push(
        ...(await Promise.all(
          lines
            .slice(i, i + LINE_PARALLEL)
            .map((line) => this.applyLine(b, imp, token, line, byNo.get(line.no) ?? null, members)),
        )),
      )
    // Budget: every claim of the round paid in this batch, whoever moved it (counted once per claim).
    await this.core.recordPaid(
      done.filter((a) => a.outcome === 'paid' || a.outcome === 'already_paid').map((a) => a.claim!),
    )
    // Applicants: those this import moved (a repeat after a crash is the same notification, sent once).
    await this.core.notifyApplicants(
      done.filter((a) => a.outcome === 'paid').map((a) => a.claim!),
      '资助资金已发放，请留意银行到账',
    )
    const failed = new Map<string, ClaimDoc[]>()
    for (const a of done.filter((x) => x.outcome === 'failed'))
      failed.set(a.line.reason ?? '', [...(failed.get(a.line.reason ?? '') ?? []), a.claim!])
    for (const [reason, group] of failed)
      await this.core.notifyApplicants(group, `发放失败：${reason}。请在“我的申请”中更正收款账户`)
    const now = new Date()
    await ClaimResultLineModel.bulkWrite(
      done.map((a) => ({
        updateOne: {
          filter: { _id: a.line._id, outcome: 'pending' },
          update: {
            $set: { outcome: a.outcome, message: a.message, claimId: a.claim?._id ?? null, appliedAt: now },
          },
        },
      })),
      { ordered: false },
    )
    return done.filter((a) => a.outcome === 'paid' || a.outcome === 'failed').length
  }

  /** One line: decided from the claim as it stands, moved if the line changes it; a lost race is re-read. */
  private async applyLine(
    b: BatchDoc,
    imp: ImportDoc,
    token: string,
    line: LineDoc,
    claim: ClaimDoc | null,
    members: Set<string>,
    retried = false,
  ): Promise<Applied> {
    const is = (outcome: LineOutcomeOutput, message: string | null = null, c = claim): Applied => ({
      line,
      outcome,
      message,
      claim: c,
    })
    if (!claim) return is('unknown', `系统中没有业务参考号为 ${line.no} 的申请`)
    if (!claim.batchId?.equals(b._id))
      return is(
        'not_in_batch',
        members.has(hex(claim._id))
          ? '该申请在本批次发放失败后已转入其他批次'
          : `该申请不在发放批次 ${b.no} 中`,
      )
    if (line.amountFen !== claim.amountFen)
      return is(
        'amount_mismatch',
        `回单金额 ${yuan(line.amountFen)} 与应发金额 ${yuan(claim.amountFen)} 不一致，请与银行核实`,
      )
    const mine = claim.moveToken === token
    const success = line.result === 'success'
    const now: ClaimStatusOutput = claim.status
    if (now === 'paid')
      return success
        ? is(mine ? 'paid' : 'already_paid')
        : is('conflict', '该申请此前已确认发放成功，本行为发放失败，请与银行核实')
    if (now === 'payment_failed')
      return success
        ? is('conflict', '该申请此前已登记发放失败，本行为发放成功，请与银行核实')
        : is(mine ? 'failed' : 'already_failed')
    if (now !== 'in_payment') return is('conflict', `该申请当前为“${CLAIM_STATUS_LABELS[now]}”`)
    const by = imp.createdBy
    try {
      const moved = success
        ? await this.core.move({ _id: claim._id }, 'pay', by, {
            guard: { batchId: b._id },
            $set: { paidAt: new Date(), reason: null, moveToken: token },
            note: `发放批次 ${b.no}：银行回单确认发放成功`,
            notify: false,
          })
        : await this.core.move({ _id: claim._id }, 'fail', by, {
            guard: { batchId: b._id },
            // a failure resets fixedAt: the account must be fixed again before the next batch
            $set: { reason: line.reason, 'bank.fixedAt': null, moveToken: token },
            note: `发放批次 ${b.no}：银行退回，${line.reason}`,
            notify: false,
          })
      return is(success ? 'paid' : 'failed', null, moved)
    } catch (e) {
      if (!isClaimState(e) || retried) throw e
      // Someone moved it meanwhile (another import of the same file): decide again from where it is now.
      const fresh = await ClaimModel.findById(claim._id).lean<ClaimDoc>()
      return this.applyLine(b, imp, token, line, fresh, members, true)
    }
  }

  async importDetail(batchId: string, importId: string, q: z.output<typeof ImportLinesQuery>) {
    const imp = await ClaimResultImportModel.findOne({ _id: importId, batchId }).lean<ImportDoc>()
    if (!imp) throw paymentErrors.importNotFound()
    const filter = { importId: imp._id, ...(q.outcome ? { outcome: q.outcome } : {}) }
    const [{ docs, ...page }, out] = await Promise.all([
      findPage<LineDoc>(ClaimResultLineModel, filter, q, { row: 1 }),
      this.presentImport(imp),
    ])
    return {
      ...page,
      import: out,
      items: docs.map((l) => ({
        row: l.row,
        no: l.no,
        amountFen: l.amountFen,
        result: l.result,
        reason: l.reason,
        outcome: l.outcome,
        message: l.message ?? (l.outcome === 'pending' ? null : LINE_OUTCOME_LABELS[l.outcome]),
        claimId: l.claimId ? hex(l.claimId) : null,
      })),
    }
  }

  private async presentImport(i: ImportDoc): Promise<ImportOutput> {
    const counts = await ClaimResultLineModel.aggregate<{ _id: LineOutcomeOutput; n: number }>([
      { $match: { importId: i._id } },
      { $group: { _id: '$outcome', n: { $sum: 1 } } },
    ])
    return {
      id: hex(i._id),
      batchId: hex(i.batchId),
      seq: i.seq,
      fileId: hex(i.fileId),
      fileName: i.fileName,
      status: i.status,
      lines: i.lines,
      counts: Object.fromEntries(counts.map((c) => [c._id, c.n])),
      error: i.error,
      createdBy: actorOut(i.createdBy),
      createdAt: iso(i.createdAt),
      finishedAt: iso(i.finishedAt),
    }
  }

  /** Closes a batch once nothing is pending and paid + failed = expected; otherwise the figures say why not. */
  async closeBatch(viewer: AdminPrincipal, id: string) {
    const b = await this.batch(id)
    if (b.status === 'closed') throw paymentErrors.batchClosed(b.no)
    const figures = await this.figures(b)
    if (!figures.reconciled) throw paymentErrors.unreconciled(b.no, figures)
    const closed = await ClaimBatchModel.findOneAndUpdate(
      { _id: b._id, status: 'open' },
      { $set: { status: 'closed', closedAt: new Date(), closedBy: actorOf(viewer), closedFigures: figures } },
      { new: true },
    ).lean<BatchDoc>()
    if (!closed) throw paymentErrors.batchClosed(b.no)
    return this.batchDetail(id)
  }

  // ── the sweep ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Every minute: notices whose period ended are cleared and closed; a publication whose process died is
   * finished or undone; an import whose job was lost is queued again, one whose job gave up without its
   * onFailed having run is failed.
   */
  async sweep(now = new Date()) {
    const notices = await this.closeDueNotices(now)
    await this.recoverStaleNotices(now)
    const stuck = await ClaimResultImportModel.find(
      {
        status: { $in: ['queued', 'running'] },
        createdAt: { $lt: new Date(now.getTime() - IMPORT_REQUEUE_MS) },
      },
      { _id: 1 },
    ).lean<ImportDoc[]>()
    const queue = this.d.queue(CLAIMS_QUEUE)
    for (const i of stuck) {
      const job = await queue.getJob(ApplyResultsTask.jobId(hex(i._id)))
      if (!job) await this.enqueueImport(i._id)
      else if (await job.isFailed())
        await this.failImport(hex(i._id), new Error(job.failedReason ?? '任务失败'))
    }
    return { ...notices, imports: stuck.length }
  }
}

// ── presenting ────────────────────────────────────────────────────────────────────────────────────────

function presentNotice(n: NoticeDoc, claims: Pick<ClaimDoc, 'noticeId' | 'status'>[]): NoticeOutput {
  const here = claims.filter((c) => c.noticeId?.equals(n._id))
  return {
    id: hex(n._id),
    no: n.no ?? '',
    title: n.title ?? '',
    status: n.status === 'closed' ? 'closed' : 'open',
    workingDays: n.workingDays,
    announcementId: n.announcementId ? hex(n.announcementId) : '',
    periodStart: iso(n.publishedAt ?? n.createdAt),
    periodEnd: iso(n.endsAt ?? n.createdAt),
    closedAt: iso(n.closedAt),
    claimCount: n.claimIds.length,
    amountFen: n.amountFen,
    onNoticeCount: here.filter((c) => c.status === 'on_notice').length,
    // cleared here; some may since be in payment or paid
    clearedCount: here.filter((c) => c.status !== 'on_notice').length,
    // an objection takes the claim off its notice
    objectionCount: claims.length - here.length,
    createdBy: actorOut(n.createdBy),
    createdAt: iso(n.createdAt),
  }
}

function presentBatch(b: BatchDoc, figures: BatchFiguresOutput): BatchOutput {
  return {
    id: hex(b._id),
    no: b.no,
    status: b.status,
    figures,
    importCount: b.imports,
    createdBy: actorOut(b.createdBy),
    createdAt: iso(b.createdAt),
    closedBy: b.closedBy ? actorOut(b.closedBy) : null,
    closedAt: iso(b.closedAt),
  }
}

/**
 * The announcement's body: who is listed (names masked 张*明), for what and how much, the period and how
 * to object. Plain tags the content sanitiser keeps (p, table, thead, tbody, tr, th, td).
 */
function noticeBody(
  claims: ClaimDoc[],
  policies: PolicyDoc[],
  p: { start: Date; endsAt: Date; workingDays: number; amountFen: number },
) {
  const basis = policies
    .map((x) => `《${escapeHtml(x.title)}》（${escapeHtml(x.basis.documentNo)}）`)
    .join('、')
  const rows = claims
    .map(
      (c, i) =>
        `<tr><td>${i + 1}</td><td>${escapeHtml(mask.publicName(c.applicant.name))}</td><td>${CLAIM_TYPE_LABELS[c.type]}</td><td>${yuanFigure(c.amountFen)}</td><td>${c.no}</td></tr>`,
    )
    .join('')
  return [
    `<p>根据${basis}，经审核，现将拟资助人员名单予以公示。</p>`,
    `<p>公示期：${beijingDate(p.start)} 至 ${beijingDate(p.endsAt)}（${p.workingDays} 个工作日）。公示期内如有异议，请以书面形式向主管部门反映，并提供必要的证明材料；公示期满无异议的，将按规定发放资助资金。</p>`,
    `<table><thead><tr><th>序号</th><th>姓名</th><th>申请类型</th><th>金额（元）</th><th>申请编号</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<p>共 ${claims.length} 人，合计 ${yuanFigure(p.amountFen)} 元。为保护个人信息，姓名已作部分隐藏。</p>`,
  ].join('')
}
