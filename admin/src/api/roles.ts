import { StaffEndpoints as E, type RoleCreateInput, type RoleUpdateInput } from './contracts'
import { call, type RequestOptions } from './request'

export const listRoles = () => call(E.listRoles, {})
export const createRole = (body: RoleCreateInput, opts?: RequestOptions) => call(E.createRole, { body }, opts)
export const updateRole = (id: string, body: RoleUpdateInput, opts?: RequestOptions) =>
  call(E.updateRole, { params: { id }, body }, opts)
export const deleteRole = (id: string) => call(E.deleteRole, { params: { id } })
export const listPermissions = () => call(E.permissions, {})
