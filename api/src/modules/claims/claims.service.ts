import { createHash, randomUUID } from 'node:crypto'
import type { Queue } from 'bull'
import { Types, type SortOrder } from 'mongoose'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import type { Logger } from '../../platform/logger.js'
import { escapeRegex } from '../../platform/lists.js'
import { beijingDate, beijingYear } from '../../platform/time.js'
import { transition } from '../../platform/transitions.js'
import { workingDaysDeadline } from '../../platform/workdays.js'
import type { ContentService } from '../content/content.service.js'
import { StoredFileModel, type StoredFileDoc } from '../files/files.model.js'
import type { FilesService } from '../files/files.service.js'
import type { NotificationService } from '../notifications/notifications.service.js'
import {
  CLAIM_STATUS_LABELS,
  CLAIM_TYPE_LABELS,
  CLOSED_STATUSES,
  ClaimMachine,
  ClaimStatus,
  EXAM_SUBJECT_LABELS,
  MATERIAL_KIND_LABELS,
  RESIDENCY_LABELS,
  type BankFix,
  type ClaimDecision,
  type ClaimListQuery,
  type ClaimMove,
  type ClaimStatusOutput,
  type ClaimSubmitOutput,
  type ClaimTypeOutput,
  type PolicyInputOutput,
} from './claims.contract.js'
import { claimErrors } from './claims.errors.js'
import { paymentErrors } from './claims.payments.errors.js'
import { ClaimNoticeModel, type NoticeDoc } from './claims.payments.model.js'
import {
  ClaimCounterModel,
  ClaimModel,
  ClaimPolicyModel,
  type ActorDoc,
  type ClaimDoc,
  type HistoryDoc,
  type PolicyDoc,
} from './claims.model.js'
import {
  budgetOf,
  feeOf,
  policyState,
  presentBudget,
  presentMpPolicy,
  presentPolicy,
  rebudget,
  recordPaid,
  releaseBudget,
  RESIDENCY_PROOF,
  shaoguanPolicies,
  takeBudget,
} from './claims.policies.js'
import {
  presentAdminClaim,
  presentAdminRow,
  presentClaim,
  presentMpItem,
  type FileBriefs,
} from './claims.presenter.js'
import type { z } from 'zod'

/** What every part of the claims domain works with; built once per process by claims.module.ts. */
export interface ClaimDeps {
  cipher: PersonalDataCipher
  notifications: Pick<NotificationService, 'notify'>
  content: ContentService
  files: Pick<FilesService, 'assertOwnedBy'>
  queue(name: string): Queue
  log: Logger
  env: string
}

export const SYSTEM: ActorDoc = { kind: 'system', id: null, name: '系统' }

/** Who made a move, as the claim's history keeps it. */
export function actorOf(p: AdminPrincipal | MpPrincipal): ActorDoc {
  return p.kind === 'admin'
    ? { kind: 'admin', id: new Types.ObjectId(p.id), name: p.username }
    : { kind: 'mp', id: new Types.ObjectId(p.id), name: '申请人' }
}

export interface MoveOptions {
  $set?: Record<string, unknown>
  $unset?: Record<string, unknown>
  $inc?: Record<string, unknown>
  /** conditions beyond the state (the revision the reviewer saw, the batch a line belongs to) */
  guard?: Record<string, unknown>
  /** the history's note and the notification's 备注 */
  note?: string | null
  /** default true: the applicant hears of every change of state */
  notify?: boolean
}

type Id = string | Types.ObjectId
const oid = (id: Id) => (typeof id === 'string' ? new Types.ObjectId(id) : id)
const normaliseName = (n: string) => n.replace(/[\s·•.]/g, '')
const MONTH = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1

/** Months covered by service periods, each month counted once however many periods overlap it. */
export function mergedMonths(periods: { from: string; to: string }[]): number {
  const months = new Set<number>()
  for (const p of periods) for (let m = MONTH(p.from); m <= MONTH(p.to); m++) months.add(m)
  return months.size
}

/** A stable hash of a request body, keys sorted: a replay is the same request whatever the key order. */
export function bodyHash(body: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v
  return createHash('sha256')
    .update(JSON.stringify(canon(body)))
    .digest('hex')
}

const REPLAY_MS = 24 * 3600_000

/**
 * The console's per-status counts, kept a few seconds per filter: over 100,000 claims they take longer to
 * count than the page itself (pnpm bench:claims). Every claim written in this process (insert, move,
 * moveMany; the api's and an in-process worker's alike) starts a new generation, so a reviewer sees their
 * own moves at once; another process's (the worker's sweeps and imports, a second api) show within the TTL.
 */
let countsGeneration = 0
const countsChanged = () => void countsGeneration++
const COUNTS_TTL_MS = 10_000
const countsCache = new Map<
  string,
  { gen: number; at: number; counts: Partial<Record<ClaimStatusOutput, number>> }
