import { z } from 'zod'
import { RefreshBody, TokenPair, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
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

/** Logging out revokes the refresh token's family when one is sent; the access token stops at once either way. */
export const LogoutBody = RefreshBody.partial()
export type LogoutInput = z.input<typeof LogoutBody>

/** Every mini-program account endpoint, declared once: the routes, the mini-program types and the test client read this. */
export const MpAccountEndpoints = endpoints({
  login: {
    method: 'post',
    path: '/mp/v1/auth/login',
    body: MpLogin,
    response: MpSession,
    summary: '用 wx.login 凭证登录',
  },
  refresh: {
    method: 'post',
    path: '/mp/v1/auth/refresh',
    body: RefreshBody,
    response: MpSession,
    summary: '续期登录（刷新凭证只能用一次）',
  },
  logout: {
    method: 'post',
    path: '/mp/v1/auth/logout',
    body: LogoutBody,
    response: null,
    summary: '退出登录',
  },
  me: { method: 'get', path: '/mp/v1/me', response: MpMe, summary: '我的资料与所属企业' },
  updateProfile: {
    method: 'patch',
    path: '/mp/v1/me',
    body: ProfileUpdate,
    response: MpMe,
    summary: '修改昵称',
  },
  bindPhone: {
    method: 'post',
    path: '/mp/v1/me/phone',
    body: PhoneBind,
    response: MpMe,
    summary: '授权绑定手机号（返回时已打码）',
  },
})

/** The mp-accounts domain's refusals (raised through mp-accounts.errors.ts). */
export const MpAccountErrorCode = z.enum([
  'WX_CODE_INVALID',
  'WX_RATE_LIMITED',
  'WX_ERROR',
  'PHONE_UNSUPPORTED',
])
