import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { CreditCode } from '../enterprises/enterprises.contract.js'
import { machine } from '../machine.contract.js'
import { RegionCode } from '../taxonomy/taxonomy.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// Claims: the patent-agent exam-fee reimbursement (exam_fee) and the certified-agent reward
// (agent_reward), from application to money in the bank. Policies are data (claim_policies); money is
// integer fen everywhere; dates a person picks (windows, validity) are Beijing calendar dates YYYY-MM-DD.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

// ── Identity checks ─────────────────────────────────────────────────────────────────────────────────

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** GB 11643-1999 citizen identity number: 18 characters, the last a mod-11 check character (0–9 or X). */
export function isValidIdNumber(id: string): boolean {
  if (!/^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$/.test(id)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!
  return ID_CHECK[sum % 11] === id[17]
}

export const IdNumber = z
  .string()
  .trim()
  .toUpperCase()
  .length(18, { abort: true })
  .refine(isValidIdNumber, '身份证号码校验不通过，请核对最后一位（校验码）及出生日期')
  .meta({ label: '身份证号码' })

export const Phone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, '请填写 11 位手机号')
  .meta({ label: '手机号' })

/** Money: integer fen, never a float; 1 元 = 100 分. */
export const Fen = z.number().int().min(0).max(100_000_000_00).meta({ label: '金额（分）' })

/** A Beijing calendar date. */
export const DateOnly = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, '请填写日期，格式如 2026-01-31')
  .meta({ label: '日期' })

/** A calendar month, as social-insurance and employment records count service: YYYY-MM. */
export const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '请填写年月，格式如 2024-03')
  .meta({ label: '年月' })

export const ExamYear = z.number().int().min(2000).max(2100).meta({ label: '考试年度' })

// ── Vocabulary ──────────────────────────────────────────────────────────────────────────────────────

export const ClaimType = z.enum(['exam_fee', 'agent_reward']).meta({ label: '申请类型' })
export type ClaimTypeOutput = z.output<typeof ClaimType>
export const CLAIM_TYPE_LABELS: Record<ClaimTypeOutput, string> = {
  exam_fee: '专利代理师资格考试报名费资助',
  agent_reward: '专利代理师服务奖励',
}

/** The three subjects of the patent-agent exam; a pass stays valid three years per subject. */
export const ExamSubject = z.enum(['patent_law', 'related_law', 'practice']).meta({ label: '考试科目' })
export type ExamSubjectOutput = z.output<typeof ExamSubject>
export const EXAM_SUBJECT_LABELS: Record<ExamSubjectOutput, string> = {
  patent_law: '专利法律知识',
  related_law: '相关法律知识',
  practice: '专利代理实务',
}

/** How the applicant is tied to the city: the policy says which ties count. */
export const Residency = z.enum(['work', 'business', 'study']).meta({ label: '在本市的身份' })
export type ResidencyOutput = z.output<typeof Residency>
export const RESIDENCY_LABELS: Record<ResidencyOutput, string> = {
  work: '在本市工作（缴纳社保）',
  business: '在本市创业（持营业执照）',
  study: '在本市就读',
}

export const MaterialKind = z
  .enum([
    'id_card',
    'exam_receipt',
    'pass_certificate',
    'social_insurance',
    'business_licence',
    'enrolment',
    'qualification_certificate',
    'service_proof',
    'bank_card',
    'other',
  ])
  .meta({ label: '材料类型' })
export type MaterialKindOutput = z.output<typeof MaterialKind>
export const MATERIAL_KIND_LABELS: Record<MaterialKindOutput, string> = {
  id_card: '身份证',
  exam_receipt: '报名费缴费凭证',
  pass_certificate: '考试合格证明',
  social_insurance: '本市社保缴纳证明',
  business_licence: '营业执照',
  enrolment: '在读证明',
  qualification_certificate: '专利代理师资格证',
  service_proof: '服务年限证明（劳动合同或社保记录）',
  bank_card: '银行卡',
  other: '其他材料',
}

