import { Types } from 'mongoose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { EnterpriseModel, MembershipModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { contentWorld, publishedAnnouncement } from '../content/setup.js'
import {
  acceptSubscription,
  buildAdmin,
  buildCreditCode,
  buildEnterpriseAdmin,
  buildMpUser,
  buildPublishedPatent,
  setInterests,
  uploadMpFile,
  type AdminSession,
  type MpSession,
} from '../support/factories.js'
import { PUSH_TEMPLATE } from '../support/world.js'
import {
  EnterpriseEndpoints as Ent,
  type VerificationStatusOutput,
} from '@zct/api/contracts/enterprises/enterprises'
import { FileEndpoints } from '@zct/api/contracts/files/files'
import { expectOk } from '../support/api.js'

const w = contentWorld()
let reviewer: AdminSession
let worker: Awaited<ReturnType<typeof startWorker>> | undefined

beforeAll(async () => {
  reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
})
afterAll(async () => {
  await worker?.close()
})

const mp = (token: string, method: string, path: string, body?: unknown) =>
  w.api.call(method, `/mp/v1${path}`, { token, ...(body === undefined ? {} : { body }) })
const asReviewer = (method: string, path: string, body?: unknown, token = reviewer.token) =>
  w.api.call(method, `/admin/v1${path}`, { token, ...(body === undefined ? {} : { body }) })

/** The reviewer's queue row for one enterprise, from the list as the console shows it. */
async function queueRow(enterpriseId: string, status: VerificationStatusOutput = 'pending') {
  const res = await w.api.request(Ent.verifications, {
    token: reviewer.token,
    query: { status, pageSize: 100 },
  })
  expectOk(res)
  return res.body.items.find((r) => r.enterprise.id === enterpriseId)
}

const decide = (enterpriseId: string, body: Record<string, unknown>, token = reviewer.token) =>
  asReviewer('POST', `/enterprises/${enterpriseId}/verification/decision`, body, token)

/** A second person asks to join; answers the membership id of their request. */
async function joinRequest(boss: { creditCode: string; name: string }, applicant?: MpSession) {
  const u = applicant ?? (await buildMpUser(w))
  const res = await w.api.request(Ent.bind, {
    token: u.token,
    body: { creditCode: boss.creditCode, name: boss.name },
  })
  expectOk(res, 202)
  return { user: u, memberId: res.body.membership.id }
}

