/**
 * Types of the mini-program API (/mp/v1), re-exported from the api's zod contracts: `…Input` is what the
 * mini-program sends (z.input), `…Output` what it receives (z.output). No runtime code lives here; the
 * build expands every type into plain structures (dist/index.d.ts) so the mini-program needs no zod.
 */
import type { z } from 'zod'
import type { ErrorBody, PageQuery, TokenPair, UnreadCount } from '@zct/api/contracts/common'
import type {
  AnnouncementMpDetail,
  AnnouncementMpPage,
  MpPatentQuery,
  PatentMpDetail,
  PatentMpPage,
} from '@zct/api/contracts/content/content'
import type {
  BindResult,
  EnterpriseBind,
  MemberDecision,
  MemberList,
  MemberOut,
  MpVerificationOut,
  VerificationSubmit,
} from '@zct/api/contracts/enterprises/enterprises'
import type { FileOut, MpUploadQuery } from '@zct/api/contracts/files/files'
import type { InboxItemOut, InboxPage, InboxQuery } from '@zct/api/contracts/inbox/inbox'
import type { InterestsOut, InterestsUpdate } from '@zct/api/contracts/interests/interests'
import type {
  MpLogin,
  MpMe,
  MpSession,
  PhoneBind,
  ProfileUpdate,
} from '@zct/api/contracts/mp-accounts/mp-accounts'
import type { SubscriptionReport, SubscriptionState } from '@zct/api/contracts/subscriptions/subscriptions'

export type ApiError = z.output<typeof ErrorBody>
export type TokenPairOutput = z.output<typeof TokenPair>
export type RefreshInput = { refreshToken: string }
export type PageQueryInput = z.input<typeof PageQuery>
export type UnreadCountOutput = z.output<typeof UnreadCount>

export type MpLoginInput = z.input<typeof MpLogin>
export type MpSessionOutput = z.output<typeof MpSession>
export type MpMeOutput = z.output<typeof MpMe>
export type PhoneBindInput = z.input<typeof PhoneBind>
export type ProfileUpdateInput = z.input<typeof ProfileUpdate>

export type EnterpriseBindInput = z.input<typeof EnterpriseBind>
export type BindResultOutput = z.output<typeof BindResult>
export type MemberListOutput = z.output<typeof MemberList>
export type MemberOutput = z.output<typeof MemberOut>
export type MemberDecisionInput = z.input<typeof MemberDecision>
export type VerificationSubmitInput = z.input<typeof VerificationSubmit>
export type MpVerificationOutput = z.output<typeof MpVerificationOut>

export type InterestsUpdateInput = z.input<typeof InterestsUpdate>
export type InterestsOutput = z.output<typeof InterestsOut>
export type SubscriptionReportInput = z.input<typeof SubscriptionReport>
export type SubscriptionStateOutput = z.output<typeof SubscriptionState>

export type InboxQueryInput = z.input<typeof InboxQuery>
export type InboxPageOutput = z.output<typeof InboxPage>
export type InboxItemOutput = z.output<typeof InboxItemOut>

export type AnnouncementPageOutput = z.output<typeof AnnouncementMpPage>
export type AnnouncementDetailOutput = z.output<typeof AnnouncementMpDetail>
export type PatentQueryInput = z.input<typeof MpPatentQuery>
export type PatentPageOutput = z.output<typeof PatentMpPage>
export type PatentDetailOutput = z.output<typeof PatentMpDetail>

export type UploadQueryInput = z.input<typeof MpUploadQuery>
export type FileOutput = z.output<typeof FileOut>

/** Every endpoint: method and path → what goes in (query, body) and what comes out. */
export interface Endpoints {
  'POST /mp/v1/auth/login': { body: MpLoginInput; response: MpSessionOutput }
  'POST /mp/v1/auth/refresh': { body: RefreshInput; response: MpSessionOutput }
  'POST /mp/v1/auth/logout': { body: Partial<RefreshInput>; response: void }
  'GET /mp/v1/me': { response: MpMeOutput }
  'PATCH /mp/v1/me': { body: ProfileUpdateInput; response: MpMeOutput }
  'POST /mp/v1/me/phone': { body: PhoneBindInput; response: MpMeOutput }
  'POST /mp/v1/enterprise/bind': { body: EnterpriseBindInput; response: BindResultOutput }
  'GET /mp/v1/enterprise': {
    response: BindResultOutput | { enterprise: null; membership: null; verification: null }
  }
  /** the administrator submits the licence (upload it first with purpose=enterprise-licence), or resubmits after a rejection */
  'POST /mp/v1/enterprise/verification': { body: VerificationSubmitInput; response: MpVerificationOutput }
  'GET /mp/v1/enterprise/members': { response: MemberListOutput }
  'POST /mp/v1/enterprise/members/:memberId/decision': { body: MemberDecisionInput; response: MemberOutput }
  'GET /mp/v1/enterprise/profile': { response: InterestsOutput }
  'PUT /mp/v1/enterprise/profile': { body: InterestsUpdateInput; response: InterestsOutput }
  'POST /mp/v1/subscriptions': { body: SubscriptionReportInput; response: SubscriptionStateOutput }
  'GET /mp/v1/subscriptions': { response: SubscriptionStateOutput }
  'GET /mp/v1/inbox': { query: InboxQueryInput; response: InboxPageOutput }
  'GET /mp/v1/inbox/unread-count': { response: UnreadCountOutput }
  'POST /mp/v1/inbox/read-all': { response: { updated: number } }
  'GET /mp/v1/inbox/:id': { response: InboxItemOutput }
  'POST /mp/v1/inbox/:id/click': { response: InboxItemOutput }
  'GET /mp/v1/announcements': { query: PageQueryInput; response: AnnouncementPageOutput }
  'GET /mp/v1/announcements/unread-count': { response: UnreadCountOutput }
  'GET /mp/v1/announcements/:id': { response: AnnouncementDetailOutput }
  'GET /mp/v1/patents': { query: PatentQueryInput; response: PatentPageOutput }
  'GET /mp/v1/patents/:id': { response: PatentDetailOutput }
  /** the file itself (binary, Content-Disposition attachment); use wx.downloadFile */
  'GET /mp/v1/announcements/:id/attachments/:fileId': { response: ArrayBuffer }
  'GET /mp/v1/patents/:id/attachments/:fileId': { response: ArrayBuffer }
  /** multipart/form-data with one `file` part (PDF, JPG or PNG); use wx.uploadFile */
  'POST /mp/v1/files': { query: UploadQueryInput; response: FileOutput }
}
export type EndpointKey = keyof Endpoints