>()

/** Applying, review and the policies: the rules of the claims domain (notice and payment: claims.payments.ts). */
export class ClaimService {
  constructor(readonly d: ClaimDeps) {}

  /**
   * Told of every new claim after it is stored (免申即享: its ID number matches the person's waiting pass
   * entries). A failing listener is logged; the applicant's submission stands.
   */
  readonly submitListeners: ((claim: ClaimDoc) => Promise<unknown>)[] = []

  // ── policies ──────────────────────────────────────────────────────────────────────────────────────

  /** A fresh database carries the Shaoguan policies; seeding twice adds nothing. */
  async seedPolicies() {
    for (const p of shaoguanPolicies(this.d.env)) {
      try {
        await ClaimPolicyModel.updateOne({ seedKey: p.seedKey }, { $setOnInsert: p }, { upsert: true })
      } catch (e) {
        if (!isDuplicateKey(e)) throw e
      }
    }
  }

  async listPolicies() {
    const policies = await ClaimPolicyModel.find().sort({ createdAt: -1 }).lean<PolicyDoc[]>()
    const year = beijingYear()
    return { items: await Promise.all(policies.map(async (p) => presentPolicy(p, await budgetOf(p, year)))) }
  }

  async createPolicy(input: PolicyInputOutput) {
    const p = (await ClaimPolicyModel.create({ ...input, seedKey: null })).toObject<PolicyDoc>()
    return presentPolicy(p, await budgetOf(p, beijingYear()))
  }

  async updatePolicy(id: string, input: PolicyInputOutput) {
    const before = await ClaimPolicyModel.findById(id).lean<PolicyDoc>()
    if (!before) throw claimErrors.policyNotFound()
    if (before.type !== input.type) throw claimErrors.policyTypeMismatch()
    await budgetOf(before, beijingYear())
    await rebudget(before, input.yearlyBudgetFen)
    const p = await ClaimPolicyModel.findByIdAndUpdate(id, { $set: input }, { new: true }).lean<PolicyDoc>()
    return presentPolicy(p!, await budgetOf(p!, beijingYear()))
  }

  /** The policies an applicant can apply under today. */
  async mpPolicies() {
    const today = beijingDate()
    const policies = await ClaimPolicyModel.find({ enabled: true }).sort({ type: 1 }).lean<PolicyDoc[]>()
    return { items: policies.filter((p) => policyState(p, today) === 'open').map(presentMpPolicy) }
  }

  async policy(id: Id) {
    const p = await ClaimPolicyModel.findById(id).lean<PolicyDoc>()
    if (!p) throw claimErrors.policyNotFound()
    return p
  }

  /** The policy a new claim is made under: the one named, or the one open policy of the type. */
  async openPolicy(type: ClaimTypeOutput, policyId?: string): Promise<PolicyDoc> {
    const today = beijingDate()
    if (policyId) {
      const p = await this.policy(policyId)
      if (p.type !== type) throw claimErrors.policyTypeMismatch()
      if (policyState(p, today) !== 'open') throw claimErrors.windowClosed(p.title, p.window)
      return p
    }
    const candidates = await ClaimPolicyModel.find({ enabled: true, type }).lean<PolicyDoc[]>()
    const open = candidates.find((p) => policyState(p, today) === 'open')
    if (!open) throw claimErrors.windowClosed(CLAIM_TYPE_LABELS[type], candidates[0]?.window)
    return open
  }

  // ── personal data ─────────────────────────────────────────────────────────────────────────────────

  idBlind(idNumber: string) {
    return this.d.cipher.blindIndex('id', idNumber)
  }

  sealApplicant(a: { name: string; idNumber: string; phone: string }): ClaimDoc['applicant'] {
    const c = this.d.cipher
    return {
      name: a.name,
      idEnc: c.encrypt(a.idNumber),
      idBlind: this.idBlind(a.idNumber),
      idMasked: mask.idNumber(a.idNumber),
      phoneEnc: c.encrypt(a.phone),
      phoneMasked: mask.phone(a.phone),
    }
  }

  sealBank(b: { holderName: string; accountNo: string; bankName: string }): ClaimDoc['bank'] {
    const c = this.d.cipher
    return {
      holderName: b.holderName,
      accountEnc: c.encrypt(b.accountNo),
      accountBlind: c.blindIndex('bank', b.accountNo),
      accountMasked: mask.bankAccount(b.accountNo),
      bankName: b.bankName,
      fixedAt: null,
    }
  }

  /** The full values; the caller audits the view. */
  reveal(doc: Pick<ClaimDoc, 'applicant' | 'bank'>) {
    const c = this.d.cipher
    return {
      idNumber: c.decrypt(doc.applicant.idEnc),
      phone: c.decrypt(doc.applicant.phoneEnc),
      accountNo: c.decrypt(doc.bank.accountEnc),
    }
  }

