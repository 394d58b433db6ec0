import { SettingsEndpoints as E, type PushSettingsInput } from './contracts'
import { call, type RequestOptions } from './request'

export const getPushSettings = () => call(E.push, {})
export const savePushSettings = (body: PushSettingsInput, opts?: RequestOptions) =>
  call(E.savePush, { body }, opts)
