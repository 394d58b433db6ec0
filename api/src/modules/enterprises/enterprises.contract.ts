import { z } from 'zod'
import { ObjectIdString, PageQuery, pageOf } from '../common.contract.js'

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
  .length(18, '统一社会信用代码应为 18 位')
  .refine(isValidCreditCode, '统一社会信用代码校验不通过，请核对营业执照上的代码')

export const EnterpriseBind = z.strictObject({
  creditCode: CreditCode,
  name: z.string().trim().min(2, '请输入企业全称').max(100),
})
export type EnterpriseBindInput = z.input<typeof EnterpriseBind>

export const MemberStatus = z.enum(['pending', 'active', 'rejected', 'removed'])
export const MemberRole = z.enum(['admin', 'member'])

export const EnterpriseOut = z.object({
  id: z.string(),
  name: z.string(),
  creditCode: z.string(),
  memberCount: z.number().int(),
  createdAt: z.iso.datetime(),
})
export type EnterpriseOutput = z.output<typeof EnterpriseOut>

/** What binding answered: the caller became the administrator, a member, or is waiting for approval. */
export const BindResult = z.object({
  enterprise: EnterpriseOut,
  membership: z.object({ id: z.string(), role: MemberRole, status: MemberStatus }),
})
export type BindResultOutput = z.output<typeof BindResult>

export const MemberOut = z.object({
  id: z.string(),
  userId: z.string(),
  nickname: z.string(),
  /** masked unless the viewer may see it in full */
  phone: z.string().nullable(),
  role: MemberRole,
  status: MemberStatus,
  createdAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
})
export type MemberOutput = z.output<typeof MemberOut>
export const MemberList = z.object({ items: z.array(MemberOut) })
export type MemberListOutput = z.output<typeof MemberList>

export const EnterpriseListQuery = PageQuery.extend({ q: z.string().trim().max(100).optional() })
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
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().max(200).optional(),
})
export type MemberDecisionInput = z.input<typeof MemberDecision>
export const MemberParams = z.object({ id: ObjectIdString, memberId: ObjectIdString })
