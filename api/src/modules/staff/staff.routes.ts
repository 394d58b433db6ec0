import { PERMISSIONS, type Permission } from '../../platform/permissions.js'
import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { StaffEndpoints as E } from './staff.contract.js'
import type { StaffService } from './staff.service.js'

export function registerStaffRoutes({ admin: r }: Routers, staff: StaffService, audit: AuditService) {
  r.endpoint(E.login, { audience: 'public', rateLimit: 'login' }, (ctx) => {
    const { username, password } = ctx.state.input.body
    return staff.login(username, password, ctx.ip)
  })
  r.endpoint(E.refresh, { audience: 'public', rateLimit: 'codeExchange' }, (ctx) =>
    staff.refresh(ctx.state.input.body.refreshToken),
  )
  const self = { audience: 'admin', permission: null } as const
  r.endpoint(E.logout, { ...self, whilePasswordChange: 'always' }, (ctx) =>
    staff.logout(ctx.state.user.id, ctx.state.input.body.refreshToken),
  )
  r.endpoint(E.me, { ...self, whilePasswordChange: 'always' }, (ctx) => staff.me(ctx.state.user.id))
  r.endpoint(E.changePassword, { ...self, whilePasswordChange: 'change' }, async (ctx) => {
    const { oldPassword, newPassword } = ctx.state.input.body
    await staff.changePassword(ctx.state.user.id, oldPassword, newPassword)
    await audit.record(ctx, {
      action: 'user.password.change',
      target: { type: 'admin_user', id: ctx.state.user.id },
    })
  })

  const manage = { audience: 'admin', permission: 'users.manage' } as const
  r.endpoint(E.permissions, manage, () => ({
    items: (Object.keys(PERMISSIONS) as Permission[]).map((key) => ({ key, label: PERMISSIONS[key] })),
  }))

  r.endpoint(E.listUsers, manage, async (ctx) => {
    const { fullPii, ...page } = await staff.listUsers(ctx.state.input.query, ctx.state.user)
    if (fullPii && page.items.some((u) => u.phone))
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'admin_user', id: null },
        fields: ['phone'],
      })
    return page
  })
  r.endpoint(E.createUser, manage, async (ctx) => {
    const user = await staff.createUser(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'user.create',
      target: { type: 'admin_user', id: user.id },
      fields: Object.keys(ctx.state.input.body).filter((k) => k !== 'password'),
    })
    return user
  })
  r.endpoint(E.updateUser, manage, async (ctx) => {
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
  })
  r.endpoint(E.resetPassword, manage, async (ctx) => {
    await staff.resetPassword(ctx.state.input.params.id, ctx.state.input.body.password, ctx.state.user)
    await audit.record(ctx, {
      action: 'user.password.reset',
      target: { type: 'admin_user', id: ctx.state.input.params.id },
    })
  })

  r.endpoint(E.listThrottles, manage, (ctx) => staff.listThrottles(ctx.state.input.query))
  r.endpoint(E.liftThrottle, manage, async (ctx) => {
    await staff.liftThrottle(ctx.state.input.body.username)
    await audit.record(ctx, {
      action: 'user.unlock',
      target: { type: 'login_name', id: ctx.state.input.body.username },
    })
  })

  r.endpoint(E.listRoles, manage, () => staff.listRoles())
  r.endpoint(E.createRole, manage, async (ctx) => {
    const role = await staff.createRole(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'role.create',
      target: { type: 'role', id: role.id },
      fields: ['name', 'permissions'],
    })
    return role
  })
  r.endpoint(E.updateRole, manage, async (ctx) => {
    const role = await staff.updateRole(ctx.state.input.params.id, ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'role.update',
      target: { type: 'role', id: role.id },
      fields: Object.keys(ctx.state.input.body),
    })
    return role
  })
  r.endpoint(E.deleteRole, manage, async (ctx) => {
    await staff.deleteRole(ctx.state.input.params.id, ctx.state.user)
    await audit.record(ctx, {
      action: 'role.delete',
      target: { type: 'role', id: ctx.state.input.params.id },
    })
  })
}
