import { StaffEndpoints as E, type AdminLoginInput, type ChangePasswordInput } from './contracts'
import { call, type RequestOptions } from './request'

/** Public calls carry no token and must never trigger the refresh-and-replay path. */
const PUBLIC = { _skipAuth: true, silent: true } as const

export const login = (body: AdminLoginInput) => call(E.login, { body }, PUBLIC)
export const refresh = (refreshToken: string) => call(E.refresh, { body: { refreshToken } }, PUBLIC)
export const logout = (refreshToken: string | null) =>
  call(E.logout, { body: refreshToken ? { refreshToken } : {} }, { silent: true })
export const fetchMe = () => call(E.me, {})
export const changePassword = (body: ChangePasswordInput, opts?: RequestOptions) =>
  call(E.changePassword, { body }, opts)