describe('enterprise administrator verification', () => {
  it('keeps the first binder a pending administrator, who sees the licence they submitted', async () => {
    const boss = await buildEnterpriseAdmin(w, '韶关市待审科技有限公司', { verified: false })
    const mine = await w.api.request(Ent.mine, { token: boss.token })
    expectOk(mine)
    expect(mine.body).toMatchObject({
      enterprise: { id: boss.enterpriseId, name: '韶关市待审科技有限公司', verificationStatus: 'pending' },
      membership: { role: 'admin', status: 'active' },
      verification: {
        status: 'pending',
        licence: { id: boss.licenceFileId, name: '营业执照.png', mime: 'image/png' },
        rejectReason: null,
        decidedAt: null,
      },
    })
    const me = await mp(boss.token, 'GET', '/me')
    expect(me.body.enterprise).toMatchObject({
      role: 'admin',
      status: 'active',
      verificationStatus: 'pending',
    })

    const row = await queueRow(boss.enterpriseId)
    expect(row).toMatchObject({
      status: 'pending',
      enterprise: { name: '韶关市待审科技有限公司', creditCode: boss.creditCode },
      applicant: { userId: boss.id },
      licence: { id: boss.licenceFileId, mime: 'image/png' },
    })
    // The console previews the licence through the file endpoint, with enterprise.manage.
    const preview = await w.api.request(FileEndpoints.adminDownload, {
      token: reviewer.token,
      params: { id: boss.licenceFileId },
    })
    expectOk(preview)
    expect(preview.headers.get('content-type')).toBe('image/png')
  })

  it('refuses member approvals by a pending administrator with 403 ENTERPRISE_UNVERIFIED until a reviewer approves', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const { user: applicant, memberId } = await joinRequest(boss)

    const list = await mp(boss.token, 'GET', '/enterprise/members')
    expect(list.status).toBe(403)
    expect(list.body.error.code).toBe('ENTERPRISE_UNVERIFIED')
    expect(list.body.error.message).toMatch(/营业执照/)
    const refused = await mp(boss.token, 'POST', `/enterprise/members/${memberId}/decision`, {
      decision: 'approve',
    })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toMatchObject({ code: 'ENTERPRISE_UNVERIFIED' })
    expect((await mp(applicant.token, 'GET', '/me')).body.enterprise.status).toBe('pending')

    const approved = await decide(boss.enterpriseId, {
      decision: 'approve',
      licenceFileId: boss.licenceFileId,
    })
    expect(approved.status).toBe(200)
    expect(approved.body).toMatchObject({
      status: 'verified',
      decidedBy: reviewer.username,
      rejectReason: null,
    })

    const ok = await mp(boss.token, 'POST', `/enterprise/members/${memberId}/decision`, {
      decision: 'approve',
    })
    expect(ok.status).toBe(200)
    expect(ok.body.status).toBe('active')
    expect((await mp(boss.token, 'GET', '/me')).body.enterprise.verificationStatus).toBe('verified')
    // Members of a verified enterprise see it as verified too.
    expect((await mp(applicant.token, 'GET', '/enterprise')).body).toMatchObject({
      enterprise: { verificationStatus: 'verified' },
      membership: { role: 'member', status: 'active' },
      verification: null,
    })
  })

  it('still delivers pushes and announcements to a pending administrator', async () => {
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: root.token,
      body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
    })
    const boss = await buildEnterpriseAdmin(w, '韶关市未认证通信有限公司', { verified: false })
    // Interests are how pushes find an enterprise: setting them is not an action in its name.
    await setInterests(w.api, boss.token, { region: '440203', industries: ['39'], ipcs: ['H04'] })
    await acceptSubscription(w, boss, PUSH_TEMPLATE.id)

    const announcement = await publishedAnnouncement(w, { audience: { kind: 'enterprises' } })
    const seen = await mp(boss.token, 'GET', '/announcements?pageSize=100')
    expect(seen.body.items.map((i: { id: string }) => i.id)).toContain(announcement.id)

    const patent = await buildPublishedPatent(w.api, w.editor.token, {
      title: '未认证企业也应收到的 5G 专利预警',
      tags: { ipcs: ['H04L 9/32'], regions: ['440000'] },
    })
    const campaign = await asReviewer(
      'POST',
      '/campaigns',
      { name: '未认证企业推送', content: { kind: 'patent', id: patent.id } },
      root.token,
    )
    expect(campaign.status).toBe(201)
    expect((await asReviewer('POST', `/campaigns/${campaign.body.id}/send`, {}, root.token)).status).toBe(202)
    await expect
      .poll(async () => (await w.wx.messages({ toUser: boss.openid })).length, { timeout: 20_000 })
      .toBe(1)
    await expect
      .poll(async () => (await mp(boss.token, 'GET', '/inbox/unread-count')).body.unread, { timeout: 10_000 })
      .toBe(1)
  })

  it('rejects with a required reason the administrator sees, and accepts a resubmitted licence', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const noReason = await decide(boss.enterpriseId, {
      decision: 'reject',
      licenceFileId: boss.licenceFileId,
    })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.details.fields).toEqual([
      { path: 'reason', message: '请填写驳回理由，申请人会看到它' },
    ])
    const rejected = await decide(boss.enterpriseId, {
      decision: 'reject',
      licenceFileId: boss.licenceFileId,
      reason: '营业执照照片模糊，请重新拍摄',
    })
    expect(rejected.status).toBe(200)
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: '营业执照照片模糊，请重新拍摄' })

    const mine = await mp(boss.token, 'GET', '/enterprise')
    expect(mine.body.verification).toMatchObject({
      status: 'rejected',
      rejectReason: '营业执照照片模糊，请重新拍摄',
    })
    expect((await mp(boss.token, 'GET', '/me')).body.enterprise.verificationStatus).toBe('rejected')
    expect((await mp(boss.token, 'GET', '/enterprise/members')).body.error.code).toBe('ENTERPRISE_UNVERIFIED')
    expect(await queueRow(boss.enterpriseId)).toBeUndefined()
    expect(await queueRow(boss.enterpriseId, 'rejected')).toMatchObject({ decidedBy: reviewer.username })

    const clearer = await uploadMpFile(w, boss.token, { name: '营业执照-清晰.png' })
    const resubmitted = await mp(boss.token, 'POST', '/enterprise/verification', {
      licenceFileId: clearer.id,
    })
    expect(resubmitted.status).toBe(200)
    expect(resubmitted.body).toMatchObject({
      status: 'pending',
      licence: { id: clearer.id, name: '营业执照-清晰.png' },
      rejectReason: null,
    })
    expect(await queueRow(boss.enterpriseId)).toMatchObject({ licence: { id: clearer.id } })

    // A reviewer still holding the old licence on screen cannot approve the new one unseen.
    const stale = await decide(boss.enterpriseId, { decision: 'approve', licenceFileId: boss.licenceFileId })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({
      code: 'VERIFICATION_RESUBMITTED',
      details: { current: 'pending' },
    })
    expect((await decide(boss.enterpriseId, { decision: 'approve', licenceFileId: clearer.id })).status).toBe(
      200,
    )
    expect((await mp(boss.token, 'GET', '/enterprise/members')).status).toBe(200)
  })

  it('answers 409 with the current state to a move the state does not allow', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const again = await mp(boss.token, 'POST', '/enterprise/verification', {
      licenceFileId: boss.licenceFileId,
    })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({
      code: 'VERIFICATION_STATE_CONFLICT',
      details: { current: 'pending' },
    })
    expect(again.body.error.message).toMatch(/正在审核/)

    const body = { decision: 'approve', licenceFileId: boss.licenceFileId }
    expect((await decide(boss.enterpriseId, body)).status).toBe(200)
    const twice = await decide(boss.enterpriseId, body)
    expect(twice.status).toBe(409)
    expect(twice.body.error).toMatchObject({
      code: 'VERIFICATION_STATE_CONFLICT',
      details: { current: 'verified', allowedFrom: ['pending'] },
    })
    const rejectLate = await decide(boss.enterpriseId, { ...body, decision: 'reject', reason: '迟到的驳回' })
    expect(rejectLate.status).toBe(409)
    expect(rejectLate.body.error.details.current).toBe('verified')
    const resubmit = await mp(boss.token, 'POST', '/enterprise/verification', {
      licenceFileId: boss.licenceFileId,
    })
    expect(resubmit.status).toBe(409)
    expect(resubmit.body.error.details.current).toBe('verified')
    expect((await decide(new Types.ObjectId().toHexString(), body)).status).toBe(404)
  })

  it('lets exactly one of two simultaneous decisions win', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const other = await buildAdmin(w.api, { permissions: ['enterprise.manage'] })
    const results = await Promise.all([
      decide(boss.enterpriseId, { decision: 'approve', licenceFileId: boss.licenceFileId }),
      decide(
        boss.enterpriseId,
        { decision: 'reject', licenceFileId: boss.licenceFileId, reason: '材料不全' },
        other.token,
      ),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    const winner = results.find((r) => r.status === 200)!.body.status
    expect((await mp(boss.token, 'GET', '/enterprise')).body.verification.status).toBe(winner)
  })

  it('records every decision in the audit log', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    await decide(boss.enterpriseId, {
      decision: 'reject',
      licenceFileId: boss.licenceFileId,
      reason: '非本企业',
    })
    const licence = await uploadMpFile(w, boss.token)
    await mp(boss.token, 'POST', '/enterprise/verification', { licenceFileId: licence.id })
    await decide(boss.enterpriseId, { decision: 'approve', licenceFileId: licence.id })
    const entries = await AuditModel.find({ 'target.type': 'enterprise', 'target.id': boss.enterpriseId })
      .sort({ _id: 1 })
      .lean()
    expect(entries.map((e) => [e.action, e.actor?.id?.toString(), e.fields])).toEqual([
      ['enterprise.verification.reject', reviewer.id, ['verificationStatus', 'reason']],
      ['enterprise.verification.approve', reviewer.id, ['verificationStatus']],
    ])
  })

  it('refuses the queue, decisions and licence previews to a console user without enterprise.manage', async () => {
    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const reader = await buildAdmin(w.api, {
      permissions: ['enterprise.read', 'content.manage', 'claim.review'],
    })
    const queue = await asReviewer('GET', '/enterprise-verifications', undefined, reader.token)
    expect(queue.status).toBe(403)
    expect(queue.body.error.code).toBe('FORBIDDEN')
    const decision = await decide(
      boss.enterpriseId,
      { decision: 'approve', licenceFileId: boss.licenceFileId },
      reader.token,
    )
    expect(decision.status).toBe(403)
    expect(decision.body.error.code).toBe('FORBIDDEN')
    const preview = await asReviewer('GET', `/files/${boss.licenceFileId}`, undefined, reader.token)
    expect(preview.status).toBe(403)
    expect((await mp(boss.token, 'GET', '/enterprise')).body.verification.status).toBe('pending')
  })
})

