import {
  CampaignEndpoints as E,
  type CampaignCreateInput,
  type CampaignListQueryInput,
  type CampaignSendInput,
  type CampaignUpdateInput,
  type DryRunQueryInput,
} from './contracts'
import { call, type RequestOptions } from './request'

export const listCampaigns = (query: CampaignListQueryInput) => call(E.list, { query })
export const getCampaign = (id: string, opts?: RequestOptions) => call(E.get, { params: { id } }, opts)
export const createCampaign = (body: CampaignCreateInput, opts?: RequestOptions) =>
  call(E.create, { body }, opts)
export const updateCampaign = (id: string, body: CampaignUpdateInput, opts?: RequestOptions) =>
  call(E.update, { params: { id }, body }, opts)
export const dryRunCampaign = (id: string, query: DryRunQueryInput) =>
  call(E.dryRun, { params: { id }, query })
/** 202: queued (no `at`) or scheduled; the worker does the sending. */
export const sendCampaign = (id: string, body: CampaignSendInput, opts?: RequestOptions) =>
  call(E.send, { params: { id }, body }, opts)
export const cancelCampaign = (id: string) => call(E.cancel, { params: { id } })
/** 202: the members WeChat refused for its daily quota or for being busy are sent again, once each. */
export const resendFailedCampaign = (id: string) => call(E.resendFailed, { params: { id } })
