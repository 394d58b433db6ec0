import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@zct/api/internal/platform/logger'
import { startWorker } from '@zct/jobs/worker'
import { buildAdmin } from '../support/factories.js'
import { seedRecipients } from '../support/seed.js'
import { artifacts, builtConsole, confirmBox, consoleBrowser, input, signInAt } from '../support/browser.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

const adminDist = builtConsole()
/**
 * Progress is the sum of finished batches of 500 (campaigns.jobs BATCH_SIZE), so 1,200 members make three
 * batches of unequal size: the bar has steps to show on its way to 100%.
 */
const ENTERPRISES = 600
const MEMBERS = 2
/** How the console prints counts: `1,200`. */
const n = (x: number) => x.toLocaleString('zh-CN')

describe('targeted push in the console', () => {
  // A modest WeChat send rate, so the sending takes a few seconds the detail page can be watched through.
  const w = world({ ADMIN_STATIC_DIR: adminDist, WECHAT_SEND_RPS: '200' })
  const { page } = consoleBrowser()
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined

  beforeAll(async () => {
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  })
  afterAll(() => worker?.close())

  it('composes and publishes a patent item, dry-runs a campaign with match reasons and follows it to 100%', async () => {
    // Shaoguan telecom enterprises of 2 members, each holding a WeChat grant for the push template.
    const openids = await seedRecipients({
      enterprises: ENTERPRISES,
      members: MEMBERS,
      profile: () => ({ region: '440203', ipcs: ['H04L'], industries: ['39'] }),
      grantTemplate: PUSH_TEMPLATE.id,
      onMember: (openid) => w.registerAtFake(openid),
    })
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: admin.token,
      body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '韶关市市场监管局' },
    })

    // Sign in and compose a patent item.
    await signInAt(page, w.api.url, '/admin/patents', admin)
    for (const m of ['announcements', 'patents', 'campaigns', 'campaign-stats', 'campaign-settings'])
      await page.locator(`[data-test="menu-${m}"]`).waitFor()

    const title = '5G 通信安全专利预警分析（浏览器测试）'
    await page.click('[data-test="content-create"]')
    await page.locator('[data-test="content-kind"] label', { hasText: '专利预警分析' }).click()
    await input(page, 'content-title').fill(title)
    await input(page, 'content-summary').fill('H04L 领域侵权风险提示，请相关企业关注')
    await page.click('[data-test="body-mode-source"]') // the HTML source view of the rich-text editor
    await input(page, 'content-body').fill(
      '<h2>风险提示</h2><p>近期 <strong>H04L 9/32</strong> 领域诉讼增多。</p><script>alert(1)</script>',
    )
    expect(await page.locator('[data-test="content-preview"]').innerHTML()).not.toContain('script')
    // A bad code is refused with the contract's message; a good one is normalised as the api stores it.
    await input(page, 'tags-ipcs-input').fill('X99')
    await input(page, 'tags-ipcs-input').press('Enter')
    await expect
      .poll(() => page.textContent('[data-test="tags-ipcs-error"]'))
      .toContain('不是有效的 IPC 分类号')
    await input(page, 'tags-ipcs-input').fill('h04l 9/32')
    await input(page, 'tags-ipcs-input').press('Enter')
    await page.locator('[data-test="tags-ipcs"] .el-tag', { hasText: 'H04L 9/32' }).waitFor()
    await input(page, 'tags-regions-input').fill('440200')
    await input(page, 'tags-regions-input').press('Enter')
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '已保存为草稿' }).waitFor()

    const row = page.locator('[data-test="content-table"] .el-table__row', { hasText: title })
    await row.locator('[data-test="content-publish"]').click()
    await confirmBox(page)
    await row.locator('.el-tag', { hasText: '已发布' }).waitFor()

    // The wizard: ① choose it ② targeting prefilled from its tags ③ dry run.
    await page.click('[data-test="menu-campaigns"]')
    await page.click('[data-test="campaign-create"]')
    await page.waitForURL(/\/admin\/campaigns\/new$/)
    await page.click('[data-test="wizard-content"]')
    await page.locator('[data-test="wizard-content"] input').fill('5G 通信安全')
    await page.locator('.el-select-dropdown__item:visible', { hasText: title }).click()
    expect(await input(page, 'wizard-name').inputValue()).toBe(title)
    await page.click('[data-test="wizard-next"]')
    await page.locator('[data-test="tags-ipcs"] .el-tag', { hasText: 'H04L 9/32' }).waitFor()
    await page.locator('[data-test="tags-regions"] .el-tag', { hasText: '440200' }).waitFor()
    await page.click('[data-test="wizard-next"]')

    await expect.poll(() => page.textContent('[data-test="dry-enterprises"]')).toContain(n(ENTERPRISES))
    expect(await page.textContent('[data-test="dry-members"]')).toContain(n(ENTERPRISES * MEMBERS))
    expect(await page.textContent('[data-test="dry-reachable"]')).toContain(n(ENTERPRISES * MEMBERS))
    const firstRow = page.locator('[data-test="dry-run-table"] .el-table__row').first()
    await firstRow.waitFor()
    const reasons = await firstRow.locator('[data-test="match-reason"]').allTextContents()
    expect(reasons.join(' ')).toContain('440203')
    expect(reasons.join(' ')).toContain('H04L')
    await page.screenshot({
      path: path.join(artifacts, 'push-dry-run.png'),
      fullPage: true,
      animations: 'disabled',
    })

    // ④ send now: the detail page follows the worker to 100%.
    await page.click('[data-test="wizard-next"]')
    await page.click('[data-test="wizard-send"]')
    await confirmBox(page)
    await page.waitForURL(/\/admin\/campaigns\/[0-9a-f]{24}$/)
    const progress = page.locator('[data-test="campaign-progress"]') // el-progress: role=progressbar on its root
    const seen = new Set<number>()
    const deadline = Date.now() + 30_000
    for (;;) {
      const now = Number(await progress.getAttribute('aria-valuenow').catch(() => null))
      if (Number.isFinite(now)) seen.add(now)
      if (now === 100) break
      if (Date.now() > deadline) {
        await page.screenshot({ path: path.join(artifacts, 'push-detail-stuck.png'), fullPage: true })
        const id = page.url().split('/').pop()
        const c = await w.api.call('GET', `/admin/v1/campaigns/${id}`, { token: admin.token })
        throw new Error(`progress stuck at ${[...seen].join(',')}: ${JSON.stringify(c.body)}`)
      }
      await page.waitForTimeout(200)
    }
    // The bar moved on its own while we watched (no reload): it showed less than 100% before reaching it.
    expect(Math.min(...seen)).toBeLessThan(100)
    console.info(`progress values seen on the detail page: ${[...seen].join(' → ')}`)
    await page.locator('[data-test="campaign-status"]', { hasText: '已完成' }).waitFor()
    expect(await page.textContent('[data-test="fig-wechat-sent"]')).toContain(n(ENTERPRISES * MEMBERS))
    expect(await page.textContent('[data-test="fig-inbox-only"]')).toContain('0')
    await page.screenshot({
      path: path.join(artifacts, 'push-detail.png'),
      fullPage: true,
      animations: 'disabled',
    })

    expect(new Set(w.wxState.messages.map((m) => m.toUser))).toEqual(new Set(openids))
  })
})