// ── The lifecycle ───────────────────────────────────────────────────────────────────────────────────

export const ClaimStatus = z
  .enum([
    'submitted',
    'in_review',
    'returned',
    'approved',
    'rejected',
    'expired',
    'on_notice',
    'cleared',
    'in_payment',
    'paid',
    'payment_failed',
    'withdrawn',
  ])
  .meta({ label: '办理状态' })
export type ClaimStatusOutput = z.output<typeof ClaimStatus>
export const CLAIM_STATUS_LABELS: Record<ClaimStatusOutput, string> = {
  submitted: '已提交',
  in_review: '审核中',
  returned: '待补正',
  approved: '审核通过',
  rejected: '不予通过',
  expired: '补正超期',
  on_notice: '公示中',
  cleared: '公示期满',
  in_payment: '发放中',
  paid: '已发放',
  payment_failed: '发放失败',
  withdrawn: '已撤回',
}
/** States that end a claim without money: the person may apply again (the one-live-claim rule frees). */
export const CLOSED_STATUSES = ['rejected', 'expired', 'withdrawn'] as const satisfies ClaimStatusOutput[]

/**
 * A claim's lifecycle. Two-step approval (初审 then 复核) stays in `in_review`: `firstApprove` records the
 * first reviewer, `approve` needs a different one and commits the yearly budget. `object` (异议 during
 * 公示) sends a claim back to review and releases its budget. Moves without a permission are the
 * applicant's (resubmit, withdraw) or the system's (expire, clear).
 */
export const ClaimMachine = machine({
  what: '资助申请',
  states: CLAIM_STATUS_LABELS,
  moves: {
    accept: { from: ['submitted'], to: 'in_review', permission: 'claim.review', label: '受理' },
    firstApprove: { from: ['in_review'], to: 'in_review', permission: 'claim.review', label: '初审通过' },
    approve: { from: ['in_review'], to: 'approved', permission: 'claim.review', label: '复核通过' },
    reject: { from: ['in_review'], to: 'rejected', permission: 'claim.review', label: '不予通过' },
    return: { from: ['in_review'], to: 'returned', permission: 'claim.review', label: '退回补正' },
    resubmit: { from: ['returned'], to: 'submitted', label: '补正后重新提交' },
    expire: { from: ['returned'], to: 'expired', label: '补正超期' },
    withdraw: { from: ['submitted', 'returned'], to: 'withdrawn', label: '撤回申请' },
    publish: { from: ['approved'], to: 'on_notice', permission: 'claim.review', label: '列入公示' },
    object: { from: ['on_notice'], to: 'in_review', permission: 'claim.review', label: '公示异议' },
    clear: { from: ['on_notice'], to: 'cleared', label: '公示期满' },
    batch: {
      from: ['cleared', 'payment_failed'],
      to: 'in_payment',
      permission: 'claim.pay',
      label: '加入发放批次',
    },
    pay: { from: ['in_payment'], to: 'paid', permission: 'claim.pay', label: '发放成功' },
    fail: { from: ['in_payment'], to: 'payment_failed', permission: 'claim.pay', label: '发放失败' },
  },
})
export type ClaimMove = keyof typeof ClaimMachine.moves

// ── Policies (data, not code) ───────────────────────────────────────────────────────────────────────

const DateRange = (label: string) =>
  z
    .strictObject({
      from: DateOnly.meta({ label: `${label}开始日期` }),
      to: DateOnly.meta({ label: `${label}结束日期` }),
    })
    .refine((r) => r.from <= r.to, { message: `${label}的结束日期不能早于开始日期`, path: ['to'] })
    .meta({ label })

export const PolicyMaterial = z
  .strictObject({
    kind: MaterialKind,
    name: text({ label: '材料名称', max: 50 }),
    required: z.boolean().meta({ label: '是否必需' }),
    /** what the applicant reads beside the upload button */
    hint: text({ label: '材料说明', max: 200, min: 0 }).optional(),
  })
  .meta({ label: '申请材料' })

