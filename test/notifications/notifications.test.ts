import { Types } from 'mongoose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import type { NotifyItem } from '@zct/api/internal/modules/notifications/notifications.service'
import {
  acceptSubscription,
  buildAdmin,
  buildEnterpriseAdmin,
  buildMpUser,
  buildPublishedPatent,
  setInterests,
  type AdminSession,
  type MpSession,
} from '../support/factories.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

const w = world()
let worker: Awaited<ReturnType<typeof startWorker>>
let operator: AdminSession
const PROGRESS = 'tpl-application-progress'

const notifications = () => w.api.platform.services.notifications
const claimTemplate = (fields?: unknown) => ({
  templateId: PROGRESS,
  fields: fields ?? [
    { key: 'thing1', var: 'claim' },
    { key: 'phrase2', var: 'status' },
    { key: 'time3', var: 'at' },
    { key: 'thing4', text: '韶关市市场监管局' },
  ],
})
const saveTemplate = (kind: string, body: unknown, token = operator.token) =>
  w.api.call('PUT', `/admin/v1/notification-templates/${kind}`, { token, body })

/** A claim-status notification as the claims domain would send it. */
function claimApproved(member: MpSession, key = `claim:${new Types.ObjectId().toHexString()}:approved`) {
  return {
    memberId: member.id,
    key,
    vars: {
      claim: '专利代理师资格考试报名费全额资助',
      status: '已通过',
      at: '2026-11-30T06:05:00.000Z',
      note: '资助款将在 10 个工作日内到账',
    },
    inbox: {
      title: '您的资助申请已通过',
      summary: '专利代理师资格考试报名费全额资助',
      content: { kind: 'announcement', id: new Types.ObjectId().toHexString() },
    },
  } satisfies NotifyItem
}

beforeAll(async () => {
  worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  operator = await buildAdmin(w.api, { roles: ['push_operator'] })
})
afterAll(async () => {
  await worker?.close()
})

describe('notification templates in the console', () => {
  it('lists every kind with its variables; pushes use the push settings’ template until one is saved', async () => {
    const res = await w.api.call('GET', '/admin/v1/notification-templates', { token: operator.token })
    expect(res.status).toBe(200)
    const byKind = Object.fromEntries(res.body.items.map((k: { kind: string }) => [k.kind, k]))
    expect(Object.keys(byKind)).toEqual(
      expect.arrayContaining(['campaign.push', 'claim.status', 'booking.reminder', 'training.offer']),
    )
    expect(byKind['campaign.push']).toMatchObject({
      source: 'default',
      template: {
        templateId: PUSH_TEMPLATE.id,
        fields: expect.arrayContaining([{ key: 'thing1', var: 'title' }]),
      },
    })
    expect(byKind['training.offer']).toMatchObject({ source: 'none', template: null })
    expect(byKind['claim.status'].vars).toContainEqual({ name: 'status', label: '办理状态', type: 'status' })
  })

  it('saves a mapping that keeps WeChat’s keyword rules', async () => {
    const res = await saveTemplate('claim.status', claimTemplate())
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ kind: 'claim.status', source: 'saved', template: claimTemplate() })
  })

  it('keeps one push template id: saving the push kind’s template changes the push settings’ one', async () => {
    const fields = [{ key: 'thing1', var: 'title' }]
    expect((await saveTemplate('campaign.push', { templateId: 'tpl-push-2027', fields })).status).toBe(200)
    const settings = await w.api.call('GET', '/admin/v1/settings/push', { token: operator.token })
    expect(settings.body.templateId).toBe('tpl-push-2027')
    await saveTemplate('campaign.push', { templateId: PUSH_TEMPLATE.id, fields })
  })

  it('refuses a fixed text longer than a thing keyword takes (20 characters)', async () => {
    const res = await saveTemplate(
      'claim.status',
      claimTemplate([
        { key: 'thing1', var: 'claim' },
        { key: 'thing4', text: '韶关市市场监督管理局知识产权保护科办公室' + '一' },
      ]),
    )
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details.fields).toEqual([
      { path: 'fields.1.text', message: '模板字段「thing4」的固定文字不能超过 20 个字' },
    ])
  })

  it('refuses a phrase keyword filled with anything but up to 5 Chinese characters', async () => {
    for (const [text, message] of [
      ['OK', '只能填汉字'],
      ['审核已经通过', '不能超过 5 个字'],
    ]) {
      const res = await saveTemplate('claim.status', claimTemplate([{ key: 'phrase2', text }]))
      expect(res.status).toBe(400)
      expect(res.body.error.details.fields).toEqual([
        { path: 'fields.0.text', message: `模板字段「phrase2」的固定文字${message}` },
      ])
    }
  })

  it('refuses a variable whose kind of value the keyword does not take', async () => {
    const res = await saveTemplate('claim.status', claimTemplate([{ key: 'time3', var: 'claim' }]))
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields[0]).toEqual({
      path: 'fields.0.var',
      message: '模板字段「time3」是时间（24 小时制，可带日期），不能填「申请事项」（文字）',
    })
  })

  it('refuses a keyword WeChat does not have, a repeated one, and a variable the kind does not have', async () => {
    const res = await saveTemplate(
      'claim.status',
      claimTemplate([
        { key: 'title1', var: 'claim' },
        { key: 'thing1', var: 'claim' },
        { key: 'thing1', var: 'note' },
        { key: 'thing2', var: 'amount' },
        { key: 'thing3' },
      ]),
    )
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual([
      'fields.0.key',
      'fields.2.key',
      'fields.3.var',
      'fields.4.var',
    ])
    expect(res.body.error.details.fields[2].message).toBe('「amount」不是「申请进度」的内容项')
  })

  it('refuses a kind of notification that does not exist', async () => {
    const res = await saveTemplate('claim.unknown', claimTemplate())
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields[0]).toMatchObject({ path: 'kind', message: '没有这种通知' })
  })

  it('is closed to console users without the push permission', async () => {
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    expect((await saveTemplate('claim.status', claimTemplate(), editor.token)).status).toBe(403)
    const list = await w.api.call('GET', '/admin/v1/notification-templates', { token: editor.token })
    expect(list.status).toBe(403)
  })
})

