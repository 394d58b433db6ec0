import type {
  PermissionListOutput,
  RoleCreateInput,
  RoleListOutput,
  RoleOutput,
  RoleUpdateInput,
} from './contracts'
import { request, type RequestOptions } from './request'

export const listRoles = () => request.get<RoleListOutput>('/roles')
export const createRole = (body: RoleCreateInput, opts?: RequestOptions) =>
  request.post<RoleOutput>('/roles', body, opts)
export const updateRole = (id: string, body: RoleUpdateInput, opts?: RequestOptions) =>
  request.patch<RoleOutput>(`/roles/${id}`, body, opts)
export const deleteRole = (id: string) => request.delete(`/roles/${id}`)
export const listPermissions = () => request.get<PermissionListOutput>('/permissions')
