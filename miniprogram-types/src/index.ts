/**
 * Types of the mini-program API (/mp/v1), re-exported from the api's zod contracts: `…Input` is what the
 * mini-program sends (z.input), `…Output` what it receives (z.output). No runtime code lives here.
 */
import type { z } from 'zod'
import type { ErrorBody, TokenPair } from '@zct/api/contracts/common'
import type {
  BindResult,
  EnterpriseBind,
  EnterpriseOut,
  MemberDecision,
  MemberList,
} from '@zct/api/contracts/enterprises/enterprises'
import type {
  MpLogin,
  MpMe,
  MpSession,
  PhoneBind,
  ProfileUpdate,
} from '@zct/api/contracts/mp-accounts/mp-accounts'

export type ApiError = z.output<typeof ErrorBody>
export type TokenPairOutput = z.output<typeof TokenPair>
export type RefreshInput = { refreshToken: string }

export type MpLoginInput = z.input<typeof MpLogin>
export type MpSessionOutput = z.output<typeof MpSession>
export type MpMeOutput = z.output<typeof MpMe>
export type PhoneBindInput = z.input<typeof PhoneBind>
export type ProfileUpdateInput = z.input<typeof ProfileUpdate>

export type EnterpriseBindInput = z.input<typeof EnterpriseBind>
export type BindResultOutput = z.output<typeof BindResult>
export type EnterpriseOutput = z.output<typeof EnterpriseOut>
export type MemberListOutput = z.output<typeof MemberList>
export type MemberDecisionInput = z.input<typeof MemberDecision>

/** Every endpoint: method and path → what goes in and what comes out. */
export interface Endpoints {
  'POST /mp/v1/auth/login': { body: MpLoginInput; response: MpSessionOutput }
  'POST /mp/v1/auth/refresh': { body: RefreshInput; response: MpSessionOutput }
  'POST /mp/v1/auth/logout': { body: Partial<RefreshInput>; response: void }
  'GET /mp/v1/me': { response: MpMeOutput }
  'PATCH /mp/v1/me': { body: ProfileUpdateInput; response: MpMeOutput }
  'POST /mp/v1/me/phone': { body: PhoneBindInput; response: MpMeOutput }
  'POST /mp/v1/enterprise/bind': { body: EnterpriseBindInput; response: BindResultOutput }
  'GET /mp/v1/enterprise': { response: BindResultOutput | { enterprise: null; membership: null } }
  'GET /mp/v1/enterprise/members': { response: MemberListOutput }
  'POST /mp/v1/enterprise/members/:memberId/decision': {
    body: MemberDecisionInput
    response: MemberListOutput['items'][number]
  }
}
export type EndpointKey = keyof Endpoints
