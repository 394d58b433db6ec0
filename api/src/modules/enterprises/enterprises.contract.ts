import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { machine } from '../machine.contract.js'

const CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** GB 32100-2015 unified social credit code: 18 characters, the last a mod-31 check character. */
export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CODE_CHARS.indexOf(code[i]!) * WEIGHTS[i]!
  const check = (31 - (sum % 31)) % 31
  return CODE_CHARS[check] === code[17]
}

export const CreditCode = z
  .string()
  .trim()
  .toUpperCase()
  // empty: 请填写统一社会信用代码; another length: 应为 18 位; either way the checksum is not judged too
  .length(18, { abort: true })
  .refine(isValidCreditCode, '统一社会信用代码校验不通过，请核对营业执照上的代码')
  .meta({ label: '统一社会信用代码' })

/** An upload made with `POST /mp/v1/files?purpose=enterprise-licence`. */
export const LicenceFileId = z
  .string({ error: '请先上传营业执照或授权书' })
  .regex(/^[0-9a-f]{24}$/, '请先上传营业执照或授权书')
  .meta({ label: '营业执照或授权书' })

export const EnterpriseBind = z.strictObject({
  creditCode: CreditCode,
  name: text({ label: '企业名称', min: 2, max: 100 }),
  /**
   * The business licence (营业执照) or letter of authorisation. Used only when the caller becomes the
   * enterprise's first administrator; it may also be sent later with `POST /mp/v1/enterprise/verification`.
   */
  licenceFileId: LicenceFileId.optional(),
})
export type EnterpriseBindInput = z.input<typeof EnterpriseBind>

export const MemberStatus = z.enum(['pending', 'active', 'rejected', 'removed']).meta({ label: '成员状态' })
export const MemberRole = z.enum(['admin', 'member']).meta({ label: '成员角色' })
export const MEMBER_STATUS_LABELS: Record<z.output<typeof MemberStatus>, string> = {
  pending: '待审批',
  active: '已加入',
  rejected: '已拒绝',
  removed: '已移除',
}
/**
 * A join request's lifecycle. Decided by a verified enterprise administrator in the mini-program, or by
 * console staff holding enterprise.manage; the permission is the console's.
 */
export const MembershipMachine = machine({
  what: '加入申请',
  states: MEMBER_STATUS_LABELS,
  moves: {
    approve: { from: ['pending'], to: 'active', permission: 'enterprise.manage', label: '同意加入' },
    reject: { from: ['pending'], to: 'rejected', permission: 'enterprise.manage', label: '拒绝' },
  },
})

/**
 * Whether the enterprise's administrator has proved they act for it. `unsubmitted`: no licence yet;
 * `pending`: a licence awaits a console reviewer; `rejected`: refused with a reason, may be resubmitted.
 */
export const VerificationStatus = z
  .enum(['unsubmitted', 'pending', 'verified', 'rejected'])
  .meta({ label: '认证状态' })
export type VerificationStatusOutput = z.output<typeof VerificationStatus>

export const VERIFICATION_STATUS_LABELS: Record<VerificationStatusOutput, string> = {
  unsubmitted: '待上传执照',
  pending: '待审核',
  verified: '已认证',
  rejected: '已驳回',
}

/**
 * The verification state machine. The administrator submits from the mini-program (no console permission);
 * a reviewer holding enterprise.manage approves or rejects. The service applies a move as one guarded
 * update; the console and the mini-program offer only the moves allowed from the current state.
 */
export const VerificationMachine = machine({
  what: '企业认证',
  states: VERIFICATION_STATUS_LABELS,
  moves: {
    submit: { from: ['unsubmitted', 'rejected'], to: 'pending', label: '提交认证材料' },
    approve: { from: ['pending'], to: 'verified', permission: 'enterprise.manage', label: '通过' },
    reject: { from: ['pending'], to: 'rejected', permission: 'enterprise.manage', label: '驳回' },
  },
})
export const VERIFICATION_MOVES = VerificationMachine.moves
export type VerificationMove = keyof typeof VERIFICATION_MOVES

/** The console's view of an enterprise. */
export const EnterpriseOut = z.object({
  id: z.string(),
  name: z.string(),
  creditCode: z.string(),
  memberCount: z.number().int(),
  verificationStatus: VerificationStatus,
  createdAt: z.iso.datetime(),
})
export type EnterpriseOutput = z.output<typeof EnterpriseOut>

export const LicenceOut = z.object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number() })

