import type { PushSettingsInput, PushSettingsOutput } from './contracts'
import { request, type RequestOptions } from './request'

export const getPushSettings = () => request.get<PushSettingsOutput>('/settings/push')
export const savePushSettings = (body: PushSettingsInput, opts?: RequestOptions) =>
  request.put<PushSettingsOutput>('/settings/push', body, opts)
