import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  buildAdmin,
  buildCreditCode,
  buildEnterpriseAdmin,
  buildMpUser,
  uploadMpFile,
} from '../support/factories.js'
import { artifacts, builtConsole, consoleBrowser, signInAt } from '../support/browser.js'
import { world } from '../support/world.js'

const adminDist = builtConsole()

/** A real, decodable 64×40 PNG (a grey "licence"), so the preview can prove the image rendered. */
function licencePng() {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const [width, height] = [64, 40]
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 0, 0, 0, 0], 8) // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0xc0)
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0 // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

describe('the enterprise verification queue in the console', () => {
  const w = world({ ADMIN_STATIC_DIR: adminDist })
  const { page } = consoleBrowser()

  it('previews each licence, approves one and rejects the other with a required reason', async () => {
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    // One administrator sends a photo of the licence with the bind; the other a PDF afterwards.
    const photoUser = await buildMpUser(w)
    const photo = await uploadMpFile(w, photoUser.token, { name: '营业执照照片.png', data: licencePng() })
    const bound = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: photoUser.token,
      body: { creditCode: buildCreditCode(), name: '韶关市图片执照科技有限公司', licenceFileId: photo.id },
    })
    expect(bound.status, JSON.stringify(bound.body)).toBe(201)
    const pdfBoss = await buildEnterpriseAdmin(w, '韶关市授权书贸易有限公司', { verified: false })
    const pdf = await uploadMpFile(w, pdfBoss.token, {
      name: '授权书.pdf',
      type: 'application/pdf',
      data: PDF,
    })
    await w.api.call('POST', `/admin/v1/enterprises/${pdfBoss.enterpriseId}/verification/decision`, {
      token: reviewer.token,
      body: { decision: 'reject', licenceFileId: pdfBoss.licenceFileId, reason: '请上传加盖公章的授权书' },
    })
    await w.api.call('POST', '/mp/v1/enterprise/verification', {
      token: pdfBoss.token,
      body: { licenceFileId: pdf.id },
    })

    await signInAt(page, w.api.url, '/admin/enterprise-verifications', reviewer)
    const rows = page.locator('[data-test="verifications-table"] .el-table__body-wrapper .el-table__row')
    const photoRow = rows.filter({ hasText: '韶关市图片执照科技有限公司' })
    const pdfRow = rows.filter({ hasText: '韶关市授权书贸易有限公司' })
    await photoRow.waitFor()
    expect(await pdfRow.textContent()).toContain('待审核')

    // The photo is fetched with the session's token and shown inline from a blob URL.
    await photoRow.locator('[data-test="verification-preview"]').click()
    const dialog = page.locator('[data-test="licence-preview"]')
    const img = dialog.locator('[data-test="licence-image"]')
    await img.waitFor()
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(64)
    await page.screenshot({
      path: path.join(artifacts, 'console-licence-preview.png'),
      animations: 'disabled',
    })
    await dialog.locator('[data-test="verification-approve"]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message--success', { hasText: '已通过认证' }).waitFor()
    await photoRow.waitFor({ state: 'detached' })
    const photoMine = await w.api.call('GET', '/mp/v1/enterprise', { token: photoUser.token })
    expect(photoMine.body.verification.status).toBe('verified')

    // The PDF is offered to open or download; rejecting it needs a reason.
    await pdfRow.locator('[data-test="verification-preview"]').click()
    await dialog.locator('[data-test="licence-open"]').waitFor()
    expect(await dialog.textContent()).toContain('授权书.pdf')
    await dialog.locator('[data-test="verification-reject"]').click()
    const box = page.locator('.el-message-box')
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await box.locator('.el-message-box__errormsg', { hasText: '请填写驳回理由' }).waitFor()
    await box.locator('textarea').fill('授权书未加盖公章，请重新上传')
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message--success', { hasText: '已驳回' }).waitFor()
    await pdfRow.waitFor({ state: 'detached' })
    const pdfMine = await w.api.call('GET', '/mp/v1/enterprise', { token: pdfBoss.token })
    expect(pdfMine.body.verification).toMatchObject({
      status: 'rejected',
      rejectReason: '授权书未加盖公章，请重新上传',
    })

    // The rejected tab keeps who decided and why.
    await page.locator('[data-test="verifications-status"] label', { hasText: '已驳回' }).click()
    const rejected = page.locator('[data-test="verifications-table"] .el-table__row', {
      hasText: '韶关市授权书贸易有限公司',
    })
    await rejected.waitFor()
    expect(await rejected.first().textContent()).toContain('授权书未加盖公章，请重新上传')
  })
})
