import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { RegionCode } from '../taxonomy/taxonomy.contract.js'
import {
  BankAccount,
  ClaimListQuery,
  ClaimOut,
  ClaimStatus,
  ClaimType,
  ExamSubject,
  ExamYear,
  Fen,
  IdNumber,
  Month,
  Phone,
  Residency,
} from './claims.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// 免申即享 (the exam's pass list turned into invitations), the eligibility pre-check, statistics and the
// Excel export of claims. Money is integer fen; months and years are Beijing's.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

// ── 免申即享: pass lists ─────────────────────────────────────────────────────────────────────────────

/** The columns a pass list must carry, as the bureau's spreadsheet heads them. */
export const PASS_LIST_COLUMNS = {
  name: '姓名',
  idNumber: '身份证号',
  examYear: '考试年度',
  subjects: '通过科目',
} as const

export const PassListImport = z.strictObject({
  /** an upload of purpose `claim-import` (POST /admin/v1/files?purpose=claim-import) */
  fileId: ObjectIdString.meta({ label: '考试合格名单文件' }),
})

export const PassListRowIssue = z.object({
  /** the spreadsheet's row number, as Excel shows it (the header is row 1) */
  row: z.number().int(),
  message: z.string(),
})

export const PassListOut = z.object({
  id: z.string(),
  fileName: z.string(),
  /** data rows read (blank rows not counted) */
  rows: z.number().int(),
  /** new pass entries stored */
  imported: z.number().int(),
  /** rows whose person and exam year were already on a list (this one or an earlier import) */
  duplicates: z.number().int(),
  /** imported people already known by ID number: invited at once */
  matched: z.number().int(),
  /** imported people not known yet: invited the day they first enter their ID number */
  waiting: z.number().int(),
  /** of this import's entries, how many still wait today */
  waitingNow: z.number().int(),
  /** the rows refused, with why (at most the first 1,000; rows − imported − duplicates is their number) */
  invalid: z.array(PassListRowIssue),
  by: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.iso.datetime(),
})
export type PassListOutput = z.output<typeof PassListOut>
export const PassListPage = pageOf(PassListOut)

// ── 免申即享: the applicant's identity and invitations ─────────────────────────────────────────────────

/** `PUT /mp/v1/claim-identity`: who the mini-program user is, so a pass list can find them. */
export const ClaimIdentityIn = z.strictObject({
  name: text({ label: '姓名', min: 2, max: 30 }),
  idNumber: IdNumber,
})

export const ClaimIdentityOut = z.object({
  name: z.string(),
  /** masked: 440***********1234 */
  idNumber: z.string(),
  /** open invitations after saving (pass entries matched now included) */
  openInvitations: z.number().int(),
  updatedAt: z.iso.datetime(),
})
export type ClaimIdentityOutput = z.output<typeof ClaimIdentityOut>
export const ClaimIdentityMine = z.object({ identity: ClaimIdentityOut.nullable() })

export const InvitationStatus = z.enum(['open', 'accepted', 'closed'])
export const INVITATION_STATUS_LABELS: Record<z.output<typeof InvitationStatus>, string> = {
  open: '待确认',
  accepted: '已申领',
  /** claimed through another account of the person, or this user saved another ID number since */
  closed: '已失效',
}

export const InvitationOut = z.object({
  id: z.string(),
  status: InvitationStatus,
  statusLabel: z.string(),
  /** the pre-filled claim: from the pass list, at the open policy's fee table */
  applicant: z.object({ name: z.string(), idNumber: z.string() }),
  examYear: z.number().int(),
  receipts: z.array(
    z.object({ subject: ExamSubject, examYear: z.number().int(), amountFen: z.number().int() }),
  ),
  amountFen: z.number().int(),
  /** the open exam-fee policy it would be claimed under; null while none is open */
  policy: z.object({ id: z.string(), title: z.string(), pledgeText: z.string() }).nullable(),
  /** the claim made when it was accepted */
  claimId: z.string().nullable(),
  createdAt: z.iso.datetime(),
})
export type InvitationOutput = z.output<typeof InvitationOut>
export const InvitationList = z.object({ items: z.array(InvitationOut) })

/** What the applicant adds to a pre-filled claim: how to reach them, where the money goes, the pledge. */
export const InvitationAccept = z.strictObject({
  phone: Phone,
  bank: BankAccount,
  holderMismatchReason: text({ label: '开户名与申请人不一致的说明', max: 200, min: 0 }).optional(),
  districtCode: RegionCode.meta({ label: '所在区县' }),
  residency: Residency,
  pledge: z.literal(true, { error: '请阅读并确认告知承诺书' }).meta({ label: '告知承诺' }),
})

// ── Eligibility pre-check ───────────────────────────────────────────────────────────────────────────

const PeriodGuess = z
  .strictObject({
    from: Month.meta({ label: '起始年月' }),
    to: Month.meta({ label: '截止年月' }),
  })
  .refine((p) => p.from <= p.to, { message: '截止年月不能早于起始年月', path: ['to'] })
  .meta({ label: '服务经历' })

