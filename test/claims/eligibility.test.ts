import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimInsightEndpoints as E, type EligibilityInput } from '@zct/api/contracts/claims/claims.insights'
import { ClaimModel, ClaimPolicyModel } from '@zct/api/internal/modules/claims/claims.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildMpUser, type MpSession } from '../support/factories.js'
import { world } from '../support/world.js'
import { agentRewardBody, buildApplicant, examFeeBody, openPolicies, submitted, YEAR } from './support.js'

const w = world()
let user: MpSession
beforeAll(async () => {
  await openPolicies()
  user = await buildMpUser(w)
})

async function check(body: EligibilityInput, token = user.token) {
  const res = await w.api.request(E.eligibility, { token, body })
  expectOk(res)
  return res.body
}

describe('the eligibility pre-check', () => {
  it('answers yes and the refund for receipts within the fee table, and writes nothing', async () => {
    const before = await ClaimModel.countDocuments()
    const yes = await check({
      type: 'exam_fee',
      residency: 'study',
      examYear: YEAR,
      passedAllSubjects: true,
      receipts: [
        { subject: 'patent_law', examYear: YEAR - 2, amountFen: 15_000 },
        { subject: 'related_law', examYear: YEAR, amountFen: 12_000 },
      ],
    })
    expect(yes).toMatchObject({
      eligible: true,
      amountFen: 27_000,
      reasons: [],
      policy: { title: '专利代理师资格考试报名费资助' },
    })
    // Without receipts yet: at most the fee table, one sitting per subject.
    expect(await check({ type: 'exam_fee', residency: 'work', examYear: YEAR })).toMatchObject({
      eligible: true,
      amountFen: 45_000,
    })
    expect(await ClaimModel.countDocuments()).toBe(before)
  })

  it('says why not: a receipt above the fee table, one outside the years a pass covers, subjects not all passed', async () => {
    const no = await check({
      type: 'exam_fee',
      residency: 'work',
      examYear: YEAR,
      passedAllSubjects: false,
      receipts: [
        { subject: 'practice', examYear: YEAR, amountFen: 15_001 },
        { subject: 'patent_law', examYear: YEAR - 3, amountFen: 15_000 },
      ],
    })
    expect(no).toMatchObject({ eligible: false, amountFen: 0 })
    expect(no.reasons).toEqual([
      '须通过专利代理师资格考试全部科目后申请（报名费在通过考试后全额资助）',
      `${YEAR} 年专利代理实务的缴费金额 150.01 元 超过报名费标准 150.00 元`,
      `${YEAR - 3} 年专利法律知识的缴费不在可资助的考试年度内（${YEAR - 2} 至 ${YEAR} 年，各科成绩有效期 3 年）`,
    ])
    const future = await check({ type: 'exam_fee', residency: 'work', examYear: YEAR + 1 })
    expect(future.reasons).toEqual([`通过考试的年度不能晚于 ${YEAR} 年`])
  })

  it('merges overlapping service periods: 24 months only when counted twice is a no, 24 merged months a yes', async () => {
    const overlapping = await check({
      type: 'agent_reward',
      residency: 'work',
      hasCertificate: true,
      servicePeriods: [
        { from: `${YEAR - 3}-01`, to: `${YEAR - 3}-12` },
        { from: `${YEAR - 3}-07`, to: `${YEAR - 2}-06` },
      ],
    })
    expect(overlapping).toMatchObject({ eligible: false, amountFen: 0 })
    expect(overlapping.reasons).toEqual(['合并重叠期间后累计服务 18 个月，未达到 24 个月（含）的要求'])
    const enough = await check({
      type: 'agent_reward',
      residency: 'business',
      hasCertificate: true,
      servicePeriods: [
        { from: `${YEAR - 3}-01`, to: `${YEAR - 3}-12` },
        { from: `${YEAR - 3}-07`, to: `${YEAR - 2}-12` },
      ],
    })
    expect(enough).toMatchObject({
      eligible: true,
      amountFen: 500_000,
      reasons: [],
      policy: { title: '专利代理师服务奖励' },
    })
  })

  it('names the ties to the city a policy accepts, a missing certificate and missing service', async () => {
    const no = await check({ type: 'agent_reward', residency: 'study', hasCertificate: false })
    expect(no.reasons).toEqual([
      '本政策适用于：在本市工作（缴纳社保）、在本市创业（持营业执照）；“在本市就读”不在其中',
      '须持有专利代理师资格证',
      '请填写在本市专利代理机构或企事业单位的服务经历（起止年月）',
    ])
  })

  it('tells an applicant who already claimed that year, or the reward, that it is one per person', async () => {
    const a = await buildApplicant(w)
    await submitted(w, a, await examFeeBody(w, a))
    const exam = await check({ type: 'exam_fee', residency: 'work', examYear: YEAR }, a.user.token)
    expect(exam.reasons).toEqual([`您已有 ${YEAR} 年度的报名费资助申请（每人每个考试年度限申请一次）`])
    expect(
      (await check({ type: 'exam_fee', residency: 'work', examYear: YEAR - 1 }, a.user.token)).eligible,
    ).toBe(true)
    await submitted(w, a, await agentRewardBody(w, a))
    const reward = await check(
      {
        type: 'agent_reward',
        residency: 'work',
        servicePeriods: [{ from: `${YEAR - 3}-01`, to: `${YEAR - 1}-12` }],
      },
      a.user.token,
    )
    expect(reward.reasons).toEqual(['您已申请过专利代理师服务奖励（每人限享受一次）'])
  })

  it('answers no with the application window when no policy is open', async () => {
    await ClaimPolicyModel.updateMany(
      { type: 'agent_reward' },
      { $set: { window: { from: '2021-01-01', to: '2024-12-31' } } },
    )
    try {
      const closed = await check({ type: 'agent_reward', residency: 'work', hasCertificate: true })
      expect(closed).toEqual({
        eligible: false,
        amountFen: 0,
        reasons: ['“专利代理师服务奖励”的申请期为 2021-01-01 至 2024-12-31，当前不在申请期内'],
        policy: null,
      })
    } finally {
      await openPolicies()
    }
  })

  it('refuses an amount given as a float with the field path, like the application', async () => {
    const res = await w.api.request(E.eligibility, {
      token: user.token,
      body: {
        type: 'exam_fee',
        residency: 'work',
        receipts: [{ subject: 'practice', examYear: YEAR, amountFen: 150.5 }],
      },
    })
    expectRefused(res, 400, 'VALIDATION_FAILED')
    expect(res.body.error.details).toMatchObject({ fields: [{ path: 'receipts.0.amountFen' }] })
  })
})
