import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ClaimBudgetModel, ClaimModel, ClaimPolicyModel } from '@zct/api/internal/modules/claims/claims.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  agentRewardBody,
  approveFully,
  buildApplicant,
  buildStaff,
  claimsWorker,
  decide,
  examFeeBody,
  openPolicies,
  submitted,
  YEAR,
} from './support.js'

const w = world()
claimsWorker(w)
let staff: Awaited<ReturnType<typeof buildStaff>>
beforeAll(async () => {
  await openPolicies()
  staff = await buildStaff(w)
})

const detail = async (id: string, token = staff.first.token) => {
  const res = await w.api.request(E.detail, { token, params: { id } })
  expectOk(res)
  return res.body
}

describe('two-step approval (初审, 复核)', () => {
  it('needs two different reviewers: the same one is SECOND_REVIEWER_REQUIRED', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(w, a, await examFeeBody(w, a))
    // A decision on a claim not yet accepted is refused by the state machine.
    expectRefused(await decide(w, staff.first, claim.id, { decision: 'approve' }), 409, 'CLAIM_STATE')
    expectOk(await decide(w, staff.first, claim.id, { decision: 'accept' }))
    const first = await decide(w, staff.first, claim.id, { decision: 'approve', reason: '材料齐全' })
    expectOk(first)
    expect(first.body).toMatchObject({
      status: 'in_review',
      review: { first: { name: staff.first.username } },
    })
    // The first reviewer is not offered 复核, and is refused it.
    expect(first.body.actions).not.toContain('approve')
    const same = await decide(w, staff.first, claim.id, { decision: 'approve' })
    expectRefused(same, 409, 'SECOND_REVIEWER_REQUIRED')
    expect((await detail(claim.id, staff.second.token)).actions).toContain('approve')
    const second = await decide(w, staff.second, claim.id, { decision: 'approve' })
    expectOk(second)
    expect(second.body).toMatchObject({
      status: 'approved',
      review: { second: { name: staff.second.username } },
    })
    expect(second.body.history.map((h) => h.label)).toEqual(['提交申请', '受理', '初审通过', '复核通过'])
    // Approving again is a state conflict.
    expectRefused(await decide(w, staff.first, claim.id, { decision: 'approve' }), 409, 'CLAIM_STATE')
  })

  it('refuses an approval beyond the year’s remaining budget with BUDGET_EXCEEDED, naming what is left', async () => {
    const policy = await ClaimPolicyModel.findOne({ type: 'agent_reward' }).lean()
    await ClaimBudgetModel.updateOne(
      { policyId: policy!._id, year: YEAR },
      { $set: { budgetFen: 700_000, remainingFen: 700_000, committedFen: 0 } },
      { upsert: true },
    )
    const [x, y] = await Promise.all([buildApplicant(w), buildApplicant(w)])
    const cx = await submitted(w, x, await agentRewardBody(w, x))
    const cy = await submitted(w, y, await agentRewardBody(w, y))
    for (const c of [cx, cy]) {
      expectOk(await decide(w, staff.first, c.id, { decision: 'accept' }))
      expectOk(await decide(w, staff.first, c.id, { decision: 'approve' }))
    }
    // Both 复核 at once: 5,000 元 each against 7,000 元 — exactly one fits.
    const [rx, ry] = await Promise.all([
      decide(w, staff.second, cx.id, { decision: 'approve' }),
      decide(w, staff.second, cy.id, { decision: 'approve' }),
    ])
    expect([rx.status, ry.status].sort()).toEqual([200, 409])
    const refused = rx.ok ? ry : rx
    expectRefused(refused, 409, 'BUDGET_EXCEEDED')
    expect(refused.body.error.message).toContain('2,000.00 元')
    const budget = await ClaimBudgetModel.findOne({ policyId: policy!._id, year: YEAR }).lean()
    expect(budget).toMatchObject({ remainingFen: 200_000, committedFen: 500_000 })
    await ClaimBudgetModel.updateOne(
      { policyId: policy!._id, year: YEAR },
      { $set: { budgetFen: 10_000_000, remainingFen: 9_500_000 } },
    )
  })
})

