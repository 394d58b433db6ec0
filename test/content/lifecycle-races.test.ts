import { describe, expect, it } from 'vitest'
import { publishDue } from '@zct/api/internal/modules/content/content.service'
import { consoleOf, contentWorld, draftAnnouncement } from './setup.js'

// Moves of the content lifecycle (ContentMachine) guarded by the revision the editor saw.
const w = contentWorld()
const cms = consoleOf(w)
const HOUR = 3600_000

describe('content lifecycle races', () => {
  it('refuses to publish text edited while WeChat was checking it with 409 CONTENT_CHANGED', async () => {
    const a = await draftAnnouncement(w)
    // WeChat takes a while to check the text; meanwhile another editor saves new text.
    await w.wx.inject({ endpoint: 'msg_sec_check', delayMs: 800, times: 1 })
    const publishing = cms.act('announcements', a.id, 'publish')
    await new Promise((r) => setTimeout(r, 300))
    expect((await cms.update('announcements', a.id, { title: '改过的标题' })).status).toBe(200)
    const res = await publishing
    expect(res.status).toBe(409)
    expect(res.body.error).toEqual({
      code: 'CONTENT_CHANGED',
      message: '内容刚被修改或状态已变化，请刷新后重试',
    })
    // Nothing unchecked went out: the item is still a draft with the new title.
    expect((await cms.get('announcements', a.id)).body).toMatchObject({
      status: 'draft',
      title: '改过的标题',
    })
    expect((await cms.act('announcements', a.id, 'publish')).body.status).toBe('published')
  })

  it('refuses to schedule a published item with 409 ALREADY_PUBLISHED, and cancels a schedule back to draft', async () => {
    const a = await draftAnnouncement(w)
    const scheduled = await cms.schedule('announcements', a.id, new Date(Date.now() + HOUR))
    expect(scheduled.body.status).toBe('scheduled')
    const unscheduled = await cms.act('announcements', a.id, 'withdraw')
    expect(unscheduled.body).toMatchObject({ status: 'draft', publishAt: null })
    await cms.act('announcements', a.id, 'publish')
    const again = await cms.schedule('announcements', a.id, new Date(Date.now() + HOUR))
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('ALREADY_PUBLISHED')
  })

  it('leaves an item withdrawn after it was due to the editor: the publishing job does not publish it', async () => {
    const a = await draftAnnouncement(w)
    await cms.schedule('announcements', a.id, new Date(Date.now() + HOUR))
    await cms.act('announcements', a.id, 'withdraw')
    const published = await publishDue(new Date(Date.now() + 2 * HOUR))
    expect(published.map((p) => p.id)).not.toContain(a.id)
    expect((await cms.get('announcements', a.id)).body.status).toBe('draft')
  })
})
