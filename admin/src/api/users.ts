import {
  StaffEndpoints as E,
  type ThrottleListQueryInput,
  type UserCreateInput,
  type UserListQueryInput,
  type UserUpdateInput,
} from './contracts'
import { call, type RequestOptions } from './request'

export const listUsers = (query: UserListQueryInput) => call(E.listUsers, { query })
export const createUser = (body: UserCreateInput, opts?: RequestOptions) => call(E.createUser, { body }, opts)
export const updateUser = (id: string, body: UserUpdateInput, opts?: RequestOptions) =>
  call(E.updateUser, { params: { id }, body }, opts)
export const resetUserPassword = (id: string, password: string, opts?: RequestOptions) =>
  call(E.resetPassword, { params: { id }, body: { password } }, opts)
export const listLoginThrottles = (query: ThrottleListQueryInput) => call(E.listThrottles, { query })
export const liftLoginThrottle = (username: string) => call(E.liftThrottle, { body: { username } })
