import type {
  EnterpriseDetailOutput,
  EnterpriseListQueryInput,
  EnterprisePageOutput,
  JoinRequestPageOutput,
  JoinRequestQueryInput,
  MemberDecisionInput,
  MemberOutput,
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
