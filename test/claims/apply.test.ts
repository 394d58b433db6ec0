import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ClaimModel } from '@zct/api/internal/modules/claims/claims.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildMpUser, uploadMpFile } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  agentRewardBody,
  claimsWorker,
  buildApplicant,
  buildIdNumber,
  examFeeBody,
  openPolicies,
  submitClaim,
  submitted,
  YEAR,
} from './support.js'

const w = world()
claimsWorker(w)
beforeAll(() => openPolicies())

const claimsOf = (idNumberBlindSource?: string) =>
  ClaimModel.countDocuments(idNumberBlindSource ? { 'applicant.name': idNumberBlindSource } : {})

describe('资助政策 in the mini-program', () => {
  it('lists the open policies with their materials, rules in words and pledge', async () => {
    const user = await buildMpUser(w)
    const res = await w.api.request(E.mpPolicies, { token: user.token })
    expectOk(res)
    expect(res.body.items.map((p) => p.type).sort()).toEqual(['agent_reward', 'exam_fee'])
    const exam = res.body.items.find((p) => p.type === 'exam_fee')!
    expect(exam.basis.clause).toContain('报名费用全额资助')
    expect(exam.materials.find((m) => m.kind === 'pass_certificate')).toMatchObject({ required: true })
    expect(exam.rules.join('\n')).toContain('专利法律知识 150.00 元')
    expect(exam.pledgeText).toContain('本人承诺')
    const reward = res.body.items.find((p) => p.type === 'agent_reward')!
    expect(reward.rules.join('\n')).toContain('满 24 个月（含）')
  })
})

