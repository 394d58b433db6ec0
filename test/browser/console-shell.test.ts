import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApi, type TestApi } from '../support/api.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const adminDist = path.join(root, 'admin/dist')
const artifacts = path.join(root, 'test/.artifacts')

/** element-plus puts `data-test` on the native <input> of el-input; accept either placement. */
const input = (page: Page, name: string) =>
  page.locator(`input[data-test="${name}"], [data-test="${name}"] input`).first()

async function login(page: Page, username: string, password: string) {
  await input(page, 'login-username').fill(username)
  await input(page, 'login-password').fill(password)
  await page.click('[data-test="login-submit"]')
}

describe('console shell', () => {
  let api: TestApi
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    if (!existsSync(path.join(adminDist, 'index.html')))
      throw new Error(
        'admin/dist 不存在：先运行 pnpm --filter @zct/admin build（根目录 pnpm test 会自动构建）',
      )
    api = await startTestApi({ ADMIN_STATIC_DIR: adminDist })
    await api.platform.staff.createSuperAdmin('root', 'Passw0rd-root', false)
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1366, height: 800 }, locale: 'zh-CN' })
    page.setDefaultTimeout(15_000)
  })

  afterAll(async () => {
    await browser?.close()
    await api?.close()
  })

  it('lets a super admin create an editor, who after the forced password change sees only permitted menus', async () => {
    // Signed out: the console sends us to the login page.
    await page.goto(`${api.url}/admin/users`)
    await page.waitForURL(/\/admin\/login\?redirect=/)

    // A wrong password is explained on the login page.
    await login(page, 'root', 'wrong-password-1')
    await expect.poll(() => page.textContent('[data-test="login-error"]')).toContain('用户名或密码错误')

    // The super admin lands where they were going, with every menu.
    await login(page, 'root', 'Passw0rd-root')
    await page.waitForURL(/\/admin\/users$/)
    for (const m of ['dashboard', 'users', 'roles', 'audit', 'enterprises', 'join-requests'])
      await expect(page.locator(`[data-test="menu-${m}"]`)).toHaveCount(1)
    await page.locator('[data-test="users-table"] .el-table__row').first().waitFor()

    // Create a user holding the built-in 内容编辑 role.
    await page.click('[data-test="users-create"]')
    await input(page, 'user-username').fill('editor01')
    await input(page, 'user-password').fill('Initial-pass1')
    await input(page, 'user-display-name').fill('张编辑')
    await page.click('[data-test="user-roles"]')
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^内容编辑/ }).click()
    await page.keyboard.press('Escape') // close the multi-select dropdown, not the dialog
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '用户已创建' }).waitFor()
    await page.locator('[data-test="users-table"] .el-table__row', { hasText: 'editor01' }).waitFor()
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: path.join(artifacts, 'console-users.png') })

    // Log out (with confirmation).
    await page.click('[data-test="header-user"]')
    await page.click('[data-test="header-logout"]')
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.waitForURL(/\/admin\/login/)

    // The new user must change the initial password before anything else.
    await login(page, 'editor01', 'Initial-pass1')
    await page.waitForURL(/\/admin\/password/)
    await page.locator('[data-test="must-change-notice"]').waitFor()
    await input(page, 'pw-old').fill('Initial-pass1')
    await input(page, 'pw-new').fill('Editor-pass-22')
    await input(page, 'pw-confirm').fill('Editor-pass-22')
    await page.click('[data-test="pw-submit"]')
    await page.waitForURL((u) => u.pathname === '/admin/')
    await page.locator('[data-test="dashboard"]').waitFor()

    // Only permitted menus: the editor holds content.manage and files.read, none of the console's pages yet.
    await expect(page.locator('[data-test="menu-dashboard"]')).toHaveCount(1)
    for (const m of ['users', 'roles', 'audit', 'enterprises', 'join-requests'])
      await expect(page.locator(`[data-test="menu-${m}"]`)).toHaveCount(0)
    expect(await page.textContent('[data-test="header-user"]')).toContain('张编辑')
    expect(await page.locator('[data-test="dashboard-role"]').allTextContents()).toEqual(['内容编辑'])
    await page.screenshot({ path: path.join(artifacts, 'console-shell.png') })

    // Typing the address of a page they may not use shows the 403 page.
    await page.goto(`${api.url}/admin/users`)
    await page.locator('[data-test="page-403"]').waitFor()
    expect(await page.textContent('[data-test="page-403"]')).toContain('无权访问')

    // An unknown address shows the 404 page.
    await page.goto(`${api.url}/admin/no-such-page`)
    await page.locator('[data-test="page-404"]').waitFor()
  })
})
