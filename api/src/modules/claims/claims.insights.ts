import type { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { mask } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { cellText, streamWorkbook } from '../../platform/excel.js'
import { findPage } from '../../platform/lists.js'
import { beijingDate, beijingDateTime, beijingYear, iso } from '../../platform/time.js'
import { cleanText } from '../common.contract.js'
import type { FilesService } from '../files/files.service.js'
import { regionLabel } from '../taxonomy/regions.js'
import {
  CLAIM_STATUS_LABELS,
  CLAIM_TYPE_LABELS,
  ClaimStatus,
  ClaimType,
  EXAM_SUBJECT_LABELS,
  RESIDENCY_LABELS,
  isValidIdNumber,
  type ClaimStatusOutput,
  type ClaimTypeOutput,
  type ExamSubjectOutput,
} from './claims.contract.js'
import { claimErrors, yuan } from './claims.errors.js'
import {
  INVITATION_STATUS_LABELS,
  PASS_LIST_COLUMNS,
  type ClaimExportQuery,
  type ClaimIdentityIn,
  type ClaimIdentityOutput,
  type ClaimStatsOutput,
  type EligibilityIn,
  type InvitationAccept,
  type InvitationOutput,
  type PassListOutput,
} from './claims.insights.contract.js'
import { insightErrors } from './claims.insights.errors.js'
import {
  ClaimIdentityModel,
  ClaimInvitationModel,
  ClaimPassEntryModel,
  ClaimPassListModel,
  type IdentityDoc,
  type InvitationDoc,
  type PassEntryDoc,
  type PassListDoc,
} from './claims.insights.model.js'
import {
  ClaimBudgetModel,
  ClaimModel,
  ClaimPolicyModel,
  type BudgetDoc,
  type ClaimDoc,
  type PolicyDoc,
} from './claims.model.js'
import { feeOf, policyState } from './claims.policies.js'
import { actorOf, mergedMonths, type ClaimDeps, type ClaimService } from './claims.service.js'

const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id)
/** Names compare without spaces and the middle dots of minority names (阿卜杜·热合曼). */
const sameName = (a: string, b: string) => a.replace(/[\s·•.]/g, '') === b.replace(/[\s·•.]/g, '')

/** A pass list is a city's exam results: thousands of rows at most; a bigger sheet is not one. */
const MAX_PASS_ROWS = 20_000
/** 20,000 rows are about 1 MB of xlsx; the workbook is read whole, so its size is bounded. */
const MAX_PASS_LIST_BYTES = 5 * 1024 * 1024
/** Row issues kept with an import (the rest are counted, not listed). */
const MAX_LISTED_ISSUES = 1_000
const SUBJECT_BY_LABEL = new Map(
  Object.entries(EXAM_SUBJECT_LABELS).map(([k, label]) => [label, k as ExamSubjectOutput] as const),
)
/** How many claims the export's cursor reads at a time. */
const EXPORT_BATCH = 500

type FileAccess = Pick<FilesService, 'openForStaff' | 'discard'>

interface GoodRow {
  row: number
  name: string
  idNumber: string
  idBlind: string
  examYear: number
  subjects: ExamSubjectOutput[]
}

/** 免申即享 (pass lists, invitations), the eligibility pre-check, statistics and exports. */
export class ClaimInsightService {
  constructor(
    readonly core: ClaimService,
    readonly d: ClaimDeps,
  ) {
    // A submitted claim's ID number counts as the person entering it: their waiting pass entries match.
    core.submitListeners.push((claim) =>
      claim.source === 'application'
        ? this.matchPerson(claim.userId, claim.applicant.idBlind, claim.applicant.name)
        : Promise.resolve(),
    )
  }

  // ── 免申即享: importing the pass list ───────────────────────────────────────────────────────────────

