import { randomBytes } from 'node:crypto'
import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { AdminUserModel, RoleModel } from '@zct/api/internal/modules/staff/staff.model'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { world } from '../support/world.js'

// Addresses come from X-Forwarded-For (TRUST_PROXY), so each test signs in from addresses of its own.
const w = world({ LOGIN_MAX_FAILURES: '3', LOGIN_SPRAY_FAILURES: '8', TRUST_PROXY: 'true' })
const newIp = () => `10.${[1, 2, 3].map(() => randomBytes(1)[0]!).join('.')}`
const login = (username: string, password: string, ip: string) =>
  w.api.call('POST', '/admin/v1/auth/login', {
    body: { username, password },
    headers: { 'x-forwarded-for': ip },
  })
/** Moves a name's delays into the past, as if their time had elapsed. */
async function letDelaysElapse(username: string) {
  const r = w.api.redis
  for (const key of await r.keys(`${w.api.prefix}:login:*${username}*`))
    if ((await r.type(key)) === 'hash') await r.hset(key, 'until', '0')
}
/** Headers that must not differ between two refusals (request ids and dates always do). */
function comparable(h: Headers) {
  const out: [string, string][] = []
  h.forEach((v, k) => {
    if (!['x-request-id', 'date'].includes(k)) out.push([k, v])
  })
  return out.sort()
}

