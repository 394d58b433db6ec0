import { describe, expect, it } from 'vitest'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser } from '../support/factories.js'
import { uniqueOpenid, world } from '../support/world.js'

// One small test per named refusal of the accounts and enterprises endpoints that had none.
const w = world()

describe('console sign-in and staff refusals', () => {
  it('refuses a wrong password with 401 LOGIN_FAILED, in the same words as an unknown name', async () => {
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const wrong = await w.api.call('POST', '/admin/v1/auth/login', {
      body: { username: admin.username, password: 'Wrong-password-1' },
    })
    const unknown = await w.api.call('POST', '/admin/v1/auth/login', {
      body: { username: `nobody${Date.now()}`, password: 'Wrong-password-1' },
    })
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(res.body.error).toEqual({ code: 'LOGIN_FAILED', message: '用户名或密码错误' })
    }
  })

  it('refuses to let an administrator disable themselves with 400 SELF_CHANGE_FORBIDDEN', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const res = await w.api.call('PATCH', `/admin/v1/users/${root.id}`, {
      token: root.token,
      body: { disabled: true },
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'SELF_CHANGE_FORBIDDEN',
      message: '不能停用自己或修改自己的角色，请让其他管理员操作',
    })
  })

  it('refuses to change or delete a built-in role with 400 ROLE_BUILTIN', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const roles = await w.api.call('GET', '/admin/v1/roles', { token: root.token })
    const builtIn = roles.body.items.find((r: { builtIn: boolean }) => r.builtIn)
    const renamed = await w.api.call('PATCH', `/admin/v1/roles/${builtIn.id}`, {
      token: root.token,
      body: { name: '改名的内置角色' },
    })
    expect(renamed.status).toBe(400)
    expect(renamed.body.error).toMatchObject({
      code: 'ROLE_BUILTIN',
      message: '内置角色不可修改，请新建自定义角色',
    })
    const deleted = await w.api.call('DELETE', `/admin/v1/roles/${builtIn.id}`, { token: root.token })
    expect(deleted.status).toBe(400)
    expect(deleted.body.error).toMatchObject({ code: 'ROLE_BUILTIN', message: '内置角色不可删除' })
  })
})

describe('mini-program sign-in refusals', () => {
  it("answers WeChat's 45011 with 429 WX_RATE_LIMITED and Retry-After", async () => {
    const code = await w.loginCode(uniqueOpenid())
    await w.wx.inject({ endpoint: 'jscode2session', errcode: 45011, times: 1 })
    const res = await w.api.call('POST', '/mp/v1/auth/login', { body: { code } })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('60')
    expect(res.body.error).toMatchObject({
      code: 'WX_RATE_LIMITED',
      message: '微信登录过于频繁，请稍后再试',
      details: { errcode: 45011 },
    })
  })

  it('answers an errcode nobody can act on with 502 WX_ERROR', async () => {
    const code = await w.loginCode(uniqueOpenid())
    await w.wx.inject({ endpoint: 'jscode2session', errcode: 40013, times: 1 })
    const res = await w.api.call('POST', '/mp/v1/auth/login', { body: { code } })
    expect(res.status).toBe(502)
    expect(res.body.error).toMatchObject({
      code: 'WX_ERROR',
      message: '微信服务暂时不可用，请稍后重试',
      details: { errcode: 40013 },
    })
  })

  it('refuses a phone number outside mainland China with 400 PHONE_UNSUPPORTED', async () => {
    const user = await buildMpUser(w)
    const res = await w.api.call('POST', '/mp/v1/me/phone', {
      token: user.token,
      body: { code: await w.phoneCode('+852 61234567') },
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'PHONE_UNSUPPORTED', message: '目前仅支持中国大陆手机号' })
    expect((await w.api.call('GET', '/mp/v1/me', { token: user.token })).body.phone).toBeNull()
  })
})

describe('join request refusals', () => {
  it('refuses a second decision on a join request with 409 ALREADY_DECIDED naming its state', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    const bind = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: boss.creditCode, name: boss.name },
    })
    const memberId = bind.body.membership.id as string
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    const decide = (decision: string) =>
      w.api.call('POST', `/admin/v1/enterprises/${boss.enterpriseId}/members/${memberId}/decision`, {
        token: reviewer.token,
        body: { decision },
      })
    expect((await decide('reject')).body.status).toBe('rejected')
    const again = await decide('approve')
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({
      code: 'ALREADY_DECIDED',
      message: '该申请已处理，请刷新列表',
      details: { current: 'rejected' },
    })
    const detail = await w.api.call('GET', `/admin/v1/enterprises/${boss.enterpriseId}`, {
      token: reviewer.token,
    })
    expect(detail.body.memberCount).toBe(1)
  })

  it('refuses enterprise routes to someone bound to no enterprise with 403 ENTERPRISE_REQUIRED', async () => {
    const loner = await buildMpUser(w)
    const res = await w.api.call('GET', '/mp/v1/enterprise/members', { token: loner.token })
    expect(res.status).toBe(403)
    expect(res.body.error).toMatchObject({ code: 'ENTERPRISE_REQUIRED', message: '请先绑定企业并通过审核' })
  })

  it('answers 404 for a join request of another enterprise', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const other = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    const bind = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: boss.creditCode, name: boss.name },
    })
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    const res = await w.api.call(
      'POST',
      `/admin/v1/enterprises/${other.enterpriseId}/members/${bind.body.membership.id}/decision`,
      { token: reviewer.token, body: { decision: 'approve' } },
    )
    expect(res.status).toBe(404)
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: '加入申请不存在或无权查看' })
  })
})

describe('upload refusals', () => {
  it('refuses a form with more parts than an upload has with 400 MULTIPART_INVALID', async () => {
    const user = await buildMpUser(w)
    const form = new FormData()
    for (let i = 0; i < 25; i++) form.append(`field${i}`, 'x')
    const res = await fetch(`${w.api.url}/mp/v1/files?purpose=enterprise-licence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}` },
      body: form,
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'MULTIPART_INVALID',
      message: '上传内容包含过多字段',
    })
  })
})