/** The administrator's own verification, as the mini-program shows it. */
export const MpVerificationOut = z.object({
  status: VerificationStatus,
  /** null while nothing was submitted, or when the file is gone */
  licence: LicenceOut.nullable(),
  submittedAt: z.iso.datetime().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  /** why the reviewer refused it; set only while `rejected` */
  rejectReason: z.string().nullable(),
})
export type MpVerificationOutput = z.output<typeof MpVerificationOut>

/**
 * What binding answered, and the caller's enterprise afterwards. Until a person is admitted the enterprise
 * is echoed as they applied (the name they typed), so a request reveals nothing about the registered one.
 */
export const BindResult = z.object({
  enterprise: z.object({
    id: z.string(),
    name: z.string(),
    creditCode: z.string(),
    /** null while the caller's own request is pending */
    verificationStatus: VerificationStatus.nullable(),
  }),
  membership: z.object({ id: z.string(), role: MemberRole, status: MemberStatus }),
  /** the administrator's verification; null for everyone else */
  verification: MpVerificationOut.nullable(),
})
export type BindResultOutput = z.output<typeof BindResult>

/** `GET /mp/v1/enterprise`: the caller's binding, or three nulls while they have none. */
export const MyEnterprise = z.union([
  BindResult,
  z.object({ enterprise: z.null(), membership: z.null(), verification: z.null() }),
])
export type MyEnterpriseOutput = z.output<typeof MyEnterprise>

/** `POST /mp/v1/enterprise/verification`: the administrator submits (or, after a rejection, resubmits) a licence. */
export const VerificationSubmit = z.strictObject({ licenceFileId: LicenceFileId })
export type VerificationSubmitInput = z.input<typeof VerificationSubmit>

export const MemberOut = z.object({
  id: z.string(),
  userId: z.string(),
  nickname: z.string(),
  /** masked unless the viewer may see it in full */
  phone: z.string().nullable(),
  role: MemberRole,
  status: MemberStatus,
  /** the enterprise name the person typed when applying */
  appliedName: z.string(),
  /** the typed name differs from the registered one: a reason to look twice before approving */
  nameMismatch: z.boolean(),
  createdAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
})
export type MemberOutput = z.output<typeof MemberOut>
export const MemberList = z.object({ items: z.array(MemberOut) })
export type MemberListOutput = z.output<typeof MemberList>

export const EnterpriseListQuery = PageQuery.extend({
  q: text({ label: '搜索关键词', max: 100, min: 0 }).optional(),
})
export type EnterpriseListQueryInput = z.input<typeof EnterpriseListQuery>
export const EnterprisePage = pageOf(EnterpriseOut)
export type EnterprisePageOutput = z.output<typeof EnterprisePage>
export const EnterpriseDetail = EnterpriseOut.extend({ members: z.array(MemberOut) })
export type EnterpriseDetailOutput = z.output<typeof EnterpriseDetail>

export const JoinRequestQuery = PageQuery.extend({ status: MemberStatus.default('pending') })
export type JoinRequestQueryInput = z.input<typeof JoinRequestQuery>
export const JoinRequestOut = MemberOut.extend({ enterprise: z.object({ id: z.string(), name: z.string() }) })
export type JoinRequestOutput = z.output<typeof JoinRequestOut>
export const JoinRequestPage = pageOf(JoinRequestOut)
export type JoinRequestPageOutput = z.output<typeof JoinRequestPage>

export const MemberDecision = z.strictObject({
  decision: z.enum(['approve', 'reject']).meta({ label: '审核结果' }),
  reason: text({ label: '理由', max: 200, min: 0, multiline: true }).optional(),
})
export type MemberDecisionInput = z.input<typeof MemberDecision>
export const MemberParams = z.object({ id: ObjectIdString, memberId: ObjectIdString.meta({ label: '成员' }) })
/** `POST /mp/v1/enterprise/members/:memberId/decision`: the enterprise is the administrator's own. */
export const OwnMemberParams = MemberParams.pick({ memberId: true })

// ── console: the verification queue ─────────────────────────────────────────
export const VerificationQuery = PageQuery.extend({ status: VerificationStatus.default('pending') })
export type VerificationQueryInput = z.input<typeof VerificationQuery>

