import type {
  LoginThrottlePageOutput,
  ThrottleListQueryInput,
  UserCreateInput,
  UserListQueryInput,
  UserOutput,
  UserPageOutput,
  UserUpdateInput,
} from './contracts'
import { request, type RequestOptions } from './request'

export const listUsers = (query: UserListQueryInput) => request.get<UserPageOutput>('/users', query)
export const createUser = (body: UserCreateInput, opts?: RequestOptions) =>
  request.post<UserOutput>('/users', body, opts)
export const updateUser = (id: string, body: UserUpdateInput, opts?: RequestOptions) =>
  request.patch<UserOutput>(`/users/${id}`, body, opts)
export const resetUserPassword = (id: string, password: string, opts?: RequestOptions) =>
  request.post(`/users/${id}/password`, { password }, opts)
export const listLoginThrottles = (query: ThrottleListQueryInput) =>
  request.get<LoginThrottlePageOutput>('/login-throttles', query)
export const liftLoginThrottle = (username: string) =>
  request.post('/login-throttles/lift', { username })
