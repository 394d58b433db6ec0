import { z } from 'zod'
import { ObjectIdString, PageQuery, TokenPair, pageOf } from '../common.contract.js'

/** Console permission keys; kept in sync with platform/permissions.ts by a test. */
export const PermissionKey = z.enum([
  'users.manage',
  'audit.read',
  'enterprise.read',
  'enterprise.manage',
  'pii.read',
  'files.read',
  'content.manage',
  'push.manage',
  'training.manage',
  'claim.review',
  'claim.pay',
  'station.manage',
  'stats.read',
])

const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_.-]{2,31}$/, '用户名须以字母开头，3–32 位字母、数字或 _ . -')
/** At least 10 characters with letters and digits: what a bureau's password policy usually asks. */
export const NewPassword = z
  .string()
  .min(10, '密码至少 10 位')
  .max(128, '密码最长 128 位')
  .regex(/[A-Za-z]/, '密码须包含字母')
  .regex(/\d/, '密码须包含数字')
const Phone = z.string().regex(/^1[3-9]\d{9}$/, '请输入 11 位手机号')

export const AdminLogin = z.strictObject({
  username: z.string().trim().toLowerCase().min(1, '请输入用户名').max(32),
  password: z.string().min(1, '请输入密码').max(128),
})
export type AdminLoginInput = z.input<typeof AdminLogin>

export const RoleRef = z.object({ id: z.string(), key: z.string(), name: z.string() })
export const Me = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(RoleRef),
  permissions: z.array(PermissionKey),
  stationId: z.string().nullable(),
  mustChangePassword: z.boolean(),
})
export type MeOutput = z.output<typeof Me>
export const AdminSession = TokenPair.extend({ user: Me })
export type AdminSessionOutput = z.output<typeof AdminSession>

export const ChangePassword = z
  .strictObject({ oldPassword: z.string().min(1, '请输入原密码'), newPassword: NewPassword })
  .refine((v) => v.oldPassword !== v.newPassword, {
    path: ['newPassword'],
    message: '新密码不能与原密码相同',
  })
export type ChangePasswordInput = z.input<typeof ChangePassword>

export const UserCreate = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1, '请输入姓名').max(32),
  password: NewPassword,
  roleIds: z.array(ObjectIdString).min(1, '至少选择一个角色').max(10),
  stationId: ObjectIdString.nullable().optional(),
  phone: Phone.optional(),
})
export type UserCreateInput = z.input<typeof UserCreate>

export const UserUpdate = z.strictObject({
  displayName: z.string().trim().min(1).max(32).optional(),
  roleIds: z.array(ObjectIdString).min(1, '至少选择一个角色').max(10).optional(),
  stationId: ObjectIdString.nullable().optional(),
  phone: Phone.nullable().optional(),
  disabled: z.boolean().optional(),
})
export type UserUpdateInput = z.input<typeof UserUpdate>

export const ResetPassword = z.strictObject({ password: NewPassword })

export const UserListQuery = PageQuery.extend({
  q: z.string().trim().max(32).optional(),
  roleId: ObjectIdString.optional(),
  disabled: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
})
export type UserListQueryInput = z.input<typeof UserListQuery>

export const UserOut = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(RoleRef),
  stationId: z.string().nullable(),
  /** masked unless the viewer holds pii.read */
  phone: z.string().nullable(),
  disabled: z.boolean(),
  lockedUntil: z.iso.datetime().nullable(),
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
})
export type UserOutput = z.output<typeof UserOut>
export const UserPage = pageOf(UserOut)
export type UserPageOutput = z.output<typeof UserPage>

export const RoleCreate = z.strictObject({
  name: z.string().trim().min(1, '请输入角色名称').max(32),
  permissions: z.array(PermissionKey).min(1, '至少选择一项权限'),
})
export type RoleCreateInput = z.input<typeof RoleCreate>
export const RoleUpdate = RoleCreate.partial()
export type RoleUpdateInput = z.input<typeof RoleUpdate>

export const RoleOut = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  permissions: z.array(PermissionKey),
  builtIn: z.boolean(),
})
export type RoleOutput = z.output<typeof RoleOut>
export const RoleList = z.object({ items: z.array(RoleOut) })
export type RoleListOutput = z.output<typeof RoleList>

export const PermissionList = z.object({
  items: z.array(z.object({ key: PermissionKey, label: z.string() })),
})
export type PermissionListOutput = z.output<typeof PermissionList>
