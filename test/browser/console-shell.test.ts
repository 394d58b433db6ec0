import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser } from '../support/factories.js'
import { artifacts, builtConsole, consoleBrowser, input, signIn } from '../support/browser.js'
import { world } from '../support/world.js'

const adminDist = builtConsole()

/** The side menu's entries, by route name. */
const menuNames = (page: Page) =>
  page.$$eval('[data-test^="menu-"]', (els) => els.map((e) => e.getAttribute('data-test')!.slice(5)).sort())

describe('console shell', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  // Each test signs in afresh: its own context, so no session is left in localStorage.
  const { page } = consoleBrowser({ page: 'test', viewport: { width: 1366, height: 800 } })

  it('lets a super admin create an editor, who after the forced password change sees only permitted menus', async () => {
    const api = w.api
    await api.platform.services.staff.createSuperAdmin('root', 'Passw0rd-root', false)
    // Signed out: the console sends us to the login page.
    await page.goto(`${api.url}/admin/users`)
    await page.waitForURL(/\/admin\/login\?redirect=/)

    // A wrong password is explained on the login page.
    await signIn(page, 'root', 'wrong-password-1')
    await expect.poll(() => page.textContent('[data-test="login-error"]')).toContain('用户名或密码错误')
    await page.screenshot({ path: path.join(artifacts, 'console-login.png'), animations: 'disabled' })

    // The super admin lands where they were going, with every menu.
    await signIn(page, 'root', 'Passw0rd-root')
    await page.waitForURL(/\/admin\/users$/)
    expect(await menuNames(page)).toEqual([
      'announcements',
      'audit',
      'campaign-settings',
      'campaign-stats',
      'campaigns',
      'claim-batches',
      'claim-notices',
      'claim-pass-lists',
      'claim-policies',
      'claim-stats',
      'claims',
      'dashboard',
      'enterprise-verifications',
      'enterprises',
      'join-requests',
      'notification-templates',
      'patents',
      'roles',
      'staff',
      'station-bookings',
      'station-ledger',
      'station-slots',
      'station-stats',
      'stations',
      'training-stats',
      'trainings',
    ])
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
    await page.screenshot({ path: path.join(artifacts, 'console-users.png'), animations: 'disabled' })

    // The other management pages render against the api: built-in roles are read-only, the creation is audited.
    await page.click('[data-test="menu-roles"]')
    const builtIn = page.locator('[data-test="roles-table"] .el-table__row', { hasText: '内容编辑' })
    expect(await builtIn.textContent()).toContain('内置')
    expect(await builtIn.textContent()).not.toContain('删除')
    await page.click('[data-test="menu-audit"]')
    await page.locator('[data-test="audit-table"] .el-table__row', { hasText: '创建后台用户' }).waitFor()

    // Log out (with confirmation).
    await page.click('[data-test="header-user"]')
    await page.click('[data-test="header-logout"]')
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.waitForURL(/\/admin\/login/)

    // The new user must change the initial password before anything else.
    await signIn(page, 'editor01', 'Initial-pass1')
    await page.waitForURL(/\/admin\/password/)
    await page.locator('[data-test="must-change-notice"]').waitFor()
    await input(page, 'pw-old').fill('Initial-pass1')
    await input(page, 'pw-new').fill('Editor-pass-22')
    await input(page, 'pw-confirm').fill('Editor-pass-22')
    await page.click('[data-test="pw-submit"]')
    await page.waitForURL((u) => u.pathname === '/admin/')
    await page.locator('[data-test="dashboard"]').waitFor()

    // Only permitted menus: the editor holds content.manage and files.read, so content pages and nothing else.
    expect(await menuNames(page)).toEqual(['announcements', 'dashboard', 'patents'])
    expect(await page.textContent('[data-test="header-user"]')).toContain('张编辑')
    expect(await page.locator('[data-test="dashboard-role"]').allTextContents()).toEqual(['内容编辑'])
    await page.screenshot({ path: path.join(artifacts, 'console-shell.png'), animations: 'disabled' })

    // Typing the address of a page they may not use shows the 403 page.
    await page.goto(`${api.url}/admin/users`)
    await page.locator('[data-test="page-403"]').waitFor()
    expect(await page.textContent('[data-test="page-403"]')).toContain('无权访问')

    // An unknown address shows the 404 page.
    await page.goto(`${api.url}/admin/no-such-page`)
    await page.locator('[data-test="page-404"]').waitFor()
  })

  it('lets a bureau reviewer approve a pending join request and see the member in the enterprise drawer', async () => {
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    const owner = await buildEnterpriseAdmin(w)
    const applicant = await buildMpUser(w)
    const bind = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: applicant.token,
      body: { creditCode: owner.creditCode, name: owner.name },
    })
    expect(bind.body.membership?.status).toBe('pending')

    await page.goto(`${w.api.url}/admin/join-requests`)
    await signIn(page, reviewer.username, reviewer.password)
    await page.waitForURL(/\/admin\/join-requests$/)
    expect(await menuNames(page)).toEqual([
      'dashboard',
      'enterprise-verifications',
      'enterprises',
      'join-requests',
    ])
    const row = page.locator('[data-test="join-requests-table"] .el-table__row', { hasText: owner.name })
    await row.locator('[data-test="join-approve"]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message--success', { hasText: '已同意加入' }).waitFor()
    await page.locator('[data-test="join-requests-table"] .el-empty').waitFor() // nothing pending any more

    await page.click('[data-test="menu-enterprises"]')
    await page
      .locator('[data-test="enterprises-table"] .el-table__row', { hasText: owner.name })
      .getByText('查看成员')
      .click()
    const drawer = page.locator('.el-drawer', { hasText: owner.name })
    await drawer.locator('.el-table__row').nth(1).waitFor()
    expect(await drawer.locator('.el-table__row').allTextContents()).toEqual([
      expect.stringContaining('已加入'),
      expect.stringContaining('已加入'),
    ])
    await page.screenshot({ path: path.join(artifacts, 'console-enterprise.png'), animations: 'disabled' })
  })

  it('renews an expired access token once for concurrent requests and replays them', async () => {
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    await page.goto(`${w.api.url}/admin/`)
    await signIn(page, admin.username, admin.password)
    await page.locator('[data-test="dashboard"]').waitFor()

    // The access token goes bad; the users page then fires two requests at once (users and roles).
    const refreshes: string[] = []
    page.on('request', (r) => r.url().endsWith('/admin/v1/auth/refresh') && refreshes.push(r.url()))
    await page.evaluate(() => {
      const key = 'zct.admin.tokens'
      const tokens = JSON.parse(localStorage.getItem(key)!)
      localStorage.setItem(key, JSON.stringify({ ...tokens, accessToken: 'not.a.valid-token' }))
    })
    await page.click('[data-test="menu-staff"]')
    await page.locator('[data-test="users-table"] .el-table__row', { hasText: admin.username }).waitFor()
    await page.click('[data-test="users-create"]')
    await page.click('[data-test="user-roles"]')
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^财务/ }).waitFor() // roles loaded too
    expect(refreshes).toHaveLength(1) // single flight: a second use of the rotated token would end the session
    expect(new URL(page.url()).pathname).toBe('/admin/users')
  })
})