  /** The next case number of a year: ZC2026000123. A failed insert leaves a gap, never a repeat. */
  async nextNo(at = new Date()) {
    const year = beijingYear(at)
    const c = await ClaimCounterModel.findOneAndUpdate(
      { _id: `claims:${year}` },
      { $inc: { seq: 1 } },
      { upsert: true, new: true },
    ).lean<{ seq: number }>()
    return `ZC${year}${String(c!.seq).padStart(6, '0')}`
  }

  dupKeyOf(type: ClaimTypeOutput, idBlind: string, examYear: number | null) {
    return type === 'exam_fee' ? `exam_fee:${idBlind}:${examYear}` : `agent_reward:${idBlind}`
  }

  /** Inserts a claim; a live claim with the same dupKey answers CLAIM_DUPLICATE in the applicant's words. */
  async insertClaim(doc: Omit<ClaimDoc, '_id' | 'createdAt' | 'updatedAt'>): Promise<ClaimDoc> {
    try {
      const claim = (await ClaimModel.create(doc)).toObject<ClaimDoc>()
      countsChanged()
      return claim
    } catch (e) {
      if (isDuplicateKey(e) && String(e.message ?? e.errmsg ?? '').includes('dupKey'))
        throw doc.type === 'exam_fee'
          ? claimErrors.duplicateExamYear(doc.examYear!)
          : claimErrors.duplicateReward()
      throw e
    }
  }

  // ── checking an application against its policy ───────────────────────────────────────────────────

  /**
   * Every rule a submission must meet before anything is written: residency, the account holder, files
   * (the caller's own claim-material uploads), required materials, and the amount rule of the type.
   * Answers the amount and the fields computed from the input.
   */
  async check(user: MpPrincipal, p: PolicyDoc, input: ClaimSubmitOutput) {
    if (!p.residency.includes(input.residency))
      throw claimErrors.residency(p.residency.map((r) => RESIDENCY_LABELS[r]).join('、'))
    if (
      normaliseName(input.bank.holderName) !== normaliseName(input.applicant.name) &&
      !input.holderMismatchReason
    )
      throw claimErrors.holderMismatch()

    // Files: each the caller's own, uploaded as claim material. A foreign or unknown id is the same 400.
    const refs: { path: string; id: string }[] = input.materials.map((m, i) => ({
      path: `materials.${i}.fileId`,
      id: m.fileId,
    }))
    if (input.type === 'exam_fee')
      input.receipts.forEach((r, i) => refs.push({ path: `receipts.${i}.fileId`, id: r.fileId }))
    const files = await StoredFileModel.find({ _id: { $in: refs.map((r) => oid(r.id)) } }).lean<
      StoredFileDoc[]
    >()
    const byId = new Map(files.map((f) => [f._id.toHexString(), f]))
    for (const r of refs) {
      const f = byId.get(r.id)
      if (!f || f.owner.kind !== 'mp' || !f.owner.id.equals(user.id) || f.purpose !== 'claim-material')
        throw claimErrors.fileInvalid(r.path)
    }

    // Required materials, and the proof of the tie to the city the applicant chose.
    const have = new Set<string>(input.materials.map((m) => m.kind))
    if (input.type === 'exam_fee') have.add('exam_receipt')
    const missing = p.materials.filter((m) => m.required && !have.has(m.kind)).map((m) => m.kind)
    const proof = RESIDENCY_PROOF[input.residency]
    if (input.type === 'exam_fee' && !have.has(proof) && !missing.includes(proof)) missing.push(proof)
    if (missing.length)
      throw claimErrors.materialMissing(
        missing.map((k) => p.materials.find((m) => m.kind === k)?.name ?? MATERIAL_KIND_LABELS[k]),
        missing.map((k) => `materials.${k}`),
      )

    if (input.type === 'exam_fee') {
      if (p.rule.kind !== 'fee_table') throw claimErrors.policyTypeMismatch()
      const thisYear = beijingYear()
      if (input.examYear > thisYear) throw claimErrors.receiptYear(0, `通过考试的年度不能晚于 ${thisYear} 年`)
      const earliest = input.examYear - p.rule.yearsBack + 1
      const seen = new Set<string>()
      let amountFen = 0
      input.receipts.forEach((r, i) => {
        if (r.examYear > input.examYear || r.examYear < earliest)
          throw claimErrors.receiptYear(
            i,
            `缴费凭证的考试年度应在 ${earliest} 至 ${input.examYear} 年之间（各科成绩有效期 ${p.rule.kind === 'fee_table' ? p.rule.yearsBack : 3} 年）`,
          )
        const key = `${r.subject}:${r.examYear}`
        if (seen.has(key))
          throw claimErrors.receiptYear(
            i,
            `${r.examYear} 年${EXAM_SUBJECT_LABELS[r.subject]}的缴费凭证重复填写`,
          )
        seen.add(key)
        const fee = feeOf(p, r.subject)
        if (fee === undefined) throw claimErrors.receiptOverFee(i, r.subject, 0, r.amountFen)
        if (r.amountFen > fee) throw claimErrors.receiptOverFee(i, r.subject, fee, r.amountFen)
        amountFen += r.amountFen
      })
      return { amountFen, serviceMonths: null, examYear: input.examYear }
    }
    if (p.rule.kind !== 'fixed') throw claimErrors.policyTypeMismatch()
    const months = mergedMonths(input.servicePeriods)
    if (months < p.rule.minServiceMonths) throw claimErrors.serviceTooShort(months, p.rule.minServiceMonths)
    return { amountFen: p.rule.amountFen, serviceMonths: months, examYear: null }
  }