describe('the licence a binder submits', () => {
  it('may follow the bind: the administrator waits without a licence, out of the queue, until they submit one', async () => {
    const u = await buildMpUser(w)
    const bound = await mp(u.token, 'POST', '/enterprise/bind', {
      creditCode: buildCreditCode(),
      name: '先绑定后补执照有限公司',
    })
    expect(bound.status).toBe(201)
    expect(bound.body).toMatchObject({
      membership: { role: 'admin', status: 'active' },
      verification: { status: 'unsubmitted', licence: null },
    })
    const id = bound.body.enterprise.id
    expect(await queueRow(id)).toBeUndefined()
    expect((await mp(u.token, 'GET', '/enterprise/members')).body.error.code).toBe('ENTERPRISE_UNVERIFIED')
    const early = await decide(id, { decision: 'approve', licenceFileId: new Types.ObjectId().toHexString() })
    expect(early.status).toBe(409)
    expect(early.body.error.details.current).toBe('unsubmitted')

    const licence = await uploadMpFile(w, u.token, { name: '授权书.pdf', type: 'application/pdf', data: PDF })
    const submitted = await mp(u.token, 'POST', '/enterprise/verification', { licenceFileId: licence.id })
    expect(submitted.status).toBe(200)
    expect(submitted.body).toMatchObject({ status: 'pending', licence: { mime: 'application/pdf' } })
    expect(await queueRow(id)).toMatchObject({ licence: { id: licence.id, name: '授权书.pdf' } })
  })

  it("must be the caller's own upload (404) made as a licence (400 LICENCE_FILE_INVALID)", async () => {
    const someone = await buildMpUser(w)
    const theirs = await uploadMpFile(w, someone.token)
    const u = await buildMpUser(w)
    const bind = (licenceFileId: string) =>
      mp(u.token, 'POST', '/enterprise/bind', {
        creditCode: buildCreditCode(),
        name: '执照校验有限公司',
        licenceFileId,
      })

    const notMine = await bind(theirs.id)
    expect(notMine.status).toBe(404)
    expect(notMine.body.error.code).toBe('NOT_FOUND')
    const avatar = await uploadMpFile(w, u.token, { purpose: 'avatar', name: 'me.png' })
    const wrongPurpose = await bind(avatar.id)
    expect(wrongPurpose.status).toBe(400)
    expect(wrongPurpose.body.error).toMatchObject({
      code: 'LICENCE_FILE_INVALID',
      details: { fields: [{ path: 'licenceFileId' }] },
    })
    // Nothing was bound by the refusals.
    expect((await mp(u.token, 'GET', '/me')).body.enterprise).toBeNull()

    const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
    await decide(boss.enterpriseId, {
      decision: 'reject',
      licenceFileId: boss.licenceFileId,
      reason: '看不清',
    })
    const viaSubmit = await mp(boss.token, 'POST', '/enterprise/verification', { licenceFileId: theirs.id })
    expect(viaSubmit.status).toBe(404)
  })

  it('is submitted only by the administrator, not by members', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const { user, memberId } = await joinRequest(boss)
    await mp(boss.token, 'POST', `/enterprise/members/${memberId}/decision`, { decision: 'approve' })
    const licence = await uploadMpFile(w, user.token)
    const res = await mp(user.token, 'POST', '/enterprise/verification', { licenceFileId: licence.id })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('NOT_ENTERPRISE_ADMIN')
  })

  it('counts an enterprise written before verification existed as unsubmitted', async () => {
    const u = await buildMpUser(w)
    const e = await EnterpriseModel.collection.insertOne({
      creditCode: buildCreditCode(),
      name: '历史数据有限公司',
      memberCount: 1,
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    await MembershipModel.collection.insertOne({
      enterpriseId: e.insertedId,
      userId: new Types.ObjectId(u.id),
      role: 'admin',
      status: 'active',
      live: true,
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    expect((await mp(u.token, 'GET', '/enterprise/members')).body.error.code).toBe('ENTERPRISE_UNVERIFIED')
    expect((await mp(u.token, 'GET', '/enterprise')).body.verification).toMatchObject({
      status: 'unsubmitted',
    })
    expect(await queueRow(e.insertedId.toHexString(), 'unsubmitted')).toMatchObject({ applicant: null })
    const licence = await uploadMpFile(w, u.token)
    const submitted = await mp(u.token, 'POST', '/enterprise/verification', { licenceFileId: licence.id })
    expect(submitted.status).toBe(200)
    expect(submitted.body.status).toBe('pending')
  })
})

describe('no enumeration of registered credit codes through the name', () => {
  /** A response with its ids and the echoed name blanked: what is left must not differ. */
  const shape = (body: unknown) =>
    JSON.parse(JSON.stringify(body).replace(/"[0-9a-f]{24}"/g, '"<id>"'), (k, v: unknown) =>
      k === 'name' ? '<name>' : v,
    ) as unknown

  it('answers a wrong name exactly as a right one: a join request echoing what was typed', async () => {
    const boss = await buildEnterpriseAdmin(w, '韶关市真实名称科技有限公司')
    const right = await buildMpUser(w)
    const wrong = await buildMpUser(w)
    const a = await mp(right.token, 'POST', '/enterprise/bind', {
      creditCode: boss.creditCode,
      name: '韶关市真实名称科技有限公司',
    })
    const b = await mp(wrong.token, 'POST', '/enterprise/bind', {
      creditCode: boss.creditCode,
      name: '随便猜一个名字有限公司',
    })
    expect(b.status).toBe(a.status)
    expect(b.status).toBe(202)
    expect(shape(b.body)).toEqual(shape(a.body))
    expect(b.body).toMatchObject({
      enterprise: { name: '随便猜一个名字有限公司', verificationStatus: null },
      membership: { role: 'member', status: 'pending' },
      verification: null,
    })
    // Neither the answer nor anything the applicant can read afterwards carries the registered name.
    for (const path of ['/enterprise', '/me']) {
      const res = await mp(wrong.token, 'GET', path)
      expect(JSON.stringify(res.body)).not.toContain('真实名称')
    }
    expect(JSON.stringify(b.body)).not.toContain('真实名称')
    expect(shape((await mp(wrong.token, 'GET', '/enterprise')).body)).toEqual(
      shape((await mp(right.token, 'GET', '/enterprise')).body),
    )

    // The enterprise's administrator, who decides, sees the mismatch.
    const members = (await mp(boss.token, 'GET', '/enterprise/members')).body.items
    expect(members.find((m: { userId: string }) => m.userId === wrong.id)).toMatchObject({
      status: 'pending',
      appliedName: '随便猜一个名字有限公司',
      nameMismatch: true,
    })
    expect(members.find((m: { userId: string }) => m.userId === right.id)).toMatchObject({
      nameMismatch: false,
    })
  })

  it('never makes the binder of a wrong name the administrator of an enterprise nobody administers', async () => {
    const boss = await buildEnterpriseAdmin(w, '无人管理测试有限公司')
    // Everyone has left (no path in the product yet; written directly).
    await MembershipModel.updateMany(
      { enterpriseId: boss.enterpriseId },
      { $set: { status: 'removed', live: false } },
    )
    await EnterpriseModel.updateOne({ _id: boss.enterpriseId }, { $set: { memberCount: 0 } })
    const guess = await buildMpUser(w)
    const res = await mp(guess.token, 'POST', '/enterprise/bind', {
      creditCode: boss.creditCode,
      name: '猜错的名字有限公司',
    })
    expect(res.status).toBe(202)
    expect(res.body.membership).toMatchObject({ role: 'member', status: 'pending' })

    // The right name claims it, and the verification starts afresh for the new administrator.
    const heir = await buildMpUser(w)
    const claimed = await mp(heir.token, 'POST', '/enterprise/bind', {
      creditCode: boss.creditCode,
      name: '无人管理测试有限公司',
    })
    expect(claimed.status).toBe(201)
    expect(claimed.body.verification).toMatchObject({ status: 'unsubmitted', licence: null })
    expect((await mp(heir.token, 'GET', '/enterprise/members')).body.error.code).toBe('ENTERPRISE_UNVERIFIED')
  })
})

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
