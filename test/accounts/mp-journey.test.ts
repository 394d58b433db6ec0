import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { EnterpriseEndpoints as Ent } from '@zct/api/contracts/enterprises/enterprises'
import { MpAccountEndpoints as Acc } from '@zct/api/contracts/mp-accounts/mp-accounts'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin, buildCreditCode, buildEnterpriseAdmin, buildMpUser } from '../support/factories.js'
import { uniqueOpenid, world } from '../support/world.js'

const w = world()

describe('mini-program accounts', () => {
  it('signs in with a wx.login code and never returns the session_key', async () => {
    const openid = uniqueOpenid()
    const res = await w.api.request(Acc.login, { body: { code: await w.loginCode(openid) } })
    expectOk(res)
    expect(res.body).toMatchObject({
      expiresIn: 900,
      user: { nickname: '微信用户', phone: null, enterprise: null },
    })
    expect(JSON.stringify(res.body)).not.toMatch(/session_?key/i)
    // The body is typed by the contract, not `any`: reading a field it does not declare fails the type check.
    // @ts-expect-error MpSession has no sessionKey
    expect(res.body.sessionKey).toBeUndefined()
    const stored = await mongoose.connection.db!.collection('mp_users').findOne({ openid })
    expect(stored?.sessionKeyEnc).toMatch(/^v1\.k1\./)
  })

  it('refuses an invalid or reused wx.login code with an actionable message', async () => {
    const code = await w.loginCode(uniqueOpenid())
    expectOk(await w.api.request(Acc.login, { body: { code } }))
    const reused = await w.api.request(Acc.login, { body: { code } })
    expectRefused(reused, 400, 'WX_CODE_INVALID')
    expect(reused.body.error.message).toMatch(/重新打开小程序/)
    const bogus = await w.api.request(Acc.login, { body: { code: 'not-a-code' } })
    expect(bogus.status).toBe(400)
  })

  it('binds a phone number, encrypted at rest and masked in responses', async () => {
    const u = await buildMpUser(w)
    const res = await w.api.request(Acc.bindPhone, {
      token: u.token,
      body: { code: await w.phoneCode('13812345678') },
    })
    expectOk(res)
    expect(res.body.phone).toBe('138****5678')
    const raw = await mongoose.connection.db!.collection('mp_users').findOne({ openid: u.openid })
    expect(JSON.stringify(raw)).not.toContain('13812345678')
    expect(raw?.phoneHash).toBeTruthy()
  })

  it('updates the profile but refuses fields the user may not set', async () => {
    const u = await buildMpUser(w)
    const ok = await w.api.request(Acc.updateProfile, { token: u.token, body: { nickname: '张工' } })
    expectOk(ok)
    expect(ok.body.nickname).toBe('张工')
    // fields the contract does not have: sent untyped, as a tampered client would
    const sneaky = await w.api.call('PATCH', '/mp/v1/me', {
      token: u.token,
      body: { nickname: 'x', tokenVersion: 0, enterpriseId: 'abc' },
    })
    expect(sneaky.status).toBe(400)
    expect(sneaky.body.error.code).toBe('VALIDATION_FAILED')
  })

  it('rotates refresh tokens and revokes the session when an old one is replayed', async () => {
    const u = await buildMpUser(w)
    const first = await w.api.request(Acc.refresh, { body: { refreshToken: u.refreshToken } })
    expectOk(first)
    const replay = await w.api.request(Acc.refresh, { body: { refreshToken: u.refreshToken } })
    expectRefused(replay, 401, 'REFRESH_INVALID')
    // The replay revoked the whole family, including the token issued by the first rotation.
    const next = await w.api.request(Acc.refresh, { body: { refreshToken: first.body.refreshToken } })
    expectRefused(next, 401, 'REFRESH_INVALID')
  })

  it('logs out: the access token stops working at once', async () => {
    const u = await buildMpUser(w)
    expectOk(await w.api.request(Acc.logout, { token: u.token, body: { refreshToken: u.refreshToken } }), 204)
    expect((await w.api.request(Acc.me, { token: u.token })).status).toBe(401)
  })
})

