import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { RoleModel } from '@zct/api/internal/modules/staff/staff.model'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world({ LOGIN_MAX_FAILURES: '3' })
const login = (username: string, password: string) =>
  w.api.call('POST', '/admin/v1/auth/login', { body: { username, password } })

describe('console sign-in', () => {
  it('signs in and answers /me with roles and permissions', async () => {
    const a = await buildAdmin(w.api, { roles: ['content_editor'] })
    const me = await w.api.call('GET', '/admin/v1/me', { token: a.token })
    expect(me.status).toBe(200)
    expect(me.body.roles.map((r: { key: string }) => r.key)).toEqual(['content_editor'])
    expect(me.body.permissions).toEqual(['content.manage'])
  })

  it('changing the password ends every existing session', async () => {
    const a = await buildAdmin(w.api, { roles: ['finance'] })
    const wrongOld = await w.api.call('POST', '/admin/v1/me/password', {
      token: a.token,
      body: { oldPassword: 'nope', newPassword: 'NewPassw0rd-x' },
    })
    expect(wrongOld.status).toBe(400)
    expect(wrongOld.body.error.details.fields[0].path).toBe('oldPassword')
    const weak = await w.api.call('POST', '/admin/v1/me/password', {
      token: a.token,
      body: { oldPassword: a.password, newPassword: 'short' },
    })
    expect(weak.status).toBe(400)
    const ok = await w.api.call('POST', '/admin/v1/me/password', {
      token: a.token,
      body: { oldPassword: a.password, newPassword: 'NewPassw0rd-x' },
    })
    expect(ok.status).toBe(204)
    expect((await w.api.call('GET', '/admin/v1/me', { token: a.token })).status).toBe(401)
    expect(
      (await w.api.call('POST', '/admin/v1/auth/refresh', { body: { refreshToken: a.refreshToken } })).status,
    ).toBe(401)
    expect((await login(a.username, 'NewPassw0rd-x')).status).toBe(200)
  })

  it('logout ends the access token and the refresh token', async () => {
    const a = await buildAdmin(w.api, { roles: ['finance'] })
    expect(
      (
        await w.api.call('POST', '/admin/v1/auth/logout', {
          token: a.token,
          body: { refreshToken: a.refreshToken },
        })
      ).status,
    ).toBe(204)
    expect((await w.api.call('GET', '/admin/v1/me', { token: a.token })).status).toBe(401)
    expect(
      (await w.api.call('POST', '/admin/v1/auth/refresh', { body: { refreshToken: a.refreshToken } })).status,
    ).toBe(401)
  })
})

