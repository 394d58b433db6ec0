import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import { ClaimPaymentEndpoints as P } from '@zct/api/contracts/claims/claims.payments'
import { InboxEndpoints as I } from '@zct/api/contracts/inbox/inbox'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ClaimModel, type ClaimDoc } from '@zct/api/internal/modules/claims/claims.model'
import { ClaimResultLineModel } from '@zct/api/internal/modules/claims/claims.payments.model'
import { mask } from '@zct/api/internal/platform/crypto'
import { createLogger } from '@zct/api/internal/platform/logger'
import { Types } from 'mongoose'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin, LICENCE_PNG, type AdminSession } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  importDone,
  importResults,
  insertClaims,
  payEntries,
  resultFile,
  sheetRows,
  uploadAdminFile,
} from './payments-support.js'
import {
  agentRewardBody,
  approveFully,
  buildAccountNo,
  buildApplicant,
  buildStaff,
  examFeeBody,
  openPolicies,
  submitted,
  type Applicant,
} from './support.js'

const w = world()
let worker: Awaited<ReturnType<typeof startWorker>>
let staff: Awaited<ReturnType<typeof buildStaff>>
/** finance without pii.read: sees account numbers masked */
let clerk: AdminSession

beforeAll(async () => {
  // Two imports may run at once in this worker, so the concurrency proof races for real.
  worker = await startWorker({
    config: w.api.config,
    log: createLogger('silent'),
    connect: false,
    concurrency: { 'claims.apply-results': 2 },
  })
  await openPolicies()
  staff = await buildStaff(w)
  clerk = await buildAdmin(w.api, { permissions: ['claim.pay'] })
})
afterAll(async () => {
  await worker?.close()
})

const payments = () => w.api.platform.services.claims.payments

/** Claims taken from the mini-program through review and a 公示 whose period has ended: cleared. */
async function clearedClaims(people: { name: string; type: 'exam_fee' | 'agent_reward' }[]) {
  const made: { a: Applicant; id: string; no: string; amountFen: number }[] = []
  for (const p of people) {
    const a = await buildApplicant(w, p.name)
    const claim = await submitted(
      w,
      a,
      p.type === 'exam_fee' ? await examFeeBody(w, a) : await agentRewardBody(w, a),
    )
    await approveFully(w, staff, claim.id)
    made.push({ a, id: claim.id, no: claim.no, amountFen: claim.amountFen })
  }
  const notice = await w.api.request(P.noticePublish, { token: staff.first.token, body: {} })
  expectOk(notice, 201)
  await payments().closeDueNotices(new Date(new Date(notice.body.periodEnd).getTime() + 1))
  return made
}

const createBatch = (token = staff.finance.token, claimIds?: string[]) =>
  w.api.request(P.batchCreate, { token, body: claimIds ? { claimIds } : {} })
const batchOf = async (id: string) => {
  const res = await w.api.request(P.batchDetail, { token: staff.finance.token, params: { id } })
  expectOk(res)
  return res.body
}
const claimOf = (id: string) => ClaimModel.findById(id).lean<ClaimDoc>()
/** paidFen of the current year's budget of each type's policy, as the policy editor reads it. */
async function paidFen() {
  const res = await w.api.request(E.policies, { token: staff.policy.token })
  expectOk(res)
  const of = (type: string) =>
    res.body.items.find((p) => p.type === type && p.state === 'open')!.budget.paidFen
  return { exam_fee: of('exam_fee'), agent_reward: of('agent_reward') }
}