describe('sending a notification', () => {
  beforeAll(async () => {
    expect((await saveTemplate('claim.status', claimTemplate())).status).toBe(200)
  })

  it('sends the templated message on the member’s grant and writes the inbox item', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    const item = claimApproved(member)
    const result = await notifications().send('claim.status', item)
    expect(result).toMatchObject({ status: 'sent', errcode: null })

    const sent = await w.wx.messages({ toUser: member.openid })
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({
      templateId: PROGRESS,
      page: `pages/inbox/detail?id=${result.inboxItemId}`,
      data: {
        thing1: '专利代理师资格考试报名费全额资助',
        phrase2: '已通过',
        time3: '2026-11-30 14:05',
        thing4: '韶关市市场监管局',
      },
    })
    const inbox = await w.api.call('GET', '/mp/v1/inbox', { token: member.token })
    expect(inbox.body.items).toEqual([
      expect.objectContaining({ id: result.inboxItemId, title: '您的资助申请已通过', read: false }),
    ])
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: member.token })
    expect(grants.body.available[PROGRESS] ?? 0).toBe(0)
  })

  it('sends once per member and key: a second send answers the first result', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    await acceptSubscription(w, member, PROGRESS)
    const item = claimApproved(member)
    const first = await notifications().send('claim.status', item)
    const again = await notifications().sendMany('claim.status', [item, item])
    expect(again).toEqual([first, first])
    expect(await w.wx.messages({ toUser: member.openid })).toHaveLength(1)
    const inbox = await w.api.call('GET', '/mp/v1/inbox', { token: member.token })
    expect(inbox.body.total).toBe(1)
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: member.token })
    expect(grants.body.available[PROGRESS]).toBe(1)
  })

  it('sends once when the same key is sent twice at the same moment (a double click)', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    await acceptSubscription(w, member, PROGRESS)
    const item = claimApproved(member)
    await Promise.all([
      notifications().send('claim.status', item),
      notifications().send('claim.status', item),
    ])
    expect((await notifications().send('claim.status', item)).status).toBe('sent')
    expect(await w.wx.messages({ toUser: member.openid })).toHaveLength(1)
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: member.token })
    expect(grants.body.available[PROGRESS]).toBe(1)
  })

  it('writes only the inbox item when the member holds no grant', async () => {
    const member = await buildMpUser(w)
    const result = await notifications().send('claim.status', claimApproved(member))
    expect(result.status).toBe('no_grant')
    expect(await w.wx.messages({ toUser: member.openid })).toHaveLength(0)
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: member.token })).body.total).toBe(1)
  })

  it('writes only the inbox item for a kind that has no template yet', async () => {
    const member = await buildMpUser(w)
    const result = await notifications().send('training.offer', {
      ...claimApproved(member),
      vars: { training: '专利挖掘与布局实务', at: '2026-12-05T01:30:00.000Z', place: '韶关市行政服务中心' },
    })
    expect(result.status).toBe('no_template')
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: member.token })).body.total).toBe(1)
  })

  it('gives the grant back when WeChat refuses the message for good', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    await w.wx.inject({ endpoint: 'subscribe_send', errcode: 47003, times: 1 })
    const result = await notifications().send('claim.status', claimApproved(member))
    expect(result).toMatchObject({ status: 'failed', errcode: 47003 })
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: member.token })
    expect(grants.body.available[PROGRESS]).toBe(1)
  })

  it('runs as a job through the worker when handed to notify()', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    await notifications().notify('claim.status', [claimApproved(member)])
    for (let i = 0; i < 100 && !(await w.wx.messages({ toUser: member.openid })).length; i++)
      await new Promise((r) => setTimeout(r, 50))
    expect(await w.wx.messages({ toUser: member.openid })).toHaveLength(1)
  })
})