describe('applying for the exam-fee refund', () => {
  it('makes a claim whose amount is the receipts’ sum, with PII masked and sealed at rest', async () => {
    const a = await buildApplicant(w, '李四海')
    const claim = await submitted(w, a, await examFeeBody(w, a))
    expect(claim).toMatchObject({ status: 'submitted', type: 'exam_fee', amountFen: 42_000, examYear: YEAR })
    expect(claim.no).toMatch(new RegExp(`^ZC${YEAR}\\d{6}$`))
    expect(claim.applicant.idNumber).toBe(`${a.idNumber.slice(0, 3)}***********${a.idNumber.slice(-4)}`)
    expect(claim.bank.accountNo).not.toContain(a.accountNo.slice(4, 12))
    expect(claim.pledgeText).toContain('本人承诺')
    expect(claim.history.map((h) => h.label)).toEqual(['提交申请'])
    expect(await AuditModel.countDocuments({ action: 'claim.submit', 'target.id': claim.id })).toBe(1)
    // Nothing readable at rest: the ID number and account are ciphertext; the blind index is not the number.
    const raw = await ClaimModel.collection.findOne({
      _id: new (await import('mongoose')).Types.ObjectId(claim.id),
    })
    const json = JSON.stringify(raw)
    expect(json).not.toContain(a.idNumber)
    expect(json).not.toContain(a.accountNo)
    expect(json).not.toContain(a.phone)
    // The applicant sees it in their list and detail; the inbox says it was received.
    const mine = await w.api.request(E.mine, { token: a.user.token })
    expectOk(mine)
    expect(mine.body.items.map((i) => i.id)).toEqual([claim.id])
    await expect
      .poll(
        async () =>
          (await w.api.call('GET', '/mp/v1/inbox', { token: a.user.token })).body.items?.length ?? 0,
      )
      .toBe(1)
  })

  it('refuses a receipt above the fee table with RECEIPT_OVER_FEE, naming the table’s figure', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    body.receipts[1]!.amountFen = 15_001
    const res = await submitClaim(w, a, body)
    expectRefused(res, 400, 'RECEIPT_OVER_FEE')
    expect(res.body.error.message).toContain('150.00 元')
    expect(res.body.error.details).toMatchObject({ fields: [{ path: 'receipts.1.amountFen' }] })
    expect(await ClaimModel.countDocuments({ 'applicant.name': a.name, userId: a.user.id })).toBe(0)
  })

  it('refuses a receipt from outside the three-year validity with RECEIPT_YEAR_INVALID', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    body.receipts[0]!.examYear = YEAR - 3
    const res = await submitClaim(w, a, body)
    expectRefused(res, 400, 'RECEIPT_YEAR_INVALID')
    expect(res.body.error.details).toMatchObject({ fields: [{ path: 'receipts.0.examYear' }] })
  })

  it('refuses a wrong ID check digit and an amount as a float, with field paths, writing nothing', async () => {
    const a = await buildApplicant(w)
    const before = await claimsOf()
    const body = await examFeeBody(w, a)
    const wrongDigit = a.idNumber.slice(0, 17) + (a.idNumber[17] === '0' ? '1' : '0')
    const bad = await submitClaim(w, a, { ...body, applicant: { ...body.applicant, idNumber: wrongDigit } })
    expectRefused(bad, 400, 'VALIDATION_FAILED')
    expect(bad.body.error.details).toMatchObject({
      fields: [{ path: 'applicant.idNumber', message: expect.stringContaining('校验') }],
    })
    const float = await submitClaim(w, a, {
      ...body,
      receipts: [{ ...body.receipts[0]!, amountFen: 150.5 }],
    })
    expectRefused(float, 400, 'VALIDATION_FAILED')
    expect(float.body.error.details).toMatchObject({
      fields: [{ path: 'receipts.0.amountFen', message: expect.stringContaining('整数') }],
    })
    expect(await claimsOf()).toBe(before)
  })

  it('refuses a material that belongs to another user with CLAIM_FILE_INVALID on its path', async () => {
    const a = await buildApplicant(w)
    const other = await buildMpUser(w)
    const foreign = await uploadMpFile(w, other.token, { purpose: 'claim-material' })
    const body = await examFeeBody(w, a)
    body.materials[1] = { kind: 'pass_certificate', fileId: foreign.id }
    const res = await submitClaim(w, a, body)
    expectRefused(res, 400, 'CLAIM_FILE_INVALID')
    expect(res.body.error.details).toMatchObject({ fields: [{ path: 'materials.1.fileId' }] })
    // …and the caller's own upload made for another purpose is refused the same way.
    const licence = await uploadMpFile(w, a.user.token, { purpose: 'enterprise-licence' })
    body.materials[1] = { kind: 'pass_certificate', fileId: licence.id }
    expectRefused(await submitClaim(w, a, body), 400, 'CLAIM_FILE_INVALID')
  })

  it('asks for the residency proof and the required materials with MATERIAL_MISSING', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const res = await submitClaim(w, a, {
      ...body,
      materials: body.materials.filter((m) => m.kind !== 'social_insurance'),
    })
    expectRefused(res, 400, 'MATERIAL_MISSING')
    expect(res.body.error.message).toContain('社保')
    const study = await submitClaim(w, a, { ...body, residency: 'study' })
    expectRefused(study, 400, 'MATERIAL_MISSING')
    expect(study.body.error.message).toContain('在读证明')
  })

  it('asks why the account holder is someone else (HOLDER_MISMATCH_UNEXPLAINED), and accepts it with a reason', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const other = { ...body, bank: { ...body.bank, holderName: '王五' } }
    expectRefused(await submitClaim(w, a, other), 400, 'HOLDER_MISMATCH_UNEXPLAINED')
    const res = await submitClaim(w, a, { ...other, holderMismatchReason: '本人账户已注销，由配偶代收' })
    expectOk(res, 201)
    expect(res.body.holderMismatchReason).toBe('本人账户已注销，由配偶代收')
  })

  it('allows one live claim per person and exam year, across WeChat accounts: CLAIM_DUPLICATE', async () => {
    const a = await buildApplicant(w)
    await submitted(w, a, await examFeeBody(w, a))
    // The same person on another WeChat account.
    const again = { ...a, user: await buildMpUser(w) }
    const res = await submitClaim(w, again, await examFeeBody(w, again))
    expectRefused(res, 409, 'CLAIM_DUPLICATE')
    expect(res.body.error.message).toContain(`${YEAR} 年度`)
    // Another exam year is another claim.
    const earlier = await examFeeBody(w, again, { examYear: YEAR - 1 })
    earlier.receipts = earlier.receipts.map((r) => ({ ...r, examYear: YEAR - 1 }))
    expectOk(await submitClaim(w, again, earlier), 201)
  })

  it('frees the rule once a claim is withdrawn', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(w, a, await examFeeBody(w, a))
    const withdrawn = await w.api.request(E.withdraw, { token: a.user.token, params: { id: claim.id } })
    expectOk(withdrawn)
    expect(withdrawn.body.status).toBe('withdrawn')
    expectOk(await submitClaim(w, a, await examFeeBody(w, a)), 201)
    // A withdrawn claim cannot be withdrawn again.
    expectRefused(
      await w.api.request(E.withdraw, { token: a.user.token, params: { id: claim.id } }),
      409,
      'CLAIM_STATE',
    )
  })
})

