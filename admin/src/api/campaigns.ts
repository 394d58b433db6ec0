import type {
  CampaignCreateInput,
  CampaignListQueryInput,
  CampaignOutput,
  CampaignPageOutput,
  CampaignSendInput,
  CampaignUpdateInput,
  DryRunOutput,
  DryRunQueryInput,
} from './contracts'
import { request, type RequestOptions } from './request'

export const listCampaigns = (query: CampaignListQueryInput) =>
  request.get<CampaignPageOutput>('/campaigns', query)
export const getCampaign = (id: string, opts?: RequestOptions) =>
  request.get<CampaignOutput>(`/campaigns/${id}`, undefined, opts)
export const createCampaign = (body: CampaignCreateInput, opts?: RequestOptions) =>
  request.post<CampaignOutput>('/campaigns', body, opts)
export const updateCampaign = (id: string, body: CampaignUpdateInput, opts?: RequestOptions) =>
  request.patch<CampaignOutput>(`/campaigns/${id}`, body, opts)
export const dryRunCampaign = (id: string, query: DryRunQueryInput) =>
  request.get<DryRunOutput>(`/campaigns/${id}/dry-run`, query)
/** 202: queued (no `at`) or scheduled; the worker does the sending. */
export const sendCampaign = (id: string, body: CampaignSendInput, opts?: RequestOptions) =>
  request.post<CampaignOutput>(`/campaigns/${id}/send`, body, opts)
export const cancelCampaign = (id: string) => request.post<CampaignOutput>(`/campaigns/${id}/cancel`)
/** 202: the members WeChat refused for its daily quota or for being busy are sent again, once each. */
export const resendFailedCampaign = (id: string) =>
  request.post<CampaignOutput>(`/campaigns/${id}/resend-failed`)
