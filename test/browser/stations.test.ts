import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { StationLedgerEndpoints as L } from '@zct/api/contracts/stations/stations.ledger'
import { expectOk } from '../support/api.js'
import { buildEnterpriseAdmin } from '../support/factories.js'
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
import { DAY, MINUTE, booked, buildBureau, buildStaff, clockOf } from '../stations/support.js'

const adminDist = builtConsole()

/** The side menu's entries, by route name. */
const menuNames = (page: Page) =>
  page.$$eval('[data-test^="menu-"]', (els) => els.map((e) => e.getAttribute('data-test')!.slice(5)).sort())
/** A Beijing calendar date, `ms` from now. */
const beijingDate = (ms = 0) => new Date(Date.now() + ms + 8 * 3_600_000).toISOString().slice(0, 10)
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, name), fullPage: true, animations: 'disabled' })

describe('a station consultation in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { browser } = consoleBrowser({ page: 'none' })
  afterEach(() => clockOf(w).reset())

  it('is set up by the bureau and the station, booked in the mini-program, confirmed, completed and rated', async () => {
    // ── The bureau adds a station that confirms its bookings ──
    const bureau = await buildBureau(w)
    const pageB = await openPage(browser)
    await signInAt(pageB, w.api.url, '/admin/stations', bureau)
    expect(await menuNames(pageB)).toEqual([
      'dashboard',
      'station-bookings',
      'station-ledger',
      'station-slots',
      'station-stats',
      'stations',
    ])
    await pageB.locator('[data-test="stations-table"] .el-empty').waitFor() // none yet
    await pageB.click('[data-test="station-create"]')
    const form = pageB.locator('[data-test="station-form"]')
    // Nothing typed: the contract's own messages, and nothing sent.
    await pageB.click('[data-test="dialog-submit"]')
    await form.locator('.el-form-item', { hasText: '指导站名称' }).locator('.el-form-item__error').waitFor()
    const name = `韶关市武江区商标品牌培育指导站-${Date.now().toString(36)}`
    await input(pageB, 'station-name').fill(name)
    await input(pageB, 'station-region').fill('武江')
    await pageB.locator('.el-cascader__suggestion-item:visible', { hasText: '武江区' }).first().click()
    await input(pageB, 'station-address').fill('韶关市武江区工业西路 1 号')
    await input(pageB, 'station-phone').fill('0751-8888888')
    await input(pageB, 'station-hours').fill('周一至周五 9:00–12:00、14:00–17:30（法定节假日除外）')
    await pageB.click('[data-test="station-confirm"]')
    await pageB.click('[data-test="dialog-submit"]')
    await pageB.locator('.el-message--success', { hasText: '指导站已新增' }).waitFor()
    const stationRow = pageB.locator('[data-test="stations-table"] .el-table__row', { hasText: name })
    await stationRow.waitFor()
    expect(await stationRow.textContent()).toContain('须工作人员确认')
    expect(await stationRow.textContent()).toContain('武江区')
    await shot(pageB, 'stations.png')
    const list = await w.api.request(E.stations, { token: bureau.token, query: { q: name } })
    expectOk(list)
    const station = list.body.items.find((s) => s.name === name)!
    expect(station).toMatchObject({
      type: 'brand',
      regionCode: '440203',
      requiresConfirmation: true,
      cancelCutoffMinutes: 120,
      contact: { phone: '0751-8888888' },
    })
    await pageB.context().close()

    // ── The station's staff: their station only, read-only; they publish tomorrow 09:00–11:30 ──
    const staff = await buildStaff(w, station.id)
    const day = beijingDate(DAY)
    const page = await openPage(browser)
    await signInAt(page, w.api.url, '/admin/stations', staff)
    await page.locator('[data-test="stations-table"] .el-table__row', { hasText: name }).waitFor()
    expect(await page.locator('[data-test="station-create"]').count()).toBe(0)
    expect(await page.locator('[data-test="stations-table"] .el-table__row').count()).toBe(1)
    expect(await page.textContent('[data-test="station-edit"]')).toBe('查看')

    await page.click('[data-test="station-slots"]')
    await page.waitForURL((u) => u.pathname === '/admin/station-slots')
    await page.locator('[data-test="calendar-empty"]').waitFor()
    await page.click('[data-test="slots-publish"]')
    const dialog = page.locator('[data-test="publish-dialog"]')
    await input(page, 'publish-date').fill(day)
    await input(page, 'publish-date').press('Enter')
    // A weekly rule first, only previewed: how many slots it would make, nothing written.
    await dialog.locator('[data-test="publish-kind-rule"]').click()
    await dialog.locator('[data-test="publish-preview-run"]').click()
    const previewCount = dialog.locator('[data-test="publish-preview-count"]')
    await previewCount.waitFor()
    expect(Number(await previewCount.textContent())).toBeGreaterThan(0)
    await shot(page, 'station-publish-preview.png')
    await dialog.locator('[data-test="publish-kind-single"]').click()
    await dialog.locator('[data-test="publish-submit"]').click()
    await page.locator('.el-message--success', { hasText: '已发布 1 个时段' }).waitFor()
    const slotCard = page.locator(`[data-day="${day}"] [data-test="calendar-slot"]`)
    await expect.poll(() => slotCard.textContent()).toContain('09:00–11:30')
    expect(await slotCard.locator('[data-test="slot-fill"]').textContent()).toContain('0/1')
    const slots = await w.api.request(E.slots, {
      token: staff.token,
      params: { id: station.id },
      query: { from: new Date(`${day}T00:00:00+08:00`).toISOString() },
    })
    expectOk(slots)
    expect(slots.body.items).toHaveLength(1)
    const slot = slots.body.items[0]!
    expect(slot.startAt).toBe(new Date(`${day}T09:00:00+08:00`).toISOString())

    // ── The mini-program: a verified enterprise's member books it; the station must confirm ──
    const boss = await buildEnterpriseAdmin(w, '韶关市丹霞茶业有限公司')
    const booking = await booked(w, boss, {
      slotId: slot.id,
      topic: 'geo_indication',
      note: '想为“丹霞红茶”申请地理标志证明商标',
    })
    expect(booking.status).toBe('pending')

    // The calendar shows the seat held by the pending booking.
    await page.click('[data-test="calendar-refresh"]')
    await expect.poll(() => slotCard.locator('[data-test="slot-fill"]').textContent()).toContain('1/1')
    expect(await slotCard.textContent()).toContain('1 待确认')
    await shot(page, 'station-calendar.png')
    // The month view sums each day's fill.
    await page.click('[data-test="calendar-month"]')
    const cell = page.locator(`[data-test="calendar-day"][data-day="${day}"]`)
    await expect.poll(() => cell.textContent()).toContain('1/1')
    await shot(page, 'station-calendar-month.png')

    // ── The booking list: pending, then confirmed on its page ──
    await page.click('[data-test="menu-station-bookings"]')
    await page.click('[data-test="bookings-tab-pending"]')
    const row = page.locator('[data-test="bookings-table"] .el-table__row', { hasText: booking.no })
    await row.waitFor()
    expect(await row.textContent()).toContain('韶关市丹霞茶业有限公司')
    expect(await row.textContent()).toContain('地理标志')
    expect(await page.textContent('[data-test="bookings-tab-pending"]')).toContain('1')
    await shot(page, 'station-bookings.png')
    await row.locator('[data-test="booking-link"]').click()
    await page.waitForURL(new RegExp(`/admin/station-bookings/${booking.id}$`))
    const status = () => page.locator('[data-test="booking-status"]').textContent()
    await expect.poll(status).toBe('待确认')
    await page.click('[data-test="booking-action-confirm"]')
    await confirmBox(page)
    await expect.poll(status).toBe('已确认')
    // Before the consultation starts there is nothing to complete: only cancelling is offered.
    expect(await page.locator('[data-test="booking-action-complete"]').count()).toBe(0)
    expect(await page.locator('[data-test="booking-action-cancel"]').count()).toBe(1)

    // ── The consultation has begun: staff complete it with the service record ──
    clockOf(w).set(new Date(Date.parse(slot.startAt) + 40 * MINUTE))
    await page.reload()
    await page.locator('[data-test="booking-action-complete"]').click()
    const record = page.locator('[data-test="complete-form"]')
    await record.waitFor()
    // The advice is required: the contract's message under it.
    await page.click('[data-test="dialog-submit"]')
    await record.locator('.el-form-item', { hasText: '咨询意见' }).locator('.el-form-item__error').waitFor()
    const advice = '建议以茶业协会名义申请“丹霞红茶”地理标志证明商标，先划定产地范围并制定使用管理规则。'
    await input(page, 'record-advice').fill(advice)
    await input(page, 'record-follow-up').fill('两周后电话回访材料准备情况')
    await input(page, 'record-duration').fill('45')
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '服务已完成' }).waitFor()
    await expect.poll(status).toBe('已完成')
    expect(await page.textContent('[data-test="record-advice-text"]')).toBe(advice)
    expect(await page.locator('[data-test="booking-action-letter"]').count()).toBe(1)

    // ── The enterprise rates it in the mini-program ──
    const rated = await w.api.request(E.feedback, {
      token: boss.token,
      params: { id: booking.id },
      body: { rating: 4, comment: '讲解清楚，很专业' },
    })
    expectOk(rated)
    await page.reload()
    await page.locator('[data-test="booking-feedback"]', { hasText: '讲解清楚，很专业' }).waitFor()
    await shot(page, 'station-booking.png')

    // ── The ledger shows the consultation with its rating ──
    await page.click('[data-test="menu-station-ledger"]')
    const ledgerRow = page.locator('[data-test="ledger-table"] .el-table__row', {
      hasText: '韶关市丹霞茶业有限公司',
    })
    await ledgerRow.waitFor()
    await expect.poll(() => ledgerRow.locator('[data-test="ledger-rating"]').textContent()).toBe('4')
    expect(await ledgerRow.textContent()).toContain(boss.creditCode)
    expect(await ledgerRow.textContent()).toContain('地理标志')
    expect(await ledgerRow.textContent()).toContain('两周后电话回访材料准备情况')
    expect(await ledgerRow.textContent()).toContain('45 分钟')
    await shot(page, 'station-ledger.png')
    const ledger = await w.api.request(L.ledger, { token: staff.token, query: { stationId: station.id } })
    expectOk(ledger)
    expect(ledger.body.items).toEqual([
      expect.objectContaining({ bookingId: booking.id, rating: 4, durationMinutes: 45 }),
    ])

    // ── The statistics count it ──
    // (by the consultation's year, which is next year when the test runs on 31 December)
    await page.goto(`${w.api.url}/admin/station-stats?year=${day.slice(0, 4)}`)
    await expect.poll(() => page.textContent('[data-test="stats-completed"]')).toContain('1')
    expect(await page.textContent('[data-test="stats-rating"]')).toContain('4')
    await shot(page, 'station-stats.png')
    await page.context().close()
  })
})