describe('uploads for import', () => {
  it('takes an ExcelJS-written .xlsx as a claim-import from finance and reviewers, and refuses purposes to those without their permission', async () => {
    const xlsx = await resultFile([{ no: 'ZC2026000001', amountFen: 42_000, result: '成功' }])
    for (const who of [staff.finance, staff.first]) {
      const up = await uploadAdminFile(w, who.token, xlsx)
      expect(up.status, JSON.stringify(up.body)).toBe(201)
      expect(up.body.mime).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    }
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const asEditor = await uploadAdminFile(w, editor.token, xlsx)
    expect(asEditor.status).toBe(403)
    expect(asEditor.body.error).toMatchObject({
      code: 'FILE_FORBIDDEN',
      message: '上传此类文件需要以下权限之一：资助发放、审核资助申请',
    })
    const attachment = await uploadAdminFile(w, staff.finance.token, LICENCE_PNG, {
      purpose: 'attachment',
      name: '附件.png',
      type: 'image/png',
    })
    expect(attachment.status).toBe(403)
    expect(attachment.body.error).toMatchObject({
      code: 'FILE_FORBIDDEN',
      message: '上传此类文件需要以下权限之一：发布公告与专利信息、管理培训',
    })
    const png = await uploadAdminFile(w, staff.finance.token, LICENCE_PNG, {
      name: '回单.png',
      type: 'image/png',
    })
    expect(png.status).toBe(415)
    expect(png.body.error?.message).toBe('仅支持 Excel 文件（.xlsx），请在 Excel 中另存为 .xlsx 后上传')
  })
})