export const VerificationOut = z.object({
  enterprise: z.object({ id: z.string(), name: z.string(), creditCode: z.string() }),
  status: VerificationStatus,
  /** who submitted the licence (the enterprise's administrator); phone masked */
  applicant: z.object({ userId: z.string(), nickname: z.string(), phone: z.string().nullable() }).nullable(),
  /** read it with `GET /admin/v1/files/:id` */
  licence: LicenceOut.nullable(),
  submittedAt: z.iso.datetime().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  /** the reviewer's username */
  decidedBy: z.string().nullable(),
  rejectReason: z.string().nullable(),
})
export type VerificationOutput = z.output<typeof VerificationOut>
export const VerificationPage = pageOf(VerificationOut)
export type VerificationPageOutput = z.output<typeof VerificationPage>

/**
 * A reviewer's decision. `licenceFileId` is the licence they looked at: if the applicant has since
 * submitted another, the decision is refused rather than applied to a file nobody reviewed.
 */
export const VerificationDecision = z
  .strictObject({
    decision: z.enum(['approve', 'reject'], { error: '请选择通过或驳回' }),
    licenceFileId: z
      .string({ error: '缺少所审核的执照文件，请刷新后重试' })
      .regex(/^[0-9a-f]{24}$/, '缺少所审核的执照文件，请刷新后重试'),
    reason: text({ label: '驳回理由', max: 200, min: 0, multiline: true }).optional(),
  })
  .refine((d) => d.decision !== 'reject' || !!d.reason, {
    path: ['reason'],
    message: '请填写驳回理由，申请人会看到它',
  })
export type VerificationDecisionInput = z.input<typeof VerificationDecision>

/**
 * Every enterprise endpoint, both audiences, declared once: the routes, the console's API functions, the
 * mini-program types and the test client read this.
 */
export const EnterpriseEndpoints = endpoints({
  // ── mini-program ──
  /** 201 when the caller became the enterprise's first administrator, 202 when a join request awaits review */
  bind: {
    method: 'post',
    path: '/mp/v1/enterprise/bind',
    body: EnterpriseBind,
    response: BindResult,
    summary: '按统一社会信用代码绑定企业（首位为管理员，其后为加入申请）',
  },
  mine: {
    method: 'get',
    path: '/mp/v1/enterprise',
    response: MyEnterprise,
    summary: '我所属的企业、成员身份与认证状态',
  },
  /** upload the licence first with `POST /mp/v1/files?purpose=enterprise-licence` */
  submitVerification: {
    method: 'post',
    path: '/mp/v1/enterprise/verification',
    body: VerificationSubmit,
    response: MpVerificationOut,
    summary: '企业管理员提交（或驳回后重新提交）营业执照',
  },
  members: {
    method: 'get',
    path: '/mp/v1/enterprise/members',
    response: MemberList,
    summary: '本企业的成员与待审核的加入申请',
  },
  decideMember: {
    method: 'post',
    path: '/mp/v1/enterprise/members/:memberId/decision',
    params: OwnMemberParams,
    body: MemberDecision,
    response: MemberOut,
    summary: '企业管理员审核加入申请',
  },
  // ── console ──
  list: {
    method: 'get',
    path: '/admin/v1/enterprises',
    query: EnterpriseListQuery,
    response: EnterprisePage,
    summary: '企业列表（按名称前缀或信用代码查找）',
  },
  detail: {
    method: 'get',
    path: '/admin/v1/enterprises/:id',
    params: IdParams,
    response: EnterpriseDetail,
    summary: '企业详情与成员',
  },
  joinRequests: {
    method: 'get',
    path: '/admin/v1/join-requests',
    query: JoinRequestQuery,
    response: JoinRequestPage,
    summary: '加入申请审核队列',
  },
  decideJoinRequest: {
    method: 'post',
    path: '/admin/v1/enterprises/:id/members/:memberId/decision',
    params: MemberParams,
    body: MemberDecision,
    response: MemberOut,
    summary: '审核加入申请',
  },
  verifications: {
    method: 'get',
    path: '/admin/v1/enterprise-verifications',
    query: VerificationQuery,
    response: VerificationPage,
    summary: '企业认证审核队列',
  },
  decideVerification: {
    method: 'post',
    path: '/admin/v1/enterprises/:id/verification/decision',
    params: IdParams,
    body: VerificationDecision,
    response: VerificationOut,
    summary: '审核企业认证（通过或驳回）',
  },
})

/** The enterprises domain's refusals (raised through enterprises.errors.ts). */
export const EnterpriseErrorCode = z.enum([
  'ALREADY_BOUND',
  'RETRY',
  'LICENCE_FILE_INVALID',
  'VERIFICATION_STATE_CONFLICT',
  'VERIFICATION_RESUBMITTED',
  'ALREADY_DECIDED',
  'CREDIT_CODE_TAKEN',
])