  /**
   * Reads a pass list (姓名, 身份证号, 考试年度, 通过科目), stores each valid row sealed (never the list in
   * clear), reports bad rows with their row number and why, counts repeats of a person and year as
   * duplicates, and invites at once the people already known by ID number. Once its header shows the upload
   * is a pass list it is deleted, record and bytes, whatever its rows hold: it has the list in clear. An
   * upload that is not one (another import's file, a wrong sheet) is refused and left as it was.
   */
  async importPassList(viewer: AdminPrincipal, fileId: string, files: FileAccess): Promise<PassListOutput> {
    const { file, stream } = await files.openForStaff(fileId, viewer)
    let sheet: ExcelJS.Worksheet
    try {
      if (file.purpose !== 'claim-import')
        throw insightErrors.passListInvalid('请以“导入文件”用途上传考试合格名单（Excel）')
      if (file.size > MAX_PASS_LIST_BYTES)
        throw insightErrors.passListInvalid(
          `名单文件超过 ${MAX_PASS_LIST_BYTES / 1024 / 1024} MB，请分成多个文件导入`,
        )
      sheet = await this.firstSheet(stream)
    } finally {
      stream.destroy()
    }
    const columns = this.headerOf(sheet)
    let parsed: ReturnType<ClaimInsightService['readRows']>
    try {
      parsed = this.readRows(sheet, columns)
    } finally {
      await files.discard(file._id.toHexString())
    }
    const { good, invalid, rows } = parsed
    const list = new ClaimPassListModel({
      fileName: file.originalName,
      rows,
      imported: 0,
      duplicates: 0,
      matched: 0,
      waiting: 0,
      invalid: invalid.slice(0, MAX_LISTED_ISSUES),
      by: { id: oid(viewer.id), name: viewer.username },
    })
    await list.save() // first, so every entry's list exists; its figures follow once the rows are in

    // One entry per person and exam year: a repeat within the file or of an earlier import is a duplicate.
    const seen = new Set<string>()
    const fresh: GoodRow[] = []
    let duplicates = 0
    for (const g of good) {
      const key = `${g.idBlind}:${g.examYear}`
      if (seen.has(key)) duplicates++
      else {
        seen.add(key)
        fresh.push(g)
      }
    }
    const inserted: { entry: PassEntryDoc; row: GoodRow }[] = []
    const now = new Date()
    for (let i = 0; i < fresh.length; i += 1000) {
      const chunk = fresh.slice(i, i + 1000).map((g) => ({
        row: g,
        entry: {
          _id: new Types.ObjectId(),
          listId: list._id,
          nameEnc: this.d.cipher.encrypt(g.name),
          idEnc: this.d.cipher.encrypt(g.idNumber),
          idBlind: g.idBlind,
          examYear: g.examYear,
          subjects: g.subjects,
          status: 'waiting' as const,
          createdAt: now,
          updatedAt: now,
        },
      }))
      const failed = new Set<number>()
      try {
        await ClaimPassEntryModel.collection.insertMany(
          chunk.map((c) => c.entry),
          { ordered: false },
        )
      } catch (e) {
        const writeErrors = [(e as { writeErrors?: unknown }).writeErrors ?? []].flat() as {
          index: number
          code: number
        }[]
        if (!writeErrors.length || writeErrors.some((w) => w.code !== 11000)) throw e
        for (const w of writeErrors) failed.add(w.index)
      }
      duplicates += failed.size
      chunk.forEach((c, k) => !failed.has(k) && inserted.push(c))
    }

    const matched = await this.inviteKnown(inserted)
    list.imported = inserted.length
    list.duplicates = duplicates
    list.matched = matched
    list.waiting = inserted.length - matched
    await list.save()
    return this.presentPassList(list.toObject<PassListDoc>(), list.waiting)
  }

  /**
   * The workbook's first sheet. Read whole in memory (a pass list is small; MAX_PASS_LIST_BYTES bounds it):
   * exceljs's streaming reader would park sheets in clear in temporary files.
   */
  private async firstSheet(stream: Readable) {
    const wb = new ExcelJS.Workbook()
    try {
      await wb.xlsx.read(stream)
    } catch {
      throw insightErrors.passListInvalid('无法读取该 Excel 文件，请确认文件未损坏并另存为 .xlsx 后重新上传')
    }
    const sheet = wb.worksheets[0]
    if (!sheet || sheet.actualRowCount === 0)
      throw insightErrors.passListInvalid('名单是空的：第一行应为表头（姓名、身份证号、考试年度、通过科目）')
    return sheet
  }

  /** The data rows under the header, checked; blank rows skipped. */
  private readRows(sheet: ExcelJS.Worksheet, columns: Record<keyof typeof PASS_LIST_COLUMNS, number>) {
    const good: GoodRow[] = []
    const invalid: { row: number; message: string }[] = []
    const thisYear = beijingYear()
    if (sheet.actualRowCount - 1 > MAX_PASS_ROWS)
      throw insightErrors.passListInvalid(
        `名单超过 ${MAX_PASS_ROWS.toLocaleString('zh-CN')} 行，请分成多个文件导入`,
      )
    let rows = 0
    let header = true
    sheet.eachRow((row) => {
      if (header) return void (header = false)
      const values = row.values as ExcelJS.CellValue[]
      const cell = (k: keyof typeof PASS_LIST_COLUMNS) => values[columns[k]]
      if (
        (Object.keys(columns) as (keyof typeof PASS_LIST_COLUMNS)[]).every(
          (k) => !cleanText(cellText(cell(k))),
        )
      )
        return
      rows++
      const checked = this.checkRow(row.number, cell, thisYear)
      if ('message' in checked) invalid.push(checked)
      else good.push(checked)
    })
    if (!rows) throw insightErrors.passListInvalid('名单中没有数据行，请在表头下逐行填写合格人员')
    return { good, invalid, rows }
  }