describe('members’ notification preferences', () => {
  it('lists every kind, WeChat messages on until turned off', async () => {
    const member = await buildMpUser(w)
    const res = await w.api.call('GET', '/mp/v1/notification-preferences', { token: member.token })
    expect(res.status).toBe(200)
    expect(res.body.items).toContainEqual({
      kind: 'claim.status',
      label: '申请进度',
      description: expect.any(String),
      wechat: true,
    })
    expect(res.body.items.every((i: { wechat: boolean }) => i.wechat)).toBe(true)
  })

  it('skips WeChat for a kind the member turned off, keeps the inbox item and the grant', async () => {
    const member = await buildMpUser(w)
    await acceptSubscription(w, member, PROGRESS)
    const off = await w.api.call('PUT', '/mp/v1/notification-preferences', {
      token: member.token,
      body: { wechat: { 'claim.status': false } },
    })
    expect(off.status).toBe(200)
    expect(off.body.items.find((i: { kind: string }) => i.kind === 'claim.status').wechat).toBe(false)

    const result = await notifications().send('claim.status', claimApproved(member))
    expect(result.status).toBe('muted')
    expect(await w.wx.messages({ toUser: member.openid })).toHaveLength(0)
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: member.token })).body.total).toBe(1)
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: member.token })
    expect(grants.body.available[PROGRESS]).toBe(1)

    const on = await w.api.call('PUT', '/mp/v1/notification-preferences', {
      token: member.token,
      body: { wechat: { 'claim.status': true } },
    })
    expect(on.body.items.find((i: { kind: string }) => i.kind === 'claim.status').wechat).toBe(true)
    expect((await notifications().send('claim.status', claimApproved(member))).status).toBe('sent')
  })

  it('refuses a kind of notification that does not exist', async () => {
    const member = await buildMpUser(w)
    const res = await w.api.call('PUT', '/mp/v1/notification-preferences', {
      token: member.token,
      body: { wechat: { 'claim.unknown': false } },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
  })
})

describe('campaign pushes go through notifications', () => {
  it('use the saved push mapping, and a member who turned pushes off gets the inbox item only', async () => {
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const saved = await saveTemplate('campaign.push', {
      templateId: PUSH_TEMPLATE.id,
      fields: [
        { key: 'thing1', var: 'title' },
        { key: 'thing2', var: 'summary' },
        { key: 'time3', var: 'sentAt' },
        { key: 'thing4', text: '韶关市知识产权保护中心' },
      ],
    })
    expect(saved.status).toBe(200)
    const boss = await buildEnterpriseAdmin(w, '韶关市某光电科技有限公司')
    await setInterests(w.api, boss.token, { region: '440203', industries: ['39'], ipcs: ['H04'] })
    const colleague = await buildMpUser(w)
    await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: colleague.token,
      body: { creditCode: boss.creditCode, name: boss.name },
    })
    const pending = (
      await w.api.call('GET', '/mp/v1/enterprise/members', { token: boss.token })
    ).body.items.find((m: { status: string }) => m.status === 'pending')
    await w.api.call('POST', `/mp/v1/enterprise/members/${pending.id}/decision`, {
      token: boss.token,
      body: { decision: 'approve' },
    })
    for (const m of [boss, colleague]) await acceptSubscription(w, m, PUSH_TEMPLATE.id)
    await w.api.call('PUT', '/mp/v1/notification-preferences', {
      token: colleague.token,
      body: { wechat: { 'campaign.push': false } },
    })

    const patent = await buildPublishedPatent(w.api, editor.token, {
      title: '光通信器件专利预警（第四季度）',
      summary: '关注 H04B 10 领域',
      tags: { ipcs: ['H04B 10/50'], regions: ['440000'] },
    })
    const created = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: '光通信预警', content: { kind: 'patent', id: patent.id } },
    })
    const send = await w.api.call('POST', `/admin/v1/campaigns/${created.body.id}/send`, {
      token: operator.token,
      body: {},
    })
    expect(send.status).toBe(202)
    let done
    for (let i = 0; i < 200; i++) {
      done = (await w.api.call('GET', `/admin/v1/campaigns/${created.body.id}`, { token: operator.token }))
        .body
      if (done.status === 'done') break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(done.progress).toMatchObject({ total: 2, wechatSent: 1, inboxOnly: 1 })

    const toBoss = await w.wx.messages({ toUser: boss.openid })
    expect(toBoss).toHaveLength(1)
    expect(toBoss[0]!.data).toMatchObject({
      thing1: '光通信器件专利预警（第四季度）',
      thing4: '韶关市知识产权保护中心',
    })
    expect(await w.wx.messages({ toUser: colleague.openid })).toHaveLength(0)
    const count = await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: colleague.token })
    expect(count.body.unread).toBe(1)
    const grants = await w.api.call('GET', '/mp/v1/subscriptions', { token: colleague.token })
    expect(grants.body.available[PUSH_TEMPLATE.id]).toBe(1)
  })
})