  /** The type-specific fields of a checked submission, as stored. */
  private typeFields(input: ClaimSubmitOutput) {
    return input.type === 'exam_fee'
      ? {
          examYear: input.examYear,
          receipts: input.receipts.map((r) => ({ ...r, fileId: oid(r.fileId) })),
          certificateNo: null,
          servicePeriods: [],
        }
      : {
          examYear: null,
          receipts: [],
          certificateNo: input.certificateNo,
          servicePeriods: input.servicePeriods.map((s) => ({ ...s, creditCode: s.creditCode ?? null })),
        }
  }

  // ── the mini-program ──────────────────────────────────────────────────────────────────────────────

  /**
   * A new claim. The Idempotency-Key makes retries safe: the same key and body within 24 hours answer the
   * claim first made (`replayed`); the same key with another body is IDEMPOTENCY_KEY_REUSED. Ten concurrent
   * requests with one key make one claim: the unique (userId, key) index lets one insert win.
   */
  async submit(user: MpPrincipal, input: ClaimSubmitOutput, key: string, request: unknown) {
    const hash = bodyHash(request)
    const earlier = await this.replay(user, key, hash)
    if (earlier) return { claim: earlier, replayed: true }
    const p = await this.openPolicy(input.type, input.policyId)
    const checked = await this.check(user, p, input)
    const now = new Date()
    const applicant = this.sealApplicant(input.applicant)
    const doc = {
      no: await this.nextNo(now),
      type: input.type,
      policyId: p._id,
      policyTitle: p.title,
      userId: oid(user.id),
      status: 'submitted' as const,
      live: true,
      dupKey: this.dupKeyOf(input.type, applicant.idBlind, checked.examYear),
      amountFen: checked.amountFen,
      budgetYear: beijingYear(now),
      applicant,
      bank: this.sealBank(input.bank),
      holderMismatchReason: input.holderMismatchReason || null,
      districtCode: input.districtCode,
      residency: input.residency,
      ...this.typeFields(input),
      serviceMonths: checked.serviceMonths,
      materials: input.materials.map((m) => ({ kind: m.kind, fileId: oid(m.fileId) })),
      pledgeText: p.pledgeText,
      correction: null,
      reason: null,
      review: { accepted: null, acceptedAt: null, first: null, firstAt: null, second: null, secondAt: null },
      noticeId: null,
      batchId: null,
      paidAt: null,
      source: 'application' as const,
      passEntryId: null,
      idem: { key, hash },
      history: [this.entry('submit', null, 'submitted', actorOf(user), null, now)],
      submittedAt: now,
    }
    let claim: ClaimDoc
    try {
      claim = await this.insertClaim(doc)
    } catch (e) {
      // A concurrent request with the same key won the insert: answer its claim.
      const won = await this.replay(user, key, hash)
      if (won) return { claim: won, replayed: true }
      throw e
    }
    await this.notifyApplicants([claim], '申请已收到，请留意审核进度')
    for (const listener of this.submitListeners)
      await listener(claim).catch((err: unknown) =>
        this.d.log.error({ err, claimId: claim._id.toHexString() }, 'a claim-submitted listener failed'),
      )
    return { claim, replayed: false }
  }

  private async replay(user: MpPrincipal, key: string, hash: string) {
    const earlier = await ClaimModel.findOne({ userId: oid(user.id), 'idem.key': key }).lean<ClaimDoc>()
    if (!earlier) return undefined
    if (earlier.idem.hash !== hash || Date.now() - earlier.createdAt.getTime() > REPLAY_MS)
      throw claimErrors.idempotencyKeyReused()
    return earlier
  }

  async mine(user: MpPrincipal) {
    const docs = await ClaimModel.find({ userId: oid(user.id) }, { history: 0, materials: 0, receipts: 0 })
      .sort({ createdAt: -1 })
      .limit(100)
      .lean<ClaimDoc[]>()
    return { items: docs.map(presentMpItem) }
  }