  /** The header row (the sheet's first non-blank row): each required column by its name, wherever it stands. */
  private headerOf(sheet: ExcelJS.Worksheet) {
    let values: ExcelJS.CellValue[] = []
    sheet.eachRow((row) => {
      if (!values.length) values = row.values as ExcelJS.CellValue[]
    })
    const at = new Map<string, number>()
    values.forEach((v, i) => {
      const name = cleanText(cellText(v)).replace(/\s/g, '')
      if (name && !at.has(name)) at.set(name, i)
    })
    const aliases: Record<keyof typeof PASS_LIST_COLUMNS, string[]> = {
      name: [PASS_LIST_COLUMNS.name],
      idNumber: [PASS_LIST_COLUMNS.idNumber, '身份证号码', '证件号码'],
      examYear: [PASS_LIST_COLUMNS.examYear, '考试年份'],
      subjects: [PASS_LIST_COLUMNS.subjects],
    }
    const found = {} as Record<keyof typeof PASS_LIST_COLUMNS, number>
    const missing: string[] = []
    for (const [k, names] of Object.entries(aliases) as [keyof typeof PASS_LIST_COLUMNS, string[]][]) {
      const i = names.map((n) => at.get(n)).find((x) => x !== undefined)
      if (i === undefined) missing.push(PASS_LIST_COLUMNS[k])
      else found[k] = i
    }
    if (missing.length)
      throw insightErrors.passListInvalid(
        `名单第一行缺少表头：${missing.join('、')}（应为 姓名、身份证号、考试年度、通过科目）`,
        {
          missing,
        },
      )
    return found
  }

  private checkRow(
    row: number,
    cell: (k: keyof typeof PASS_LIST_COLUMNS) => ExcelJS.CellValue | undefined,
    thisYear: number,
  ): GoodRow | { row: number; message: string } {
    const problems: string[] = []
    const name = cleanText(cellText(cell('name')))
    if ([...name].length < 2 || [...name].length > 30) problems.push('姓名应为 2 到 30 个字')
    const rawId = cell('idNumber')
    const idNumber = cleanText(cellText(rawId)).replace(/\s/g, '').toUpperCase()
    if (typeof rawId === 'number')
      problems.push('身份证号被 Excel 存成了数字，末几位已丢失，请将该列设为“文本”格式后重新填写')
    else if (!idNumber) problems.push('缺少身份证号')
    else if (!isValidIdNumber(idNumber))
      problems.push('身份证号码校验不通过，请核对最后一位（校验码）及出生日期')
    const yearText = cleanText(cellText(cell('examYear'))).replace(/年$/, '')
    const examYear = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN
    if (!(examYear >= 2000 && examYear <= thisYear))
      problems.push(`考试年度应为 2000 至 ${thisYear} 之间的年份，如 ${thisYear}`)
    const names = cleanText(cellText(cell('subjects')))
      .split(/[、,，;；\s]+/)
      .filter(Boolean)
    const unknown = names.filter((n) => !SUBJECT_BY_LABEL.has(n))
    if (!names.length) problems.push('缺少通过科目')
    else if (unknown.length)
      problems.push(
        `无法识别的科目：${unknown.join('、')}（应为 ${Object.values(EXAM_SUBJECT_LABELS).join('、')}，以顿号分隔）`,
      )
    if (problems.length) return { row, message: problems.join('；') }
    return {
      row,
      name,
      idNumber,
      idBlind: this.core.idBlind(idNumber),
      examYear,
      subjects: [...new Set(names.map((n) => SUBJECT_BY_LABEL.get(n)!))],
    }
  }

  /**
   * Invites the people already known by ID number (a saved identity or a claim of theirs), when the name
   * on the list is theirs too; answers how many entries found someone.
   */
  private async inviteKnown(inserted: { entry: PassEntryDoc; row: GoodRow }[]) {
    let matched = 0
    for (let i = 0; i < inserted.length; i += 500) {
      const chunk = inserted.slice(i, i + 500)
      const blinds = chunk.map((c) => c.entry.idBlind)
      const [identities, claims] = await Promise.all([
        ClaimIdentityModel.find({ idBlind: { $in: blinds } }, { userId: 1, idBlind: 1, nameEnc: 1 }).lean<
          IdentityDoc[]
        >(),
        ClaimModel.find(
          { 'applicant.idBlind': { $in: blinds } },
          { userId: 1, 'applicant.idBlind': 1, 'applicant.name': 1 },
        ).lean<Pick<ClaimDoc, 'userId' | 'applicant'>[]>(),
      ])
      const known = new Map<string, { userId: Types.ObjectId; name: string }[]>()
      const add = (blind: string, userId: Types.ObjectId, name: string) =>
        known.set(blind, [...(known.get(blind) ?? []), { userId, name }])
      for (const p of identities) add(p.idBlind, p.userId, this.d.cipher.decrypt(p.nameEnc))
      for (const c of claims) add(c.applicant.idBlind, c.userId, c.applicant.name)
      for (const { entry, row } of chunk) {
        const users = new Map<string, Types.ObjectId>()
        for (const k of known.get(entry.idBlind) ?? [])
          if (sameName(k.name, row.name)) users.set(k.userId.toHexString(), k.userId)
        if (!users.size) continue
        matched++
        await this.invite(entry, [...users.values()])
      }
    }
    return matched
  }

