import { PERMISSIONS, type Permission } from '../../platform/permissions.js'
import type { AuditService } from '../audit/audit.service.js'
import { IdParams, RefreshBody } from '../common.contract.js'
import type { Routers } from '../index.js'
import {
  AdminLogin,
  ChangePassword,
  ResetPassword,
  RoleCreate,
  RoleUpdate,
  ThrottleLift,
  ThrottleListQuery,
  UserCreate,
  UserListQuery,
  UserUpdate,
} from './staff.contract.js'
import type { StaffService } from './staff.service.js'

export function registerStaffRoutes({ admin: r }: Routers, staff: StaffService, audit: AuditService) {
  r.public('post', '/auth/login', { schemas: { body: AdminLogin }, rateLimit: 'login' }, async (ctx) => {
    const { username, password } = ctx.state.input.body
    return staff.login(username, password, ctx.ip)
  })
  r.public('post', '/auth/refresh', { schemas: { body: RefreshBody }, rateLimit: 'codeExchange' }, (ctx) =>
    staff.refresh(ctx.state.input.body.refreshToken),
  )
  r.admin(
    'post',
    '/auth/logout',
    null,
    { schemas: { body: RefreshBody.partial() }, whilePasswordChange: 'always' },
    async (ctx) => {
      await staff.logout(ctx.state.user.id, ctx.state.input.body.refreshToken)
    },
  )
  r.admin('get', '/me', null, { whilePasswordChange: 'always' }, (ctx) => staff.me(ctx.state.user.id))
  r.admin(
    'post',
    '/me/password',
    null,
    { schemas: { body: ChangePassword }, whilePasswordChange: 'change' },
    async (ctx) => {
    const { oldPassword, newPassword } = ctx.state.input.body
      await staff.changePassword(ctx.state.user.id, oldPassword, newPassword)
      await audit.record(ctx, {
        action: 'user.password.change',
        target: { type: 'admin_user', id: ctx.state.user.id },
      })
    },
  )

  r.admin('get', '/permissions', 'users.manage', {}, () => ({
    items: (Object.keys(PERMISSIONS) as Permission[]).map((key) => ({ key, label: PERMISSIONS[key] })),
  }))

  r.admin('get', '/users', 'users.manage', { schemas: { query: UserListQuery } }, async (ctx) => {
    const { fullPii, ...page } = await staff.listUsers(ctx.state.input.query, ctx.state.user)
    if (fullPii && page.items.some((u) => u.phone))
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'admin_user', id: null },
        fields: ['phone'],
      })
    return page
  })
  r.admin('post', '/users', 'users.manage', { schemas: { body: UserCreate } }, async (ctx) => {
    const user = await staff.createUser(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'user.create',
      target: { type: 'admin_user', id: user.id },
      fields: Object.keys(ctx.state.input.body).filter((k) => k !== 'password'),
    })
    ctx.status = 201
    return user
  })
  r.admin(
    'patch',
    '/users/:id',
    'users.manage',
    { schemas: { params: IdParams, body: UserUpdate } },
    async (ctx) => {
      const { user, changed } = await staff.updateUser(
        ctx.state.input.params.id,
        ctx.state.input.body,
        ctx.state.user,
      )
      await audit.record(ctx, {
        action: 'user.update',
        target: { type: 'admin_user', id: user.id },
        fields: changed,
      })
      return user
    },
  )
  r.admin(
    'post',
    '/users/:id/password',
    'users.manage',
    { schemas: { params: IdParams, body: ResetPassword } },
    async (ctx) => {
      await staff.resetPassword(ctx.state.input.params.id, ctx.state.input.body.password, ctx.state.user)
      await audit.record(ctx, {
        action: 'user.password.reset',
        target: { type: 'admin_user', id: ctx.state.input.params.id },
      })
    },
  )

  r.admin('get', '/login-throttles', 'users.manage', { schemas: { query: ThrottleListQuery } }, (ctx) =>
    staff.listThrottles(ctx.state.input.query),
  )
  r.admin('post', '/login-throttles/lift', 'users.manage', { schemas: { body: ThrottleLift } }, async (ctx) => {
    await staff.liftThrottle(ctx.state.input.body.username)
    await audit.record(ctx, {
      action: 'user.unlock',
      target: { type: 'login_name', id: ctx.state.input.body.username },
    })
  })

  r.admin('get', '/roles', 'users.manage', {}, () => staff.listRoles())
  r.admin('post', '/roles', 'users.manage', { schemas: { body: RoleCreate } }, async (ctx) => {
    const role = await staff.createRole(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'role.create',
      target: { type: 'role', id: role.id },
      fields: ['name', 'permissions'],
    })
    ctx.status = 201
    return role
  })
  r.admin(
    'patch',
    '/roles/:id',
    'users.manage',
    { schemas: { params: IdParams, body: RoleUpdate } },
    async (ctx) => {
      const role = await staff.updateRole(ctx.state.input.params.id, ctx.state.input.body, ctx.state.user)
      await audit.record(ctx, {
        action: 'role.update',
        target: { type: 'role', id: role.id },
        fields: Object.keys(ctx.state.input.body),
      })
      return role
    },
  )
  r.admin('delete', '/roles/:id', 'users.manage', { schemas: { params: IdParams } }, async (ctx) => {
    await staff.deleteRole(ctx.state.input.params.id, ctx.state.user)
    await audit.record(ctx, {
      action: 'role.delete',
      target: { type: 'role', id: ctx.state.input.params.id },
    })
  })
}
