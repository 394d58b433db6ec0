import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { BatchResultModel } from '@zct/api/internal/modules/campaigns/campaigns.model'
import { createLogger } from '@zct/api/internal/platform/logger'
import {
  acceptSubscription,
  buildAdmin,
  buildEnterpriseAdmin,
  buildPublishedPatent,
  setInterests,
  type AdminSession,
} from '../support/factories.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

// Shortened retries: a batch gets 3 tries 100 ms apart (doubling), a plan 2.
const w = world({
  PUSH_BATCH_ATTEMPTS: '3',
  PUSH_BATCH_BACKOFF_MS: '100',
  PUSH_PLAN_ATTEMPTS: '2',
  PUSH_PLAN_BACKOFF_MS: '100',
})
let worker: Awaited<ReturnType<typeof startWorker>>
let editor: AdminSession
let operator: AdminSession
let root: AdminSession

beforeAll(async () => {
  worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  editor = await buildAdmin(w.api, { roles: ['content_editor'] })
  operator = await buildAdmin(w.api, { roles: ['push_operator'] })
  root = await buildAdmin(w.api, { roles: ['super_admin'] })
  await w.api.call('PUT', '/admin/v1/settings/push', {
    token: root.token,
    body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
  })
})
afterEach(async () => {
  vi.restoreAllMocks()
  await w.wx.configure({ subscribeDailyQuota: null })
})
afterAll(async () => {
  await worker?.close()
})

/** A campaign of a patent tagged with this IPC, created and sent by the push operator. */
async function sendCampaign(name: string, ipc: string) {
  const patent = await buildPublishedPatent(w.api, editor.token, { title: name, tags: { ipcs: [ipc] } })
  const created = await w.api.call('POST', '/admin/v1/campaigns', {
    token: operator.token,
    body: { name, content: { kind: 'patent', id: patent.id } },
  })
  expect(created.status).toBe(201)
  const sent = await w.api.call('POST', `/admin/v1/campaigns/${created.body.id}/send`, {
    token: operator.token,
    body: {},
  })
  expect(sent.status).toBe(202)
  return created.body.id as string
}