  /** Invitations for an entry to these users (one each, however often matched), each user told once. */
  private async invite(
    entry: Pick<PassEntryDoc, '_id' | 'examYear' | 'idBlind' | 'subjects'>,
    users: Types.ObjectId[],
  ) {
    const fresh: { _id: Types.ObjectId; userId: Types.ObjectId }[] = []
    for (const userId of users) {
      try {
        const res = await ClaimInvitationModel.updateOne(
          { entryId: entry._id, userId },
          {
            $setOnInsert: {
              examYear: entry.examYear,
              idBlind: entry.idBlind,
              status: 'open',
              claimId: null,
              acceptedAt: null,
            },
          },
          { upsert: true },
        )
        if (res.upsertedId) fresh.push({ _id: res.upsertedId as Types.ObjectId, userId })
      } catch (e) {
        if (!isDuplicateKey(e)) throw e // a concurrent match made it
      }
    }
    await ClaimPassEntryModel.updateOne(
      { _id: entry._id, status: 'waiting' },
      { $set: { status: 'invited' } },
    )
    if (!fresh.length) return
    const subjects = entry.subjects.map((s) => EXAM_SUBJECT_LABELS[s]).join('、')
    await this.d.notifications.notify(
      'claim.status',
      fresh.map((inv) => ({
        memberId: inv.userId.toHexString(),
        key: `claim-invitation:${inv._id.toHexString()}`,
        vars: {
          claim: CLAIM_TYPE_LABELS.exam_fee,
          status: '可申领',
          at: new Date().toISOString(),
          note: '免申即享，确认收款账户即可',
        },
        inbox: {
          title: '免申即享：报名费资助可直接申领',
          summary: `您已通过 ${entry.examYear} 年专利代理师资格考试（${subjects}），无需上传材料，确认收款账户即可申领报名费资助`,
          content: { kind: 'claim_invitation' as const, id: inv._id.toHexString() },
        },
      })),
    )
  }

  /**
   * A person entered their ID number (saved their identity, or submitted a claim): their pass entries not
   * yet claimed become invitations to this user, when the name matches the list's.
   */
  async matchPerson(userId: Types.ObjectId, idBlind: string, name: string) {
    const entries = await ClaimPassEntryModel.find({ idBlind, status: { $in: ['waiting', 'invited'] } }).lean<
      PassEntryDoc[]
    >()
    for (const entry of entries)
      if (sameName(this.d.cipher.decrypt(entry.nameEnc), name)) await this.invite(entry, [userId])
  }

  async passLists(q: { page: number; pageSize: number }) {
    const { docs, ...page } = await findPage<PassListDoc>(ClaimPassListModel, {}, q, { createdAt: -1 })
    const waiting = await ClaimPassEntryModel.aggregate<{ _id: Types.ObjectId; n: number }>([
      { $match: { listId: { $in: docs.map((d) => d._id) }, status: 'waiting' } },
      { $group: { _id: '$listId', n: { $sum: 1 } } },
    ])
    const now = new Map(waiting.map((w) => [w._id.toHexString(), w.n]))
    return { ...page, items: docs.map((d) => this.presentPassList(d, now.get(d._id.toHexString()) ?? 0)) }
  }

  private presentPassList(d: PassListDoc, waitingNow: number): PassListOutput {
    return {
      id: d._id.toHexString(),
      fileName: d.fileName,
      rows: d.rows,
      imported: d.imported,
      duplicates: d.duplicates,
      matched: d.matched,
      waiting: d.waiting,
      waitingNow,
      invalid: d.invalid.map((i) => ({ row: i.row, message: i.message })),
      by: { id: d.by.id.toHexString(), name: d.by.name },
      createdAt: iso(d.createdAt),
    }
  }

  // ── 免申即享: the mini-program ──────────────────────────────────────────────────────────────────────

