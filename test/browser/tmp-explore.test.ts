import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, it } from 'vitest'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser, buildPublishedPatent } from '../support/factories.js'
import { artifacts, launchChromium } from '../support/browser.js'
import { world } from '../support/world.js'

const w = world({ ADMIN_STATIC_DIR: '/tmp/zct-admin-dist' })
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

const input = (page: Page, name: string) =>
  page.locator(`input[data-test="${name}"], [data-test="${name}"] input`).first()

it('explores', async () => {
  const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
  const owner = await buildEnterpriseAdmin(w)
  const applicant = await buildMpUser(w)
  await w.api.call('POST', '/mp/v1/enterprise/bind', {
    token: applicant.token,
    body: { creditCode: owner.creditCode, name: owner.name },
  })
  const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
  for (let i = 0; i < 3; i++) await buildPublishedPatent(w.api, editor.token, { title: `一个比较长的专利信息标题用于测试表格列宽是否足够显示${i}` })
  for (const width of [1440]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, locale: 'zh-CN' })
    page.setDefaultTimeout(15_000)
    await page.goto(`${w.api.url}/admin/`)
    await input(page, 'login-username').fill(admin.username)
    await input(page, 'login-password').fill(admin.password)
    await page.click('[data-test="login-submit"]')
    await page.locator('[data-test="dashboard"]').waitFor()
    await page.waitForTimeout(800)
    await page.screenshot({ path: path.join(artifacts, `x-dashboard-${width}.png`), fullPage: true })
    for (const p of ['users', 'enterprises', 'patents', 'audit']) {
      await page.goto(`${w.api.url}/admin/${p}`)
      await page.waitForTimeout(1500)
      const clipped = await page.$$eval('.el-table__header .cell', (els) =>
        els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent),
      )
      const scroll = await page.$$eval('.el-table', (els) =>
        els.map((e) => {
          const wrap = e.querySelector('.el-table__body-wrapper .el-scrollbar__wrap') as HTMLElement | null
          return wrap ? [wrap.scrollWidth, wrap.clientWidth] : null
        }),
      )
      const aside = await page.$eval('.aside', (e) => e.getBoundingClientRect().width).catch(() => -1)
      const edges = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        win: window.innerWidth,
        tables: [...document.querySelectorAll('.el-table')].map((t) => Math.round(t.getBoundingClientRect().right)),
      }))
      await page.addStyleTag({ content: '.body, .main { min-width: auto !important; }' })
      await page.waitForTimeout(500)
      const before = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        tables: [...document.querySelectorAll('.el-table')].map((t) => Math.round(t.getBoundingClientRect().right)),
      }))
      await page.screenshot({ path: path.join(artifacts, `x-old-${p}-${width}.png`), fullPage: true })
      await page.reload()
      await page.waitForTimeout(1500)
      console.log(width, p, 'now', JSON.stringify(edges), 'old', JSON.stringify(before))
      console.log(width, p, 'clipped:', JSON.stringify(clipped), 'scroll:', JSON.stringify(scroll), 'aside', aside)
      await page.screenshot({ path: path.join(artifacts, `x-${p}-${width}.png`), fullPage: true })
    }
    await page.close()
  }
}, 300_000)
