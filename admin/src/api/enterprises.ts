import {
  EnterpriseEndpoints as E,
  FileEndpoints as F,
  type EnterpriseListQueryInput,
  type JoinRequestQueryInput,
  type MemberDecisionInput,
  type VerificationDecisionInput,
  type VerificationQueryInput,
} from './contracts'
import { call, download, type RequestOptions } from './request'

export const listEnterprises = (query: EnterpriseListQueryInput) => call(E.list, { query })
export const getEnterprise = (id: string) => call(E.detail, { params: { id } })
export const listJoinRequests = (query: JoinRequestQueryInput) => call(E.joinRequests, { query })
export const decideMember = (
  enterpriseId: string,
  memberId: string,
  body: MemberDecisionInput,
  opts?: RequestOptions,
) => call(E.decideJoinRequest, { params: { id: enterpriseId, memberId }, body }, opts)

export const listVerifications = (query: VerificationQueryInput) => call(E.verifications, { query })
export const decideVerification = (
  enterpriseId: string,
  body: VerificationDecisionInput,
  opts?: RequestOptions,
) => call(E.decideVerification, { params: { id: enterpriseId }, body }, opts)
/** The licence itself, with the auth header (`GET /files/:id`, enterprise.manage); the server audits each view. */
export const fetchLicence = (fileId: string) =>
  download(F.adminDownload, { params: { id: fileId } }, { silent: true })
