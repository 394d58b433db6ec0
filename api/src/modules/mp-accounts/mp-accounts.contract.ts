import { z } from 'zod'
import { TokenPair, text } from '../common.contract.js'
import { MemberRole, MemberStatus, VerificationStatus } from '../enterprises/enterprises.contract.js'

export const MpLogin = z.strictObject({
  code: z
    .string()
    .trim()
    .min(1, '未取得微信登录凭证，请重新打开小程序')
    .max(128)
    .meta({ label: '微信登录凭证' }),
})
export type MpLoginInput = z.input<typeof MpLogin>

export const PhoneBind = z.strictObject({
  code: z
    .string()
    .trim()
    .min(1, '未取得手机号授权，请重新点击授权手机号')
    .max(128)
    .meta({ label: '手机号授权凭证' }),
})
export type PhoneBindInput = z.input<typeof PhoneBind>

export const ProfileUpdate = z.strictObject({
  nickname: text({ label: '昵称', max: 32 }).optional(),
})
export type ProfileUpdateInput = z.input<typeof ProfileUpdate>

export const MpMe = z.object({
  id: z.string(),
  nickname: z.string(),
  /** always masked in the mini-program: the full number is never sent back */
  phone: z.string().nullable(),
  /** while the request is pending: the name as applied for, and no verification status */
  enterprise: z
    .object({
      id: z.string(),
      name: z.string(),
      creditCode: z.string(),
      role: MemberRole,
      status: MemberStatus,
      verificationStatus: VerificationStatus.nullable(),
    })
    .nullable(),
})
export type MpMeOutput = z.output<typeof MpMe>

export const MpSession = TokenPair.extend({ user: MpMe })
export type MpSessionOutput = z.output<typeof MpSession>