describe('return for correction (补正)', () => {
  it('marks the fields, sets a deadline in working days, and keeps the case and its history on resubmission', async () => {
    const a = await buildApplicant(w)
    const body = await examFeeBody(w, a)
    const claim = await submitted(w, a, body)
    expectOk(await decide(w, staff.first, claim.id, { decision: 'accept' }))
    expectOk(await decide(w, staff.first, claim.id, { decision: 'approve' }))
    // 退回 needs at least one field.
    expectRefused(
      await decide(w, staff.second, claim.id, { decision: 'return', reason: '请补正' }),
      400,
      'VALIDATION_FAILED',
    )
    const returned = await decide(w, staff.second, claim.id, {
      decision: 'return',
      reason: '凭证不清晰',
      fields: [
        { path: 'receipts.2', comment: '专利代理实务缴费凭证模糊，请重新拍照上传' },
        { path: 'bank.accountNo', comment: '账号与银行卡照片不一致' },
      ],
      deadlineDays: 5,
    })
    expectOk(returned)
    expect(returned.body.status).toBe('returned')
    // The applicant sees exactly those fields, the deadline (end of the 5th working day, Beijing) and a countdown.
    const mine = await w.api.request(E.mineDetail, { token: a.user.token, params: { id: claim.id } })
    expectOk(mine)
    expect(mine.body.correction).toMatchObject({
      items: [
        { path: 'receipts.2', comment: expect.stringContaining('模糊') },
        { path: 'bank.accountNo', comment: expect.any(String) },
      ],
      workingDays: 5,
      workingDaysLeft: 5,
    })
    expect(mine.body.correction!.deadline).toMatch(/T15:59:59\.999Z$/)
    // Resubmitted: the same case, back in the queue, first step to do again.
    const fixed = await w.api.request(E.resubmit, {
      token: a.user.token,
      params: { id: claim.id },
      body: { ...body, bank: { ...body.bank, accountNo: '6222000011112222333' } },
    })
    expectOk(fixed)
    expect(fixed.body).toMatchObject({ id: claim.id, no: claim.no, status: 'submitted', correction: null })
    expect(fixed.body.history.map((h) => h.label)).toEqual([
      '提交申请',
      '受理',
      '初审通过',
      '退回补正',
      '补正后重新提交',
    ])
    const after = await detail(claim.id)
    expect(after.review.first).toBeNull()
    expect(after.bank.accountNo).toBe('6222000011112222333')
    // Only a returned claim can be resubmitted.
    const again = await w.api.request(E.resubmit, { token: a.user.token, params: { id: claim.id }, body })
    expectRefused(again, 409, 'CLAIM_STATE')
  })

  it('expires a return whose deadline passed, by the sweep job, and tells the applicant', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(w, a, await examFeeBody(w, a))
    expectOk(await decide(w, staff.first, claim.id, { decision: 'accept' }))
    expectOk(
      await decide(w, staff.first, claim.id, {
        decision: 'return',
        fields: [{ path: 'materials.social_insurance', comment: '社保证明须为本市' }],
      }),
    )
    // The deadline passes (moved into the past rather than waiting five working days).
    await ClaimModel.updateOne(
      { _id: claim.id },
      { $set: { 'correction.deadline': new Date(Date.now() - 1000) } },
    )
    const expired = await w.api.platform.services.claims.core.expireOverdue(new Date())
    expect(expired).toBe(1)
    const mine = await w.api.request(E.mineDetail, { token: a.user.token, params: { id: claim.id } })
    expectOk(mine)
    expect(mine.body.status).toBe('expired')
    expect(mine.body.history.at(-1)).toMatchObject({ label: '补正超期', by: { kind: 'system' } })
    // Expired frees the one-claim rule; resubmitting the expired case is refused.
    const body = await examFeeBody(w, a)
    expectRefused(
      await w.api.request(E.resubmit, { token: a.user.token, params: { id: claim.id }, body }),
      409,
      'CLAIM_STATE',
    )
    await submitted(w, a, body)
    await expect
      .poll(async () =>
        (await w.api.call('GET', '/mp/v1/inbox', { token: a.user.token })).body.items.map(
          (i: { title: string }) => i.title,
        ),
      )
      .toContain('专利代理师资格考试报名费资助：补正超期')
  })
})

describe('rejection', () => {
  it('needs a reason, ends the claim, and frees the one-claim rule', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(w, a, await agentRewardBody(w, a))
    expectOk(await decide(w, staff.first, claim.id, { decision: 'accept' }))
    expectRefused(await decide(w, staff.first, claim.id, { decision: 'reject' }), 400, 'VALIDATION_FAILED')
    const res = await decide(w, staff.first, claim.id, { decision: 'reject', reason: '服务单位不在本市' })
    expectOk(res)
    expect(res.body).toMatchObject({ status: 'rejected', reason: '服务单位不在本市', actions: [] })
    await submitted(w, a, await agentRewardBody(w, a))
  })
})