describe('applying for the agent reward', () => {
  it('merges overlapping service periods: exactly 24 months is enough (以上 includes 24)', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(
      w,
      a,
      await agentRewardBody(w, a, {
        servicePeriods: [
          { employer: '甲专利代理事务所', from: `${YEAR - 3}-01`, to: `${YEAR - 3}-12` },
          { employer: '乙科技有限公司', from: `${YEAR - 3}-07`, to: `${YEAR - 2}-12` },
        ],
      }),
    )
    expect(claim).toMatchObject({ type: 'agent_reward', amountFen: 500_000, serviceMonths: 24 })
  })

  it('refuses periods that reach 24 months only when the overlap is counted twice: SERVICE_TOO_SHORT', async () => {
    const a = await buildApplicant(w)
    const res = await submitClaim(
      w,
      a,
      await agentRewardBody(w, a, {
        servicePeriods: [
          { employer: '甲专利代理事务所', from: `${YEAR - 3}-01`, to: `${YEAR - 3}-12` },
          { employer: '乙科技有限公司', from: `${YEAR - 3}-07`, to: `${YEAR - 2}-06` },
        ],
      }),
    )
    expectRefused(res, 400, 'SERVICE_TOO_SHORT')
    expect(res.body.error.message).toContain('18 个月')
    expect(res.body.error.details).toMatchObject({
      months: 18,
      required: 24,
      fields: [{ path: 'servicePeriods' }],
    })
  })

  it('is one-off per person, ever: a second claim is CLAIM_DUPLICATE', async () => {
    const a = await buildApplicant(w)
    await submitted(w, a, await agentRewardBody(w, a))
    const res = await submitClaim(w, a, await agentRewardBody(w, a))
    expectRefused(res, 409, 'CLAIM_DUPLICATE')
    expect(res.body.error.message).toContain('每人限享受一次')
  })

  it('refuses a residency the policy does not cover with RESIDENCY_NOT_ELIGIBLE', async () => {
    const a = await buildApplicant(w)
    expectRefused(
      await submitClaim(w, a, await agentRewardBody(w, a, { residency: 'study' })),
      400,
      'RESIDENCY_NOT_ELIGIBLE',
    )
  })
})

describe('Idempotency-Key', () => {
  it('is required: IDEMPOTENCY_KEY_REQUIRED', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const res = await w.api.request(E.submit, { token: a.user.token, body })
    expectRefused(res, 400, 'IDEMPOTENCY_KEY_REQUIRED')
  })

  it('turns 10 concurrent submissions with one key into one claim, each answered with it', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const key = randomUUID()
    const answers = await Promise.all(Array.from({ length: 10 }, () => submitClaim(w, a, body, key)))
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201))
    const ids = new Set(answers.map((r) => (r.ok ? r.body.id : '')))
    expect(ids.size).toBe(1)
    expect(await ClaimModel.countDocuments({ userId: a.user.id })).toBe(1)
    expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9)
  })

  it('makes one claim and one 409 from two keys for the same person and year at once', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const [x, y] = await Promise.all([submitClaim(w, a, body), submitClaim(w, a, body)])
    expect([x.status, y.status].sort()).toEqual([201, 409])
    const refused = x.ok ? y : x
    expectRefused(refused, 409, 'CLAIM_DUPLICATE')
    expect(await ClaimModel.countDocuments({ userId: a.user.id })).toBe(1)
  })

  it('refuses a reused key with a different body: 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const key = randomUUID()
    expectOk(await submitClaim(w, a, body, key), 201)
    const res = await submitClaim(w, a, { ...body, districtCode: '440204' }, key)
    expectRefused(res, 422, 'IDEMPOTENCY_KEY_REUSED')
  })
})

describe('the policy window', () => {
  it('refuses applications outside every open policy with CLAIM_WINDOW_CLOSED', async () => {
    const { ClaimPolicyModel } = await import('@zct/api/internal/modules/claims/claims.model')
    await ClaimPolicyModel.updateMany(
      { type: 'agent_reward' },
      { $set: { window: { from: '2021-01-01', to: '2024-12-31' } } },
    )
    try {
      const a = await buildApplicant(w)
      const res = await submitClaim(w, a, await agentRewardBody(w, a))
      expectRefused(res, 409, 'CLAIM_WINDOW_CLOSED')
      expect(res.body.error.message).toContain('2024-12-31')
      const listed = await w.api.request(E.mpPolicies, { token: a.user.token })
      expectOk(listed)
      expect(listed.body.items.map((p) => p.type)).toEqual(['exam_fee'])
    } finally {
      await openPolicies()
    }
  })

  it('keeps applications unreadable to everyone but their applicant (404)', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(
      w,
      a,
      await examFeeBody(w, a, { applicant: { name: a.name, idNumber: buildIdNumber(), phone: a.phone } }),
    )
    const stranger = await buildMpUser(w)
    expectRefused(
      await w.api.request(E.mineDetail, { token: stranger.token, params: { id: claim.id } }),
      404,
      'NOT_FOUND',
    )
    expectRefused(
      await w.api.request(E.withdraw, { token: stranger.token, params: { id: claim.id } }),
      404,
      'NOT_FOUND',
    )
  })
})