describe('enterprise binding', () => {
  it('makes the first member the administrator and lets them approve a later join request', async () => {
    const boss = await buildEnterpriseAdmin(w, '韶关市测试知识产权服务有限公司')
    const me = await w.api.request(Acc.me, { token: boss.token })
    expectOk(me)
    expect(me.body.enterprise).toMatchObject({
      name: '韶关市测试知识产权服务有限公司',
      role: 'admin',
      status: 'active',
      verificationStatus: 'verified',
    })

    const staff = await buildMpUser(w)
    const join = await w.api.request(Ent.bind, {
      token: staff.token,
      body: { creditCode: boss.creditCode.toLowerCase(), name: '韶关市测试知识产权服务有限公司' },
    })
    expectOk(join, 202)
    expect(join.body.membership).toMatchObject({ role: 'member', status: 'pending' })

    const members = await w.api.request(Ent.members, { token: boss.token })
    expectOk(members)
    const pending = members.body.items.find((m) => m.status === 'pending')
    expect(pending?.userId).toBe(staff.id)

    const params = { memberId: pending!.id }
    const decided = await w.api.request(Ent.decideMember, {
      token: boss.token,
      params,
      body: { decision: 'approve' },
    })
    expectOk(decided)
    expect(decided.body.status).toBe('active')
    const after = await w.api.request(Acc.me, { token: staff.token })
    expectOk(after)
    expect(after.body.enterprise).toMatchObject({ role: 'member', status: 'active' })
    const again = await w.api.request(Ent.decideMember, {
      token: boss.token,
      params,
      body: { decision: 'reject' },
    })
    expect(again.status).toBe(409)
  })

  it('lets bureau staff approve join requests from the console', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: boss.creditCode, name: boss.name },
    })
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    const queue = await w.api.call('GET', '/admin/v1/join-requests?status=pending', { token: reviewer.token })
    const req = queue.body.items.find((r: { userId: string }) => r.userId === applicant.id)
    expect(req.enterprise.name).toBe(boss.name)
    const res = await w.api.call(
      'POST',
      `/admin/v1/enterprises/${boss.enterpriseId}/members/${req.id}/decision`,
      {
        token: reviewer.token,
        body: { decision: 'approve' },
      },
    )
    expect(res.status).toBe(200)
    const detail = await w.api.call('GET', `/admin/v1/enterprises/${boss.enterpriseId}`, {
      token: reviewer.token,
    })
    expect(detail.body.memberCount).toBe(2)
  })

  it("refuses an enterprise administrator acting on another enterprise's request (404, not revealed)", async () => {
    const a = await buildEnterpriseAdmin(w)
    const b = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: b.creditCode, name: b.name },
    })
    const list = await w.api.request(Ent.members, { token: b.token })
    expectOk(list)
    const pending = list.body.items.find((m) => m.status === 'pending')!
    const res = await w.api.request(Ent.decideMember, {
      token: a.token,
      params: { memberId: pending.id },
      body: { decision: 'approve' },
    })
    expectRefused(res, 404, 'NOT_FOUND')
  })

  it('refuses a credit code whose check character is wrong, naming the field', async () => {
    const u = await buildMpUser(w)
    const good = buildCreditCode()
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
    const res = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: u.token,
      body: { creditCode: bad, name: '某某有限公司' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields[0]).toMatchObject({ path: 'creditCode' })
    expect(res.body.error.details.fields[0].message).toMatch(/校验不通过/)
  })

  it('turns a name that does not match the registered enterprise into a join request, flagged for the approver', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const u = await buildMpUser(w)
    const res = await w.api.request(Ent.bind, {
      token: u.token,
      body: { creditCode: boss.creditCode, name: '另一家公司' },
    })
    expectOk(res, 202)
    expect(res.body).toMatchObject({
      enterprise: { name: '另一家公司' },
      membership: { role: 'member', status: 'pending' },
    })
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
    const queue = await w.api.call('GET', '/admin/v1/join-requests?status=pending&pageSize=100', {
      token: reviewer.token,
    })
    expect(queue.body.items.find((r: { userId: string }) => r.userId === u.id)).toMatchObject({
      enterprise: { name: boss.name },
      appliedName: '另一家公司',
      nameMismatch: true,
    })
  })

  it('gives exactly one administrator when two people bind a new enterprise at the same moment', async () => {
    const creditCode = buildCreditCode()
    const users = await Promise.all(Array.from({ length: 6 }, () => buildMpUser(w)))
    const results = await Promise.all(
      users.map((u) =>
        w.api.request(Ent.bind, { token: u.token, body: { creditCode, name: '并发测试有限公司' } }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    expect(results.filter((r) => r.status === 202)).toHaveLength(5)
  })

  it('refuses binding a second enterprise', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const res = await w.api.request(Ent.bind, {
      token: boss.token,
      body: { creditCode: buildCreditCode(), name: '第二家公司' },
    })
    expectRefused(res, 409, 'ALREADY_BOUND')
  })
})
