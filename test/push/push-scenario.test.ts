import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import {
  acceptSubscription,
  buildAdmin,
  buildEnterpriseAdmin,
  buildMpUser,
  buildPublishedPatent,
  setInterests,
  type AdminSession,
} from '../support/factories.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

const w = world()
let worker: Awaited<ReturnType<typeof startWorker>>
let editor: AdminSession
let operator: AdminSession

beforeAll(async () => {
  worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  editor = await buildAdmin(w.api, { roles: ['content_editor'] })
  operator = await buildAdmin(w.api, { roles: ['push_operator'] })
  const root = await buildAdmin(w.api, { roles: ['super_admin'] })
  await w.api.call('PUT', '/admin/v1/settings/push', {
    token: root.token,
    body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
  })
})
afterAll(async () => {
  await worker?.close()
})

async function waitDone(id: string) {
  for (let i = 0; i < 200; i++) {
    const c = await w.api.call('GET', `/admin/v1/campaigns/${id}`, { token: operator.token })
    if (c.body.status === 'done') return c.body
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('campaign did not finish')
}

describe('targeted push, as the mini-program and the console act it', () => {
  it('delivers to the matching enterprise’s members: WeChat to the subscribed one, inbox to all, read and click counted', async () => {
    const boss = await buildEnterpriseAdmin(w, '韶关市某通信科技有限公司')
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
    const elsewhere = await buildEnterpriseAdmin(w, '广州某医药有限公司')
    await setInterests(w.api, elsewhere.token, { region: '440106', industries: ['27'], ipcs: ['A61K'] })

    const granted = await acceptSubscription(w, boss, PUSH_TEMPLATE.id)
    expect(granted.available[PUSH_TEMPLATE.id]).toBe(1)

    const patent = await buildPublishedPatent(w.api, editor.token, {
      title: '5G 通信领域专利预警分析报告（2026 年第三季度）',
      summary: '关注 H04L 领域侵权风险',
      tags: { ipcs: ['H04L 9/32'], regions: ['440000'] },
    })
    const created = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: '5G 预警推送', content: { kind: 'patent', id: patent.id } },
    })
    expect(created.status).toBe(201)

    const dry = await w.api.call('GET', `/admin/v1/campaigns/${created.body.id}/dry-run`, {
      token: operator.token,
    })
    expect(dry.status).toBe(200)
    expect(dry.body.summary).toMatchObject({
      enterprises: 1,
      members: 2,
      reachable: 1,
      inboxOnly: 1,
      cappedEnterprises: 0,
    })
    const row = dry.body.rows.items[0]
    expect(row).toMatchObject({ name: '韶关市某通信科技有限公司', members: 2, reachable: 1, capped: false })
    expect(row.reasons.map((r: { text: string }) => r.text)).toEqual(
      expect.arrayContaining(['地区 440203 属于 440000', '关注 IPC H04 涵盖 H04L 9/32']),
    )

    const sent = await w.api.call('POST', `/admin/v1/campaigns/${created.body.id}/send`, {
      token: operator.token,
      body: {},
    })
    expect(sent.status).toBe(202)
    const done = await waitDone(created.body.id)
    expect(done.progress).toMatchObject({ total: 2, processed: 2, wechatSent: 1, inboxOnly: 1, percent: 100 })

    const toBoss = await w.wx.messages({ toUser: boss.openid })
    expect(toBoss).toHaveLength(1)
    expect(toBoss[0]!.templateId).toBe(PUSH_TEMPLATE.id)
    expect(await w.wx.messages({ toUser: colleague.openid })).toHaveLength(0)
    expect(await w.wx.messages({ toUser: elsewhere.openid })).toHaveLength(0)

    for (const member of [boss, colleague]) {
      const count = await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: member.token })
      expect(count.body.unread).toBe(1)
    }
    const inbox = await w.api.call('GET', '/mp/v1/inbox', { token: boss.token })
    expect(inbox.body.items[0]).toMatchObject({
      title: patent.title,
      read: false,
      content: { kind: 'patent', id: patent.id },
    })
    const opened = await w.api.call('GET', `/mp/v1/inbox/${inbox.body.items[0].id}`, { token: boss.token })
    expect(opened.body.read).toBe(true)
    await w.api.call('POST', `/mp/v1/inbox/${inbox.body.items[0].id}/click`, { token: boss.token })
    expect((await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: boss.token })).body.unread).toBe(0)
    // Someone else's inbox item is not there for them.
    expect(
      (await w.api.call('GET', `/mp/v1/inbox/${inbox.body.items[0].id}`, { token: colleague.token })).status,
    ).toBe(404)

    const after = await w.api.call('GET', `/admin/v1/campaigns/${created.body.id}`, { token: operator.token })
    expect(after.body.progress).toMatchObject({ read: 1, clicked: 1 })
  })

  it('falls back to the inbox when WeChat says the grant is spent (43101), and counts the errcode', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440106', ipcs: ['G06F'] })
    // The mini-program reported an accept, but WeChat holds no grant for this user (revoked since).
    await w.api.call('POST', '/mp/v1/subscriptions', {
      token: boss.token,
      body: { results: { [PUSH_TEMPLATE.id]: 'accept' } },
    })
    const patent = await buildPublishedPatent(w.api, editor.token, {
      title: '人工智能专利导航',
      tags: { ipcs: ['G06F 16/00'] },
    })
    const c = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: 'AI 导航', content: { kind: 'patent', id: patent.id } },
    })
    await w.api.call('POST', `/admin/v1/campaigns/${c.body.id}/send`, { token: operator.token, body: {} })
    const done = await waitDone(c.body.id)
    expect(done.progress).toMatchObject({
      processed: 1,
      wechatSent: 0,
      wechatFailed: 1,
      inboxOnly: 1,
      failedByErrcode: { '43101': 1 },
    })
    expect(
      (await w.api.call('GET', '/mp/v1/subscriptions', { token: boss.token })).body.available[
        PUSH_TEMPLATE.id
      ],
    ).toBeUndefined()
    expect((await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: boss.token })).body.unread).toBe(1)
  })

  it('holds back enterprises at the weekly cap and respects a per-category opt-out', async () => {
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: root.token,
      body: { weeklyCap: 1, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
    })
    try {
      const capped = await buildEnterpriseAdmin(w)
      await setInterests(w.api, capped.token, { region: '440281', ipcs: ['B62D'] })
      const optedOut = await buildEnterpriseAdmin(w)
      await setInterests(w.api, optedOut.token, { region: '440281', ipcs: ['B62D'], optOut: ['licensable'] })
      const first = await buildPublishedPatent(w.api, editor.token, {
        kind: 'policy',
        title: '汽车专利政策解读',
        tags: { ipcs: ['B62D'] },
      })
      const c1 = await w.api.call('POST', '/admin/v1/campaigns', {
        token: operator.token,
        body: { name: '政策解读', content: { kind: 'patent', id: first.id } },
      })
      await w.api.call('POST', `/admin/v1/campaigns/${c1.body.id}/send`, { token: operator.token, body: {} })
      await waitDone(c1.body.id)

      const second = await buildPublishedPatent(w.api, editor.token, {
        kind: 'licensable',
        title: '可许可汽车专利',
        tags: { ipcs: ['B62D 1/00'] },
      })
      const c2 = await w.api.call('POST', '/admin/v1/campaigns', {
        token: operator.token,
        body: { name: '可许可专利', content: { kind: 'patent', id: second.id } },
      })
      const dry = await w.api.call('GET', `/admin/v1/campaigns/${c2.body.id}/dry-run?filter=capped`, {
        token: operator.token,
      })
      expect(dry.body.summary).toMatchObject({
        enterprises: 1,
        cappedEnterprises: 1,
        members: 0,
        weeklyCap: 1,
      })
      expect(dry.body.summary.optedOut).toBeGreaterThanOrEqual(1)
      expect(dry.body.rows.items.map((r: { enterpriseId: string }) => r.enterpriseId)).toEqual([
        capped.enterpriseId,
      ])
    } finally {
      await w.api.call('PUT', '/admin/v1/settings/push', {
        token: root.token,
        body: {
          weeklyCap: 3,
          yearTarget: 50_000,
          templateId: PUSH_TEMPLATE.id,
          publisher: '韶关市市场监管局',
        },
      })
    }
  })

  it('sends a scheduled campaign at its time, and a cancelled one never', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440605', ipcs: ['F16H'] })
    const patent = await buildPublishedPatent(w.api, editor.token, {
      kind: 'navigation',
      title: '齿轮传动专利导航',
      tags: { ipcs: ['F16H'] },
    })
    const make = async (name: string) =>
      (
        await w.api.call('POST', '/admin/v1/campaigns', {
          token: operator.token,
          body: { name, content: { kind: 'patent', id: patent.id } },
        })
      ).body.id as string
    const kept = await make('定时推送')
    const dropped = await make('取消的定时推送')
    const at = new Date(Date.now() + 1500).toISOString()
    const scheduled = await w.api.call('POST', `/admin/v1/campaigns/${kept}/send`, {
      token: operator.token,
      body: { at },
    })
    expect(scheduled.body).toMatchObject({ status: 'scheduled', scheduledAt: at })
    await w.api.call('POST', `/admin/v1/campaigns/${dropped}/send`, { token: operator.token, body: { at } })
    expect(
      (await w.api.call('POST', `/admin/v1/campaigns/${dropped}/cancel`, { token: operator.token })).body
        .status,
    ).toBe('cancelled')
    expect((await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: boss.token })).body.unread).toBe(0)

    const done = await waitDone(kept)
    expect(new Date(done.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(at).getTime())
    await new Promise((r) => setTimeout(r, 500))
    expect(
      (await w.api.call('GET', `/admin/v1/campaigns/${dropped}`, { token: operator.token })).body.status,
    ).toBe('cancelled')
    expect((await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: boss.token })).body.unread).toBe(1)
    const started = await w.api.call('POST', `/admin/v1/campaigns/${kept}/cancel`, { token: operator.token })
    expect(started.status).toBe(409)
  })

  it('does not send a rescheduled campaign at its old time: the job left behind stops', async () => {
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440605', ipcs: ['F16J'] })
    const patent = await buildPublishedPatent(w.api, editor.token, {
      kind: 'navigation',
      title: '密封件专利导航',
      tags: { ipcs: ['F16J'] },
    })
    const id = (
      await w.api.call('POST', '/admin/v1/campaigns', {
        token: operator.token,
        body: { name: '改期的推送', content: { kind: 'patent', id: patent.id } },
      })
    ).body.id as string
    const soon = new Date(Date.now() + 1000).toISOString()
    await w.api.call('POST', `/admin/v1/campaigns/${id}/send`, { token: operator.token, body: { at: soon } })
    const later = new Date(Date.now() + 86_400_000).toISOString()
    const moved = await w.api.call('POST', `/admin/v1/campaigns/${id}/send`, {
      token: operator.token,
      body: { at: later },
    })
    expect(moved.body).toMatchObject({ status: 'scheduled', scheduledAt: later })
    // Past the old time, with the worker running: the old plan job has run and found the campaign moved.
    await new Promise((r) => setTimeout(r, 3000))
    const after = await w.api.call('GET', `/admin/v1/campaigns/${id}`, { token: operator.token })
    expect(after.body).toMatchObject({ status: 'scheduled', scheduledAt: later, startedAt: null })
    expect((await w.api.call('GET', '/mp/v1/inbox/unread-count', { token: boss.token })).body.unread).toBe(0)
  })

  it('counts enterprise-deliveries for the year against the target and exports them to Excel', async () => {
    const viewer = await buildAdmin(w.api, { permissions: ['stats.read'] })
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear()
    const stats = await w.api.call('GET', `/admin/v1/stats/push?year=${year}`, { token: viewer.token })
    expect(stats.status).toBe(200)
    // The campaigns above reached 1 + 1 + 2 + 1 enterprises (the capped and the opted-out one in the first round).
    expect(stats.body).toMatchObject({ year, target: 50_000, delivered: 5 })
    expect(stats.body.byMonth).toHaveLength(12)
    expect(stats.body.byRegion.map((r: { region: string }) => r.region)).toEqual(
      expect.arrayContaining(['440200', '440100']),
    )

    const res = await fetch(`${w.api.url}/admin/v1/stats/push/export?year=${year}`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('.xlsx')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never)
    const summary = wb.getWorksheet('汇总')!
    expect(summary.getRow(4).values).toEqual([undefined, '已推送（企业·次）', 5])
    expect(wb.getWorksheet('推送明细')!.rowCount).toBe(5)
  })
})