  /** Saves (or replaces) the user's identity and matches their waiting pass entries. */
  async saveIdentity(
    user: MpPrincipal,
    input: z.output<typeof ClaimIdentityIn>,
  ): Promise<ClaimIdentityOutput> {
    const userId = oid(user.id)
    const idBlind = this.core.idBlind(input.idNumber)
    const fields = {
      nameEnc: this.d.cipher.encrypt(input.name),
      idEnc: this.d.cipher.encrypt(input.idNumber),
      idBlind,
      idMasked: mask.idNumber(input.idNumber),
    }
    let doc: IdentityDoc | null = null
    for (let attempt = 0; !doc; attempt++) {
      try {
        doc = await ClaimIdentityModel.findOneAndUpdate(
          { userId },
          { $set: fields },
          { upsert: true, new: true },
        ).lean<IdentityDoc>()
      } catch (e) {
        if (!isDuplicateKey(e) || attempt > 0) throw e // two saves at once: the second updates the first's
      }
    }
    // Invitations made for another ID number this user entered before no longer apply to them.
    await ClaimInvitationModel.updateMany(
      { userId, status: 'open', idBlind: { $ne: idBlind } },
      { $set: { status: 'closed' } },
    )
    await this.matchPerson(userId, idBlind, input.name)
    return this.presentIdentity(doc, input.name)
  }

  async identity(user: MpPrincipal) {
    const doc = await ClaimIdentityModel.findOne({ userId: oid(user.id) }).lean<IdentityDoc>()
    return { identity: doc ? await this.presentIdentity(doc, this.d.cipher.decrypt(doc.nameEnc)) : null }
  }

  private async presentIdentity(doc: IdentityDoc, name: string): Promise<ClaimIdentityOutput> {
    return {
      name,
      idNumber: doc.idMasked,
      openInvitations: await ClaimInvitationModel.countDocuments({ userId: doc.userId, status: 'open' }),
      updatedAt: iso(doc.updatedAt),
    }
  }

  /** The open exam-fee policy, or null while none is open. */
  private async openExamPolicy(): Promise<PolicyDoc | null> {
    const today = beijingDate()
    const candidates = await ClaimPolicyModel.find({ enabled: true, type: 'exam_fee' }).lean<PolicyDoc[]>()
    return candidates.find((p) => policyState(p, today) === 'open') ?? null
  }

  /** The pre-filled receipts of an entry: each subject passed, at the policy's fee. */
  private receiptsOf(entry: Pick<PassEntryDoc, 'subjects' | 'examYear'>, p: PolicyDoc | null) {
    return entry.subjects.map((subject) => ({
      subject,
      examYear: entry.examYear,
      amountFen: (p && feeOf(p, subject)) ?? 0,
    }))
  }

  async invitations(user: MpPrincipal): Promise<{ items: InvitationOutput[] }> {
    const invs = await ClaimInvitationModel.find({ userId: oid(user.id) })
      .sort({ createdAt: -1 })
      .limit(50)
      .lean<InvitationDoc[]>()
    const [entries, p] = await Promise.all([
      ClaimPassEntryModel.find({ _id: { $in: invs.map((i) => i.entryId) } }).lean<PassEntryDoc[]>(),
      this.openExamPolicy(),
    ])
    const byId = new Map(entries.map((e) => [e._id.toHexString(), e]))
    return {
      items: invs.flatMap((inv) => {
        const e = byId.get(inv.entryId.toHexString())
        if (!e) return []
        const receipts = this.receiptsOf(e, p)
        return [
          {
            id: inv._id.toHexString(),
            status: inv.status,
            statusLabel: INVITATION_STATUS_LABELS[inv.status],
            applicant: {
              name: this.d.cipher.decrypt(e.nameEnc),
              idNumber: mask.idNumber(this.d.cipher.decrypt(e.idEnc)),
            },
            examYear: e.examYear,
            receipts,
            amountFen: receipts.reduce((a, r) => a + r.amountFen, 0),
            policy: p ? { id: p._id.toHexString(), title: p.title, pledgeText: p.pledgeText } : null,
            claimId: inv.claimId ? inv.claimId.toHexString() : null,
            createdAt: iso(inv.createdAt),
          },
        ]
      }),
    }
  }

