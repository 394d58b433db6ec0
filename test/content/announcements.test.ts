import { describe, expect, it } from 'vitest'
import { publishDue } from '@zct/api/internal/modules/content/content.service'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser, setInterests } from '../support/factories.js'
import { consoleOf, contentWorld, draftAnnouncement, publishedAnnouncement } from './setup.js'

const w = contentWorld()
const cms = consoleOf(w)
const HOUR = 3600_000

async function mpList(token: string) {
  const res = await w.api.call('GET', '/mp/v1/announcements?pageSize=100', { token })
  expect(res.status).toBe(200)
  return res.body as { items: { id: string; pinned: boolean; unread: boolean }[]; total: number }
}
const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id)
const unreadCount = async (token: string) =>
  (await w.api.call('GET', '/mp/v1/announcements/unread-count', { token })).body.unread as number

describe('announcements in the mini-program', () => {
  it('keeps drafts out of the mini-program', async () => {
    const user = await buildMpUser(w)
    const draft = await draftAnnouncement(w)
    expect(ids(await mpList(user.token))).not.toContain(draft.id)
    const detail = await w.api.call('GET', `/mp/v1/announcements/${draft.id}`, { token: user.token })
    expect(detail.status).toBe(404)
    expect(detail.body.error.code).toBe('NOT_FOUND')
  })

  it('shows published announcements pinned first, unread until opened, and counts each reader once', async () => {
    const user = await buildMpUser(w)
    const older = await publishedAnnouncement(w, { title: '关于 2026 年度专利资助申报的通知' })
    const newer = await publishedAnnouncement(w, { title: '知识产权公共服务站点名单公示' })
    const before = await unreadCount(user.token)

    let page = await mpList(user.token)
    expect(ids(page).indexOf(newer.id)).toBeLessThan(ids(page).indexOf(older.id))
    expect((await cms.act('announcements', older.id, 'pin')).body.pinned).toBe(true)
    page = await mpList(user.token)
    expect(page.items[0]).toMatchObject({ id: older.id, pinned: true, unread: true })
    expect(page.total).toBe(page.items.length)

    const opened = await w.api.call('GET', `/mp/v1/announcements/${newer.id}`, { token: user.token })
    expect(opened.status).toBe(200)
    expect(opened.body).toMatchObject({
      id: newer.id,
      title: '知识产权公共服务站点名单公示',
      body: '<p>各有关单位：</p>',
    })
    await w.api.call('GET', `/mp/v1/announcements/${newer.id}`, { token: user.token })
    page = await mpList(user.token)
    expect(page.items.find((i) => i.id === newer.id)?.unread).toBe(false)
    expect(page.items.find((i) => i.id === older.id)?.unread).toBe(true)
    expect(await unreadCount(user.token)).toBe(before - 1)

    const other = await buildMpUser(w)
    await w.api.call('GET', `/mp/v1/announcements/${newer.id}`, { token: other.token })
    expect((await cms.get('announcements', newer.id)).body.readCount).toBe(2)
    const list = await cms.call('GET', '/announcements?status=published&pageSize=100')
    expect(list.body.items.find((i: { id: string }) => i.id === newer.id).readCount).toBe(2)
    await cms.act('announcements', older.id, 'unpin')
  })

  it('publishes a scheduled announcement when its time comes, and only once', async () => {
    const user = await buildMpUser(w)
    const a = await draftAnnouncement(w)
    const now = Date.now()
    const scheduled = await cms.schedule('announcements', a.id, new Date(now + HOUR))
    expect(scheduled.status).toBe(200)
    expect(scheduled.body).toMatchObject({ status: 'scheduled', secCheck: { suggest: 'pass' } })
    // Rescheduled later: the job for the first time finds nothing due.
    await cms.schedule('announcements', a.id, new Date(now + 3 * HOUR))
    expect((await publishDue(new Date(now + 2 * HOUR))).map((p) => p.id)).not.toContain(a.id)
    expect(ids(await mpList(user.token))).not.toContain(a.id)

    const due = await publishDue(new Date(now + 4 * HOUR))
    expect(due).toContainEqual({ kind: 'announcement', id: a.id })
    expect(await publishDue(new Date(now + 4 * HOUR))).not.toContainEqual({ kind: 'announcement', id: a.id })
    const item = (await cms.get('announcements', a.id)).body
    expect(item).toMatchObject({
      status: 'published',
      publishAt: null,
      publishedAt: new Date(now + 3 * HOUR).toISOString(),
    })
    expect(ids(await mpList(user.token))).toContain(a.id)
  })

  it('refuses a publish time in the past or more than a year ahead, naming the field', async () => {
    const a = await draftAnnouncement(w)
    for (const at of [new Date(Date.now() - 60_000), new Date(Date.now() + 400 * 24 * HOUR)]) {
      const res = await cms.schedule('announcements', a.id, at)
      expect(res.status).toBe(400)
      expect(res.body.error.details.fields[0].path).toBe('publishAt')
    }
    expect((await cms.get('announcements', a.id)).body.status).toBe('draft')
  })

  it('hides a withdrawn announcement and shows it again when republished', async () => {
    const user = await buildMpUser(w)
    const a = await publishedAnnouncement(w)
    expect(ids(await mpList(user.token))).toContain(a.id)
    const withdrawn = await cms.act('announcements', a.id, 'withdraw')
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn' })
    expect(ids(await mpList(user.token))).not.toContain(a.id)
    expect((await w.api.call('GET', `/mp/v1/announcements/${a.id}`, { token: user.token })).status).toBe(404)
    expect((await cms.act('announcements', a.id, 'withdraw')).body.error.code).toBe('NOT_PUBLISHED')

    expect((await cms.act('announcements', a.id, 'publish')).body.status).toBe('published')
    expect(ids(await mpList(user.token))).toContain(a.id)
    expect((await cms.act('announcements', a.id, 'publish')).body.error.code).toBe('ALREADY_PUBLISHED')
  })

  it('shows an announcement for individuals only to people without an enterprise', async () => {
    const individual = await buildMpUser(w)
    const member = await buildEnterpriseAdmin(w)
    const forIndividuals = await publishedAnnouncement(w, { audience: { kind: 'individuals' } })
    const forEnterprises = await publishedAnnouncement(w, { audience: { kind: 'enterprises' } })

    const seenByMember = ids(await mpList(member.token))
    expect(seenByMember).not.toContain(forIndividuals.id)
    expect(seenByMember).toContain(forEnterprises.id)
    expect(
      (await w.api.call('GET', `/mp/v1/announcements/${forIndividuals.id}`, { token: member.token })).status,
    ).toBe(404)
    const seenByIndividual = ids(await mpList(individual.token))
    expect(seenByIndividual).toContain(forIndividuals.id)
    expect(seenByIndividual).not.toContain(forEnterprises.id)
  })

  it("targets regions and industries through the enterprise's profile, broader codes included", async () => {
    const member = await buildEnterpriseAdmin(w)
    await setInterests(w.api, member.token, { region: '440203', industries: ['3911'] })
    const city = await publishedAnnouncement(w, { audience: { kind: 'enterprises', regions: ['440200'] } })
    const otherCity = await publishedAnnouncement(w, { audience: { kind: 'all', regions: ['440100'] } })
    const manufacturing = await publishedAnnouncement(w, { audience: { kind: 'all', industries: ['C'] } })
    const farming = await publishedAnnouncement(w, { audience: { kind: 'all', industries: ['A'] } })
    const seen = ids(await mpList(member.token))
    expect(seen).toEqual(expect.arrayContaining([city.id, manufacturing.id]))
    expect(seen).not.toContain(otherCity.id)
    expect(seen).not.toContain(farming.id)
  })
})

