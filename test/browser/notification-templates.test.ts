import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildAdmin } from '../support/factories.js'
import { artifacts, builtConsole, consoleBrowser, input, signInAt } from '../support/browser.js'
import { world } from '../support/world.js'

const adminDist = builtConsole()

describe('notification templates, in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { page } = consoleBrowser()

  it('refuses a fixed text WeChat would refuse under its field, then saves the corrected mapping', async () => {
    const operator = await buildAdmin(w.api, { roles: ['push_operator'] })
    await signInAt(page, w.api.url, '/admin/notification-templates', operator)

    await page.click('[data-test="edit-claim.status"]')
    await input(page, 'template-id').fill('tpl-application-progress')
    await page.click('[data-test="field-add"]')
    await input(page, 'field-key-0').fill('thing4')
    await page.click('[data-test="field-source-0"]')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '固定文字' }).click()
    await input(page, 'field-text-0').fill('韶关市市场监督管理局知识产权保护科办公室一')
    await page.click('[data-test="template-save"]')
    await page
      .locator('.el-form-item__error', { hasText: '模板字段「thing4」的固定文字不能超过 20 个字' })
      .waitFor()

    await input(page, 'field-text-0').fill('韶关市市场监管局')
    await page.click('[data-test="template-save"]')
    const row = page.locator('[data-test="notification-templates-table"] .el-table__row', {
      hasText: '申请进度',
    })
    await row.locator('text=tpl-application-progress').waitFor()
    expect(await row.textContent()).toContain('thing4：“韶关市市场监管局”')
    await page.screenshot({ path: path.join(artifacts, 'notification-templates.png'), fullPage: true })

    const saved = await w.api.call('GET', '/admin/v1/notification-templates', { token: operator.token })
    expect(saved.body.items.find((k: { kind: string }) => k.kind === 'claim.status')).toMatchObject({
      source: 'saved',
      template: {
        templateId: 'tpl-application-progress',
        fields: [{ key: 'thing4', text: '韶关市市场监管局' }],
      },
    })
  })
})