describe('console users and roles', () => {
  it('creates a user who must change the password first, and records it in the audit log', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const role = await RoleModel.findOne({ key: 'content_editor' }).lean()
    const res = await w.api.call('POST', '/admin/v1/users', {
      token: root.token,
      body: {
        username: 'Editor.Li',
        displayName: '李编辑',
        password: 'Initial-pass1',
        roleIds: [role!._id.toHexString()],
        phone: '13900001111',
      },
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ username: 'editor.li', phone: '139****1111', disabled: false })
    const signIn = await login('editor.li', 'Initial-pass1')
    expect(signIn.body.user.mustChangePassword).toBe(true)
    const audit = await w.api.call('GET', `/admin/v1/audit?action=user.create&targetId=${res.body.id}`, {
      token: root.token,
    })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0]).toMatchObject({
      actor: { name: root.username },
      fields: expect.arrayContaining(['username', 'phone']),
    })
    expect(audit.body.items[0].fields).not.toContain('password')
    const dup = await w.api.call('POST', '/admin/v1/users', {
      token: root.token,
      body: {
        username: 'editor.li',
        displayName: '重复',
        password: 'Initial-pass1',
        roleIds: [role!._id.toHexString()],
      },
    })
    expect(dup.status).toBe(409)
    expect(dup.body.error.message).toMatch(/用户名已存在/)
  })

  it('refuses to let a role manager grant permissions they do not hold, listing what was refused', async () => {
    const manager = await buildAdmin(w.api, { permissions: ['users.manage', 'content.manage'] })
    const financeRole = await RoleModel.findOne({ key: 'finance' }).lean()
    const res = await w.api.call('POST', '/admin/v1/users', {
      token: manager.token,
      body: {
        username: 'sneaky',
        displayName: '越权',
        password: 'Initial-pass1',
        roleIds: [financeRole!._id.toHexString()],
      },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('GRANT_REFUSED')
    expect(res.body.error.details.refused.sort()).toEqual(['claim.pay', 'pii.read'])
    const role = await w.api.call('POST', '/admin/v1/roles', {
      token: manager.token,
      body: { name: '越权角色', permissions: ['content.manage', 'audit.read'] },
    })
    expect(role.status).toBe(403)
    expect(role.body.error.details.refused).toEqual(['audit.read'])
  })

  it('refuses mass-assigned fields in console writes', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const res = await w.api.call('PATCH', `/admin/v1/users/${root.id}`, {
      token: root.token,
      body: { displayName: 'x', tokenVersion: 5 },
    })
    expect(res.status).toBe(400)
  })

  it('a disabled user loses access immediately', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const victim = await buildAdmin(w.api, { roles: ['finance'] })
    const res = await w.api.call('PATCH', `/admin/v1/users/${victim.id}`, {
      token: root.token,
      body: { disabled: true },
    })
    expect(res.status).toBe(200)
    expect((await w.api.call('GET', '/admin/v1/me', { token: victim.token })).status).toBe(401)
    expect((await login(victim.username, victim.password)).body.error.code).toBe('ACCOUNT_DISABLED')
  })

  it('shows phone numbers in full only to holders of pii.read, and audits that view', async () => {
    const plain = await buildAdmin(w.api, { permissions: ['users.manage'] })
    const pii = await buildAdmin(w.api, { permissions: ['users.manage', 'pii.read', 'audit.read'] })
    await mongoose.connection
      .db!.collection('admin_users')
      .updateOne(
        { username: plain.username },
        { $set: { phoneEnc: w.api.platform.cipher.encrypt('13711112222') } },
      )
    const masked = await w.api.call('GET', `/admin/v1/users?q=${plain.username}`, { token: plain.token })
    expect(masked.body.items[0].phone).toBe('137****2222')
    const full = await w.api.call('GET', `/admin/v1/users?q=${plain.username}`, { token: pii.token })
    expect(full.body.items[0].phone).toBe('13711112222')
    const audit = await w.api.call('GET', `/admin/v1/audit?action=pii.view&actorId=${pii.id}`, {
      token: pii.token,
    })
    expect(audit.body.items[0]).toMatchObject({ fields: ['phone'], target: { type: 'admin_user' } })
  })

  it('keeps built-in roles read-only and refuses deleting a role still in use', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const roles = await w.api.call('GET', '/admin/v1/roles', { token: root.token })
    const builtIn = roles.body.items.find((r: { key: string }) => r.key === 'finance')
    expect(
      (
        await w.api.call('PATCH', `/admin/v1/roles/${builtIn.id}`, {
          token: root.token,
          body: { name: '改名' },
        })
      ).status,
    ).toBe(400)
    const custom = await w.api.call('POST', '/admin/v1/roles', {
      token: root.token,
      body: { name: '统计查看', permissions: ['stats.read'] },
    })
    expect(custom.status).toBe(201)
    await w.api.call('POST', '/admin/v1/users', {
      token: root.token,
      body: {
        username: 'stats.viewer',
        displayName: '统计',
        password: 'Initial-pass1',
        roleIds: [custom.body.id],
      },
    })
    const del = await w.api.call('DELETE', `/admin/v1/roles/${custom.body.id}`, { token: root.token })
    expect(del.status).toBe(409)
    expect(del.body.error.code).toBe('ROLE_IN_USE')
  })

  // Last: it spends this address's refresh budget for the rest of the file.
  it('rate-limits token refreshes from one address with 429 and RateLimit headers', async () => {
    // Earlier tests of this file spent part of the address's 30 refreshes a minute.
    const statuses: number[] = []
    let last
    for (let i = 0; i < 31 && last?.status !== 429; i++) {
      last = await w.api.call('POST', '/admin/v1/auth/refresh', {
        body: { refreshToken: `not-a-real-token-${i}` },
      })
      statuses.push(last.status)
    }
    expect(statuses.at(-1)).toBe(429)
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true)
    expect(statuses.length).toBeGreaterThan(20)
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(last!.headers.get('ratelimit-limit')).toBe('30')
    expect(last!.headers.get('ratelimit-remaining')).toBe('0')
  })
})
