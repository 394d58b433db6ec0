import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@zct/api/internal/platform/logger'
import { startWorker } from '@zct/jobs/worker'
import {
  acceptSubscription,
  buildAdmin,
  buildEnterpriseAdmin,
  buildPublishedPatent,
  setInterests,
} from '../support/factories.js'
import { artifacts, builtConsole, confirmBox, consoleBrowser, signInAt } from '../support/browser.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

const adminDist = builtConsole()

describe('a campaign over WeChat’s daily quota, in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist, PUSH_BATCH_ATTEMPTS: '2', PUSH_BATCH_BACKOFF_MS: '50' })
  const { page } = consoleBrowser()
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined

  beforeAll(async () => {
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  })
  afterAll(() => worker?.close())

  it('explains 45009 as the daily quota and offers the resend, which the next day reaches the member once', async () => {
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: admin.token,
      body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
    })
    const boss = await buildEnterpriseAdmin(w)
    await setInterests(w.api, boss.token, { region: '440203', ipcs: ['H04L'] })
    await acceptSubscription(w, boss, PUSH_TEMPLATE.id)
    const patent = await buildPublishedPatent(w.api, admin.token, { tags: { ipcs: ['H04L 9/32'] } })
    const created = await w.api.call('POST', '/admin/v1/campaigns', {
      token: admin.token,
      body: { name: '额度用完的推送', content: { kind: 'patent', id: patent.id } },
    })
    const id = created.body.id as string
    await w.wx.configure({ subscribeDailyQuota: 0 }) // today's quota is used up
    await w.api.call('POST', `/admin/v1/campaigns/${id}/send`, { token: admin.token, body: {} })

    await signInAt(page, w.api.url, `/admin/campaigns/${id}`, admin)

    // The page follows the campaign until it ends, then says why WeChat refused and offers the resend.
    await page.locator('[data-test="campaign-status"]', { hasText: '已完成' }).waitFor({ timeout: 30_000 })
    const quota = page.locator('[data-test="campaign-quota"]')
    await quota.waitFor()
    expect(await quota.textContent()).toContain('今日订阅消息发送额度已用完，请于次日重发')
    expect(await page.textContent('[data-test="campaign-failures"]')).toContain('45009')
    const button = page.locator('[data-test="campaign-resend"]')
    expect(await button.textContent()).toContain('重发失败的 1 人')
    await page.screenshot({ path: path.join(artifacts, 'campaign-quota.png'), fullPage: true })

    // The next day: resend, and the page follows it to the end; nothing is left to resend.
    await w.wx.configure({ subscribeDailyQuota: null })
    await w.wx.newDay()
    await button.click()
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '已开始重发' }).waitFor()
    await expect
      .poll(() => page.textContent('[data-test="fig-wechat-sent"]'), { timeout: 30_000 })
      .toContain('1')
    await page.locator('[data-test="campaign-status"]', { hasText: '已完成' }).waitFor()
    await quota.waitFor({ state: 'detached' })
    expect(await button.count()).toBe(0)
    expect(await w.wx.messages({ toUser: boss.openid })).toHaveLength(1)
  })
})