  /**
   * Accepting an invitation makes the exam-fee claim the pass list proves: applicant and receipts from the
   * list, the fee table of the open policy, no receipt files. One accept wins (INVITATION_STATE after); a
   * live claim of the person for that year already is CLAIM_DUPLICATE and leaves the invitation open.
   */
  async accept(user: MpPrincipal, id: string, input: z.output<typeof InvitationAccept>) {
    const userId = oid(user.id)
    const inv = await ClaimInvitationModel.findOne({ _id: oid(id), userId }).lean<InvitationDoc>()
    if (!inv) throw insightErrors.invitationNotFound()
    if (inv.status !== 'open') throw insightErrors.invitationState(inv.status)
    const p = await this.core.openPolicy('exam_fee')
    if (!p.residency.includes(input.residency))
      throw claimErrors.residency(p.residency.map((r) => RESIDENCY_LABELS[r]).join('、'))
    const entry = await ClaimPassEntryModel.findById(inv.entryId).lean<PassEntryDoc>()
    if (!entry) throw insightErrors.invitationNotFound()
    const name = this.d.cipher.decrypt(entry.nameEnc)
    if (!sameName(input.bank.holderName, name) && !input.holderMismatchReason)
      throw claimErrors.holderMismatch()
    const receipts = this.receiptsOf(entry, p)

    const now = new Date()
    const taken = await ClaimInvitationModel.findOneAndUpdate(
      { _id: inv._id, userId, status: 'open' },
      { $set: { status: 'accepted', acceptedAt: now } },
      { new: true },
    ).lean<InvitationDoc>()
    if (!taken) {
      const current = await ClaimInvitationModel.findById(inv._id, { status: 1 }).lean<InvitationDoc>()
      throw insightErrors.invitationState(current?.status ?? 'accepted')
    }
    const applicant = this.core.sealApplicant({
      name,
      idNumber: this.d.cipher.decrypt(entry.idEnc),
      phone: input.phone,
    })
    let claim: ClaimDoc
    try {
      claim = await this.core.insertClaim({
        no: await this.core.nextNo(now),
        type: 'exam_fee',
        policyId: p._id,
        policyTitle: p.title,
        userId,
        status: 'submitted',
        live: true,
        dupKey: this.core.dupKeyOf('exam_fee', applicant.idBlind, entry.examYear),
        amountFen: receipts.reduce((a, r) => a + r.amountFen, 0),
        budgetYear: beijingYear(now),
        applicant,
        bank: this.core.sealBank(input.bank),
        holderMismatchReason: input.holderMismatchReason || null,
        districtCode: input.districtCode,
        residency: input.residency,
        examYear: entry.examYear,
        receipts: receipts.map((r) => ({ ...r, fileId: null })),
        certificateNo: null,
        servicePeriods: [],
        serviceMonths: null,
        materials: [],
        pledgeText: p.pledgeText,
        correction: null,
        reason: null,
        review: {
          accepted: null,
          acceptedAt: null,
          first: null,
          firstAt: null,
          second: null,
          secondAt: null,
        },
        noticeId: null,
        batchId: null,
        paidAt: null,
        source: 'pass_list',
        passEntryId: entry._id,
        idem: { key: null, hash: null },
        history: [
          this.core.entry(
            'submit',
            null,
            'submitted',
            actorOf(user),
            `免申即享：依据 ${entry.examYear} 年考试合格名单生成`,
            now,
          ),
        ],
        submittedAt: now,
      })
    } catch (e) {
      await ClaimInvitationModel.updateOne(
        { _id: inv._id, status: 'accepted', claimId: null },
        { $set: { status: 'open', acceptedAt: null } },
      )
      throw e
    }
    await Promise.all([
      ClaimInvitationModel.updateOne({ _id: inv._id }, { $set: { claimId: claim._id } }),
      ClaimInvitationModel.updateMany(
        { entryId: entry._id, _id: { $ne: inv._id }, status: 'open' },
        { $set: { status: 'closed' } },
      ),
      ClaimPassEntryModel.updateOne({ _id: entry._id }, { $set: { status: 'claimed' } }),
    ])
    await this.core.notifyApplicants([claim], '申请已收到，请留意审核进度')
    return this.core.mineDetail(user, claim._id.toHexString())
  }

  // ── Eligibility pre-check ───────────────────────────────────────────────────────────────────────────