export const FeeRow = z
  .strictObject({ subject: ExamSubject, feeFen: Fen.meta({ label: '每科报名费（分）' }) })
  .meta({ label: '报名费标准' })

/** How much a claim is worth: exam_fee sums receipts checked against the fee table; agent_reward is fixed. */
export const AmountRule = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('fee_table').meta({ label: '金额计算方式' }),
      fees: z.array(FeeRow).min(1).max(3).meta({ label: '各科报名费标准' }),
      /** how many exam years of receipts one pass may gather (the pass of a subject lasts three years) */
      yearsBack: z.number().int().min(1).max(5).meta({ label: '可追溯考试年度数' }).default(3),
    }),
    z.strictObject({
      kind: z.literal('fixed').meta({ label: '金额计算方式' }),
      amountFen: Fen.meta({ label: '奖励金额（分）' }),
      minServiceMonths: z.number().int().min(1).max(600).meta({ label: '最低服务月数' }),
    }),
  ])
  .meta({ label: '金额计算方式' })
export type AmountRuleOutput = z.output<typeof AmountRule>

export const PolicyBasis = z
  .strictObject({
    documentNo: text({ label: '政策文号', max: 100 }),
    clause: text({ label: '条款原文', max: 1000, multiline: true }),
  })
  .meta({ label: '政策依据' })

export const PolicyInput = z
  .strictObject({
    type: ClaimType,
    title: text({ label: '政策名称', max: 100 }),
    basis: PolicyBasis,
    window: DateRange('申请期'),
    validity: DateRange('政策有效期'),
    yearlyBudgetFen: Fen.meta({ label: '年度预算（分）' }),
    rule: AmountRule,
    /** which ties to the city make a person eligible */
    residency: z.array(Residency).min(1).max(3).meta({ label: '可申请人员' }),
    materials: z.array(PolicyMaterial).max(20).meta({ label: '申请材料' }),
    /** 告知承诺: the text the applicant confirms, stored with each claim */
    pledgeText: text({ label: '告知承诺书', max: 2000, multiline: true }),
    /** the eligibility in words, for the mini-program */
    eligibility: text({ label: '申请条件说明', max: 2000, multiline: true }),
    enabled: z.boolean().meta({ label: '是否启用' }).default(true),
  })
  .refine((p) => (p.type === 'exam_fee') === (p.rule.kind === 'fee_table'), {
    message: '报名费资助按各科报名费标准计算，服务奖励按固定金额计算，请选择与类型相符的计算方式',
    path: ['rule', 'kind'],
  })
export type PolicyInputOutput = z.output<typeof PolicyInput>
export type PolicyInputInput = z.input<typeof PolicyInput>

/** Where a policy stands today (Beijing date). */
export const PolicyState = z.enum(['open', 'upcoming', 'window_closed', 'expired', 'disabled'])
export const POLICY_STATE_LABELS: Record<z.output<typeof PolicyState>, string> = {
  open: '受理中',
  upcoming: '未开始',
  window_closed: '申请期已结束',
  expired: '政策已失效',
  disabled: '已停用',
}

export const BudgetOut = z.object({
  year: z.number().int(),
  budgetFen: z.number().int(),
  /** approved (复核通过) and not released by an objection */
  committedFen: z.number().int(),
  remainingFen: z.number().int(),
  paidFen: z.number().int(),
})
export type BudgetOutput = z.output<typeof BudgetOut>