  /** The caller's own claim; anyone else's is the same 404 as a missing one. */
  async own(user: MpPrincipal, id: string) {
    const doc = await ClaimModel.findOne({ _id: id, userId: oid(user.id) }).lean<ClaimDoc>()
    if (!doc) throw claimErrors.notFound()
    return doc
  }

  async mineDetail(user: MpPrincipal, id: string) {
    const doc = await this.own(user, id)
    return presentClaim(doc, await this.filesOf([doc]))
  }

  /** Resubmission after a return: the same case, checked again, its history kept. */
  async resubmit(user: MpPrincipal, id: string, input: ClaimSubmitOutput) {
    const before = await this.own(user, id)
    if (before.status !== 'returned') throw claimErrors.state('resubmit', before.status)
    if (input.type !== before.type) throw claimErrors.policyTypeMismatch()
    const p = await this.policy(before.policyId)
    const checked = await this.check(user, p, input)
    const applicant = this.sealApplicant(input.applicant)
    let moved: ClaimDoc
    try {
      moved = await this.move({ _id: before._id, userId: before.userId }, 'resubmit', actorOf(user), {
        $set: {
          dupKey: this.dupKeyOf(input.type, applicant.idBlind, checked.examYear),
          amountFen: checked.amountFen,
          applicant,
          bank: this.sealBank(input.bank),
          holderMismatchReason: input.holderMismatchReason || null,
          districtCode: input.districtCode,
          residency: input.residency,
          ...this.typeFields(input),
          serviceMonths: checked.serviceMonths,
          materials: input.materials.map((m) => ({ kind: m.kind, fileId: oid(m.fileId) })),
          correction: null,
          review: {
            accepted: null,
            acceptedAt: null,
            first: null,
            firstAt: null,
            second: null,
            secondAt: null,
          },
        },
        note: '已按补正意见修改并重新提交',
      })
    } catch (e) {
      if (isDuplicateKey(e))
        throw input.type === 'exam_fee'
          ? claimErrors.duplicateExamYear(input.examYear)
          : claimErrors.duplicateReward()
      throw e
    }
    return presentClaim(moved, await this.filesOf([moved]))
  }

  async withdraw(user: MpPrincipal, id: string) {
    const before = await this.own(user, id)
    const moved = await this.move({ _id: before._id, userId: before.userId }, 'withdraw', actorOf(user), {
      $set: { live: false, correction: null },
      note: '申请人已撤回申请',
    })
    return presentClaim(moved, await this.filesOf([moved]))
  }

  /** After a failed payment: the applicant corrects the account; finance can then put it in a new batch. */
  async fixBank(user: MpPrincipal, id: string, input: z.output<typeof BankFix>) {
    const before = await this.own(user, id)
    if (
      normaliseName(input.bank.holderName) !== normaliseName(before.applicant.name) &&
      !input.holderMismatchReason
    )
      throw claimErrors.holderMismatch()
    const now = new Date()
    const moved = await ClaimModel.findOneAndUpdate(
      { _id: before._id, userId: before.userId, status: 'payment_failed' },
      {
        $set: {
          bank: { ...this.sealBank(input.bank), fixedAt: now },
          holderMismatchReason: input.holderMismatchReason || null,
        },
        $push: {
          history: this.entry(
            'fixBank',
            'payment_failed',
            'payment_failed',
            actorOf(user),
            '申请人已更正收款账户',
            now,
          ),
        },
      },
      { new: true },
    ).lean<ClaimDoc>()
    if (!moved) throw claimErrors.bankFixState(before.status)
    return presentClaim(moved, await this.filesOf([moved]))
  }

  // ── the console ───────────────────────────────────────────────────────────────────────────────────

  listFilter(q: z.output<typeof ClaimListQuery>, withStatus = true) {
    const filter: Record<string, unknown> = {}
    if (withStatus && q.status) filter.status = q.status
    if (q.type) filter.type = q.type
    if (q.year) filter.budgetYear = q.year
    if (q.districtCode) filter.districtCode = q.districtCode
    if (q.q) {
      const rx = { $regex: `^${escapeRegex(q.q)}` }
      filter.$or = [{ no: rx }, { 'applicant.name': rx }]
    }
    return filter
  }

