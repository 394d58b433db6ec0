import { z } from 'zod'
import {
  IdParams,
  ObjectIdString,
  PageQuery,
  RefreshBody,
  TokenPair,
  pageOf,
  text,
} from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/** Console permission keys; kept in sync with platform/permissions.ts by a test. */
export const PermissionKey = z
  .enum([
    'users.manage',
    'audit.read',
    'enterprise.read',
    'enterprise.manage',
    'pii.read',
    'content.manage',
    'push.manage',
    'training.manage',
    'claim.review',
    'claim.pay',
    'claim.policy',
    'station.manage',
    'stats.read',
  ])
  .meta({ label: '权限' })

const Username = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, { abort: true })
  .regex(/^[a-z][a-z0-9_.-]{2,31}$/, '用户名须以字母开头，3–32 位字母、数字或 _ . -')
  .meta({ label: '用户名' })
/** At least 10 characters with letters and digits: what a bureau's password policy usually asks. */
export const NewPassword = z
  .string()
  .min(10, '密码至少 10 位')
  .max(128, '密码最长 128 位')
  .regex(/[A-Za-z]/, '密码须包含字母')
  .regex(/\d/, '密码须包含数字')
  .meta({ label: '密码' })
const Phone = z
  .string()
  .regex(/^1[3-9]\d{9}$/, '请输入 11 位手机号')
  .meta({ label: '手机号' })
const DisplayName = text({ label: '姓名', max: 32 })
const RoleIds = z
  .array(ObjectIdString.meta({ label: '角色' }))
  .min(1, '至少选择一个角色')
  .max(10)
  .meta({ label: '角色' })
const StationId = ObjectIdString.meta({ label: '所属指导站' })

export const AdminLogin = z.strictObject({
  username: z.string().trim().toLowerCase().min(1, '请输入用户名').max(32).meta({ label: '用户名' }),
  password: z.string().min(1, '请输入密码').max(128).meta({ label: '密码' }),
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
  /** when the temporary password stops working, while a change is required */
  passwordExpiresAt: z.iso.datetime().nullable(),
})
export type MeOutput = z.output<typeof Me>
export const AdminSession = TokenPair.extend({ user: Me })
export type AdminSessionOutput = z.output<typeof AdminSession>

export const ChangePassword = z
  .strictObject({
    oldPassword: z.string().min(1, '请输入原密码').meta({ label: '原密码' }),
    newPassword: NewPassword.meta({ label: '新密码' }),
  })
  .refine((v) => v.oldPassword !== v.newPassword, {
    path: ['newPassword'],
    message: '新密码不能与原密码相同',
  })
export type ChangePasswordInput = z.input<typeof ChangePassword>

export const UserCreate = z.strictObject({
  username: Username,
  displayName: DisplayName,
  password: NewPassword,
  roleIds: RoleIds,
  stationId: StationId.nullable().optional(),
  phone: Phone.optional(),
})
export type UserCreateInput = z.input<typeof UserCreate>

export const UserUpdate = z.strictObject({
  displayName: DisplayName.optional(),
  roleIds: RoleIds.optional(),
  stationId: StationId.nullable().optional(),
  phone: Phone.nullable().optional(),
  disabled: z.boolean().meta({ label: '停用状态' }).optional(),
})
export type UserUpdateInput = z.input<typeof UserUpdate>

export const ResetPassword = z.strictObject({ password: NewPassword })

export const UserListQuery = PageQuery.extend({
  q: text({ label: '搜索关键词', max: 32, min: 0 }).optional(),
  roleId: ObjectIdString.meta({ label: '角色' }).optional(),
  disabled: z
    .enum(['true', 'false'])
    .meta({ label: '停用状态' })
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
  /** sign-in attempts for this name are being slowed down until then (see LoginGuard) */
  throttledUntil: z.iso.datetime().nullable(),
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
})
export type UserOutput = z.output<typeof UserOut>
export const UserPage = pageOf(UserOut)
export type UserPageOutput = z.output<typeof UserPage>

