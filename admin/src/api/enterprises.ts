import type {
  EnterpriseDetailOutput,
  EnterpriseListQueryInput,
  EnterprisePageOutput,
  JoinRequestPageOutput,
  JoinRequestQueryInput,
  MemberDecisionInput,
  MemberOutput,
  VerificationDecisionInput,
  VerificationOutput,
  VerificationPageOutput,
  VerificationQueryInput,
} from './contracts'
import { request, type RequestOptions } from './request'

export const listEnterprises = (query: EnterpriseListQueryInput) =>
  request.get<EnterprisePageOutput>('/enterprises', query)
export const getEnterprise = (id: string) => request.get<EnterpriseDetailOutput>(`/enterprises/${id}`)
export const listJoinRequests = (query: JoinRequestQueryInput) =>
  request.get<JoinRequestPageOutput>('/join-requests', query)
export const decideMember = (
  enterpriseId: string,
  memberId: string,
  body: MemberDecisionInput,
  opts?: RequestOptions,
) => request.post<MemberOutput>(`/enterprises/${enterpriseId}/members/${memberId}/decision`, body, opts)

export const listVerifications = (query: VerificationQueryInput) =>
  request.get<VerificationPageOutput>('/enterprise-verifications', query)
export const decideVerification = (
  enterpriseId: string,
  body: VerificationDecisionInput,
  opts?: RequestOptions,
) => request.post<VerificationOutput>(`/enterprises/${enterpriseId}/verification/decision`, body, opts)
/** The licence itself, with the auth header (`GET /files/:id`, enterprise.manage); the server audits each view. */
export const fetchLicence = (fileId: string) =>
  request.download(`/files/${fileId}`, undefined, { silent: true })
