import { describe, expect, it } from 'vitest'
import { buildAdmin, buildMpUser } from '../support/factories.js'
import { consoleOf, contentWorld, draftAnnouncement, draftPatent } from './setup.js'

const w = contentWorld()
const cms = consoleOf(w)
/** A phrase the fake WeChat answers with suggest "review", label 10001 (广告). */
const REVIEW_WORDS = '咨询请加微信'

const listIds = async (path: string) =>
  ((await cms.call('GET', path)).body.items as { id: string }[]).map((i) => i.id)

describe('content WeChat asks a human to review', () => {
  it('publishes it, marked 待人工复核 until an editor confirms it, and audits the confirmation', async () => {
    const user = await buildMpUser(w)
    const p = await draftPatent(w, { summary: `${REVIEW_WORDS}了解许可条件` })
    const clean = await draftPatent(w)
    for (const item of [p, clean]) expect((await cms.act('patents', item.id, 'publish')).status).toBe(200)

    const published = (await cms.get('patents', p.id)).body
    expect(published).toMatchObject({
      status: 'published',
      secCheck: { suggest: 'review', labelName: '广告', reviewedAt: null, reviewedBy: null },
    })
    expect((await w.api.call('GET', `/mp/v1/patents/${p.id}`, { token: user.token })).status).toBe(200)

    const pending = await listIds('/patents?review=pending&pageSize=100')
    expect(pending).toContain(p.id)
    expect(pending).not.toContain(clean.id)
    expect(await listIds('/patents?review=done&pageSize=100')).not.toContain(p.id)

    const confirmed = await cms.call('POST', `/patents/${p.id}/review`)
    expect(confirmed.status).toBe(200)
    expect(confirmed.body).toMatchObject({
      status: 'published',
      secCheck: { suggest: 'review', reviewedAt: expect.any(String), reviewedBy: w.editor.username },
    })
    expect(await listIds('/patents?review=pending&pageSize=100')).not.toContain(p.id)
    expect(await listIds('/patents?review=done&pageSize=100')).toContain(p.id)

    const auditor = await buildAdmin(w.api, { roles: ['super_admin'] })
    const trail = await w.api.call('GET', `/admin/v1/audit?targetType=patent_info&targetId=${p.id}`, {
      token: auditor.token,
    })
    expect(trail.body.items).toContainEqual(
      expect.objectContaining({
        action: 'patent_info.review',
        actor: expect.objectContaining({ id: w.editor.id }),
      }),
    )
  })

  it('refuses to confirm what is not waiting for review with 409 SEC_REVIEW_NOT_PENDING', async () => {
    const clean = await draftAnnouncement(w)
    const unchecked = await cms.call('POST', `/announcements/${clean.id}/review`)
    expect(unchecked.status).toBe(409)
    expect(unchecked.body.error.code).toBe('SEC_REVIEW_NOT_PENDING')
    expect(unchecked.body.error.message).toContain('没有待人工复核')

    expect((await cms.act('announcements', clean.id, 'publish')).status).toBe(200)
    expect((await cms.call('POST', `/announcements/${clean.id}/review`)).status).toBe(409)

    const flagged = await draftAnnouncement(w, { body: `<p>${REVIEW_WORDS}</p>` })
    await cms.act('announcements', flagged.id, 'publish')
    expect((await cms.call('POST', `/announcements/${flagged.id}/review`)).status).toBe(200)
    const twice = await cms.call('POST', `/announcements/${flagged.id}/review`)
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('SEC_REVIEW_NOT_PENDING')
    expect((await cms.call('POST', `/patents/${flagged.id}/review`)).status).toBe(404)
  })

  it('asks again after an edit the new check still wants reviewed', async () => {
    const a = await draftAnnouncement(w, { body: `<p>${REVIEW_WORDS}</p>` })
    await cms.act('announcements', a.id, 'publish')
    expect((await cms.call('POST', `/announcements/${a.id}/review`)).status).toBe(200)

    const edited = await cms.update('announcements', a.id, { body: `<p>${REVIEW_WORDS}，电话 123</p>` })
    expect(edited.status).toBe(200)
    expect(edited.body.secCheck).toMatchObject({ suggest: 'review', reviewedAt: null, reviewedBy: null })
    expect(await listIds('/announcements?review=pending&pageSize=100')).toContain(a.id)

    const cleaned = await cms.update('announcements', a.id, { body: '<p>详见附件。</p>' })
    expect(cleaned.body.secCheck).toMatchObject({ suggest: 'pass' })
    expect(await listIds('/announcements?review=pending&pageSize=100')).not.toContain(a.id)
  })

  it('refuses an unknown review filter with a worded 400', async () => {
    const res = await cms.call('GET', '/announcements?review=maybe')
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields[0].path).toBe('review')
    expect(res.body.error.details.fields[0].message).not.toMatch(/expected|string|期望|undefined/i)
  })
})