  /**
   * The console's page, ties broken by _id in the same direction so pages never overlap: the database reads
   * the index that holds the sort (`{ status, submittedAt }` for a status tab, `{ submittedAt }` for all) in
   * order and stops at the page. `total` comes from the per-status counts the tabs need anyway.
   */
  async list(q: z.output<typeof ClaimListQuery>) {
    const sortField = q.sort.replace('-', '')
    const dir = q.sort.startsWith('-') ? -1 : 1
    const sort: Record<string, SortOrder> = { [sortField]: dir, _id: dir }
    const [docs, counts] = await Promise.all([
      ClaimModel.find(this.listFilter(q), {
        history: 0,
        materials: 0,
        receipts: 0,
        servicePeriods: 0,
        pledgeText: 0,
      })
        .sort(sort)
        .skip((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .lean<ClaimDoc[]>(),
      this.statusCounts(this.listFilter(q, false)),
    ])
    const total = q.status ? (counts[q.status] ?? 0) : Object.values(counts).reduce((a, n) => a + n, 0)
    return { items: docs.map(presentAdminRow), total, page: q.page, pageSize: q.pageSize, counts }
  }

  /**
   * Claims per status under the list's other filters (the queue's tabs), statuses with none left out: one
   * `count` command per status, each served by the status index. An aggregation ($group, or the $match +
   * $group of countDocuments) copies every matched document through the pipeline first — seconds over
   * 100,000 claims on the embedded database (pnpm bench:claims) — where a count only tests them.
   */
  private async statusCounts(filter: Record<string, unknown>) {
    const key = JSON.stringify(filter)
    const gen = countsGeneration
    const hit = countsCache.get(key)
    if (hit && hit.gen === gen && Date.now() - hit.at < COUNTS_TTL_MS) return hit.counts
    const db = ClaimModel.db.db!
    const n = await Promise.all(
      ClaimStatus.options.map((status) =>
        db
          .command({ count: ClaimModel.collection.collectionName, query: { ...filter, status } })
          .then((r) => Number(r.n)),
      ),
    )
    const counts = Object.fromEntries(
      ClaimStatus.options.flatMap((status, i) => (n[i] ? [[status, n[i]!]] : [])),
    ) as Partial<Record<ClaimStatusOutput, number>>
    if (countsCache.size >= 1000) countsCache.clear()
    countsCache.set(key, { gen, at: Date.now(), counts })
    return counts
  }

  /** The console's detail. `fullPii`: the viewer holds pii.read, so the route audits the view. */
  async detail(id: string, viewer: AdminPrincipal) {
    const doc = await ClaimModel.findById(id).lean<ClaimDoc>()
    if (!doc) throw claimErrors.notFound()
    return this.adminView(doc, viewer)
  }

  async adminView(doc: ClaimDoc, viewer: AdminPrincipal) {
    const fullPii = viewer.permissions.has('pii.read')
    const [files, warnings, budget] = await Promise.all([
      this.filesOf([doc]),
      this.warningsOf(doc),
      this.budgetView(doc),
    ])
    return {
      claim: presentAdminClaim(doc, files, {
        reveal: fullPii ? this.reveal(doc) : null,
        viewer,
        warnings,
        budget,
      }),
      fullPii,
    }
  }

  private async budgetView(doc: ClaimDoc) {
    const p = await ClaimPolicyModel.findById(doc.policyId, { yearlyBudgetFen: 1 }).lean<PolicyDoc>()
    return p ? presentBudget(await budgetOf(p, doc.budgetYear)) : null
  }

  /** What a reviewer should look at twice: other claims of the person, one account receiving several people's money. */
  private async warningsOf(doc: ClaimDoc) {
    const warnings: string[] = []
    const [samePerson, sameAccount] = await Promise.all([
      ClaimModel.find(
        { 'applicant.idBlind': doc.applicant.idBlind, _id: { $ne: doc._id } },
        { no: 1, status: 1, type: 1 },
      )
        .limit(20)
        .lean<ClaimDoc[]>(),
      ClaimModel.find(
        { 'bank.accountBlind': doc.bank.accountBlind, 'applicant.idBlind': { $ne: doc.applicant.idBlind } },
        { no: 1 },
      )
        .limit(20)
        .lean<ClaimDoc[]>(),
    ])
    if (samePerson.length)
      warnings.push(
        `该申请人另有 ${samePerson.length} 件申请：${samePerson
          .map((c) => `${c.no}（${CLAIM_TYPE_LABELS[c.type]}，${CLAIM_STATUS_LABELS[c.status]}）`)
          .join('；')}`,
      )
    if (sameAccount.length)
      warnings.push(
        `该收款账号同时用于其他申请人的 ${sameAccount.length} 件申请：${sameAccount.map((c) => c.no).join('、')}`,
      )
    if (doc.holderMismatchReason)
      warnings.push(`开户名与申请人不一致，申请人说明：${doc.holderMismatchReason}`)
    return warnings
  }

  /**
   * A reviewer's decision. `accept` starts review; `approve` is 初审 when no one has approved yet and 复核
   * otherwise, by someone else (SECOND_REVIEWER_REQUIRED), taking the yearly budget (BUDGET_EXCEEDED);
   * `return` sets the fields to fix and a deadline in working days; `reject` ends the claim.
   */
  async decide(viewer: AdminPrincipal, id: string, body: z.output<typeof ClaimDecision>) {
    const before = await ClaimModel.findById(id).lean<ClaimDoc>()
    if (!before) throw claimErrors.notFound()
    const by = actorOf(viewer)
    const now = new Date()
    const note = body.reason || null
    let moved: ClaimDoc
    switch (body.decision) {
      case 'accept':
        moved = await this.move({ _id: before._id }, 'accept', by, {
          $set: { 'review.accepted': by, 'review.acceptedAt': now },
          note: note ?? '已受理，进入审核',
        })
        break
      case 'return': {
        const workingDays = body.deadlineDays ?? 5
        const deadline = workingDaysDeadline(workingDays, now)
        moved = await this.move({ _id: before._id }, 'return', by, {
          $set: {
            correction: { items: body.fields ?? [], reason: body.reason, deadline, workingDays },
            'review.first': null,
            'review.firstAt': null,
          },
          note: `请在 ${beijingDate(deadline)} 前补正：${(body.fields ?? []).map((f) => f.comment).join('；')}`,
        })
        break
      }
      case 'reject':
        moved = await this.move({ _id: before._id }, 'reject', by, {
          $set: { live: false, reason: body.reason },
          note: body.reason,
        })
        break
      case 'approve':
        moved = await this.approve(before, viewer, note)
        break
    }
    return (await this.adminView(moved, viewer)).claim
  }

  private async approve(before: ClaimDoc, viewer: AdminPrincipal, note: string | null) {
    const by = actorOf(viewer)
    const now = new Date()
    if (before.status !== 'in_review') throw claimErrors.state('approve', before.status)
    if (!before.review.first)
      return this.move({ _id: before._id }, 'firstApprove', by, {
        $set: { 'review.first': by, 'review.firstAt': now },
        guard: { 'review.first': null },
        note: note ?? '初审通过，待复核',
        notify: false,
      })
    if (before.review.first.id?.equals(by.id!)) throw claimErrors.secondReviewer()
    const p = await this.policy(before.policyId)
    const taken = await takeBudget(p, before.budgetYear, before.amountFen)
    if (!taken) {
      const b = await budgetOf(p, before.budgetYear)
      throw claimErrors.budgetExceeded(b.remainingFen, before.amountFen, before.budgetYear)
    }
    try {
      return await this.move({ _id: before._id }, 'approve', by, {
        $set: { 'review.second': by, 'review.secondAt': now, reason: null },
        // the first reviewer the viewer saw, still in place: four eyes hold under a concurrent return
        guard: { 'review.first.id': before.review.first.id, 'review.second': null },
        note: note ?? `审核通过，拟资助 ${before.amountFen / 100} 元，将进入公示`,
      })
    } catch (e) {
      await releaseBudget(p._id, before.budgetYear, before.amountFen)
      throw e
    }
  }

  /** An objection during 公示: back to review from the first step, its budget released until approved again. */
  async object(viewer: AdminPrincipal, id: string, reason: string) {
    const before = await ClaimModel.findById(id).lean<ClaimDoc>()
    if (!before) throw claimErrors.notFound()
    // Objections count only within the notice period, even in the minute before the sweep clears the claim.
    const notice = before.noticeId
      ? await ClaimNoticeModel.findById(before.noticeId, { status: 1, endsAt: 1 }).lean<NoticeDoc>()
      : null
    if (notice?.endsAt && (notice.status === 'closed' || notice.endsAt <= new Date()))
      throw paymentErrors.noticeClosed(notice.endsAt)
    const moved = await this.move({ _id: before._id }, 'object', actorOf(viewer), {
      $set: {
        noticeId: null,
        reason,
        review: { ...before.review, first: null, firstAt: null, second: null, secondAt: null },
      },
      note: `公示期间收到异议，重新审核：${reason}`,
    })
    await releaseBudget(before.policyId, before.budgetYear, before.amountFen)
    return (await this.adminView(moved, viewer)).claim
  }

  // ── moving claims ─────────────────────────────────────────────────────────────────────────────────

  entry(
    action: ClaimMove | 'submit' | 'fixBank',
    from: ClaimStatusOutput | null,
    to: ClaimStatusOutput,
    by: ActorDoc,
    note: string | null,
    at = new Date(),
  ): HistoryDoc {
    return { at, action, from, to, by, note }
  }

  /**
   * One guarded move of one claim (transition()), its history entry written in the same update, and the
   * applicant told. A refused move is CLAIM_STATE with the current state.
   */
  async move(filter: Record<string, unknown>, m: ClaimMove, by: ActorDoc, opts: MoveOptions = {}) {
    const def = ClaimMachine.moves[m]
    const from = def.from.length === 1 ? def.from[0]! : null
    const moved = await transition<ClaimStatusOutput, ClaimMove, ClaimDoc>(
      ClaimModel,
      ClaimMachine,
      m,
      filter,
      {
        $set: opts.$set ?? {},
        ...(opts.$unset ? { $unset: opts.$unset } : {}),
        ...(opts.$inc ? { $inc: opts.$inc } : {}),
        $push: { history: this.entry(m, from, def.to, by, opts.note ?? null) },
      },
      { guard: opts.guard, conflict: claimErrors.refused, notFound: claimErrors.notFound },
    )
    countsChanged()
    if (opts.notify !== false) await this.notifyApplicants([moved], opts.note ?? undefined)
    return moved
  }

  /**
   * The same move for many claims at once (公示, clearing, batching): one conditional updateMany marks the
   * claims it moved with a token, so exactly those are read back, however many other writers race it.
   */
  async moveMany(
    filter: Record<string, unknown>,
    m: ClaimMove,
    by: ActorDoc,
    opts: { $set?: Record<string, unknown>; note?: string | null; notify?: boolean } = {},
  ): Promise<ClaimDoc[]> {
    const def = ClaimMachine.moves[m]
    const token = randomUUID()
    const from = def.from.length === 1 ? def.from[0]! : null
    await ClaimModel.updateMany(
      { ...filter, status: { $in: def.from } },
      {
        $set: { ...opts.$set, status: def.to, moveToken: token },
        $push: { history: this.entry(m, from, def.to, by, opts.note ?? null) },
      },
    )
    countsChanged()
    const moved = await ClaimModel.find({ moveToken: token }).lean<ClaimDoc[]>()
    if (opts.notify !== false) await this.notifyApplicants(moved, opts.note ?? undefined)
    return moved
  }

  /** Tells applicants of their claims' current state: subscribe message when granted, inbox always. */
  async notifyApplicants(claims: ClaimDoc[], note?: string) {
    if (!claims.length) return
    const items = claims.map((c) => {
      const status = CLAIM_STATUS_LABELS[c.status]
      const title = `${CLAIM_TYPE_LABELS[c.type]}：${status}`
      return {
        memberId: c.userId.toHexString(),
        // one notification per claim and step of its history: a repeat of the same step is not sent twice
        key: `claim:${c._id.toHexString()}:${c.history.length}:${c.status}`,
        vars: {
          claim: `${c.no} ${CLAIM_TYPE_LABELS[c.type]}`,
          status,
          at: new Date().toISOString(),
          note: (note ?? status).slice(0, 20),
        },
        inbox: {
          title,
          summary: note ?? `申请编号 ${c.no}`,
          content: { kind: 'claim' as const, id: c._id.toHexString() },
        },
      }
    })
    for (let i = 0; i < items.length; i += 500)
      await this.d.notifications.notify('claim.status', items.slice(i, i + 500))
  }

  releaseBudget(c: Pick<ClaimDoc, 'policyId' | 'budgetYear' | 'amountFen'>) {
    return releaseBudget(c.policyId, c.budgetYear, c.amountFen)
  }

  /** Counts paid claims in their budgets' paidFen, each claim exactly once however often it is called. */
  async recordPaid(claims: Pick<ClaimDoc, '_id' | 'policyId' | 'budgetYear' | 'amountFen'>[]) {
    const groups = new Map<string, typeof claims>()
    for (const c of claims) {
      const key = `${c.policyId.toHexString()}:${c.budgetYear}`
      groups.set(key, [...(groups.get(key) ?? []), c])
    }
    for (const group of groups.values()) {
      const { policyId, budgetYear } = group[0]!
      await budgetOf(await this.policy(policyId), budgetYear)
      await recordPaid(policyId, budgetYear, group)
    }
  }

  /** Returned claims past their deadline become expired, in batches; the applicant is told. */
  async expireOverdue(now = new Date()) {
    let expired = 0
    for (;;) {
      const due = await ClaimModel.find(
        { status: 'returned', 'correction.deadline': { $lt: now } },
        { _id: 1 },
      )
        .limit(200)
        .lean<{ _id: Types.ObjectId }[]>()
      if (!due.length) return expired
      const moved = await this.moveMany(
        { _id: { $in: due.map((d) => d._id) }, 'correction.deadline': { $lt: now } },
        'expire',
        SYSTEM,
        {
          $set: { live: false },
          note: '未在补正期限内重新提交，申请已终止；如仍符合条件可重新申请',
        },
      )
      expired += moved.length
      if (due.length < 200) return expired
    }
  }

  // ── files ─────────────────────────────────────────────────────────────────────────────────────────

  async filesOf(claims: ClaimDoc[]): Promise<FileBriefs> {
    const ids = claims
      .flatMap((c) => [...c.materials.map((m) => m.fileId), ...c.receipts.map((r) => r.fileId)])
      .filter(Boolean)
    if (!ids.length) return new Map()
    const files = await StoredFileModel.find(
      { _id: { $in: ids } },
      { originalName: 1, mime: 1, size: 1 },
    ).lean<StoredFileDoc[]>()
    return new Map(
      files.map((f) => [
        f._id.toHexString(),
        { id: f._id.toHexString(), name: f.originalName, mime: f.mime, size: f.size },
      ]),
    )
  }
}

export { CLOSED_STATUSES }
