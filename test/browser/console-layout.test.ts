import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  buildAdmin,
  buildEnterpriseAdmin,
  buildMpUser,
  buildPublishedPatent,
  type AdminSession,
} from '../support/factories.js'
import { artifacts, builtConsole, consoleBrowser, openPage, signIn } from '../support/browser.js'
import { world } from '../support/world.js'

const adminDist = builtConsole()

describe('console layout', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  // Each test opens its own window, of the width it is about.
  const { browser } = consoleBrowser({ page: 'none' })
  let page: Page
  let admin: AdminSession

  beforeAll(async () => {
    admin = await buildAdmin(w.api, { roles: ['super_admin'] })
  })
  afterEach(() => page?.context().close())

  async function openAt(width: number, to = '/admin/') {
    page = await openPage(browser, { width, height: 900 })
    await page.goto(`${w.api.url}${to}`)
    await signIn(page, admin.username, admin.password)
  }
  const asideWidth = () => page.$eval('[data-test="side-aside"]', (e) => e.getBoundingClientRect().width)

  it('folds the side menu to icons below 1200 px and unfolds it above', async () => {
    await openAt(1100)
    await page.locator('[data-test="dashboard"]').waitFor()
    await expect.poll(asideWidth).toBe(64)
    expect(await page.locator('[data-test="side-menu"].el-menu--collapse').count()).toBe(1)
    await page.screenshot({ path: path.join(artifacts, 'console-layout-1100.png'), animations: 'disabled' })

    await page.setViewportSize({ width: 1440, height: 900 })
    await expect.poll(asideWidth).toBe(208)
    expect(await page.locator('[data-test="side-menu"].el-menu--collapse').count()).toBe(0)
  })

  it('keeps a wide table inside a 1440 px window, its operations column in view', async () => {
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    for (let i = 0; i < 2; i++)
      await buildPublishedPatent(w.api, editor.token, {
        title: `关于新一代信息技术产业知识产权运营与专利导航的长标题示例之${i + 1}`,
      })
    await openAt(1440, '/admin/patents')
    await page.locator('[data-test="content-table"] .el-table__row').first().waitFor()
    const edges = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      window: window.innerWidth,
      table: document.querySelector('[data-test="content-table"]')!.getBoundingClientRect().right,
      operations: Math.max(
        ...Array.from(document.querySelectorAll('.el-table__header th'))
          .filter((th) => th.textContent?.trim() === '操作')
          .map((th) => th.getBoundingClientRect().right),
      ),
    }))
    expect(edges.page).toBeLessThanOrEqual(edges.window)
    expect(edges.table).toBeLessThanOrEqual(edges.window)
    expect(edges.operations).toBeLessThanOrEqual(edges.table)
    await page.screenshot({ path: path.join(artifacts, 'console-layout-1440.png'), animations: 'disabled' })
  })

  it('opens on the workbench: figures that lead to their pages, labels on one line, and a favicon', async () => {
    const owner = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: owner.creditCode, name: owner.name },
    })
    await openAt(1440)
    const card = page.locator('[data-test="workbench-join-requests"]')
    await expect.poll(() => card.textContent()).toMatch(/待审核的加入申请\s*1/)
    for (const test of ['workbench-verifications', 'workbench-campaigns', 'workbench-deliveries'])
      await page.locator(`[data-test="${test}"]`).waitFor()
    // The account table's labels keep their width: one line each, not one character per line.
    const labels = await page.$$eval('[data-test="dashboard"] .el-descriptions__label', (els) =>
      els.map((e) => ({ text: e.textContent?.trim(), height: e.getBoundingClientRect().height })),
    )
    expect(labels.map((l) => l.text)).toEqual(['用户名', '角色', '权限'])
    const lineHeight = labels.find((l) => l.text === '用户名')!.height
    expect(lineHeight).toBeLessThan(50)
    await page.screenshot({ path: path.join(artifacts, 'console-workbench.png'), animations: 'disabled' })

    const icon = await page.$eval('link[rel="icon"]', (l) => (l as HTMLLinkElement).href)
    const res = await fetch(icon)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('image/svg+xml')

    await card.click()
    await page.waitForURL(/\/admin\/join-requests$/)
  })
})