/** Polls as the console does until the campaign is no longer queued or sending. */
async function waitEnded(id: string) {
  for (let i = 0; i < 300; i++) {
    const c = await w.api.call('GET', `/admin/v1/campaigns/${id}`, { token: operator.token })
    if (!['queued', 'sending'].includes(c.body.status)) return c.body
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('campaign is still sending after 30 s')
}

const resend = (id: string, token = operator.token) =>
  w.api.call('POST', `/admin/v1/campaigns/${id}/resend-failed`, { token })
const messagesTo = async (openid: string) => (await w.wx.messages({ toUser: openid })).length
const unread = async (token: string) =>
  (await w.api.call('GET', '/mp/v1/inbox/unread-count', { token })).body.unread as number

describe('a campaign always finishes', () => {
  it('ends done with a failed batch (45009 counted) when WeChat answers 45009 to every send, and gives the grant back', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440203', ipcs: ['H04W'] })
    await acceptSubscription(w, boss, PUSH_TEMPLATE.id)
    await w.wx.configure({ subscribeDailyQuota: 0 }) // the day's quota is used up: 45009 on every send

    const id = await sendCampaign('额度已用完的推送', 'H04W 4/00')
    const ended = await waitEnded(id)

    expect(ended.status).toBe('done')
    expect(ended.progress).toMatchObject({
      total: 1,
      processed: 1,
      wechatSent: 0,
      wechatFailed: 1,
      inboxOnly: 1,
      failedByErrcode: { '45009': 1 },
      percent: 100,
    })
    expect(ended.resendable).toBe(1)
    expect(await BatchResultModel.find({ campaignId: id }).lean()).toMatchObject([
      { batch: 0, status: 'failed', errcode: 45009, wechatFailed: 1 },
    ])
    // Every one of the 3 tries reached WeChat, and none went out.
    expect((await w.wx.stats()).errors['subscribe_send']?.['45009'] ?? 0).toBeGreaterThanOrEqual(3)
    expect(await messagesTo(boss.openid)).toBe(0)
    // The member still has the inbox item, and the unused grant is theirs again.
    expect(await unread(boss.token)).toBe(1)
    const subs = await w.api.call('GET', '/mp/v1/subscriptions', { token: boss.token })
    expect(subs.body.available[PUSH_TEMPLATE.id]).toBe(1)
  })

  it('resends the next day only to members refused for the daily quota, and nobody receives two messages', async () => {
    const a = await buildEnterpriseAdmin(w)
    const b = await buildEnterpriseAdmin(w)
    const inboxOnly = await buildEnterpriseAdmin(w)
    for (const m of [a, b, inboxOnly])
      await setInterests(w.api, m.token, { region: '440106', ipcs: ['G06N'] })
    for (const m of [a, b]) await acceptSubscription(w, m, PUSH_TEMPLATE.id)
    // One message left in today's quota: one of a and b gets it, the other is refused with 45009.
    await w.wx.newDay()
    await w.wx.configure({ subscribeDailyQuota: 1 })

    const id = await sendCampaign('额度中途用完的推送', 'G06N 3/08')
    const first = await waitEnded(id)
    expect(first.status).toBe('done')
    expect(first.progress).toMatchObject({
      total: 3,
      processed: 3,
      wechatSent: 1,
      wechatFailed: 1,
      inboxOnly: 2,
      failedByErrcode: { '45009': 1 },
    })
    expect(first.resendable).toBe(1)
    expect((await messagesTo(a.openid)) + (await messagesTo(b.openid))).toBe(1)

    // The next day the quota is back; the operator resends what failed.
    await w.wx.newDay()
    const resent = await resend(id)
    expect(resent.status).toBe(202)
    expect(resent.body).toMatchObject({ status: 'sending', resend: { round: 1, members: 1 } })
    const second = await waitEnded(id)
    expect(second.status).toBe('done')
    expect(second.progress).toMatchObject({
      total: 3,
      processed: 3,
      wechatSent: 2,
      wechatFailed: 0,
      inboxOnly: 1,
      failedByErrcode: {},
      percent: 100,
    })
    expect(second.resendable).toBe(0)
    expect(second.resend).toMatchObject({ round: 1, members: 1, processed: 1 })
    expect(second.resend.finishedAt).not.toBeNull()

    expect(await messagesTo(a.openid)).toBe(1)
    expect(await messagesTo(b.openid)).toBe(1)
    expect(await messagesTo(inboxOnly.openid)).toBe(0)
    for (const m of [a, b, inboxOnly]) expect(await unread(m.token)).toBe(1)

    // Nothing left to resend now.
    const again = await resend(id)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('NOTHING_TO_RESEND')

    const audit = await w.api.call('GET', `/admin/v1/audit?action=campaign.resend&targetId=${id}`, {
      token: root.token,
    })
    expect(audit.body.items).toHaveLength(1)
  })

  it('refuses to resend while the campaign is still sending (409 CAMPAIGN_STILL_SENDING)', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440203', ipcs: ['H01M'] })
    await acceptSubscription(w, boss, PUSH_TEMPLATE.id)
    await w.wx.inject({ endpoint: 'subscribe_send', delayMs: 1500 }) // WeChat is slow to answer

    const id = await sendCampaign('发送中的推送', 'H01M 10/05')
    const refused = await resend(id)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('CAMPAIGN_STILL_SENDING')
    expect(refused.body.error.message).toContain('发送中')
    expect((await waitEnded(id)).progress.wechatSent).toBe(1)
  })

  it('refuses to resend a campaign with nothing refused for quota (409 NOTHING_TO_RESEND), and without push.manage (403)', async () => {
    const patent = await buildPublishedPatent(w.api, editor.token, { tags: { ipcs: ['A01B'] } })
    const draft = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: '草稿', content: { kind: 'patent', id: patent.id } },
    })
    const refused = await resend(draft.body.id)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('NOTHING_TO_RESEND')

    expect((await resend(draft.body.id, editor.token)).status).toBe(403)
    expect((await resend('0123456789abcdef01234567')).status).toBe(404)
  })

  it('marks a campaign failed with a reason when planning keeps failing, instead of leaving it queued', async () => {
    const plan = vi
      .spyOn(worker.platform.services.campaigns.campaigns, 'plan')
      .mockRejectedValue(new Error('connection to the database lost'))
    const id = await sendCampaign('名单生成失败的推送', 'B62D 1/00')
    const ended = await waitEnded(id)

    expect(plan).toHaveBeenCalledTimes(2)
    expect(ended.status).toBe('failed')
    expect(ended.failureReason).toContain('生成发送名单时出错')
    expect(ended.finishedAt).not.toBeNull()
    const list = await w.api.call('GET', '/admin/v1/campaigns?status=failed', { token: operator.token })
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(id)
  })

  it('writes a failed batch result and ends the campaign when a batch fails every attempt for another reason', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440203', ipcs: ['C12N'] })
    await acceptSubscription(w, boss, PUSH_TEMPLATE.id)
    const processBatch = vi
      .spyOn(worker.platform.services.campaigns.delivery, 'processBatch')
      .mockRejectedValue(new Error('connection to the database lost'))
    const failBatch = vi.spyOn(worker.platform.services.campaigns.delivery, 'failBatch')

    const id = await sendCampaign('批次失败的推送', 'C12N 15/00')
    const ended = await waitEnded(id)

    // onFailed ran once, after the last of the 3 attempts.
    expect(processBatch).toHaveBeenCalledTimes(3)
    expect(failBatch).toHaveBeenCalledTimes(1)
    expect(ended.status).toBe('done')
    expect(ended.progress).toMatchObject({
      processed: 1,
      wechatSent: 0,
      wechatFailed: 1,
      failedByErrcode: { unknown: 1 },
      percent: 100,
    })
    // Nothing is known to have been refused for quota, so nothing is offered for resending.
    expect(ended.resendable).toBe(0)
    expect(await BatchResultModel.find({ campaignId: id }).lean()).toMatchObject([
      { status: 'failed', error: 'connection to the database lost' },
    ])
    expect(await unread(boss.token)).toBe(1)
  })

  it('the sweep finishes a batch bull gave up on whose onFailed never completed', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440203', ipcs: ['F03D'] })
    vi.spyOn(worker.platform.services.campaigns.delivery, 'processBatch').mockRejectedValue(
      new Error('worker out of memory'),
    )
    // The worker dies in onFailed: the batch is failed in bull, but no batch result is written.
    const failBatch = vi
      .spyOn(worker.platform.services.campaigns.delivery, 'failBatch')
      .mockRejectedValueOnce(new Error('worker killed'))

    const id = await sendCampaign('需要清扫的推送', 'F03D 1/00')
    await vi.waitFor(() => expect(failBatch).toHaveBeenCalledTimes(1), { timeout: 10_000 })
    await new Promise((r) => setTimeout(r, 300))
    expect(
      (await w.api.call('GET', `/admin/v1/campaigns/${id}`, { token: operator.token })).body.status,
    ).toBe('sending')

    const sweep = await worker.platform.queue('push').add('campaign.sweep', {}, { attempts: 1 })
    await sweep.finished()
    const ended = await waitEnded(id)
    expect(ended.status).toBe('done')
    expect(ended.progress).toMatchObject({ processed: 1, wechatFailed: 1, percent: 100 })
    expect(await BatchResultModel.find({ campaignId: id }).lean()).toMatchObject([
      { status: 'failed', error: 'worker out of memory' },
    ])
  })
})
