import { z } from 'zod'
import { TokenPair } from '../common.contract.js'
import { MemberRole, MemberStatus } from '../enterprises/enterprises.contract.js'

export const MpLogin = z.strictObject({
  code: z.string().trim().min(1, '缺少 wx.login 返回的 code').max(128),
})
export type MpLoginInput = z.input<typeof MpLogin>

export const PhoneBind = z.strictObject({
  code: z.string().trim().min(1, '缺少 getPhoneNumber 返回的 code').max(128),
})
export type PhoneBindInput = z.input<typeof PhoneBind>

export const ProfileUpdate = z.strictObject({
  nickname: z.string().trim().min(1, '昵称不能为空').max(32, '昵称最长 32 个字符').optional(),
})
export type ProfileUpdateInput = z.input<typeof ProfileUpdate>

export const MpMe = z.object({
  id: z.string(),
  nickname: z.string(),
  /** always masked in the mini-program: the full number is never sent back */
  phone: z.string().nullable(),
  enterprise: z
    .object({ id: z.string(), name: z.string(), role: MemberRole, status: MemberStatus })
    .nullable(),
})
export type MpMeOutput = z.output<typeof MpMe>

export const MpSession = TokenPair.extend({ user: MpMe })
export type MpSessionOutput = z.output<typeof MpSession>