export const PolicyOut = z.object({
  id: z.string(),
  type: ClaimType,
  title: z.string(),
  basis: z.object({ documentNo: z.string(), clause: z.string() }),
  window: z.object({ from: z.string(), to: z.string() }),
  validity: z.object({ from: z.string(), to: z.string() }),
  yearlyBudgetFen: z.number().int(),
  rule: AmountRule,
  residency: z.array(Residency),
  materials: z.array(
    z.object({ kind: MaterialKind, name: z.string(), required: z.boolean(), hint: z.string().nullable() }),
  ),
  pledgeText: z.string(),
  eligibility: z.string(),
  enabled: z.boolean(),
  state: PolicyState,
  /** the rules in words: 每科报名费不超过 …, 服务满 24 个月（含）… */
  rules: z.array(z.string()),
  budget: BudgetOut,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type PolicyOutput = z.output<typeof PolicyOut>

/** `GET /mp/v1/claim-policies`: what an applicant needs to decide and apply. */
export const MpPolicyOut = PolicyOut.pick({
  id: true,
  type: true,
  title: true,
  basis: true,
  window: true,
  rule: true,
  residency: true,
  materials: true,
  pledgeText: true,
  eligibility: true,
  rules: true,
})
export type MpPolicyOutput = z.output<typeof MpPolicyOut>

// ── Applying ────────────────────────────────────────────────────────────────────────────────────────

export const Applicant = z
  .strictObject({
    name: text({ label: '申请人姓名', min: 2, max: 30 }),
    idNumber: IdNumber,
    phone: Phone,
  })
  .meta({ label: '申请人信息' })
export const BankAccount = z
  .strictObject({
    holderName: text({ label: '开户名', min: 2, max: 30 }),
    accountNo: z
      .string()
      .overwrite((v) => v.replace(/[\s-]/g, ''))
      .regex(/^\d{10,30}$/, '银行账号应为 10 到 30 位数字')
      .meta({ label: '银行账号' }),
    bankName: text({ label: '开户银行', min: 2, max: 60 }),
  })
  .meta({ label: '收款账户' })
export type BankAccountInput = z.input<typeof BankAccount>

const FileRef = ObjectIdString.meta({ label: '材料文件' })
export const ClaimMaterialIn = z
  .strictObject({ kind: MaterialKind, fileId: FileRef })
  .meta({ label: '申请材料' })

export const Receipt = z
  .strictObject({
    subject: ExamSubject,
    examYear: ExamYear,
    amountFen: Fen.meta({ label: '缴费金额（分）' }),
    fileId: FileRef.meta({ label: '缴费凭证' }),
  })
  .meta({ label: '缴费凭证' })
export const ServicePeriod = z
  .strictObject({
    employer: text({ label: '服务单位', min: 2, max: 100 }),
    creditCode: CreditCode.optional(),
    from: Month.meta({ label: '起始年月' }),
    to: Month.meta({ label: '截止年月' }),
  })
  .refine((p) => p.from <= p.to, { message: '截止年月不能早于起始年月', path: ['to'] })
  .meta({ label: '服务经历' })

const ClaimCommon = {
  /** the policy applied under; default: the one open policy of the type */
  policyId: ObjectIdString.meta({ label: '资助政策' }).optional(),
  applicant: Applicant,
  bank: BankAccount,
  /** required when the account holder is not the applicant: why the money goes to someone else */
  holderMismatchReason: text({ label: '开户名与申请人不一致的说明', max: 200, min: 0 }).optional(),
  districtCode: RegionCode.meta({ label: '所在区县' }),
  residency: Residency,
  pledge: z.literal(true, { error: '请阅读并确认告知承诺书' }).meta({ label: '告知承诺' }),
  materials: z.array(ClaimMaterialIn).max(30).meta({ label: '申请材料' }),
}
export const ExamFeeClaim = z.strictObject({
  type: z.literal('exam_fee').meta({ label: '申请类型' }),
  ...ClaimCommon,
  /** the year the last subject was passed: one claim per person per such year */
  examYear: ExamYear.meta({ label: '通过考试的年度' }),
  receipts: z.array(Receipt).min(1).max(9).meta({ label: '缴费凭证' }),
})
export const AgentRewardClaim = z.strictObject({
  type: z.literal('agent_reward').meta({ label: '申请类型' }),
  ...ClaimCommon,
  certificateNo: text({ label: '资格证书编号', min: 4, max: 40 }),
  servicePeriods: z.array(ServicePeriod).min(1).max(20).meta({ label: '服务经历' }),
})
export const ClaimSubmit = z
  .discriminatedUnion('type', [ExamFeeClaim, AgentRewardClaim])
  .meta({ label: '申请类型' })
export type ClaimSubmitInput = z.input<typeof ClaimSubmit>
export type ClaimSubmitOutput = z.output<typeof ClaimSubmit>

/** `PUT /mp/v1/claims/:id/bank`: after a failed payment, the account is fixed and the claim can be paid again. */
export const BankFix = z.strictObject({
  bank: BankAccount,
  holderMismatchReason: ClaimCommon.holderMismatchReason,
})

// ── What a claim looks like ─────────────────────────────────────────────────────────────────────────

export const FileBrief = z.object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number() })

