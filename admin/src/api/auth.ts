import type { AdminLoginInput, AdminSessionOutput, ChangePasswordInput, MeOutput } from './contracts'
import { request, type RequestOptions } from './request'

/** Public calls carry no token and must never trigger the refresh-and-replay path. */
const PUBLIC = { _skipAuth: true, silent: true } as const

export const login = (body: AdminLoginInput) => request.post<AdminSessionOutput>('/auth/login', body, PUBLIC)
export const refresh = (refreshToken: string) =>
  request.post<AdminSessionOutput>('/auth/refresh', { refreshToken }, PUBLIC)
export const logout = (refreshToken: string | null) =>
  request.post('/auth/logout', refreshToken ? { refreshToken } : {}, { silent: true })
export const fetchMe = () => request.get<MeOutput>('/me')
export const changePassword = (body: ChangePasswordInput, opts?: RequestOptions) =>
  request.post('/me/password', body, opts)
