import { randomBytes } from 'node:crypto'
import { AdminUserModel, RoleModel } from '@zct/api/internal/modules/staff/staff.model'
import type { Permission } from '@zct/api/internal/platform/permissions'
import type { TestApi } from './api.js'
import { buildCreditCode } from './credit-code.js'
import { uniqueOpenid, type World } from './world.js'

export { buildCreditCode } from './credit-code.js'

export interface AdminSession {
  id: string
  username: string
  password: string
  token: string
  refreshToken: string
}

/**
 * A console user holding the given built-in role keys (or a fresh custom role with `permissions`),
 * signed in over HTTP. Passwords need no change first (mustChangePassword cleared) unless asked.
 */
export async function buildAdmin(
  api: TestApi,
  opts: {
    roles?: string[]
    permissions?: Permission[]
    mustChangePassword?: boolean
    stationId?: string
  } = {},
): Promise<AdminSession> {
  const roleIds = []
  for (const key of opts.roles ?? []) roleIds.push((await RoleModel.findOne({ key }).lean())!._id)
  if (opts.permissions) {
    const role = new RoleModel({
      name: `测试角色-${randomBytes(4).toString('hex')}`,
      permissions: opts.permissions,
    })
    role.key = `custom_${role._id.toHexString()}`
    await role.save()
    roleIds.push(role._id)
  }
  const username = `u${randomBytes(5).toString('hex')}`
  const password = `Pw-${randomBytes(6).toString('hex')}1`
  const id = await api.platform.services.staff.createSuperAdmin(username, password, false)
  await AdminUserModel.updateOne(
    { _id: id },
    {
      $set: {
        roleIds,
        mustChangePassword: opts.mustChangePassword ?? false,
        stationId: opts.stationId ?? null,
      },
    },
  )
  const res = await api.call('POST', '/admin/v1/auth/login', { body: { username, password } })
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { id: id!, username, password, token: res.body.accessToken, refreshToken: res.body.refreshToken }
}

export interface MpSession {
  id: string
  openid: string
  token: string
  refreshToken: string
}

/** A mini-program user signed in through the fake WeChat server, as wx.login → /mp/v1/auth/login. */
export async function buildMpUser(w: World, openid = uniqueOpenid()): Promise<MpSession> {
  const res = await w.api.call('POST', '/mp/v1/auth/login', { body: { code: await w.loginCode(openid) } })
  if (res.status !== 200) throw new Error(`mp login failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { id: res.body.user.id, openid, token: res.body.accessToken, refreshToken: res.body.refreshToken }
}

/** The smallest PNG the upload's type detection accepts: a stand-in for a photo of a business licence. */
export const LICENCE_PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from('0000000049454e44ae426082', 'hex'),
])

/** An upload as the mini-program makes it (`wx.uploadFile` → `POST /mp/v1/files?purpose=…`). */
export async function uploadMpFile(
  w: World,
  token: string,
  opts: { purpose?: string; name?: string; data?: Buffer; type?: string } = {},
) {
  const form = new FormData()
  form.append(
    'file',
    new Blob([new Uint8Array(opts.data ?? LICENCE_PNG)], { type: opts.type ?? 'image/png' }),
    opts.name ?? '营业执照.png',
  )
  const res = await fetch(`${w.api.url}/mp/v1/files?purpose=${opts.purpose ?? 'enterprise-licence'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
  const body = await res.json()
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`)
  return body as { id: string; name: string; mime: string; size: number }
}

/** One console reviewer (enterprise.manage) per api, signed in once: verifying is not what most tests test. */
const reviewers = new WeakMap<TestApi, Promise<AdminSession>>()
function reviewerFor(api: TestApi, fresh = false) {
  let r = fresh ? undefined : reviewers.get(api)
  if (!r) {
    r = buildAdmin(api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    r.catch(() => reviewers.delete(api))
    reviewers.set(api, r)
  }
  return r
}

/** A console reviewer approves the licence an enterprise's administrator submitted. */
export async function verifyEnterprise(w: World, enterpriseId: string, licenceFileId: string) {
  for (const fresh of [false, true]) {
    const reviewer = await reviewerFor(w.api, fresh)
    const res = await w.api.call('POST', `/admin/v1/enterprises/${enterpriseId}/verification/decision`, {
      token: reviewer.token,
      body: { decision: 'approve', licenceFileId },
    })
    if (res.status === 200) return res.body
    if (res.status !== 401) throw new Error(`verification failed: ${res.status} ${JSON.stringify(res.body)}`)
  }
  throw new Error('verification failed: the reviewer could not sign in')
}

/**
 * An mp user who bound a new enterprise with a licence and so administers it, verified by a console
 * reviewer unless `verified: false` (then the verification stays pending).
 */
export async function buildEnterpriseAdmin(
  w: World,
  name = `测试科技有限公司${randomBytes(3).toString('hex')}`,
  opts: { verified?: boolean } = {},
) {
  const user = await buildMpUser(w)
  const creditCode = buildCreditCode()
  const licence = await uploadMpFile(w, user.token)
  const res = await w.api.call('POST', '/mp/v1/enterprise/bind', {
    token: user.token,
    body: { creditCode, name, licenceFileId: licence.id },
  })
  if (res.status !== 201) throw new Error(`bind failed: ${res.status} ${JSON.stringify(res.body)}`)
  const enterpriseId = res.body.enterprise.id as string
  if (opts.verified ?? true) await verifyEnterprise(w, enterpriseId, licence.id)
  return { ...user, enterpriseId, creditCode, name, licenceFileId: licence.id }
}

/** A published patent-information item, created and published through the console as an editor would. */
export async function buildPublishedPatent(
  api: TestApi,
  editorToken: string,
  overrides: Partial<{ title: string; summary: string; kind: string; tags: Record<string, string[]> }> = {},
) {
  const created = await api.call('POST', '/admin/v1/patents', {
    token: editorToken,
    body: {
      kind: overrides.kind ?? 'warning',
      title: overrides.title ?? '5G 通信领域专利预警分析报告',
      summary: overrides.summary ?? '关注 H04L 领域侵权风险',
      body: '<p>报告正文</p>',
      tags: { ipcs: [], industries: [], regions: [], ...overrides.tags },
    },
  })
  if (created.status !== 201)
    throw new Error(`create patent: ${created.status} ${JSON.stringify(created.body)}`)
  const published = await api.call('POST', `/admin/v1/patents/${created.body.id}/publish`, {
    token: editorToken,
  })
  if (published.status !== 200)
    throw new Error(`publish patent: ${published.status} ${JSON.stringify(published.body)}`)
  return published.body as { id: string; title: string }
}

/** Sets an enterprise's interests as a member would in the mini-program. */
export async function setInterests(api: TestApi, token: string, profile: Record<string, unknown>) {
  const res = await api.call('PUT', '/mp/v1/enterprise/profile', { token, body: profile })
  if (res.status !== 200) throw new Error(`set interests: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** The member accepts the push template in wx.requestSubscribeMessage: WeChat records a grant, the mp reports it. */
export async function acceptSubscription(
  w: World,
  user: { openid: string; token: string },
  templateId: string,
) {
  await w.wx.subscribe({ openid: user.openid, templateId, accept: true })
  const res = await w.api.call('POST', '/mp/v1/subscriptions', {
    token: user.token,
    body: { results: { [templateId]: 'accept' } },
  })
  if (res.status !== 200) throw new Error(`report subscription: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