describe('announcements in the console', () => {
  it('keeps an edited published announcement published, re-checking its new text', async () => {
    const user = await buildMpUser(w)
    const a = await publishedAnnouncement(w)
    const before = (await cms.get('announcements', a.id)).body
    const edited = await cms.update('announcements', a.id, {
      body: '<p>补充通知：截止日期延长至 12 月 31 日。</p>',
    })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ status: 'published', publishedAt: before.publishedAt })
    expect(Date.parse(edited.body.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt))
    expect(Date.parse(edited.body.secCheck.checkedAt)).toBeGreaterThan(Date.parse(before.secCheck.checkedAt))

    const risky = await cms.update('announcements', a.id, { body: '<p>欢迎参与网络赌博</p>' })
    expect(risky.status).toBe(422)
    expect(risky.body.error.code).toBe('CONTENT_RISKY')
    const shown = await w.api.call('GET', `/mp/v1/announcements/${a.id}`, { token: user.token })
    expect(shown.body.body).toBe('<p>补充通知：截止日期延长至 12 月 31 日。</p>')
  })

  it('deletes drafts only', async () => {
    const draft = await draftAnnouncement(w)
    const live = await publishedAnnouncement(w)
    const refused = await cms.call('DELETE', `/announcements/${live.id}`)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('NOT_DRAFT')
    expect((await cms.call('DELETE', `/announcements/${draft.id}`)).status).toBe(204)
    expect((await cms.get('announcements', draft.id)).status).toBe(404)
  })

  it('filters the console list by status and keyword', async () => {
    const mark = `检索标记${Date.now()}`
    const draft = await draftAnnouncement(w, { title: `${mark} 草稿` })
    const live = await publishedAnnouncement(w, { title: `${mark} 已发布` })
    const byKeyword = await cms.call('GET', `/announcements?q=${encodeURIComponent(mark)}`)
    expect(byKeyword.body).toMatchObject({ total: 2, page: 1, pageSize: 20 })
    expect(byKeyword.body.items.map((i: { id: string }) => i.id)).toEqual([live.id, draft.id])
    const published = await cms.call('GET', `/announcements?q=${encodeURIComponent(mark)}&status=published`)
    expect(published.body.items.map((i: { id: string }) => i.id)).toEqual([live.id])
  })

  it('refuses content writes to a push operator', async () => {
    const operator = await buildAdmin(w.api, { roles: ['push_operator'] })
    const res = await w.api.call('POST', '/admin/v1/announcements', {
      token: operator.token,
      body: { title: '无权发布', body: '' },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.details).toEqual({ missing: ['content.manage'] })
    const patent = await w.api.call('POST', '/admin/v1/patents', {
      token: operator.token,
      body: { kind: 'policy', title: '无权发布', summary: '摘要', body: '' },
    })
    expect(patent.status).toBe(403)
  })

  it('records an audit entry for every console write', async () => {
    const a = await draftAnnouncement(w)
    await cms.update('announcements', a.id, { title: '关于调整培训时间的通知' })
    await cms.act('announcements', a.id, 'publish')
    await cms.act('announcements', a.id, 'pin')
    await cms.act('announcements', a.id, 'unpin')
    await cms.act('announcements', a.id, 'withdraw')
    const d = await draftAnnouncement(w)
    await cms.call('DELETE', `/announcements/${d.id}`)

    const auditor = await buildAdmin(w.api, { roles: ['super_admin'] })
    const trail = async (id: string) =>
      (
        await w.api.call('GET', `/admin/v1/audit?targetType=announcement&targetId=${id}`, {
          token: auditor.token,
        })
      ).body.items as {
        action: string
        actor: { id: string }
        fields: string[]
      }[]
    const entries = await trail(a.id)
    expect(entries.map((e) => e.action).sort()).toEqual(
      ['create', 'update', 'publish', 'pin', 'unpin', 'withdraw'].map((x) => `announcement.${x}`).sort(),
    )
    expect(entries.every((e) => e.actor.id === w.editor.id)).toBe(true)
    expect(entries.find((e) => e.action === 'announcement.update')?.fields).toEqual(['title'])
    expect((await trail(d.id)).map((e) => e.action)).toContain('announcement.delete')
  })
})