/** A few questions; nothing is stored. */
export const EligibilityIn = z.strictObject({
  type: ClaimType,
  residency: Residency,
  /** exam_fee: the year the last subject was passed */
  examYear: ExamYear.meta({ label: '通过考试的年度' }).optional(),
  passedAllSubjects: z.boolean().meta({ label: '是否已通过全部科目' }).optional(),
  receipts: z
    .array(
      z
        .strictObject({
          subject: ExamSubject,
          examYear: ExamYear,
          amountFen: Fen.meta({ label: '缴费金额（分）' }),
        })
        .meta({ label: '缴费凭证' }),
    )
    .max(9)
    .meta({ label: '缴费凭证' })
    .optional(),
  servicePeriods: z.array(PeriodGuess).max(20).meta({ label: '服务经历' }).optional(),
  hasCertificate: z.boolean().meta({ label: '是否持有专利代理师资格证' }).optional(),
})
export type EligibilityInput = z.input<typeof EligibilityIn>

export const EligibilityOut = z.object({
  eligible: z.boolean(),
  /** what the claim would be worth; 0 when not eligible */
  amountFen: z.number().int(),
  /** why not, in words (empty when eligible) */
  reasons: z.array(z.string()),
  policy: z.object({ id: z.string(), title: z.string() }).nullable(),
})

// ── Statistics ──────────────────────────────────────────────────────────────────────────────────────

export const StatsQuery = z.object({
  /** the budget year (year of submission, Beijing time); default this year */
  year: z.coerce.number().int().min(2000).max(2100).meta({ label: '年度' }).optional(),
})

/** Claims counted, the sum they ask for, and the part of it paid. */
const Figures = { count: z.number().int(), amountFen: z.number().int(), paidFen: z.number().int() }

export const ClaimStatsOut = z.object({
  year: z.number().int(),
  totals: z.object(Figures),
  byType: z.array(z.object({ type: ClaimType, label: z.string(), ...Figures })),
  byStatus: z.array(z.object({ status: ClaimStatus, label: z.string(), ...Figures })),
  /** twelve months, by the Beijing month of submission */
  byMonth: z.array(z.object({ month: z.number().int(), ...Figures })),
  /** by the applicant's district, most claims first */
  byDistrict: z.array(z.object({ districtCode: z.string(), label: z.string(), ...Figures })),
  /** each policy's budget for the year */
  budgets: z.array(
    z.object({
      policyId: z.string(),
      title: z.string(),
      type: ClaimType,
      budgetFen: z.number().int(),
      committedFen: z.number().int(),
      paidFen: z.number().int(),
      remainingFen: z.number().int(),
    }),
  ),
})
export type ClaimStatsOutput = z.output<typeof ClaimStatsOut>

/** The list's filters and order, without paging: the export holds every claim they select. */
export const ClaimExportQuery = ClaimListQuery.omit({ page: true, pageSize: true })
export type ClaimExportQueryInput = z.input<typeof ClaimExportQuery>

/** 免申即享, the pre-check, statistics and the export. Stats and export sit beside /admin/v1/claims/:id. */
export const ClaimInsightEndpoints = endpoints({
  // console
  passListImport: {
    method: 'post',
    path: '/admin/v1/claim-pass-lists',
    body: PassListImport,
    response: PassListOut,
    status: 201,
    summary: '导入考试合格名单（免申即享）：已知人员即时邀请，其余待本人登记身份证号时匹配',
  },
  passLists: {
    method: 'get',
    path: '/admin/v1/claim-pass-lists',
    query: PageQuery,
    response: PassListPage,
    summary: '考试合格名单导入记录，含匹配与待匹配人数',
  },
  statsYear: {
    method: 'get',
    path: '/admin/v1/claims/stats',
    query: StatsQuery,
    response: ClaimStatsOut,
    summary: '资助申请统计：按类型、状态、月份、区县，及各政策年度预算执行情况',
  },
  exportClaims: {
    method: 'get',
    path: '/admin/v1/claims/export',
    query: ClaimExportQuery,
    response: 'file',
    summary: '按列表筛选条件导出资助申请（Excel，身份证号脱敏）',
  },
  // mini-program
  invitationIdentity: {
    method: 'put',
    path: '/mp/v1/claim-identity',
    body: ClaimIdentityIn,
    response: ClaimIdentityOut,
    summary: '登记本人姓名与身份证号，用于匹配考试合格名单（免申即享）',
  },
  invitationIdentityMine: {
    method: 'get',
    path: '/mp/v1/claim-identity',
    response: ClaimIdentityMine,
    summary: '已登记的本人身份信息（脱敏）',
  },
  invitations: {
    method: 'get',
    path: '/mp/v1/claim-invitations',
    response: InvitationList,
    summary: '免申即享邀请：已预填的报名费资助申请',
  },
  invitationAccept: {
    method: 'post',
    path: '/mp/v1/claim-invitations/:id/accept',
    params: IdParams,
    body: InvitationAccept,
    response: ClaimOut,
    status: 201,
    summary: '确认免申即享邀请：补充手机号、收款账户并确认承诺后提交申请',
  },
  eligibility: {
    method: 'post',
    path: '/mp/v1/claim-eligibility',
    body: EligibilityIn,
    response: EligibilityOut,
    summary: '申请前自测：能否申请、可获多少资助，不能申请时说明原因',
  },
})
