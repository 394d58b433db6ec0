/**
 * Types of the mini-program API (/mp/v1), re-exported from the api's zod contracts: `…Input` is what the
 * mini-program sends (z.input), `…Output` what it receives (z.output). No runtime code lives here; the
 * build expands every type into plain structures (dist/index.d.ts) so the mini-program needs no zod.
 */
import type { z } from 'zod'
import type { PageQuery, RefreshBody, TokenPair, UnreadCount } from '@zct/api/contracts/common'
import type { ErrorBody } from '@zct/api/contracts/errors'
import type { EndpointDef, EndpointKey as KeyOf, EndpointTables } from '@zct/api/types'
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
  MyEnterprise,
  VerificationSubmit,
} from '@zct/api/contracts/enterprises/enterprises'
import type { FileOut, MpUploadQuery } from '@zct/api/contracts/files/files'
import type { InboxItemOut, InboxPage, InboxQuery } from '@zct/api/contracts/inbox/inbox'
import type { InterestsOut, InterestsUpdate } from '@zct/api/contracts/interests/interests'
import type {
  LogoutBody,
  MpLogin,
  MpMe,
  MpSession,
  PhoneBind,
  ProfileUpdate,
} from '@zct/api/contracts/mp-accounts/mp-accounts'
import type { SubscriptionReport, SubscriptionState } from '@zct/api/contracts/subscriptions/subscriptions'

export type ApiError = z.output<typeof ErrorBody>
export type TokenPairOutput = z.output<typeof TokenPair>
export type RefreshInput = z.input<typeof RefreshBody>
export type LogoutInput = z.input<typeof LogoutBody>
export type PageQueryInput = z.input<typeof PageQuery>
export type UnreadCountOutput = z.output<typeof UnreadCount>

export type MpLoginInput = z.input<typeof MpLogin>
export type MpSessionOutput = z.output<typeof MpSession>
export type MpMeOutput = z.output<typeof MpMe>
export type PhoneBindInput = z.input<typeof PhoneBind>
export type ProfileUpdateInput = z.input<typeof ProfileUpdate>

export type EnterpriseBindInput = z.input<typeof EnterpriseBind>
export type BindResultOutput = z.output<typeof BindResult>
export type MyEnterpriseOutput = z.output<typeof MyEnterprise>
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

/**
 * Every declaration of every module in the api's list (`modules/index.ts`); the mini-program's are those
 * under /mp/v1. A module added to the list is here without anyone editing this file.
 */
/** A table's declarations, without the `Record<string, EndpointDef>` index signature `defineModule` adds. */
type DefsOf<T> = T extends unknown ? Declared<T>[keyof Declared<T>] : never
type Declared<T> = { [K in keyof T as string extends K ? never : K]: T[K] }
type MpDef = Extract<DefsOf<EndpointTables>, { path: `/mp/v1/${string}` }>

type Part<E, K extends 'params' | 'query' | 'body'> = E extends { [P in K]: infer S extends z.ZodType }
  ? // a part whose every field may be left out may be left out itself
    Record<never, never> extends z.input<S>
    ? { [P in K]?: z.input<S> }
    : { [P in K]: z.input<S> }
  : unknown
/** A download answers the file itself (wx.downloadFile); 204 answers nothing. */
type Response<E extends EndpointDef> = E['response'] extends z.ZodType
  ? z.output<E['response']>
  : E['response'] extends 'file'
    ? ArrayBuffer
    : void
type Flat<T> = { [K in keyof T]: T[K] }
type Entry<E extends EndpointDef> = Flat<
  Part<E, 'params'> & Part<E, 'query'> & Part<E, 'body'> & { response: Response<E> }
>

/**
 * Every endpoint: method and path → what goes in (params, query, body, as sent) and what comes out. Derived
 * from the api's declarations, so an endpoint exists here exactly when the api serves it.
 */
export type Endpoints = { [E in MpDef as KeyOf<E>]: Entry<E> }
/** Each endpoint's one-line summary; the build writes it as the entry's doc comment. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- read by scripts/build.ts, not emitted
type EndpointSummaries = { [E in MpDef as KeyOf<E>]: E['summary'] }
export type EndpointKey = keyof Endpoints
