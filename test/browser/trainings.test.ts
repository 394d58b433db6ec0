import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { expectOk } from '../support/api.js'
import {
  artifacts,
  builtConsole,
  confirmBox,
  consoleBrowser,
  input,
  openPage,
  signInAt,
} from '../support/browser.js'
import { world } from '../support/world.js'
import {
  buildTrainer,
  clockOf,
  fastMpUsers,
  mine,
  person,
  publishedTraining,
  register,
} from '../trainings/support.js'

const adminDist = builtConsole()

/** The side menu's entries, by route name. */
const menuNames = (page: Page) =>
  page.$$eval('[data-test^="menu-"]', (els) => els.map((e) => e.getAttribute('data-test')!.slice(5)).sort())
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, name), fullPage: true, animations: 'disabled' })

describe('a training in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { browser } = consoleBrowser({ page: 'none' })
  afterEach(() => clockOf(w).reset())

  it('is published with capacity N, filled by N+1 registrations, and a cancelled seat is offered to the first waiting', async () => {
    const N = 2
    const trainer = await buildTrainer(w)
    const page = await openPage(browser)
    await signInAt(page, w.api.url, '/admin/trainings', trainer)
    expect(await menuNames(page)).toEqual(['dashboard', 'training-stats', 'trainings'])
    await page.locator('[data-test="trainings-table"] .el-empty').waitFor() // none yet

    // ── The editor: nothing typed is refused with the contract's messages; then a draft is saved ──
    await page.click('[data-test="training-create"]')
    const form = page.locator('[data-test="training-form"]')
    await page.click('[data-test="dialog-submit"]')
    await form.locator('.el-form-item', { hasText: '培训名称' }).locator('.el-form-item__error').waitFor()
    const title = `专利挖掘与布局实务培训-${Date.now().toString(36)}`
    await input(page, 'training-title').fill(title)
    await page.click('[data-test="body-mode-source"]')
    await input(page, 'content-body').fill('<p>面向中小企业的知识产权实务培训。</p>')
    // the preview is the server's cleaning, which a training manager may ask for too
    await expect
      .poll(() =>
        page
          .locator('[data-test="content-preview"]')
          .textContent()
          .catch(() => ''),
      )
      .toContain('面向中小企业的知识产权实务培训。')
    await input(page, 'session-venue').fill('韶关市行政服务中心三楼报告厅')
    await input(page, 'training-capacity').fill(String(N))
    await shot(page, 'training-editor.png')
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '培训已保存为草稿' }).waitFor()
    const row = page.locator('[data-test="trainings-table"] .el-table__row', { hasText: title })
    await row.waitFor()
    expect(await row.textContent()).toContain('草稿')

    // ── Published from the list ──
    await row.locator('[data-test="training-publish"]').click()
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '培训已发布' }).waitFor()
    await expect.poll(() => row.textContent()).toContain('已发布')
    const list = await w.api.request(E.list, { token: trainer.token, query: {} })
    expectOk(list)
    const t = list.body.items.find((x) => x.title === title)!
    expect(t).toMatchObject({ status: 'published', capacity: N, audience: 'both' })
    expect(t.sessions).toHaveLength(1)
    expect(t.sessions[0]!.venue).toBe('韶关市行政服务中心三楼报告厅')

    // ── The mini-program: N+1 people register; the last one waits at position 1 ──
    const people = await fastMpUsers(w, N + 1)
    const names = ['陈一鸣', '李二娜', '王三川']
    const employers = ['韶关市一鸣科技有限公司', '韶关市二娜商贸有限公司', '韶关市三川茶业有限公司']
    for (const [i, p] of people.entries()) {
      const res = await register(w, p, t.id, person({ name: names[i]!, employer: employers[i]! }))
      expectOk(res, 201)
      expect(res.body).toEqual(i < N ? { status: 'registered' } : { status: 'waitlisted', position: 1 })
    }

    // The console shows N seated and one waiting, with the position.
    await row.locator('[data-test="training-link"]').click()
    await page.waitForURL(new RegExp(`/admin/trainings/${t.id}`))
    await expect.poll(() => page.textContent('[data-test="count-registered"]')).toContain(String(N))
    expect(await page.textContent('[data-test="count-waitlisted"]')).toContain('1')
    await page.click('[data-test="registrations-tab-waitlisted"]')
    // (the console sees names and phones masked: the row is found by the employer)
    const waiting = page.locator('[data-test="registrations-table"] .el-table__row', {
      hasText: employers[N]!,
    })
    await waiting.waitFor()
    expect(await waiting.textContent()).not.toContain('王三川')
    expect(await waiting.locator('[data-test="reg-position"]').textContent()).toBe('1')
    expect(await waiting.locator('[data-test="reg-admit"]').count()).toBe(1)
    await shot(page, 'training-waitlist.png')

    // ── The first registrant cancels in the mini-program: the seat is offered to the first waiting ──
    expectOk(await w.api.request(E.cancel, { token: people[0]!.token, params: { id: t.id } }))
    const offer = await mine(w, people[N]!, t.id)
    expect(offer?.status).toBe('offered')

    await page.reload()
    await expect.poll(() => page.textContent('[data-test="count-offered"]')).toContain('1')
    expect(await page.textContent('[data-test="count-waitlisted"]')).toContain('0')
    await page.click('[data-test="registrations-tab-offered"]')
    const offered = page.locator('[data-test="registrations-table"] .el-table__row', {
      hasText: employers[N]!,
    })
    await offered.waitFor()
    expect(await offered.textContent()).toContain('候补名额待确认')
    // The offer's deadline, in Beijing time, as the api set it.
    const bj = new Date(Date.parse(offer!.offerExpiresAt!) + 8 * 3_600_000).toISOString()
    expect(await offered.locator('[data-test="reg-offer-expiry"]').textContent()).toBe(
      `${bj.slice(0, 10).replaceAll('-', '/')} ${bj.slice(11, 16)}`,
    )
    // the waitlist is empty now
    await page.click('[data-test="registrations-tab-waitlisted"]')
    await page.locator('[data-test="registrations-table"] .el-empty').waitFor()
    await shot(page, 'training-offer.png')

    // ── Staff admit the offered person by hand (audited): the seat is theirs without waiting for them ──
    await page.click('[data-test="registrations-tab-offered"]')
    await offered.locator('[data-test="reg-admit"]').click()
    await page.locator('.el-message-box textarea').fill('主办方邀请的企业代表')
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '已录取' }).waitFor()
    await expect.poll(() => page.textContent('[data-test="count-registered"]')).toContain(String(N))
    expect(await page.textContent('[data-test="count-offered"]')).toContain('0')
    expect((await mine(w, people[N]!, t.id))?.status).toBe('registered')

    // ── Staff check the admitted person in by hand (audited): the session's live count shows it ──
    const sid = t.sessions[0]!.id
    await page.click('[data-test="registrations-tab-registered"]')
    const seated = page.locator('[data-test="registrations-table"] .el-table__row', {
      hasText: employers[N]!,
    })
    await seated.waitFor()
    expect(await page.textContent(`[data-test="session-checked-${sid}"]`)).toBe(`0 / ${N}`)
    await seated.locator(`[data-test="reg-check-in-${sid}"]`).click()
    await page.locator('.el-message-box textarea').fill('手机没电，现场核对身份后代签')
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '签到' }).waitFor()
    await expect.poll(() => page.textContent(`[data-test="session-checked-${sid}"]`)).toBe(`1 / ${N}`)
    expect((await mine(w, people[N]!, t.id))?.status).toBe('attended')

    // ── A published training's title is edited from its page (the registrations stay as they are) ──
    await page.click('[data-test="detail-edit"]')
    await page.locator('[data-test="training-edit-locked-note"]').waitFor()
    const retitled = `${title}（第二期）`
    await input(page, 'training-title').fill(retitled)
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '培训已保存' }).waitFor()
    await expect.poll(() => page.textContent('[data-test="training-title-text"]')).toBe(retitled)
    const edited = await w.api.request(E.get, { token: trainer.token, params: { id: t.id } })
    expectOk(edited)
    expect(edited.body).toMatchObject({ title: retitled, status: 'published', capacity: N })
    expect(edited.body.counts).toMatchObject({ registered: N - 1, attended: 1 })

    // ── The attendance sheet downloads as Excel ──
    const [sheet] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-test="attendance-export"]'),
    ])
    expect(sheet.suggestedFilename()).toMatch(/\.xlsx$/)

    // ── The year's statistics count the training ──
    const year = new Date(Date.parse(t.sessions[0]!.startAt) + 8 * 3_600_000).getUTCFullYear()
    await page.goto(`${w.api.url}/admin/training-stats?year=${year}`)
    await expect.poll(() => page.textContent('[data-test="stats-trainings-count"]')).toContain('1')
    await page.locator('[data-test="stats-trainings"] .el-table__row', { hasText: title }).waitFor()
    await shot(page, 'training-stats.png')

    // ── The check-in screen: the api's QR code and the live count of those expected ──
    await page.goto(`${w.api.url}/admin/trainings/${t.id}/sessions/${t.sessions[0]!.id}/checkin`)
    const qr = page.locator('img[data-test="checkin-qr"]')
    await qr.waitFor()
    // the QR code is drawn: the image loaded with its own size
    await expect
      .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
      .toBe(true)
    expect(await page.textContent('[data-test="checkin-count-registered"]')).toBe(String(N))
    expect(await page.textContent('[data-test="checkin-count-in"]')).toBe('1')
    await shot(page, 'training-checkin-screen.png')
    await page.context().close()
  })

  it('is called off from the list with a reason, and its registrant is cancelled with it', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer)
    const [someone] = await fastMpUsers(w, 1)
    expectOk(await register(w, someone!, t.id), 201)
    const page = await openPage(browser)
    await signInAt(page, w.api.url, '/admin/trainings', trainer)
    const row = page.locator('[data-test="trainings-table"] .el-table__row', { hasText: t.title })
    await row.locator('[data-test="training-cancel"]').click()
    // a reason is required
    await confirmBox(page)
    await page.locator('.el-message-box__errormsg').waitFor()
    await page.locator('.el-message-box textarea').fill('讲师临时有事，改期另行通知')
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '培训已取消' }).waitFor()
    await expect.poll(() => row.textContent()).toContain('已取消')
    expect(await row.locator('[data-test="training-cancel"]').count()).toBe(0)
    expect(await row.locator('[data-test="training-edit"]').count()).toBe(0)
    const regs = await w.api.request(E.registrations, {
      token: trainer.token,
      params: { id: t.id },
      query: {},
    })
    expectOk(regs)
    expect(regs.body.items.map((r) => r.status)).toEqual(['cancelled'])
    await page.context().close()
  })
})