  /**
   * "Can I claim, and how much?" from a few answers, by the rules a submission is checked against: the
   * open policy (window), the ties to the city it accepts, the fee table and the years a pass covers, merged
   * service months, and the one-claim rules for this account. Nothing is written.
   */
  async eligibility(user: MpPrincipal, q: z.output<typeof EligibilityIn>) {
    const today = beijingDate()
    const candidates = await ClaimPolicyModel.find({ enabled: true, type: q.type }).lean<PolicyDoc[]>()
    const p = candidates.find((c) => policyState(c, today) === 'open')
    if (!p)
      return {
        eligible: false,
        amountFen: 0,
        reasons: [claimErrors.windowClosed(CLAIM_TYPE_LABELS[q.type], candidates[0]?.window).message],
        policy: null,
      }
    const reasons: string[] = []
    if (!p.residency.includes(q.residency))
      reasons.push(
        `本政策适用于：${p.residency.map((r) => RESIDENCY_LABELS[r]).join('、')}；“${RESIDENCY_LABELS[q.residency]}”不在其中`,
      )
    let amountFen = 0
    const mine = { userId: oid(user.id), type: q.type, live: true }
    if (q.type === 'exam_fee' && p.rule.kind === 'fee_table') {
      const rule = p.rule
      if (q.passedAllSubjects === false)
        reasons.push('须通过专利代理师资格考试全部科目后申请（报名费在通过考试后全额资助）')
      const thisYear = beijingYear()
      if (q.examYear === undefined) reasons.push('请填写通过考试的年度')
      else if (q.examYear > thisYear) reasons.push(`通过考试的年度不能晚于 ${thisYear} 年`)
      else if (await ClaimModel.exists({ ...mine, examYear: q.examYear }))
        reasons.push(`您已有 ${q.examYear} 年度的报名费资助申请（每人每个考试年度限申请一次）`)
      if (q.receipts?.length) {
        const earliest = (q.examYear ?? thisYear) - rule.yearsBack + 1
        const latest = q.examYear ?? thisYear
        const seen = new Set<string>()
        for (const r of q.receipts) {
          const what = `${r.examYear} 年${EXAM_SUBJECT_LABELS[r.subject]}`
          const fee = feeOf(p, r.subject)
          if (r.examYear < earliest || r.examYear > latest)
            reasons.push(
              `${what}的缴费不在可资助的考试年度内（${earliest} 至 ${latest} 年，各科成绩有效期 ${rule.yearsBack} 年）`,
            )
          else if (seen.has(`${r.subject}:${r.examYear}`)) reasons.push(`${what}的缴费凭证重复填写`)
          else if (fee === undefined || r.amountFen > fee)
            reasons.push(`${what}的缴费金额 ${yuan(r.amountFen)} 超过报名费标准 ${yuan(fee ?? 0)}`)
          else amountFen += r.amountFen
          seen.add(`${r.subject}:${r.examYear}`)
        }
      } else {
        // No receipts yet: at most the fee table, one sitting per subject.
        amountFen = rule.fees.reduce((a, f) => a + f.feeFen, 0)
      }
    } else if (q.type === 'agent_reward' && p.rule.kind === 'fixed') {
      if (q.hasCertificate === false) reasons.push('须持有专利代理师资格证')
      if (!q.servicePeriods?.length)
        reasons.push('请填写在本市专利代理机构或企事业单位的服务经历（起止年月）')
      else {
        const months = mergedMonths(q.servicePeriods)
        if (months < p.rule.minServiceMonths)
          reasons.push(
            `合并重叠期间后累计服务 ${months} 个月，未达到 ${p.rule.minServiceMonths} 个月（含）的要求`,
          )
      }
      if (await ClaimModel.exists(mine)) reasons.push('您已申请过专利代理师服务奖励（每人限享受一次）')
      amountFen = p.rule.amountFen
    }
    const eligible = reasons.length === 0
    return {
      eligible,
      amountFen: eligible ? amountFen : 0,
      reasons,
      policy: { id: p._id.toHexString(), title: p.title },
    }
  }

  // ── Statistics ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * One year's claims (by budget year: the Beijing year of submission) counted and summed by type, status,
   * Beijing month and district, and each policy's budget for the year. One aggregation, four facets.
   */
  async stats(year = beijingYear()): Promise<ClaimStatsOutput> {
    const figures = {
      count: { $sum: 1 },
      amountFen: { $sum: '$amountFen' },
      paidFen: { $sum: { $cond: [{ $eq: ['$status', 'paid'] }, '$amountFen', 0] } },
    }
    type Row<K> = { _id: K; count: number; amountFen: number; paidFen: number }
    const [facets] = await ClaimModel.aggregate<{
      totals: Row<null>[]
      byType: Row<ClaimTypeOutput>[]
      byStatus: Row<ClaimStatusOutput>[]
      byMonth: Row<number>[]
      byDistrict: Row<string | null>[]
    }>([
      { $match: { budgetYear: year } },
      { $project: { type: 1, status: 1, amountFen: 1, districtCode: 1, submittedAt: 1 } },
      {
        $facet: {
          totals: [{ $group: { _id: null, ...figures } }],
          byType: [{ $group: { _id: '$type', ...figures } }],
          byStatus: [{ $group: { _id: '$status', ...figures } }],
          byMonth: [
            { $group: { _id: { $month: { date: '$submittedAt', timezone: '+08:00' } }, ...figures } },
          ],
          byDistrict: [{ $group: { _id: '$districtCode', ...figures } }, { $sort: { count: -1, _id: 1 } }],
        },
      },
    ])
    const pick = <K>(r: Row<K> | undefined) => ({
      count: r?.count ?? 0,
      amountFen: r?.amountFen ?? 0,
      paidFen: r?.paidFen ?? 0,
    })
    const typeRows = new Map(facets!.byType.map((r) => [r._id, r]))
    const statusRows = new Map(facets!.byStatus.map((r) => [r._id, r]))
    const monthRows = new Map(facets!.byMonth.map((r) => [r._id, r]))
    return {
      year,
      totals: pick(facets!.totals[0]),
      byType: ClaimType.options.map((type) => ({
        type,
        label: CLAIM_TYPE_LABELS[type],
        ...pick(typeRows.get(type)),
      })),
      byStatus: ClaimStatus.options.map((status) => ({
        status,
        label: CLAIM_STATUS_LABELS[status],
        ...pick(statusRows.get(status)),
      })),
      byMonth: Array.from({ length: 12 }, (_, i) => ({ month: i + 1, ...pick(monthRows.get(i + 1)) })),
      byDistrict: facets!.byDistrict.map((r) => ({
        districtCode: r._id ?? '',
        label: r._id ? regionLabel(r._id) : '未填写',
        ...pick(r),
      })),
      budgets: await this.budgets(year),
    }
  }