export const RoleCreate = z.strictObject({
  name: text({ label: '角色名称', max: 32 }),
  permissions: z.array(PermissionKey).min(1, '至少选择一项权限').meta({ label: '权限' }),
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

/** A delay console login throttling started: who, from where, until when. */
export const LoginThrottleOut = z.object({
  id: z.string(),
  username: z.string(),
  /** null when the name typed belongs to no account */
  userId: z.string().nullable(),
  ip: z.string(),
  scope: z.enum(['pair', 'account', 'address']),
  failures: z.number().int(),
  at: z.iso.datetime(),
  until: z.iso.datetime(),
  active: z.boolean(),
  liftedAt: z.iso.datetime().nullable(),
})
export type LoginThrottleOutput = z.output<typeof LoginThrottleOut>
export const LoginThrottlePage = pageOf(LoginThrottleOut)
export type LoginThrottlePageOutput = z.output<typeof LoginThrottlePage>
export const ThrottleListQuery = PageQuery.extend({
  active: z
    .enum(['true', 'false'])
    .meta({ label: '只看生效中' })
    .transform((v) => v === 'true')
    .optional(),
})
export type ThrottleListQueryInput = z.input<typeof ThrottleListQuery>
export const ThrottleLift = z.strictObject({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, '请填写要解除限制的用户名')
    .max(32, '用户名不能超过 32 个字')
    .meta({ label: '用户名' }),
})
export type ThrottleLiftInput = z.input<typeof ThrottleLift>

/** Logging out: the refresh token, when the console still holds one, ends its family too. */
export const AdminLogoutBody = RefreshBody.partial()
export type AdminLogoutBodyInput = z.input<typeof AdminLogoutBody>

/**
 * Every staff endpoint (sign-in, own profile, console users, roles, login throttles), declared once: the
 * routes and the console's API functions read this.
 */
export const StaffEndpoints = endpoints({
  login: {
    method: 'post',
    path: '/admin/v1/auth/login',
    body: AdminLogin,
    response: AdminSession,
    summary: '后台登录',
  },
  refresh: {
    method: 'post',
    path: '/admin/v1/auth/refresh',
    body: RefreshBody,
    response: AdminSession,
    summary: '续期登录（刷新凭证一次有效）',
  },
  logout: {
    method: 'post',
    path: '/admin/v1/auth/logout',
    body: AdminLogoutBody,
    response: null,
    summary: '退出登录',
  },
  me: { method: 'get', path: '/admin/v1/me', response: Me, summary: '当前用户、角色与权限' },
  changePassword: {
    method: 'post',
    path: '/admin/v1/me/password',
    body: ChangePassword,
    response: null,
    summary: '修改自己的密码',
  },
  permissions: {
    method: 'get',
    path: '/admin/v1/permissions',
    response: PermissionList,
    summary: '可分配的权限',
  },
  listUsers: {
    method: 'get',
    path: '/admin/v1/users',
    query: UserListQuery,
    response: UserPage,
    summary: '后台用户列表',
  },
  createUser: {
    method: 'post',
    path: '/admin/v1/users',
    body: UserCreate,
    response: UserOut,
    status: 201,
    summary: '新建后台用户',
  },
  updateUser: {
    method: 'patch',
    path: '/admin/v1/users/:id',
    params: IdParams,
    body: UserUpdate,
    response: UserOut,
    summary: '修改后台用户（姓名、角色、指导站、手机号、停用）',
  },
  resetPassword: {
    method: 'post',
    path: '/admin/v1/users/:id/password',
    params: IdParams,
    body: ResetPassword,
    response: null,
    summary: '重置后台用户的密码（临时密码，须在首次登录时修改）',
  },
  listThrottles: {
    method: 'get',
    path: '/admin/v1/login-throttles',
    query: ThrottleListQuery,
    response: LoginThrottlePage,
    summary: '登录限制记录',
  },
  liftThrottle: {
    method: 'post',
    path: '/admin/v1/login-throttles/lift',
    body: ThrottleLift,
    response: null,
    summary: '解除某个用户名的登录限制',
  },
  listRoles: { method: 'get', path: '/admin/v1/roles', response: RoleList, summary: '角色列表' },
  createRole: {
    method: 'post',
    path: '/admin/v1/roles',
    body: RoleCreate,
    response: RoleOut,
    status: 201,
    summary: '新建自定义角色',
  },
  updateRole: {
    method: 'patch',
    path: '/admin/v1/roles/:id',
    params: IdParams,
    body: RoleUpdate,
    response: RoleOut,
    summary: '修改自定义角色',
  },
  deleteRole: {
    method: 'delete',
    path: '/admin/v1/roles/:id',
    params: IdParams,
    response: null,
    summary: '删除自定义角色',
  },
})

/** The staff domain's refusals (raised through staff.errors.ts). */
export const StaffErrorCode = z.enum([
  'LOGIN_FAILED',
  'LOGIN_THROTTLED',
  'ACCOUNT_DISABLED',
  'SELF_CHANGE_FORBIDDEN',
  'GRANT_REFUSED',
  'TARGET_OUTRANKS',
  'ROLE_BUILTIN',
  'ROLE_IN_USE',
  'CHANGED_MEANWHILE',
  'USERNAME_TAKEN',
  'ROLE_NAME_TAKEN',
])