export const CorrectionItem = z
  .strictObject({
    /** a field path (`bank.accountNo`, `receipts.1`, `materials.social_insurance`) */
    path: z.string().trim().min(1).max(80).meta({ label: '需补正的项目' }),
    comment: text({ label: '补正意见', max: 200 }),
  })
  .meta({ label: '需补正的项目' })
export const CorrectionOut = z.object({
  items: z.array(z.object({ path: z.string(), comment: z.string() })),
  reason: z.string(),
  /** the end of the last working day allowed (23:59:59 Beijing time) */
  deadline: z.iso.datetime(),
  workingDays: z.number().int(),
  /** working days left, today not counted; 0 on the last day */
  workingDaysLeft: z.number().int(),
})

export const HistoryEntry = z.object({
  at: z.iso.datetime(),
  action: z.string(),
  label: z.string(),
  from: ClaimStatus.nullable(),
  to: ClaimStatus,
  by: z.object({ kind: z.enum(['mp', 'admin', 'system']), name: z.string() }),
  note: z.string().nullable(),
})

export const ClaimOut = z.object({
  id: z.string(),
  /** the case number people quote: ZC2026000123 */
  no: z.string(),
  type: ClaimType,
  policy: z.object({ id: z.string(), title: z.string() }),
  status: ClaimStatus,
  amountFen: z.number().int(),
  applicant: z.object({ name: z.string(), idNumber: z.string(), phone: z.string() }),
  bank: z.object({ holderName: z.string(), accountNo: z.string(), bankName: z.string() }),
  holderMismatchReason: z.string().nullable(),
  districtCode: z.string(),
  residency: Residency,
  examYear: z.number().int().nullable(),
  receipts: z.array(
    z.object({
      subject: ExamSubject,
      examYear: z.number().int(),
      amountFen: z.number().int(),
      file: FileBrief.nullable(),
    }),
  ),
  certificateNo: z.string().nullable(),
  servicePeriods: z.array(
    z.object({ employer: z.string(), creditCode: z.string().nullable(), from: z.string(), to: z.string() }),
  ),
  /** merged service, overlaps counted once */
  serviceMonths: z.number().int().nullable(),
  materials: z.array(z.object({ kind: MaterialKind, file: FileBrief.nullable() })),
  pledgeText: z.string(),
  /** set while `returned`: what to fix, by when */
  correction: CorrectionOut.nullable(),
  /** the last decision's reason (rejection, objection, payment failure) */
  reason: z.string().nullable(),
  source: z.enum(['application', 'pass_list']),
  history: z.array(HistoryEntry),
  submittedAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type ClaimOutput = z.output<typeof ClaimOut>

/** The mini-program's list row. */
export const MpClaimItem = ClaimOut.pick({
  id: true,
  no: true,
  type: true,
  policy: true,
  status: true,
  amountFen: true,
  submittedAt: true,
  updatedAt: true,
}).extend({ correctionDeadline: z.iso.datetime().nullable() })
export type MpClaimItemOutput = z.output<typeof MpClaimItem>
export const MpClaimList = z.object({ items: z.array(MpClaimItem) })

export const ReviewStep = z.object({ by: z.string(), name: z.string(), at: z.iso.datetime() }).nullable()

/** The console's detail: PII in full only for pii.read holders (and that view is audited). */
export const AdminClaimOut = ClaimOut.extend({
  review: z.object({ accepted: ReviewStep, first: ReviewStep, second: ReviewStep }),
  /** the decisions this viewer may take now (four eyes: not `approve` after their own first step) */
  actions: z.array(z.enum(['accept', 'firstApprove', 'approve', 'reject', 'return', 'object'])),
  /** whether `applicant.idNumber`, `phone` and `bank.accountNo` are shown in full */
  piiRevealed: z.boolean(),
  /** things a reviewer should look at twice */
  warnings: z.array(z.string()),
  noticeId: z.string().nullable(),
  batchId: z.string().nullable(),
  budget: BudgetOut.nullable(),
})
export type AdminClaimOutput = z.output<typeof AdminClaimOut>

export const AdminClaimRow = ClaimOut.pick({
  id: true,
  no: true,
  type: true,
  status: true,
  amountFen: true,
  districtCode: true,
  examYear: true,
  submittedAt: true,
  updatedAt: true,
  source: true,
}).extend({
  applicantName: z.string(),
  idNumber: z.string(),
  policyTitle: z.string(),
  correctionDeadline: z.iso.datetime().nullable(),
  firstApproved: z.boolean(),
})
export type AdminClaimRowOutput = z.output<typeof AdminClaimRow>

export const ClaimListQuery = PageQuery.extend({
  status: ClaimStatus.optional(),
  type: ClaimType.optional(),
  /** the budget year (year of submission, Beijing time) */
  year: z.coerce.number().int().min(2000).max(2100).meta({ label: '年度' }).optional(),
  districtCode: RegionCode.optional(),
  q: text({ label: '搜索关键词', max: 50, min: 0 }).optional(),
  sort: z
    .enum(['submittedAt', '-submittedAt', 'amountFen', '-amountFen'])
    .meta({ label: '排序' })
    .default('-submittedAt'),
})
export type ClaimListQueryInput = z.input<typeof ClaimListQuery>
export const AdminClaimPage = pageOf(AdminClaimRow).extend({
  /** claims per status under the same filters except status: the queue's tabs */
  counts: z.record(z.string(), z.number().int()),
})
export type AdminClaimPageOutput = z.output<typeof AdminClaimPage>

export const ClaimDecision = z
  .strictObject({
    decision: z.enum(['accept', 'approve', 'reject', 'return']).meta({ label: '审核结果' }),
    reason: text({ label: '审核意见', max: 500, min: 0, multiline: true }).default(''),
    fields: z.array(CorrectionItem).max(30).meta({ label: '需补正的项目' }).optional(),
    deadlineDays: z.number().int().min(1).max(30).meta({ label: '补正期限（工作日）' }).optional(),
  })
  .refine((d) => d.decision !== 'reject' || d.reason.length > 0, {
    message: '不予通过须填写理由',
    path: ['reason'],
  })
  .refine((d) => d.decision !== 'return' || (d.fields?.length ?? 0) > 0, {
    message: '退回补正须至少标出一项需补正的内容',
    path: ['fields'],
  })
export type ClaimDecisionInput = z.input<typeof ClaimDecision>
export const ObjectionInput = z.strictObject({
  reason: text({ label: '异议内容', max: 500, multiline: true }),
})

export const ClaimParams = IdParams

// ── Refusals ────────────────────────────────────────────────────────────────────────────────────────

/** This domain's own refusals; raised only through claims.errors.ts. */
export const ClaimsErrorCode = z.enum([
  'CLAIM_DUPLICATE',
  'CLAIM_STATE',
  'BUDGET_EXCEEDED',
  'SERVICE_TOO_SHORT',
  'RECEIPT_OVER_FEE',
  'RECEIPT_YEAR_INVALID',
  'CLAIM_WINDOW_CLOSED',
  'SECOND_REVIEWER_REQUIRED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_REQUIRED',
  'CLAIM_FILE_INVALID',
  'MATERIAL_MISSING',
  'RESIDENCY_NOT_ELIGIBLE',
  'HOLDER_MISMATCH_UNEXPLAINED',
  'POLICY_TYPE_MISMATCH',
  // public notice and payment
  'NOTICE_EMPTY',
  'NOTICE_CLOSED',
  'BATCH_EMPTY',
  'BATCH_UNRECONCILED',
  'BATCH_STATE',
  'RESULT_FILE_INVALID',
  // 免申即享
  'PASS_LIST_INVALID',
  'INVITATION_STATE',
])

// ── Endpoints ───────────────────────────────────────────────────────────────────────────────────────

export const PolicyList = z.object({ items: z.array(PolicyOut) })
export const MpPolicyList = z.object({ items: z.array(MpPolicyOut) })

/** Policies, applying and review. Notices and payment batches: claims.payments.contract.ts; 免申即享, pre-check and statistics: claims.insights.contract.ts. */
export const ClaimsEndpoints = endpoints({
  // mini-program
  mpPolicies: {
    method: 'get',
    path: '/mp/v1/claim-policies',
    response: MpPolicyList,
    summary: '正在受理的资助政策，含材料清单与规则说明',
  },
  submit: {
    method: 'post',
    path: '/mp/v1/claims',
    body: ClaimSubmit,
    response: ClaimOut,
    status: 201,
    summary: '提交资助申请（须带 Idempotency-Key 请求头）',
  },
  mine: { method: 'get', path: '/mp/v1/claims', response: MpClaimList, summary: '我的申请' },
  mineDetail: {
    method: 'get',
    path: '/mp/v1/claims/:id',
    params: ClaimParams,
    response: ClaimOut,
    summary: '我的申请详情，含补正意见与办理记录',
  },
  resubmit: {
    method: 'put',
    path: '/mp/v1/claims/:id',
    params: ClaimParams,
    body: ClaimSubmit,
    response: ClaimOut,
    summary: '按补正意见修改后重新提交',
  },
  withdraw: {
    method: 'post',
    path: '/mp/v1/claims/:id/withdraw',
    params: ClaimParams,
    response: ClaimOut,
    summary: '撤回申请',
  },
  fixBank: {
    method: 'put',
    path: '/mp/v1/claims/:id/bank',
    params: ClaimParams,
    body: BankFix,
    response: ClaimOut,
    summary: '发放失败后更正收款账户',
  },
  // console
  policies: {
    method: 'get',
    path: '/admin/v1/claim-policies',
    response: PolicyList,
    summary: '资助政策与年度预算',
  },
  createPolicy: {
    method: 'post',
    path: '/admin/v1/claim-policies',
    body: PolicyInput,
    response: PolicyOut,
    status: 201,
    summary: '新增资助政策',
  },
  updatePolicy: {
    method: 'put',
    path: '/admin/v1/claim-policies/:id',
    params: IdParams,
    body: PolicyInput,
    response: PolicyOut,
    summary: '修改资助政策',
  },
  list: {
    method: 'get',
    path: '/admin/v1/claims',
    query: ClaimListQuery,
    response: AdminClaimPage,
    summary: '资助申请列表（个人信息脱敏）',
  },
  detail: {
    method: 'get',
    path: '/admin/v1/claims/:id',
    params: ClaimParams,
    response: AdminClaimOut,
    summary: '申请详情（持有个人信息权限者查看完整信息并记入审计）',
  },
  decide: {
    method: 'post',
    path: '/admin/v1/claims/:id/decision',
    params: ClaimParams,
    body: ClaimDecision,
    response: AdminClaimOut,
    summary: '受理、初审/复核通过、不予通过或退回补正',
  },
  object: {
    method: 'post',
    path: '/admin/v1/claims/:id/objection',
    params: ClaimParams,
    body: ObjectionInput,
    response: AdminClaimOut,
    summary: '登记公示期间的异议，退回重新审核',
  },
})
