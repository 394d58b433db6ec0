import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import ExcelJS from 'exceljs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@zct/api/internal/platform/logger'
import { startWorker } from '@zct/jobs/worker'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import {
  ClaimPaymentEndpoints as P,
  RESULT_COLUMNS,
  RESULT_WORDS,
} from '@zct/api/contracts/claims/claims.payments'
import { expectOk } from '../support/api.js'
import { uploadMpFile } from '../support/factories.js'
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
import { buildApplicant, buildStaff, examFeeBody, openPolicies, submitted } from '../claims/support.js'

const adminDist = builtConsole()

/** A real, decodable 80×50 PNG (a grey "ID card"), so the preview can prove the image rendered. */
function png(width = 80, height = 50) {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 0, 0, 0, 0], 8) // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0xb0)
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0 // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

/** The side menu's entries, by route name. */
const menuNames = (page: Page) =>
  page.$$eval('[data-test^="menu-"]', (els) => els.map((e) => e.getAttribute('data-test')!.slice(5)).sort())

/** The claim's status tag on the detail page. */
const statusOf = (page: Page) => page.locator('[data-test="claim-status"]').textContent()

describe('a claim from submission to paid, in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { browser } = consoleBrowser({ page: 'none' })
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined

  beforeAll(async () => {
    await openPolicies()
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  })
  afterAll(() => worker?.close())

  it('is accepted, approved by two reviewers, publicised, batched, paid by the bank and shown 已发放', async () => {
    const staff = await buildStaff(w)
    const a = await buildApplicant(w, '李四明')

    // The mini-program submits an exam-fee claim: the ID card a photo, the pass certificate a PDF.
    const idCard = await uploadMpFile(w, a.user.token, {
      purpose: 'claim-material',
      name: '身份证.png',
      data: png(),
    })
    const pass = await uploadMpFile(w, a.user.token, {
      purpose: 'claim-material',
      name: '合格证明.pdf',
      type: 'application/pdf',
      data: PDF,
    })
    const body = await examFeeBody(w, a)
    body.materials = body.materials.map((m) =>
      m.kind === 'id_card'
        ? { ...m, fileId: idCard.id }
        : m.kind === 'pass_certificate'
          ? { ...m, fileId: pass.id }
          : m,
    )
    const claim = await submitted(w, a, body)
    expect(claim).toMatchObject({ status: 'submitted', amountFen: 42_000 })

    // ── Reviewer A: the queue, the detail beside the materials, 受理 and 初审 ──
    const pageA = await openPage(browser)
    const cspErrors: string[] = []
    pageA.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text())
    })
    await signInAt(pageA, w.api.url, '/admin/claims', staff.first)
    expect(await menuNames(pageA)).toEqual([
      'claim-notices',
      'claim-pass-lists',
      'claim-stats',
      'claims',
      'dashboard',
    ])
    const row = pageA.locator('[data-test="claims-table"] .el-table__row', { hasText: claim.no })
    await row.waitFor()
    expect(await row.textContent()).toContain('李四明')
    expect(await row.textContent()).toContain('420.00 元')
    expect(await pageA.textContent('[data-test="claims-tab-submitted"]')).toContain('1')
    await pageA.screenshot({ path: path.join(artifacts, 'claims-workbench.png'), animations: 'disabled' })
    await row.locator('[data-test="claim-link"]').click()
    await pageA.waitForURL(new RegExp(`/admin/claims/${claim.id}$`))
    await pageA.locator('[data-test="claim-no"]', { hasText: claim.no }).waitFor()
    expect(await statusOf(pageA)).toBe('已提交')
    // Reviewers hold pii.read: the ID number and account in full, and the page says the view is audited.
    expect(await pageA.textContent('[data-test="claim-id-number"]')).toBe(a.idNumber)
    expect(await pageA.textContent('[data-test="claim-account"]')).toBe(a.accountNo)
    expect(await pageA.textContent('[data-test="claim-pii"]')).toContain('已记入审计')

    // The materials: the ID card photo inline from a blob URL, the PDF in an iframe.
    const viewer = pageA.locator('[data-test="material-viewer"]')
    const materialButton = (label: string) => viewer.locator('.chooser .el-button', { hasText: label })
    await materialButton('身份证').click()
    const img = viewer.locator('[data-test="material-image"]')
    await img.waitFor()
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(80)
    await materialButton('考试合格证明').click()
    const frame = viewer.locator('[data-test="material-pdf"]')
    await frame.waitFor()
    expect(await frame.getAttribute('src')).toMatch(/^blob:/)
    await pageA.screenshot({
      path: path.join(artifacts, 'claim-detail.png'),
      fullPage: true,
      animations: 'disabled',
    })

    await pageA.click('[data-test="claim-action-accept"]')
    await confirmBox(pageA)
    await expect.poll(() => statusOf(pageA)).toBe('审核中')
    await pageA.click('[data-test="claim-action-firstApprove"]')
    await confirmBox(pageA)
    await pageA.locator('.el-message--success', { hasText: '初审通过' }).waitFor()
    // Four eyes: the first reviewer is not offered 复核, and is told why.
    await pageA.locator('[data-test="claim-four-eyes"]').waitFor()
    expect(await pageA.locator('[data-test="claim-action-approve"]').count()).toBe(0)
    expect(await pageA.textContent('[data-test="claim-history"]')).toContain('初审通过')

    // ── Reviewer B, signed in elsewhere: 复核 ──
    const pageB = await openPage(browser)
    await signInAt(pageB, w.api.url, `/admin/claims/${claim.id}`, staff.second)
    await pageB.locator('[data-test="budget-gauge"]').waitFor()
    await pageB.click('[data-test="claim-action-approve"]')
    await confirmBox(pageB)
    await expect.poll(() => statusOf(pageB)).toBe('审核通过')
    expect(await pageB.textContent('[data-test="budget-committed"]')).toContain('420.00 元')
    const approved = await w.api.request(E.detail, { token: staff.first.token, params: { id: claim.id } })
    expectOk(approved)
    expect(approved.body.review).toMatchObject({
      first: { name: staff.first.username },
      second: { name: staff.second.username },
    })
    expect(cspErrors).toEqual([])
    await pageB.context().close()

    // ── 公示: reviewer A publishes the notice (5 working days by default); the claim is on it, masked ──
    await pageA.click('[data-test="menu-claim-notices"]')
    await pageA.click('[data-test="notice-create"]')
    const dialog = pageA.locator('[data-test="notice-dialog"]')
    await dialog.locator('[data-test="notice-waiting"]', { hasText: '当前有 1 件' }).waitFor()
    expect(await input(pageA, 'notice-days').inputValue()).toBe('5')
    await dialog.locator('[data-test="notice-submit"]').click()
    await pageA.locator('.el-message--success', { hasText: '已发布公示' }).waitFor()
    const drawer = pageA.locator('[data-test="notice-drawer"]')
    const noticed = drawer.locator('[data-test="notice-claims"] .el-table__row', { hasText: claim.no })
    await noticed.waitFor()
    expect(await noticed.textContent()).toContain('李*明')
    expect(await noticed.textContent()).toContain('公示中')
    expect(await noticed.textContent()).not.toContain('李四明')

    // The period ends with no objection: the claims on it are cleared.
    const later = new Date(Date.now() + 40 * 24 * 3600_000)
    await w.api.platform.services.claims.payments.closeDueNotices(later)
    const cleared = await w.api.request(E.detail, { token: staff.first.token, params: { id: claim.id } })
    expectOk(cleared)
    expect(cleared.body.status).toBe('cleared')
    await pageA.context().close()

    // ── Finance: a batch, the transfer file, the bank's result file, reconciliation, close ──
    const pageF = await openPage(browser)
    await signInAt(pageF, w.api.url, '/admin/claim-batches', staff.finance)
    expect(await menuNames(pageF)).toEqual(['claim-batches', 'dashboard'])
    await pageF.click('[data-test="batch-create"]')
    await confirmBox(pageF)
    await pageF.waitForURL(/\/admin\/claim-batches\/[0-9a-f]{24}$/)
    const figure = (key: string) => pageF.textContent(`[data-test="batch-fig-${key}"]`)
    await pageF.locator('[data-test="batch-claims"] .el-table__row', { hasText: claim.no }).waitFor()
    expect(await figure('expected')).toContain('420.00 元')
    expect(await figure('pending')).toContain('1 件')
    expect(await pageF.textContent('[data-test="batch-reconciled"]')).toBe('对账未平')

    // The transfer file holds the full account (finance holds pii.read) under the case number.
    const [transfer] = await Promise.all([
      pageF.waitForEvent('download'),
      pageF.click('[data-test="batch-transfer"]'),
    ])
    const sheet = new ExcelJS.Workbook()
    await sheet.xlsx.readFile(await transfer.path())
    const cells = sheet.worksheets[0]!.getSheetValues().flat().map(String)
    expect(cells).toContain(claim.no)
    expect(cells).toContain(a.accountNo)

    // The bank answers: 成功. Finance uploads its result file; the worker applies it.
    const result = new ExcelJS.Workbook()
    const ws = result.addWorksheet('回单')
    ws.addRow([RESULT_COLUMNS.no, RESULT_COLUMNS.amount, RESULT_COLUMNS.result, RESULT_COLUMNS.reason])
    ws.addRow([claim.no, 420, RESULT_WORDS.success, ''])
    await pageF.setInputFiles('[data-test="batch-upload"] input[type=file]', {
      name: '银行回单.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: Buffer.from(await result.xlsx.writeBuffer()),
    })
    await pageF
      .locator('[data-test="import-status-1"]', { hasText: '已完成' })
      .waitFor({ timeout: 30_000 })
      .catch(async (e: Error) => {
        await pageF.screenshot({ path: path.join(artifacts, 'claim-batch-stuck.png'), fullPage: true })
        const batchId = pageF.url().split('/').pop()!
        const b = await w.api.request(P.batchDetail, { token: staff.finance.token, params: { id: batchId } })
        throw new Error(`the import did not finish: ${e.message}\n${JSON.stringify(b.body)}`)
      })
    await expect.poll(() => pageF.textContent('[data-test="batch-reconciled"]')).toBe('对账已平')
    expect(await figure('paid')).toContain('420.00 元')
    expect(await figure('pending')).toContain('0 件')
    expect(await pageF.textContent('[data-test="import-outcomes-1"]')).toContain('成功 1')
    const paidRow = pageF.locator('[data-test="batch-claims"] .el-table__row', { hasText: claim.no })
    await paidRow.locator('.el-tag', { hasText: '已发放' }).waitFor()
    await pageF.screenshot({
      path: path.join(artifacts, 'claim-batch.png'),
      fullPage: true,
      animations: 'disabled',
    })
    await pageF.click('[data-test="batch-close"]')
    await confirmBox(pageF)
    await pageF.locator('[data-test="batch-status"]', { hasText: '已关闭' }).waitFor()
    await pageF.context().close()

    // ── The reviewer's detail says 已发放, with the payment in its history ──
    const pageR = await openPage(browser)
    await signInAt(pageR, w.api.url, `/admin/claims/${claim.id}`, staff.first)
    await expect.poll(() => statusOf(pageR)).toBe('已发放')
    expect(await pageR.textContent('[data-test="claim-history"]')).toContain('发放成功')
    // The 已发放 tab of the queue holds it, and its Excel export says so in Chinese.
    await pageR.click('[data-test="menu-claims"]')
    await pageR.click('[data-test="claims-tab-paid"]')
    await pageR.locator('[data-test="claims-table"] .el-table__row', { hasText: claim.no }).waitFor()
    const [exported] = await Promise.all([
      pageR.waitForEvent('download'),
      pageR.click('[data-test="claims-export"]'),
    ])
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(await exported.path())
    const exportedCells = book.worksheets[0]!.getSheetValues().flat().map(String)
    expect(exportedCells).toContain(claim.no)
    expect(exportedCells).toContain('已发放')
    await pageR.context().close()
    const mine = await w.api.request(E.mineDetail, { token: a.user.token, params: { id: claim.id } })
    expectOk(mine)
    expect(mine.body).toMatchObject({ status: 'paid', amountFen: 42_000 })
  })

  it('returns a claim for correction: the fields ticked, a comment each, a deadline in working days', async () => {
    const { first } = await buildStaff(w)
    const a = await buildApplicant(w, '王五明')
    const claim = await submitted(w, a, await examFeeBody(w, a))
    const page = await openPage(browser)
    await signInAt(page, w.api.url, `/admin/claims/${claim.id}`, first)
    await page.click('[data-test="claim-action-accept"]')
    await confirmBox(page)
    await expect.poll(() => statusOf(page)).toBe('审核中')

    await page.click('[data-test="claim-action-return"]')
    const dialog = page.locator('[data-test="return-dialog"]')
    // Nothing ticked: the contract's refusal; a ticked item without its comment: asked for the comment.
    await dialog.locator('[data-test="return-submit"]').click()
    await dialog.locator('[data-test="return-fields-error"]', { hasText: '至少标出一项' }).waitFor()
    const account = dialog.locator('[data-test="return-item-bank.accountNo"]')
    const receipt = dialog.locator('[data-test="return-item-receipts.2"]')
    await account.locator('.el-checkbox').click()
    await receipt.locator('.el-checkbox').click()
    await dialog.locator('[data-test="return-submit"]').click()
    await account.locator('.error', { hasText: '补正意见' }).waitFor()
    await account.locator('[data-test="return-item-comment"]').fill('账号与银行卡照片不一致，请核对')
    await receipt.locator('[data-test="return-item-comment"]').fill('凭证金额看不清，请重新拍摄')
    await input(page, 'return-deadline').fill('3')
    await dialog.locator('[data-test="return-submit"]').click()
    await page.locator('.el-message--success', { hasText: '已退回补正' }).waitFor()

    // The page shows what was asked, as the applicant will see it, and the same reaches the mini-program.
    await expect.poll(() => statusOf(page)).toBe('待补正')
    const correction = page.locator('[data-test="claim-correction"]')
    expect(await correction.textContent()).toContain('银行账号：账号与银行卡照片不一致，请核对')
    expect(await correction.textContent()).toContain('3 个工作日')
    await page.screenshot({ path: path.join(artifacts, 'claim-returned.png'), animations: 'disabled' })
    await page.context().close()
    const mine = await w.api.request(E.mineDetail, { token: a.user.token, params: { id: claim.id } })
    expectOk(mine)
    expect(mine.body.status).toBe('returned')
    expect(mine.body.correction).toMatchObject({
      workingDays: 3,
      items: [
        { path: 'bank.accountNo', comment: '账号与银行卡照片不一致，请核对' },
        { path: 'receipts.2', comment: '凭证金额看不清，请重新拍摄' },
      ],
    })
  })

  it('enters a successor policy in the console: budget and fees typed in 元 are stored as fen', async () => {
    const { policy: editor } = await buildStaff(w)
    const page = await openPage(browser)
    await signInAt(page, w.api.url, '/admin/claim-policies', editor)
    await page
      .locator('[data-test="policies-table"] .el-table__row', { hasText: '专利代理师服务奖励' })
      .waitFor()
    await page.click('[data-test="policy-create"]')
    const form = page.locator('[data-test="policy-form"]')
    // Nothing typed yet: the contract's own message under the title.
    await page.click('[data-test="dialog-submit"]')
    await form.locator('.el-form-item__error', { hasText: '请填写政策名称' }).waitFor()

    const title = `专利代理师资格考试报名费资助（${new Date().getFullYear()} 年起）`
    await input(page, 'policy-title').fill(title)
    await input(page, 'policy-document').fill('韶市监〔2026〕1号')
    await form
      .locator('.el-form-item', { hasText: '条款原文' })
      .locator('textarea')
      .fill('通过专利代理师资格考试的，报名费用全额资助。')
    await input(page, 'policy-budget').fill('123456.78')
    await input(page, 'policy-fee-2').fill('180')
    await form
      .locator('.el-form-item', { hasText: '申请条件说明' })
      .locator('textarea')
      .fill('在本市工作、创业或就读并通过考试的人员。')
    await form
      .locator('.el-form-item', { hasText: '告知承诺书' })
      .locator('textarea')
      .fill('本人承诺所填信息真实有效。')
    await page.click('[data-test="dialog-submit"]')
    await page.locator('.el-message--success', { hasText: '政策已新增' }).waitFor()
    await page.locator('[data-test="policies-table"] .el-table__row', { hasText: title }).waitFor()
    await page.context().close()

    const list = await w.api.request(E.policies, { token: editor.token })
    expectOk(list)
    const created = list.body.items.find((p) => p.title === title)
    expect(created).toMatchObject({
      type: 'exam_fee',
      yearlyBudgetFen: 12_345_678,
      basis: { documentNo: '韶市监〔2026〕1号' },
      rule: {
        kind: 'fee_table',
        fees: [
          { subject: 'patent_law', feeFen: 15_000 },
          { subject: 'related_law', feeFen: 15_000 },
          { subject: 'practice', feeFen: 18_000 },
        ],
      },
    })
  })
})