  /** Each policy in force during the year (or holding a budget for it), with that year's budget. */
  private async budgets(year: number) {
    const [policies, budgets] = await Promise.all([
      ClaimPolicyModel.find().sort({ type: 1, createdAt: 1 }).lean<PolicyDoc[]>(),
      ClaimBudgetModel.find({ year }).lean<BudgetDoc[]>(),
    ])
    const byPolicy = new Map(budgets.map((b) => [b.policyId.toHexString(), b]))
    return policies
      .filter(
        (p) =>
          byPolicy.has(p._id.toHexString()) ||
          (p.validity.from <= `${year}-12-31` && p.validity.to >= `${year}-01-01`),
      )
      .map((p) => {
        // A year nobody approved in yet has no budget record: its budget is the policy's, untouched.
        const b = byPolicy.get(p._id.toHexString())
        return {
          policyId: p._id.toHexString(),
          title: p.title,
          type: p.type,
          budgetFen: b?.budgetFen ?? p.yearlyBudgetFen,
          committedFen: b?.committedFen ?? 0,
          paidFen: b?.paidFen ?? 0,
          remainingFen: b?.remainingFen ?? p.yearlyBudgetFen,
        }
      })
  }

  // ── Export ──────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Every claim the list's filters select, as a streamed workbook: a cursor reads them in batches and each
   * row is committed as it is written, so neither the claims nor the workbook are ever held whole. Chinese
   * headers, Beijing times, ID numbers masked.
   */
  exportClaims(q: z.output<typeof ClaimExportQuery>): { stream: Readable; fileName: string } {
    const dir = q.sort.startsWith('-') ? -1 : 1
    const sort = { [q.sort.replace('-', '')]: dir, _id: dir } as const
    const filter = this.core.listFilter({ ...q, page: 1, pageSize: 1 })
    const rows = ClaimModel.find(filter, {
      no: 1,
      type: 1,
      status: 1,
      'applicant.name': 1,
      'applicant.idMasked': 1,
      districtCode: 1,
      amountFen: 1,
      examYear: 1,
      source: 1,
      policyTitle: 1,
      submittedAt: 1,
      paidAt: 1,
    })
      .sort(sort)
      .lean<ClaimDoc>()
      .cursor({ batchSize: EXPORT_BATCH })
    const stream = streamWorkbook(
      [
        {
          name: '资助申请',
          columns: [
            { header: '申请编号', key: 'no', width: 16 },
            { header: '类型', key: 'type', width: 30 },
            { header: '状态', key: 'status', width: 10 },
            { header: '申请人', key: 'name', width: 10 },
            { header: '身份证号', key: 'idNumber', width: 22 },
            { header: '所在区县', key: 'district', width: 30 },
            { header: '金额（元）', key: 'amount', width: 12, style: { numFmt: '#,##0.00' } },
            { header: '考试年度', key: 'examYear', width: 10 },
            { header: '来源', key: 'source', width: 10 },
            { header: '资助政策', key: 'policy', width: 30 },
            { header: '提交时间', key: 'submittedAt', width: 18 },
            { header: '发放时间', key: 'paidAt', width: 18 },
          ],
          rows,
          row: (c: ClaimDoc) => ({
            no: c.no,
            type: CLAIM_TYPE_LABELS[c.type],
            status: CLAIM_STATUS_LABELS[c.status],
            name: c.applicant.name,
            idNumber: c.applicant.idMasked,
            district: c.districtCode ? regionLabel(c.districtCode) : '',
            amount: c.amountFen / 100,
            examYear: c.examYear ?? '',
            source: c.source === 'pass_list' ? '免申即享' : '个人申请',
            policy: c.policyTitle,
            submittedAt: beijingDateTime(c.submittedAt),
            paidAt: c.paidAt ? beijingDateTime(c.paidAt) : '',
          }),
        },
      ],
      { log: this.d.log, what: 'claims' },
    )
    return { stream, fileName: `资助申请-${beijingDate().replaceAll('-', '')}.xlsx` }
  }
}