describe('payment batches', () => {
  it('refuses a batch when nothing is cleared with 409 BATCH_EMPTY', async () => {
    const res = await createBatch()
    expectRefused(res, 409, 'BATCH_EMPTY')
    const list = await w.api.request(P.batchList, { token: staff.finance.token })
    expectOk(list)
    expect(list.body.total).toBe(0)
  })

  it('pays cleared claims in a batch: transfer file, bank results, a failure fixed and repaid, reconciled and closed', async () => {
    const [zhang, li] = await clearedClaims([
      { name: '张三明', type: 'exam_fee' },
      { name: '李雷', type: 'agent_reward' },
    ])
    const paidBefore = await paidFen()

    // ── the batch
    const created = await createBatch()
    expectOk(created, 201)
    const batch = created.body
    expect(batch.no).toMatch(/^PC\d{4}-0001$/)
    expect(batch.figures).toEqual({
      expected: { count: 2, fen: 42_000 + 500_000 },
      paid: { count: 0, fen: 0 },
      failed: { count: 0, fen: 0 },
      pending: { count: 2, fen: 542_000 },
      reconciled: false,
    })
    const mine = await w.api.request(E.mineDetail, { token: zhang!.a.user.token, params: { id: zhang!.id } })
    expectOk(mine)
    expect(mine.body.status).toBe('in_payment')
    expectRefused(await createBatch(), 409, 'BATCH_EMPTY')
    expect(await AuditModel.countDocuments({ action: 'claim.batch.create', 'target.id': batch.id })).toBe(1)

    // ── not closable while the bank has not answered
    const early = await w.api.request(P.batchClose, { token: staff.finance.token, params: { id: batch.id } })
    expectRefused(early, 409, 'BATCH_UNRECONCILED')
    expect(early.body.error.message).toContain('待回单 2 笔 5,420.00 元')
    expect(early.body.error.details).toMatchObject({ figures: { pending: { count: 2, fen: 542_000 } } })

    // ── the transfer file: full account numbers for pii.read, masked otherwise; both audited
    const full = await w.api.request(P.batchTransferFile, {
      token: staff.finance.token,
      params: { id: batch.id },
    })
    expectOk(full)
    expect(full.headers.get('content-disposition')).toContain(
      encodeURIComponent(`银行转账文件-${batch.no}.xlsx`),
    )
    const rows = await sheetRows(full.body)
    expect(rows[0]).toEqual(['序号', '收款人', '收款账号', '开户银行', '金额（元）', '业务参考号', '用途'])
    expect(rows.slice(1)).toEqual([
      [
        1,
        '张三明',
        zhang!.a.accountNo,
        '中国工商银行韶关分行',
        420,
        zhang!.no,
        '专利代理师资格考试报名费资助',
      ],
      [2, '李雷', li!.a.accountNo, '中国建设银行韶关分行', 5000, li!.no, '专利代理师服务奖励'],
    ])
    const masked = await w.api.request(P.batchTransferFile, { token: clerk.token, params: { id: batch.id } })
    expectOk(masked)
    const maskedRows = await sheetRows(masked.body)
    expect(maskedRows.slice(1).map((r) => r[2])).toEqual([
      mask.bankAccount(zhang!.a.accountNo),
      mask.bankAccount(li!.a.accountNo),
    ])
    const audits = async (who: AdminSession, action: string) =>
      AuditModel.countDocuments({ action, 'actor.id': new Types.ObjectId(who.id), 'target.id': batch.id })
    expect(await audits(staff.finance, 'claim.batch.export')).toBe(1)
    expect(await audits(staff.finance, 'pii.view')).toBe(1)
    expect(await audits(clerk, 'claim.batch.export')).toBe(1)
    expect(await audits(clerk, 'pii.view')).toBe(0)

    // ── the result template lists what awaits the bank
    const template = await w.api.request(P.batchResultTemplate, {
      token: staff.finance.token,
      params: { id: batch.id },
    })
    expectOk(template)
    expect(await sheetRows(template.body)).toEqual([
      ['业务参考号', '金额（元）', '结果', '失败原因'],
      [zhang!.no, 420],
      [li!.no, 5000],
    ])

    // ── the bank's results: one paid, one failed with its reason
    const results = await resultFile([
      { no: zhang!.no, amountFen: 42_000, result: '成功' },
      { no: li!.no, amountFen: 500_000, result: '失败', reason: '户名与账号不符' },
    ])
    const first = await importResults(w, staff.finance.token, batch.id, results)
    expect(first).toMatchObject({ seq: 1, lines: 2, status: 'queued', fileName: '银行回单.xlsx' })
    const applied = await importDone(w, staff.finance.token, batch.id, first.id)
    expect(applied.items.map((l) => [l.row, l.no, l.outcome, l.reason])).toEqual([
      [2, zhang!.no, 'paid', null],
      [3, li!.no, 'failed', '户名与账号不符'],
    ])
    expect(applied.import.counts).toEqual({ paid: 1, failed: 1 })
    expect(await AuditModel.countDocuments({ action: 'claim.batch.import', 'target.id': batch.id })).toBe(1)
    const paidClaim = await claimOf(zhang!.id)
    expect(paidClaim).toMatchObject({ status: 'paid' })
    expect(paidClaim!.paidAt).toBeInstanceOf(Date)
    const failedView = await w.api.request(E.mineDetail, { token: li!.a.user.token, params: { id: li!.id } })
    expectOk(failedView)
    expect(failedView.body).toMatchObject({ status: 'payment_failed', reason: '户名与账号不符' })
    expect(await payEntries([zhang!.id])).toEqual([1])
    expect(await paidFen()).toEqual({
      exam_fee: paidBefore.exam_fee + 42_000,
      agent_reward: paidBefore.agent_reward,
    })
    expect((await batchOf(batch.id)).figures).toEqual({
      expected: { count: 2, fen: 542_000 },
      paid: { count: 1, fen: 42_000 },
      failed: { count: 1, fen: 500_000 },
      pending: { count: 0, fen: 0 },
      reconciled: true,
    })
    // the applicants hear of it in their inbox (the worker sends the notifications)
    for (const [who, title] of [
      [zhang!, '专利代理师资格考试报名费资助：已发放'],
      [li!, '专利代理师服务奖励：发放失败'],
    ] as const)
      await expect
        .poll(
          async () => {
            const inbox = await w.api.request(I.list, { token: who.a.user.token })
            expectOk(inbox)
            return inbox.body.items.map((i) => i.title)
          },
          { timeout: 20_000, interval: 100 },
        )
        .toContain(title)

    // ── the same file again changes nothing
    const historyBefore = (await Promise.all([zhang!.id, li!.id].map(claimOf))).map((c) => c!.history.length)
    const again = await importResults(w, staff.finance.token, batch.id, results)
    expect(again.seq).toBe(2)
    const replayed = await importDone(w, staff.finance.token, batch.id, again.id)
    expect(replayed.items.map((l) => l.outcome)).toEqual(['already_paid', 'already_failed'])
    expect((await Promise.all([zhang!.id, li!.id].map(claimOf))).map((c) => c!.history.length)).toEqual(
      historyBefore,
    )
    expect(await paidFen()).toEqual({
      exam_fee: paidBefore.exam_fee + 42_000,
      agent_reward: paidBefore.agent_reward,
    })

    // ── the failure: not batched again until the applicant fixes the account, then paid in a new batch
    expectRefused(await createBatch(), 409, 'BATCH_EMPTY')
    const newAccount = buildAccountNo()
    const fixed = await w.api.request(E.fixBank, {
      token: li!.a.user.token,
      params: { id: li!.id },
      body: { bank: { holderName: '李雷', accountNo: newAccount, bankName: '中国农业银行韶关分行' } },
    })
    expectOk(fixed)
    const second = await createBatch()
    expectOk(second, 201)
    expect(second.body.no).toMatch(/^PC\d{4}-0002$/)
    expect(second.body.figures.expected).toEqual({ count: 1, fen: 500_000 })
    const retransfer = await w.api.request(P.batchTransferFile, {
      token: staff.finance.token,
      params: { id: second.body.id },
    })
    expectOk(retransfer)
    expect((await sheetRows(retransfer.body)).slice(1).map((r) => r[2])).toEqual([newAccount])
    const repaid = await importResults(
      w,
      staff.finance.token,
      second.body.id,
      await resultFile([{ no: li!.no, amountFen: 500_000, result: '成功' }]),
    )
    expect((await importDone(w, staff.finance.token, second.body.id, repaid.id)).items[0]!.outcome).toBe(
      'paid',
    )
    expect(await payEntries([li!.id])).toEqual([1])
    expect(await paidFen()).toEqual({
      exam_fee: paidBefore.exam_fee + 42_000,
      agent_reward: paidBefore.agent_reward + 500_000,
    })

    // ── the first batch still shows the failure it had, reconciles and closes; then it takes nothing more
    const firstClaims = await w.api.request(P.batchClaims, {
      token: staff.finance.token,
      params: { id: batch.id },
      query: { outcome: 'failed' },
    })
    expectOk(firstClaims)
    expect(firstClaims.body.items).toEqual([
      expect.objectContaining({ no: li!.no, outcome: 'failed', status: 'paid', reason: '户名与账号不符' }),
    ])
    const closed = await w.api.request(P.batchClose, { token: staff.finance.token, params: { id: batch.id } })
    expectOk(closed)
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: { name: staff.finance.username } })
    expect(closed.body.figures).toMatchObject({ paid: { count: 1 }, failed: { count: 1 }, reconciled: true })
    expect(await AuditModel.countDocuments({ action: 'claim.batch.close', 'target.id': batch.id })).toBe(1)
    const up = await uploadAdminFile(w, staff.finance.token, results)
    const late = await w.api.request(P.batchImportResults, {
      token: staff.finance.token,
      params: { id: batch.id },
      body: { fileId: up.body.id },
    })
    expectRefused(late, 409, 'BATCH_STATE')
    expect(late.body.error.message).toBe(`发放批次 ${batch.no} 已关闭，不能再导入回单或变更`)
    expectRefused(
      await w.api.request(P.batchClose, { token: staff.finance.token, params: { id: batch.id } }),
      409,
      'BATCH_STATE',
    )
    expectRefused(
      await w.api.request(P.batchTransferFile, {
        token: staff.finance.token,
        params: { id: second.body.id },
      }),
      409,
      'BATCH_STATE',
    )
    expect((await batchOf(batch.id)).importCount).toBe(2)
  })

  it('refuses a result file it cannot apply whole with 400 RESULT_FILE_INVALID naming the rows, recording nothing', async () => {
    const claims = await insertClaims(w, 3, { status: 'cleared' })
    const created = await createBatch(
      staff.finance.token,
      claims.map((c) => c.id),
    )
    expectOk(created, 201)
    const batchId = created.body.id
    const [c1, c2, c3] = claims
    const refuse = async (data: Buffer) => {
      const up = await uploadAdminFile(w, staff.finance.token, data)
      expect(up.status).toBe(201)
      const res = await w.api.request(P.batchImportResults, {
        token: staff.finance.token,
        params: { id: batchId },
        body: { fileId: up.body.id },
      })
      expectRefused(res, 400, 'RESULT_FILE_INVALID')
      return res.body.error
    }
    const rows = await refuse(
      await resultFile([
        { no: c1!.no, amountFen: 42_000, result: '好' },
        { no: c2!.no, amountFen: '四百二十', result: '成功' },
        { no: c3!.no, amountFen: 42_000, result: '成功' },
        { no: c3!.no, amountFen: 42_000, result: '失败' },
      ]),
    )
    expect(rows.message).toBe('银行回单第 2 行：结果应为“成功”或“失败”（另有 2 行有误），请改正后重新上传')
    expect(rows.details).toMatchObject({
      rows: [
        { row: 2, message: '结果应为“成功”或“失败”' },
        { row: 3, message: '金额（元）应为大于 0 的金额，最多两位小数' },
        { row: 5, message: `业务参考号 ${c3!.no} 与第 4 行重复` },
      ],
      fields: [{ path: 'fileId' }],
    })
    const header = await refuse(
      await resultFile([{ no: c1!.no, amountFen: 42_000, result: '成功' }], ['编号', '金额', '结果']),
    )
    expect(header.message).toBe('银行回单第 1 行应为表头，缺少“业务参考号”列；可下载回单模板对照填写')
    const empty = await refuse(await resultFile([]))
    expect(empty.message).toBe('银行回单中没有发放结果：请在表头下逐行填写业务参考号、金额与结果')
    // an upload made for another purpose is not a bank result file
    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const png = await uploadAdminFile(w, root.token, LICENCE_PNG, {
      purpose: 'attachment',
      name: '附件.png',
      type: 'image/png',
    })
    const notImport = await w.api.request(P.batchImportResults, {
      token: staff.finance.token,
      params: { id: batchId },
      body: { fileId: png.body.id },
    })
    expectRefused(notImport, 400, 'RESULT_FILE_INVALID')
    const detail = await batchOf(batchId)
    expect({ imports: detail.imports, importCount: detail.importCount }).toEqual({
      imports: [],
      importCount: 0,
    })
    expect((await Promise.all(claims.map((c) => claimOf(c.id)))).map((c) => c!.status)).toEqual([
      'in_payment',
      'in_payment',
      'in_payment',
    ])
  })

  it('reports, without applying, lines whose amount differs, whose claim is unknown or in another batch', async () => {
    const [mine, other] = [
      await insertClaims(w, 2, { status: 'cleared' }),
      await insertClaims(w, 1, { status: 'cleared' }),
    ]
    const batch = await createBatch(
      staff.finance.token,
      mine.map((c) => c.id),
    )
    expectOk(batch, 201)
    expectOk(
      await createBatch(
        staff.finance.token,
        other.map((c) => c.id),
      ),
      201,
    )
    const imp = await importResults(
      w,
      staff.finance.token,
      batch.body.id,
      await resultFile([
        { no: mine[0]!.no, amountFen: 43_000, result: '成功' },
        { no: mine[1]!.no, amountFen: 42_000, result: '成功' },
        { no: other[0]!.no, amountFen: 42_000, result: '成功' },
        { no: 'ZC1999000001', amountFen: 42_000, result: '失败', reason: '账户已销户' },
      ]),
    )
    const done = await importDone(w, staff.finance.token, batch.body.id, imp.id)
    expect(done.items.map((l) => [l.outcome, l.message])).toEqual([
      ['amount_mismatch', '回单金额 430.00 元 与应发金额 420.00 元 不一致，请与银行核实'],
      ['paid', '已确认发放成功'],
      ['not_in_batch', `该申请不在发放批次 ${batch.body.no} 中`],
      ['unknown', '系统中没有业务参考号为 ZC1999000001 的申请'],
    ])
    expect((await Promise.all([...mine, ...other].map((c) => claimOf(c.id)))).map((c) => c!.status)).toEqual([
      'in_payment',
      'paid',
      'in_payment',
    ])
    expect((await batchOf(batch.body.id)).figures).toMatchObject({
      pending: { count: 1 },
      paid: { count: 1 },
      reconciled: false,
    })
  })

  it('never puts a claim in two batches nor pays it twice when two finance users act at once', async () => {
    const claims = await insertClaims(w, 200, { status: 'cleared' })
    const ids = claims.map((c) => c.id)
    // two batches at once: each claim lands in exactly one
    const made = await Promise.all([createBatch(staff.finance.token, ids), createBatch(clerk.token, ids)])
    const won = made.filter((r) => r.ok)
    for (const r of made) if (!r.ok) expectRefused(r, 409, 'BATCH_EMPTY')
    expect(won.reduce((n, r) => n + (r.ok ? r.body.figures.expected.count : 0), 0)).toBe(200)
    const docs = await ClaimModel.find({ _id: { $in: ids } }).lean<ClaimDoc[]>()
    expect(docs.map((d) => d.history.filter((h) => h.action === 'batch').length)).toEqual(ids.map(() => 1))
    const batchId = won[0]!.ok ? won[0]!.body.id : ''
    const inThis = claims.filter(
      (c) => docs.find((d) => d._id.toHexString() === c.id)!.batchId!.toHexString() === batchId,
    )

    // two imports of the same file at once, by two people, running side by side in the worker
    const before = await paidFen()
    const file = await resultFile(inThis.map((c) => ({ no: c.no, amountFen: c.amountFen, result: '成功' })))
    const [a, b] = await Promise.all([
      importResults(w, staff.finance.token, batchId, file),
      importResults(w, clerk.token, batchId, file),
    ])
    const [da, db] = await Promise.all([
      importDone(w, staff.finance.token, batchId, a.id),
      importDone(w, clerk.token, batchId, b.id),
    ])
    expect(await payEntries(inThis.map((c) => c.id))).toEqual(inThis.map(() => 1))
    expect(await paidFen()).toEqual({
      exam_fee: before.exam_fee + inThis.reduce((s, c) => s + c.amountFen, 0),
      agent_reward: before.agent_reward,
    })
    // each line applied by exactly one of the two imports, reported as already done by the other
    const lines = await ClaimResultLineModel.find(
      { importId: { $in: [a.id, b.id] } },
      { no: 1, outcome: 1 },
    ).lean<{ no: string; outcome: string }[]>()
    const byNo = new Map<string, string[]>()
    for (const l of lines) byNo.set(l.no, [...(byNo.get(l.no) ?? []), l.outcome].sort())
    expect(byNo.size).toBe(inThis.length)
    expect([...new Set([...byNo.values()].map((o) => o.join('+')))]).toEqual(['already_paid+paid'])
    expect([da.import.status, db.import.status]).toEqual(['done', 'done'])
    expect((await batchOf(batchId)).figures).toMatchObject({
      paid: { count: inThis.length },
      reconciled: true,
    })
  })
})