describe('the console list and personal data', () => {
  it('filters and counts by status, masks PII in the list, and audits every full view', async () => {
    const a = await buildApplicant(w, '欧阳小明')
    const claim = await submitted(w, a, await examFeeBody(w, a, { districtCode: '440204' }))
    const list = await w.api.request(E.list, {
      token: staff.first.token,
      query: { status: 'submitted', districtCode: '440204', q: '欧阳' },
    })
    expectOk(list)
    expect(list.body.items.map((i) => i.id)).toEqual([claim.id])
    expect(list.body.items[0]!.idNumber).not.toBe(a.idNumber)
    expect(list.body.counts.submitted).toBe(1)

    // A reviewer without pii.read sees masks, and nothing is audited.
    const plain = await buildAdmin(w.api, { permissions: ['claim.review'] })
    const masked = await detail(claim.id, plain.token)
    expect(masked).toMatchObject({
      piiRevealed: false,
      applicant: { idNumber: expect.stringContaining('*') },
    })
    expect(await AuditModel.countDocuments({ action: 'pii.view', 'target.id': claim.id })).toBe(0)
    // With pii.read: in full, and the view is audited with the fields shown.
    const full = await detail(claim.id, staff.first.token)
    expect(full).toMatchObject({
      piiRevealed: true,
      applicant: { idNumber: a.idNumber, phone: a.phone },
      bank: { accountNo: a.accountNo },
    })
    const audit = await AuditModel.findOne({ action: 'pii.view', 'target.id': claim.id }).lean()
    expect(audit).toMatchObject({
      actor: { name: staff.first.username },
      fields: ['idNumber', 'phone', 'accountNo'],
    })
  })

  it('warns the reviewer when one account receives several people’s money', async () => {
    const [x, y] = await Promise.all([buildApplicant(w, '赵一'), buildApplicant(w, '钱二')])
    y.accountNo = x.accountNo
    const cx = await submitted(w, x, await examFeeBody(w, x))
    const cy = await submitted(w, y, await examFeeBody(w, y, { holderMismatchReason: '代收' }))
    const view = await detail(cy.id)
    expect(view.warnings.join('\n')).toContain(cx.no)
  })

  it('keeps the console side to claim reviewers: 403 without claim.review, policy edits need claim.policy', async () => {
    const other = await buildAdmin(w.api, { permissions: ['content.manage'] })
    expectRefused(await w.api.request(E.list, { token: other.token }), 403, 'FORBIDDEN')
    const reviewer = await buildAdmin(w.api, { permissions: ['claim.review'] })
    expectRefused(await w.api.request(E.policies, { token: reviewer.token }), 403, 'FORBIDDEN')
    const policies = await w.api.request(E.policies, { token: staff.policy.token })
    expectOk(policies)
    const p = policies.body.items.find((i) => i.type === 'agent_reward')!
    const { id, state, rules, budget, createdAt, updatedAt, ...input } = p
    void [state, rules, budget, createdAt, updatedAt]
    const edit = {
      ...input,
      materials: input.materials.map(({ hint, ...m }) => ({ ...m, ...(hint ? { hint } : {}) })),
    }
    expectRefused(
      await w.api.request(E.updatePolicy, { token: reviewer.token, params: { id }, body: edit }),
      403,
      'FORBIDDEN',
    )
  })
})

describe('policies as data', () => {
  it('takes a successor policy entered in the console, without code, and moves the budget with an edit', async () => {
    const body = {
      type: 'agent_reward' as const,
      title: '专利代理师服务奖励（2027—2029）',
      basis: { documentNo: '韶市监〔2026〕1号', clause: '服务满2年以上的，给予一次性奖励0.6万元。' },
      window: { from: `${YEAR}-01-01`, to: `${YEAR + 2}-12-31` },
      validity: { from: `${YEAR}-01-01`, to: `${YEAR + 2}-12-31` },
      yearlyBudgetFen: 3_000_000,
      rule: { kind: 'fixed' as const, amountFen: 600_000, minServiceMonths: 24 },
      residency: ['work' as const],
      materials: [{ kind: 'qualification_certificate' as const, name: '资格证', required: true }],
      pledgeText: '本人承诺所填信息真实。',
      eligibility: '服务满两年的专利代理师。',
    }
    // A fee table on a reward is refused with the path to fix.
    const wrong = await w.api.request(E.createPolicy, {
      token: staff.policy.token,
      body: { ...body, rule: { kind: 'fee_table', fees: [{ subject: 'practice', feeFen: 100 }] } },
    })
    expectRefused(wrong, 400, 'VALIDATION_FAILED')
    const created = await w.api.request(E.createPolicy, { token: staff.policy.token, body })
    expectOk(created, 201)
    expect(created.body).toMatchObject({
      state: 'open',
      budget: { budgetFen: 3_000_000, remainingFen: 3_000_000 },
    })
    const edited = await w.api.request(E.updatePolicy, {
      token: staff.policy.token,
      params: { id: created.body.id },
      body: { ...body, yearlyBudgetFen: 2_000_000 },
    })
    expectOk(edited)
    expect(edited.body.budget).toMatchObject({ budgetFen: 2_000_000, remainingFen: 2_000_000 })
    // The type of a policy is fixed once made.
    const retype = await w.api.request(E.updatePolicy, {
      token: staff.policy.token,
      params: { id: created.body.id },
      body: {
        ...body,
        type: 'exam_fee',
        rule: { kind: 'fee_table', fees: [{ subject: 'practice', feeFen: 100 }], yearsBack: 3 },
      },
    })
    expectRefused(retype, 400, 'POLICY_TYPE_MISMATCH')
    await ClaimPolicyModel.deleteOne({ _id: created.body.id })
  })
})

describe('approved claims', () => {
  it('commit the budget at 复核', async () => {
    const a = await buildApplicant(w)
    const claim = await submitted(w, a, await examFeeBody(w, a))
    const before = (await detail(claim.id)).budget!
    const approved = await approveFully(w, staff, claim.id)
    expect(approved.status).toBe('approved')
    expect(approved.budget!.committedFen - before.committedFen).toBe(claim.amountFen)
  })
})
