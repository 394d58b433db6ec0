import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BODY_MAX_BYTES } from '@zct/api/contracts/content/content'
import { sanitizeBody } from '@zct/api/internal/modules/content/content.sanitize'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { artifacts, builtConsole, confirmBox, consoleBrowser, input, signInAt } from '../support/browser.js'
import { world } from '../support/world.js'

const adminDist = builtConsole()

/** What the editor's toolbar may offer: each maps to markup content.sanitize.ts keeps. */
const ALLOWED_MENUS = [
  'header2',
  'header3',
  'header4',
  'blockquote',
  'bold',
  'italic',
  'underline',
  'through',
  'color',
  'clearStyle',
  'bulletedList',
  'numberedList',
  'justifyLeft',
  'justifyCenter',
  'justifyRight',
  'justifyJustify',
  'insertLink',
  'insertImage',
  'insertTable',
  'undo',
  'redo',
]

/** Serialisation aside (`text-align: center;` vs `text-align:center`, `<br>` vs `<br />`), the same markup. */
const sameMarkup = (html: string) =>
  html
    .replace(/style="([^"]*)"/g, (_, v: string) => `style="${v.replace(/\s+/g, '').replace(/;$/, '')}"`)
    .replace(/<br\s*\/?>/g, '<br>')

describe('the content editor in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { page } = consoleBrowser()
  let editor: AdminSession
  const cspViolations: string[] = []

  beforeAll(async () => {
    editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
    })
    await signInAt(page, w.api.url, '/admin/patents', editor)
  })

  it('offers only the patent kinds, pickers over the standards and a rich-text editor the server agrees with', async () => {
    await page.click('[data-test="content-create"]')
    // B11: the four patent kinds, not 通知公告
    const kinds = await page.locator('[data-test="content-kind"] label').allTextContents()
    expect(kinds.map((k) => k.trim())).toEqual([
      '专利导航报告',
      '专利预警分析',
      '可许可/转让高价值专利',
      '政策解读',
    ])
    await page.locator('[data-test="content-kind"] label', { hasText: '政策解读' }).click()
    await input(page, 'content-title').fill('数据知识产权登记政策解读（浏览器测试）')
    await input(page, 'content-summary').fill('解读数据知识产权登记办法')

    // The editor loads on demand, under the console's CSP (no eval), with only the allowed menus.
    const editable = page.locator('[data-test="rich-text-editor"] [contenteditable="true"]')
    await editable.waitFor()
    const menus = await page
      .locator('[data-test="rich-text"] .w-e-toolbar [data-menu-key]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-menu-key')))
    expect(menus).toEqual(ALLOWED_MENUS)

    await editable.click()
    await page.keyboard.type('数据知识产权登记')
    await page.keyboard.press('Enter')
    await page.keyboard.type('加粗的要点')
    await page.keyboard.down('Shift')
    await page.keyboard.press('Home')
    await page.keyboard.up('Shift')
    await page.waitForTimeout(300) // the editor reads the selection on selectionchange
    await page.click('[data-test="rich-text"] .w-e-toolbar [data-menu-key="bold"]')
    await page.click('[data-test="rich-text"] .w-e-toolbar [data-menu-key="justifyCenter"]')
    await expect.poll(() => page.locator('[data-test="content-preview"] strong').count()).toBe(1)
    expect(await page.textContent('[data-test="content-preview"] strong')).toBe('加粗的要点')
    // What the editor produced is what the server keeps: its own cleaner changes nothing.
    await page.click('[data-test="body-mode-source"]')
    const html = await input(page, 'content-body').inputValue()
    expect(html).toContain('<strong>加粗的要点</strong>')
    expect(html).toContain('text-align: center')
    expect(sameMarkup(sanitizeBody(html))).toBe(sameMarkup(html))
    expect(await page.textContent('[data-test="content-body-size"]')).toMatch(/已用 0\.\d KB \/ 最大 200 KB/)

    // Regions: picked by name from the national divisions, or typed as a code.
    const regions = input(page, 'tags-regions-input')
    await regions.fill('韶关')
    await page
      .locator('.el-cascader__suggestion-item:visible', { hasText: '广东省 / 韶关市' })
      .first()
      .click()
    await page.locator('[data-test="tags-regions"] .el-tag', { hasText: '广东省韶关市（440200）' }).waitFor()
    await expect.poll(() => regions.inputValue()).toBe('') // ready for the next one
    await regions.fill('440203')
    await regions.press('Enter')
    await page
      .locator('[data-test="tags-regions"] .el-tag', { hasText: '广东省韶关市武江区（440203）' })
      .waitFor()

    // Industries: a division picked by name; a 4-digit class typed.
    const industries = input(page, 'tags-industries-input')
    await industries.fill('计算机、通信')
    await page
      .locator('.el-cascader__suggestion-item:visible', { hasText: '计算机、通信和其他电子设备制造业' })
      .first()
      .click()
    await page.locator('[data-test="tags-industries"] .el-tag', { hasText: '39 计算机' }).waitFor()
    await expect.poll(() => industries.inputValue()).toBe('')
    await industries.fill('3911')
    await industries.press('Enter')
    await page.locator('[data-test="tags-industries"] .el-tag', { hasText: '3911（属 39' }).waitFor()

    // IPC: suggestions by title; a full symbol typed is normalised; a bad one is refused in words.
    const ipcs = input(page, 'tags-ipcs-input')
    await ipcs.fill('电通信')
    await page.locator('.el-autocomplete-suggestion li:visible', { hasText: '电通信技术' }).first().click()
    await page.locator('[data-test="tags-ipcs"] .el-tag', { hasText: 'H04 电通信技术' }).waitFor()
    await ipcs.fill('X99')
    await ipcs.press('Enter')
    await expect
      .poll(() => page.textContent('[data-test="tags-ipcs-error"]'))
      .toContain('不是有效的 IPC 分类号')
    await ipcs.fill('g06f 16/00')
    await ipcs.press('Enter')
    await page.locator('[data-test="tags-ipcs"] .el-tag', { hasText: 'G06F 16/00' }).waitFor()

    await page.screenshot({ path: path.join(artifacts, 'content-editor.png'), fullPage: true })
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '已保存为草稿' }).waitFor()
    const saved = await w.api.call('GET', '/admin/v1/patents?pageSize=1', { token: editor.token })
    expect(saved.body.items[0]).toMatchObject({
      kind: 'policy',
      body: expect.stringContaining('<strong>加粗的要点</strong>'),
      tags: { regions: ['440200', '440203'], industries: ['39', '3911'], ipcs: ['H04', 'G06F 16/00'] },
    })
    expect(cspViolations).toEqual([])
  })

  it("cleans pasted rich text with the server's allowlist before it enters the editor", async () => {
    await page.goto(`${w.api.url}/admin/patents`)
    await page.click('[data-test="content-create"]')
    const editable = page.locator('[data-test="rich-text-editor"] [contenteditable="true"]')
    await editable.click()
    await page.waitForTimeout(300) // the editor reads the selection on selectionchange
    // What Word or a web page puts on the clipboard: sizes, backgrounds, a script, a divider, inline code.
    await editable.evaluate((el) => {
      const data = new DataTransfer()
      data.setData(
        'text/html',
        '<p><span style="font-size:30px;background-color:yellow">大字</span><b>粗体</b><script>alert(1)</script></p><hr><p><code>代码</code><i>斜体</i></p>',
      )
      data.setData('text/plain', '大字粗体代码斜体')
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    })
    await expect.poll(() => page.locator('[data-test="content-preview"] strong').count()).toBe(1)
    await page.click('[data-test="body-mode-source"]')
    const html = await input(page, 'content-body').inputValue()
    expect(html).toContain('<strong>粗体</strong>')
    expect(html).toContain('大字')
    expect(html).toContain('<em>斜体</em>')
    expect(html).toContain('代码')
    expect(html).not.toMatch(/font-size|background|script|alert|<hr|<code/)
    expect(sameMarkup(sanitizeBody(html))).toBe(sameMarkup(html))
    expect(cspViolations).toEqual([])
  })

  it('shows the body limit the api applies and refuses an over-long body on the field', async () => {
    await page.goto(`${w.api.url}/admin/patents`)
    await page.click('[data-test="content-create"]')
    await page.locator('[data-test="content-kind"] label', { hasText: '政策解读' }).click()
    await input(page, 'content-title').fill('超长正文')
    await input(page, 'content-summary').fill('摘要')
    await page.click('[data-test="body-mode-source"]')
    const body = `<p>${'知'.repeat(Math.ceil(BODY_MAX_BYTES / 3) + 2000)}</p>`
    await input(page, 'content-body').fill(body)
    await expect.poll(() => page.textContent('[data-test="content-body-size"]')).toContain('/ 最大 200 KB')
    expect(await page.textContent('[data-test="content-body-size"]')).toMatch(/已用 20[5-9] KB/)
    await page.locator('[data-test="content-body-over"]').waitFor()
    await page.click('[data-test="dialog-submit"]')
    await expect
      .poll(() => page.locator('.el-form-item.is-error .el-form-item__error').allTextContents())
      .toContainEqual(expect.stringContaining('正文不能超过 200 KB'))
    await page.keyboard.press('Escape')
  })

  it('marks published text WeChat wants reviewed as 待人工复核 until an editor confirms it', async () => {
    const created = await w.api.call('POST', '/admin/v1/patents', {
      token: editor.token,
      body: {
        kind: 'licensable',
        title: '高价值专利许可（待复核）',
        summary: '咨询请加微信了解',
        body: '<p>正文</p>',
      },
    })
    expect(created.status).toBe(201)
    await page.goto(`${w.api.url}/admin/patents`)
    const row = page.locator('[data-test="content-table"] .el-table__row', {
      hasText: '高价值专利许可（待复核）',
    })
    await row.waitFor()
    // the list's loading mask fades out over the rows after they appear
    await page.locator('[data-test="content-table"] .el-loading-mask').waitFor({ state: 'detached' })
    await row.locator('[data-test="content-publish"]').click()
    await confirmBox(page)
    await page.locator('.el-message--warning', { hasText: '建议人工复核' }).waitFor()
    await row.locator('[data-test="content-review-pending"]', { hasText: '待人工复核' }).waitFor()

    await page.click('[data-test="content-review-filter"]')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '待人工复核' }).click()
    await expect.poll(() => page.locator('[data-test="content-table"] .el-table__row').count()).toBe(1)

    await row.locator('[data-test="content-confirm-review"]').click()
    await confirmBox(page)
    await page.locator('.el-message--success', { hasText: '人工复核' }).waitFor()
    await expect.poll(() => page.locator('[data-test="content-table"] .el-table__row').count()).toBe(0)
  })
})
