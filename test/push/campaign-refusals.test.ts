import { beforeAll, describe, expect, it } from 'vitest'
import { buildAdmin, buildPublishedPatent, type AdminSession } from '../support/factories.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

// No worker runs here: a campaign sent now stays queued, which is what these refusals need.
const w = world()
let editor: AdminSession
let operator: AdminSession

beforeAll(async () => {
  editor = await buildAdmin(w.api, { roles: ['content_editor'] })
  operator = await buildAdmin(w.api, { roles: ['push_operator'] })
  const root = await buildAdmin(w.api, { roles: ['super_admin'] })
  await w.api.call('PUT', '/admin/v1/settings/push', {
    token: root.token,
    body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
  })
})

const DAY_MS = 86_400_000
const call = (method: string, path: string, body?: unknown) =>
  w.api.call(method, `/admin/v1/campaigns${path}`, { token: operator.token, ...(body ? { body } : {}) })

async function draftCampaign(name = '专利预警推送') {
  const patent = await buildPublishedPatent(w.api, editor.token, { title: name })
  const created = await call('POST', '', { name, content: { kind: 'patent', id: patent.id } })
  expect(created.status).toBe(201)
  return created.body.id as string
}

describe('campaign refusals', () => {
  it('refuses to edit a scheduled campaign with 409 CAMPAIGN_LOCKED naming its state', async () => {
    const id = await draftCampaign()
    const at = new Date(Date.now() + DAY_MS).toISOString()
    expect((await call('POST', `/${id}/send`, { at })).body.status).toBe('scheduled')
    const res = await call('PATCH', `/${id}`, { name: '改个名字' })
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({
      code: 'CAMPAIGN_LOCKED',
      message: '推送已发送或已排期，不能再修改',
      details: { current: 'scheduled', allowedFrom: ['draft'], move: 'edit' },
    })
    expect((await call('GET', `/${id}`)).body.name).toBe('专利预警推送')
  })

  it('refuses to edit a campaign already queued for sending with 409 CAMPAIGN_LOCKED', async () => {
    const id = await draftCampaign()
    expect((await call('POST', `/${id}/send`, {})).status).toBe(202)
    const res = await call('PATCH', `/${id}`, { name: '改个名字' })
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({ code: 'CAMPAIGN_LOCKED', details: { current: 'queued' } })
  })

  it('refuses to cancel a campaign that has started sending with 409 CAMPAIGN_STARTED', async () => {
    const id = await draftCampaign()
    await call('POST', `/${id}/send`, {})
    const res = await call('POST', `/${id}/cancel`)
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({
      code: 'CAMPAIGN_STARTED',
      message: '推送已开始发送，无法取消',
      details: { current: 'queued', allowedFrom: ['draft', 'scheduled'], move: 'cancel' },
    })
    expect((await call('GET', `/${id}`)).body.status).toBe('queued')
  })

  it('refuses to send a campaign twice with 409 CAMPAIGN_STARTED', async () => {
    const id = await draftCampaign()
    expect((await call('POST', `/${id}/send`, {})).status).toBe(202)
    const again = await call('POST', `/${id}/send`, {})
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({
      code: 'CAMPAIGN_STARTED',
      message: '推送已在发送或已完成',
      details: { current: 'queued', move: 'send' },
    })
  })

  it('refuses to send or edit a cancelled campaign', async () => {
    const id = await draftCampaign()
    const at = new Date(Date.now() + DAY_MS).toISOString()
    await call('POST', `/${id}/send`, { at })
    const cancelled = await call('POST', `/${id}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.status).toBe('cancelled')
    expect((await call('POST', `/${id}/send`, {})).body.error).toMatchObject({
      code: 'CAMPAIGN_STARTED',
      details: { current: 'cancelled' },
    })
    expect((await call('PATCH', `/${id}`, { name: 'x' })).body.error.code).toBe('CAMPAIGN_LOCKED')
  })

  it('moves a scheduled campaign to a new time (scheduled → scheduled)', async () => {
    const id = await draftCampaign()
    await call('POST', `/${id}/send`, { at: new Date(Date.now() + DAY_MS).toISOString() })
    const later = new Date(Date.now() + 2 * DAY_MS)
    const moved = await call('POST', `/${id}/send`, { at: later.toISOString() })
    expect(moved.status).toBe(202)
    expect(moved.body).toMatchObject({ status: 'scheduled', scheduledAt: later.toISOString() })
  })

  it.each([
    ['more than 90 days ahead', 91 * DAY_MS],
    ['in the past', -2 * 3600_000],
  ])('refuses a send time %s with 400 on the at field, leaving the draft as it was', async (_, offset) => {
    const id = await draftCampaign()
    const res = await call('POST', `/${id}/send`, { at: new Date(Date.now() + offset).toISOString() })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: '定时发送时间须在未来 90 天内',
      details: { fields: [{ path: 'at', message: '定时发送时间须在未来 90 天内' }] },
    })
    expect((await call('GET', `/${id}`)).body.status).toBe('draft')
  })

  it('accepts a send time 89 days ahead', async () => {
    const id = await draftCampaign()
    const res = await call('POST', `/${id}/send`, { at: new Date(Date.now() + 89 * DAY_MS).toISOString() })
    expect(res.status).toBe(202)
    expect(res.body.status).toBe('scheduled')
  })

  it('answers 404 for a campaign that does not exist, whatever the move', async () => {
    const missing = '0123456789abcdef01234567'
    for (const [method, path, body] of [
      ['PATCH', `/${missing}`, { name: 'x' }],
      ['POST', `/${missing}/send`, {}],
      ['POST', `/${missing}/cancel`, undefined],
    ] as const) {
      const res = await call(method, path, body)
      expect(res.status).toBe(404)
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: '推送不存在或无权查看' })
    }
  })
})