async function createUser(
  by: AdminSession,
  roleKeys: string[],
  password = `Tmp-${randomBytes(6).toString('hex')}7`,
) {
  const roleIds = []
  for (const key of roleKeys) roleIds.push((await RoleModel.findOne({ key }).lean())!._id.toHexString())
  const username = `t${randomBytes(5).toString('hex')}`
  const res = await w.api.call('POST', '/admin/v1/users', {
    token: by.token,
    body: { username, displayName: '测试用户', password, roleIds },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return { id: res.body.id as string, username, password }
}

describe('sign-in abuse', () => {
  it('answers an unknown username and a wrong password identically, failures and delays alike', async () => {
    const real = await buildAdmin(w.api, { roles: ['finance'] })
    const ip = newIp()
    const ghost = `ghost${randomBytes(4).toString('hex')}`
    for (let i = 0; i < 4; i++) {
      const known = await login(real.username, `wrong-${i}-Passw0rd`, ip)
      const unknown = await login(ghost, `wrong-${i}-Passw0rd`, ip)
      expect(known.status).toBe(i < 3 ? 401 : 429)
      expect(unknown.body).toEqual(known.body)
      expect(comparable(unknown.headers)).toEqual(comparable(known.headers))
    }
    expect(
      (await login(real.username, 'x-Passw0rd', newIp())).body.error.message,
      'no countdown that only real accounts get',
    ).toBe('用户名或密码错误')
  })

  it('delays a name progressively from one address (30 s, then 60 s), even for names that do not exist', async () => {
    for (const username of [(await buildAdmin(w.api, { roles: ['finance'] })).username, 'nobody.at.all']) {
      const ip = newIp()
      for (let i = 0; i < 3; i++) expect((await login(username, `Wrong-${i}-pass`, ip)).status).toBe(401)
      const first = await login(username, 'Wrong-again-1', ip)
      expect(first.status).toBe(429)
      expect(first.body.error.code).toBe('LOGIN_THROTTLED')
      expect(first.body.error.message).toMatch(/登录失败次数过多，请 \d+ 秒后再试/)
      expect(Number(first.headers.get('retry-after'))).toBe(30)
      await letDelaysElapse(username)
      expect((await login(username, 'Wrong-again-2', ip)).status).toBe(401)
      const second = await login(username, 'Wrong-again-3', ip)
      expect(second.status).toBe(429)
      expect(Number(second.headers.get('retry-after'))).toBe(60)
    }
  })

  it('never shuts the owner out: a stranger failing from many addresses does not delay the usual address', async () => {
    const owner = await buildAdmin(w.api, { roles: ['finance'] })
    const home = newIp()
    expect((await login(owner.username, owner.password, home)).status).toBe(200)
    // 12 failures (4 × LOGIN_MAX_FAILURES) from 6 addresses start the account-wide delay.
    for (let i = 0; i < 12; i++) await login(owner.username, `Guess-${i}-pw`, newIp())
    const stranger = await login(owner.username, owner.password, newIp())
    expect(stranger.status).toBe(429)
    expect(Number(stranger.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect((await login(owner.username, owner.password, home)).status).toBe(200)

    // The user list shows the account-wide delay until it is lifted.
    const manager = await buildAdmin(w.api, { permissions: ['users.manage'] })
    const listed = async () =>
      (
        await w.api.call('GET', `/admin/v1/users?q=${owner.username}`, { token: manager.token })
      ).body.items.find((u: { id: string }) => u.id === owner.id)
    const shown = await listed()
    expect(new Date(shown.throttledUntil).getTime()).toBeGreaterThan(Date.now())
    const lift = await w.api.call('POST', '/admin/v1/login-throttles/lift', {
      token: manager.token,
      body: { username: owner.username },
    })
    expect(lift.status).toBe(204)
    expect((await listed()).throttledUntil).toBeNull()
  })

  it('limits one address spraying many usernames with 429', async () => {
    const ip = newIp()
    for (let i = 0; i < 8; i++)
      expect((await login(`spray${i}${randomBytes(3).toString('hex')}`, 'Spring2026!', ip)).status).toBe(401)
    const next = await login('someone.else', 'Spring2026!', ip)
    expect(next.status).toBe(429)
    expect(next.body.error.code).toBe('LOGIN_THROTTLED')
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(800)
    // Another address is not affected.
    expect((await login('someone.else', 'Spring2026!', newIp())).status).toBe(401)
  })

  it('shows user managers who was throttled, from where, and lets them lift it (audited)', async () => {
    const manager = await buildAdmin(w.api, { permissions: ['users.manage', 'audit.read'] })
    const victim = await buildAdmin(w.api, { roles: ['finance'] })
    const ip = newIp()
    for (let i = 0; i < 3; i++) await login(victim.username, `Nope-${i}-pass`, ip)
    const list = await w.api.call('GET', '/admin/v1/login-throttles?active=true', { token: manager.token })
    expect(list.status).toBe(200)
    const entry = list.body.items.find((t: { username: string }) => t.username === victim.username)
    expect(entry).toMatchObject({ userId: victim.id, ip, scope: 'pair', failures: 3, active: true })
    expect((await login(victim.username, victim.password, ip)).status).toBe(429)

    const lift = await w.api.call('POST', '/admin/v1/login-throttles/lift', {
      token: manager.token,
      body: { username: victim.username },
    })
    expect(lift.status).toBe(204)
    expect((await login(victim.username, victim.password, ip)).status).toBe(200)
    const after = await w.api.call('GET', '/admin/v1/login-throttles', { token: manager.token })
    expect(after.body.items.find((t: { id: string }) => t.id === entry.id).active).toBe(false)
    const audit = await w.api.call('GET', '/admin/v1/audit?action=user.unlock', { token: manager.token })
    expect(audit.body.items[0]).toMatchObject({ target: { type: 'login_name', id: victim.username } })

    const outsider = await buildAdmin(w.api, { roles: ['finance'] })
    expect((await w.api.call('GET', '/admin/v1/login-throttles', { token: outsider.token })).status).toBe(403)
  })

  it('refuses common and guessable passwords with a field message, wherever a password is set', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const role = (await RoleModel.findOne({ key: 'finance' }).lean())!._id.toHexString()
    const created = await w.api.call('POST', '/admin/v1/users', {
      token: root.token,
      body: { username: 'weak.one', displayName: '弱密码', password: 'password12', roleIds: [role] },
    })
    expect(created.status).toBe(400)
    expect(created.body.error.details.fields).toEqual([
      { path: 'password', message: expect.stringContaining('常见密码') },
    ])
    const u = await createUser(root, ['finance'])
    const reset = await w.api.call('POST', `/admin/v1/users/${u.id}/password`, {
      token: root.token,
      body: { password: 'qwerty12345' },
    })
    expect(reset.status).toBe(400)
    expect(reset.body.error.details.fields[0].path).toBe('password')
    const change = await w.api.call('POST', '/admin/v1/me/password', {
      token: root.token,
      body: { oldPassword: root.password, newPassword: `${root.username}123` },
    })
    expect(change.status).toBe(400)
    expect(change.body.error.details.fields[0]).toMatchObject({
      path: 'newPassword',
      message: expect.stringContaining('用户名'),
    })
  })
})

describe('forced password change', () => {
  it('answers 403 PASSWORD_CHANGE_REQUIRED on every console route but /me, the password change and logout', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const u = await createUser(root, ['super_admin'])
    const signIn = await login(u.username, u.password, newIp())
    expect(signIn.status).toBe(200)
    expect(signIn.body.user.mustChangePassword).toBe(true)
    const token = signIn.body.accessToken as string

    const open = new Set(['GET /admin/v1/me', 'POST /admin/v1/me/password', 'POST /admin/v1/auth/logout'])
    const wrong: string[] = []
    for (const route of w.api.routes) {
      if (route.access.audience !== 'admin') continue
      const name = `${route.method.toUpperCase()} ${route.path}`
      if (open.has(name)) continue
      const path = route.path.replace(/:(\w+)/g, () => new mongoose.Types.ObjectId().toHexString())
      const res = await w.api.call(route.method.toUpperCase(), path, {
        token,
        body: route.method === 'get' ? undefined : {},
      })
      if (res.status !== 403 || res.body.error.code !== 'PASSWORD_CHANGE_REQUIRED')
        wrong.push(`${name}: ${res.status} ${res.body?.error?.code}`)
    }
    expect(wrong).toEqual([])
    expect((await w.api.call('GET', '/admin/v1/me', { token })).status).toBe(200)

    const changed = await w.api.call('POST', '/admin/v1/me/password', {
      token,
      body: { oldPassword: u.password, newPassword: 'Lantern-river-2048' },
    })
    expect(changed.status).toBe(204)
    const again = await login(u.username, 'Lantern-river-2048', newIp())
    expect(again.body.user.mustChangePassword).toBe(false)
    expect((await w.api.call('GET', '/admin/v1/users', { token: again.body.accessToken })).status).toBe(200)
  })

  it('lets a temporary password work for 72 hours only, until an administrator resets it', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const u = await createUser(root, ['finance'])
    const stored = await AdminUserModel.findById(u.id).lean()
    const hours = (stored!.passwordExpiresAt!.getTime() - Date.now()) / 3600_000
    expect(hours).toBeGreaterThan(71.9)
    expect(hours).toBeLessThanOrEqual(72)

    const token = (await login(u.username, u.password, newIp())).body.accessToken as string
    await AdminUserModel.updateOne(
      { _id: u.id },
      { $set: { passwordExpiresAt: new Date(Date.now() - 1000) } },
    )
    const expired = await login(u.username, u.password, newIp())
    expect(expired.status).toBe(403)
    expect(expired.body.error).toMatchObject({ code: 'TEMP_PASSWORD_EXPIRED' })
    expect(expired.body.error.message).toContain('72 小时')
    const change = await w.api.call('POST', '/admin/v1/me/password', {
      token,
      body: { oldPassword: u.password, newPassword: 'Lantern-river-2048' },
    })
    expect(change.status).toBe(403)
    expect(change.body.error.code).toBe('TEMP_PASSWORD_EXPIRED')
    const me = await w.api.call('GET', '/admin/v1/me', { token })
    expect(me.status).toBe(200)
    expect(me.body.mustChangePassword).toBe(true)

    const reset = await w.api.call('POST', `/admin/v1/users/${u.id}/password`, {
      token: root.token,
      body: { password: 'Harbour-maple-5150' },
    })
    expect(reset.status).toBe(204)
    const fresh = await login(u.username, 'Harbour-maple-5150', newIp())
    expect(fresh.status).toBe(200)
    expect(fresh.body.user.mustChangePassword).toBe(true)
  })
})

describe('acting on a more powerful user or role', () => {
  async function setting() {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const junior = await buildAdmin(w.api, { permissions: ['users.manage'] })
    const chief = await buildAdmin(w.api, { roles: ['super_admin'] })
    return { root, junior, chief }
  }

  it("refuses a users.manage holder resetting a super administrator's password, and the old password still works", async () => {
    const { junior, chief } = await setting()
    const res = await w.api.call('POST', `/admin/v1/users/${chief.id}/password`, {
      token: junior.token,
      body: { password: 'Takeover-attempt-77' },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('TARGET_OUTRANKS')
    expect(res.body.error.message).toContain('超级管理员')
    expect((await login(chief.username, 'Takeover-attempt-77', newIp())).status).toBe(401)
    expect((await login(chief.username, chief.password, newIp())).status).toBe(200)
  })

  it("refuses removing a super administrator's roles", async () => {
    const { junior, chief } = await setting()
    const mine = (await AdminUserModel.findById(junior.id).lean())!.roleIds[0]!.toHexString()
    const res = await w.api.call('PATCH', `/admin/v1/users/${chief.id}`, {
      token: junior.token,
      body: { roleIds: [mine] },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('TARGET_OUTRANKS')
    const after = await w.api.call('GET', '/admin/v1/me', { token: chief.token })
    expect(after.body.roles.map((r: { key: string }) => r.key)).toEqual(['super_admin'])
  })

  it('refuses disabling a super administrator', async () => {
    const { junior, chief } = await setting()
    const res = await w.api.call('PATCH', `/admin/v1/users/${chief.id}`, {
      token: junior.token,
      body: { disabled: true },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('TARGET_OUTRANKS')
    expect((await w.api.call('GET', '/admin/v1/me', { token: chief.token })).status).toBe(200)
  })

  it('refuses renaming, rewriting or deleting a role that holds permissions the actor lacks', async () => {
    const { root, junior } = await setting()
    const strong = await w.api.call('POST', '/admin/v1/roles', {
      token: root.token,
      body: { name: `资金审批-${randomBytes(3).toString('hex')}`, permissions: ['claim.pay', 'pii.read'] },
    })
    const id = strong.body.id as string
    const attempts = [
      ['PATCH', { name: '改个名字' }],
      ['PATCH', { permissions: ['users.manage'] }],
      ['DELETE', undefined],
    ] as const
    for (const [method, body] of attempts) {
      const res = await w.api.call(method, `/admin/v1/roles/${id}`, { token: junior.token, body })
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(403)
      expect(res.body.error.code).toBe('TARGET_OUTRANKS')
      expect(res.body.error.details.beyond.sort()).toEqual(['claim.pay', 'pii.read'])
    }
    const role = await RoleModel.findById(id).lean()
    expect(role).toMatchObject({ name: strong.body.name, permissions: ['claim.pay', 'pii.read'] })
  })

  it('refuses a user holding every permission through a custom role acting on a super administrator', async () => {
    const { root, chief } = await setting()
    const all = (await RoleModel.findOne({ key: 'super_admin' }).lean())!.permissions
    const twin = await buildAdmin(w.api, { permissions: all as never })
    void root
    const res = await w.api.call('POST', `/admin/v1/users/${chief.id}/password`, {
      token: twin.token,
      body: { password: 'Takeover-attempt-78' },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('TARGET_OUTRANKS')
    const grant = await w.api.call('PATCH', `/admin/v1/users/${twin.id}`, {
      token: twin.token,
      body: { displayName: '自己' },
    })
    expect(grant.status).toBe(200)
  })

  it('allows managing users and roles that hold nothing beyond the actor', async () => {
    const { root, junior } = await setting()
    const peer = await buildAdmin(w.api, { permissions: ['users.manage'] })
    const reset = await w.api.call('POST', `/admin/v1/users/${peer.id}/password`, {
      token: junior.token,
      body: { password: 'Compass-violet-3141' },
    })
    expect(reset.status).toBe(204)
    const disable = await w.api.call('PATCH', `/admin/v1/users/${peer.id}`, {
      token: junior.token,
      body: { disabled: true },
    })
    expect(disable.status).toBe(200)
    const role = await w.api.call('POST', '/admin/v1/roles', {
      token: root.token,
      body: { name: `用户管理-${randomBytes(3).toString('hex')}`, permissions: ['users.manage'] },
    })
    const rename = await w.api.call('PATCH', `/admin/v1/roles/${role.body.id}`, {
      token: junior.token,
      body: { name: `用户管理员-${randomBytes(3).toString('hex')}` },
    })
    expect(rename.status).toBe(200)
    expect(
      (await w.api.call('DELETE', `/admin/v1/roles/${role.body.id}`, { token: junior.token })).status,
    ).toBe(204)
  })
})
