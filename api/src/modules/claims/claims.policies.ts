import type { Types } from 'mongoose'
import { isDuplicateKey } from '../../platform/errors.js'
import { beijingDate, beijingYear } from '../../platform/time.js'
import {
  EXAM_SUBJECT_LABELS,
  MATERIAL_KIND_LABELS,
  RESIDENCY_LABELS,
  type BudgetOutput,
  type ExamSubjectOutput,
  type PolicyInputOutput,
  type PolicyOutput,
  type MpPolicyOutput,
  type ClaimTypeOutput,
  type ResidencyOutput,
} from './claims.contract.js'
import { yuan } from './claims.errors.js'
import { ClaimBudgetModel, type BudgetDoc, type PolicyDoc } from './claims.model.js'
import { iso } from '../../platform/time.js'

/** Where a policy stands on a Beijing date. */
export function policyState(p: PolicyDoc, today = beijingDate()): PolicyOutput['state'] {
  if (!p.enabled) return 'disabled'
  if (today > p.validity.to) return 'expired'
  if (today < p.window.from || today < p.validity.from) return 'upcoming'
  if (today > p.window.to) return 'window_closed'
  return 'open'
}

/** The rules of a policy in words, as the mini-program and the console show them. */
export function rulesInWords(p: Pick<PolicyDoc, 'rule' | 'residency' | 'window' | 'type'>): string[] {
  const lines = [`申请期：${p.window.from} 至 ${p.window.to}`]
  lines.push(`可申请人员：${p.residency.map((r) => RESIDENCY_LABELS[r]).join('、')}`)
  if (p.rule.kind === 'fee_table') {
    lines.push(
      `按实际缴纳的报名费全额资助，每科不超过：${p.rule.fees
        .map((f) => `${EXAM_SUBJECT_LABELS[f.subject]} ${yuan(f.feeFen)}`)
        .join('，')}`,
    )
    lines.push(`可提交通过考试当年及之前共 ${p.rule.yearsBack} 个考试年度的缴费凭证（各科成绩有效期三年）`)
    lines.push('每人每个考试年度限申请一次')
  } else {
    lines.push(`一次性奖励 ${yuan(p.rule.amountFen)}`)
    lines.push(
      `在本市专利代理机构或企事业单位累计服务满 ${p.rule.minServiceMonths} 个月（含），重叠期间只计一次`,
    )
    lines.push('每人限享受一次')
  }
  return lines
}

/** The residency proof a tie to the city needs. */
export const RESIDENCY_PROOF: Record<ResidencyOutput, 'social_insurance' | 'business_licence' | 'enrolment'> =
  {
    work: 'social_insurance',
    business: 'business_licence',
    study: 'enrolment',
  }

export function feeOf(p: PolicyDoc, subject: ExamSubjectOutput): number | undefined {
  return p.rule.kind === 'fee_table' ? p.rule.fees.find((f) => f.subject === subject)?.feeFen : undefined
}

// ── Budgets ─────────────────────────────────────────────────────────────────────────────────────────

/** The policy's budget of a year, created from its yearly budget on first use (a race re-reads the winner's). */
export async function budgetOf(
  p: Pick<PolicyDoc, '_id' | 'yearlyBudgetFen'>,
  year: number,
): Promise<BudgetDoc> {
  const found = await ClaimBudgetModel.findOne({ policyId: p._id, year }).lean<BudgetDoc>()
  if (found) return found
  try {
    return (
      await ClaimBudgetModel.create({
        policyId: p._id,
        year,
        budgetFen: p.yearlyBudgetFen,
        committedFen: 0,
        remainingFen: p.yearlyBudgetFen,
        paidFen: 0,
      })
    ).toObject<BudgetDoc>()
  } catch (e) {
    if (!isDuplicateKey(e)) throw e
    return (await ClaimBudgetModel.findOne({ policyId: p._id, year }).lean<BudgetDoc>())!
  }
}

/**
 * Takes `amountFen` from the year's budget only if that much remains: one conditional update, so two
 * concurrent approvals can never overspend. Answers the budget after the take, or null with nothing taken.
 */
export async function takeBudget(p: PolicyDoc, year: number, amountFen: number) {
  await budgetOf(p, year)
  return ClaimBudgetModel.findOneAndUpdate(
    { policyId: p._id, year, remainingFen: { $gte: amountFen } },
    { $inc: { remainingFen: -amountFen, committedFen: amountFen } },
    { new: true },
  ).lean<BudgetDoc>()
}

export async function releaseBudget(policyId: Types.ObjectId, year: number, amountFen: number) {
  await ClaimBudgetModel.updateOne(
    { policyId, year },
    { $inc: { remainingFen: amountFen, committedFen: -amountFen } },
  )
}

/**
 * Adds paid claims to their year's `paidFen`, each exactly once however often it is called: the budget keeps
 * the ids it counted, and one conditional update adds ids and amounts together. All at once when none was
 * counted yet (the usual case), else one by one. The budget must exist (budgetOf).
 */
export async function recordPaid(
  policyId: Types.ObjectId,
  year: number,
  claims: { _id: Types.ObjectId; amountFen: number }[],
) {
  if (!claims.length) return
  const ids = claims.map((c) => c._id)
  const total = claims.reduce((s, c) => s + c.amountFen, 0)
  const all = await ClaimBudgetModel.updateOne(
    { policyId, year, paidClaimIds: { $nin: ids } },
    { $inc: { paidFen: total }, $push: { paidClaimIds: { $each: ids } } },
  )
  if (all.modifiedCount || claims.length === 1) return
  for (const c of claims)
    await ClaimBudgetModel.updateOne(
      { policyId, year, paidClaimIds: { $ne: c._id } },
      { $inc: { paidFen: c.amountFen }, $push: { paidClaimIds: c._id } },
    )
}

/** An edited yearly budget moves this year's budget by the difference, keeping what is committed. */
export async function rebudget(p: PolicyDoc, newYearlyFen: number, year = beijingYear()) {
  const delta = newYearlyFen - p.yearlyBudgetFen
  if (delta)
    await ClaimBudgetModel.updateOne(
      { policyId: p._id, year },
      { $inc: { budgetFen: delta, remainingFen: delta } },
    )
}

export const presentBudget = (b: BudgetDoc): BudgetOutput => ({
  year: b.year,
  budgetFen: b.budgetFen,
  committedFen: b.committedFen,
  remainingFen: b.remainingFen,
  paidFen: b.paidFen,
})

export function presentPolicy(p: PolicyDoc, budget: BudgetDoc, today = beijingDate()): PolicyOutput {
  return {
    id: p._id.toHexString(),
    type: p.type,
    title: p.title,
    basis: { documentNo: p.basis.documentNo, clause: p.basis.clause },
    window: { from: p.window.from, to: p.window.to },
    validity: { from: p.validity.from, to: p.validity.to },
    yearlyBudgetFen: p.yearlyBudgetFen,
    rule: p.rule,
    residency: p.residency,
    materials: p.materials.map((m) => ({
      kind: m.kind,
      name: m.name,
      required: m.required,
      hint: m.hint ?? null,
    })),
    pledgeText: p.pledgeText,
    eligibility: p.eligibility,
    enabled: p.enabled,
    state: policyState(p, today),
    rules: rulesInWords(p),
    budget: presentBudget(budget),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  }
}

export function presentMpPolicy(p: PolicyDoc): MpPolicyOutput {
  return {
    id: p._id.toHexString(),
    type: p.type,
    title: p.title,
    basis: { documentNo: p.basis.documentNo, clause: p.basis.clause },
    window: { from: p.window.from, to: p.window.to },
    rule: p.rule,
    residency: p.residency,
    materials: p.materials.map((m) => ({
      kind: m.kind,
      name: m.name,
      required: m.required,
      hint: m.hint ?? null,
    })),
    pledgeText: p.pledgeText,
    eligibility: p.eligibility,
    rules: rulesInWords(p),
  }
}

// ── The Shaoguan measures, seeded on a fresh database ───────────────────────────────────────────────

const SHAOGUAN_BASIS = '《韶关市知识产权促进专项资金管理办法》（2021年）'
const PLEDGE =
  '本人承诺：所填写的信息和提交的材料真实、准确、完整，不存在重复申请同一事项的情况。如有虚假，本人自愿退回全部资助（奖励）资金，并承担相应的法律责任；本人同意主管部门对申请信息进行核查并在政府网站公示。'

/** Both policies of the 2021 Shaoguan measures, which expired on 2024-12-31. Open for the current year in development. */
export function shaoguanPolicies(env: string): (PolicyInputOutput & { seedKey: string })[] {
  const year = beijingYear()
  const dev = env === 'development'
  const window = dev
    ? { from: `${year}-01-01`, to: `${year}-12-31` }
    : { from: '2021-01-01', to: '2024-12-31' }
  const validity = dev
    ? { from: '2021-01-01', to: `${year}-12-31` }
    : { from: '2021-01-01', to: '2024-12-31' }
  const common = { window, validity, enabled: true, pledgeText: PLEDGE }
  return [
    {
      ...common,
      seedKey: 'shaoguan-2021-exam-fee',
      type: 'exam_fee' as ClaimTypeOutput,
      title: '专利代理师资格考试报名费资助',
      basis: { documentNo: SHAOGUAN_BASIS, clause: '通过专利代理资格考试的，报名费用全额资助。' },
      yearlyBudgetFen: 10_000_000,
      rule: {
        kind: 'fee_table' as const,
        fees: [
          { subject: 'patent_law' as const, feeFen: 15_000 },
          { subject: 'related_law' as const, feeFen: 15_000 },
          { subject: 'practice' as const, feeFen: 15_000 },
        ],
        yearsBack: 3,
      },
      residency: ['work', 'business', 'study'],
      materials: [
        { kind: 'id_card', name: '身份证正反面', required: true },
        { kind: 'pass_certificate', name: '考试合格证明（成绩单）', required: true },
        {
          kind: 'exam_receipt',
          name: '各科报名费缴费凭证',
          required: true,
          hint: '每张凭证在“缴费凭证”中逐科填写',
        },
        { kind: 'social_insurance', name: '本市社保缴纳证明（在本市工作的）', required: false },
        { kind: 'business_licence', name: '营业执照（在本市创业的）', required: false },
        { kind: 'enrolment', name: '在读证明（在本市就读的）', required: false },
      ],
      eligibility:
        '在本市工作（缴纳社保）、创业或就读，并通过全国专利代理师资格考试（三科全部合格）的人员，可申请报名费全额资助。',
    },
    {
      ...common,
      seedKey: 'shaoguan-2021-agent-reward',
      type: 'agent_reward' as ClaimTypeOutput,
      title: '专利代理师服务奖励',
      basis: {
        documentNo: SHAOGUAN_BASIS,
        clause:
          '持有专利代理人资格证，在我市专利代理机构或企事业单位服务2年以上的人员，给予一次性奖励0.5万元。',
      },
      yearlyBudgetFen: 10_000_000,
      rule: { kind: 'fixed' as const, amountFen: 500_000, minServiceMonths: 24 },
      residency: ['work', 'business'],
      materials: [
        { kind: 'id_card', name: '身份证正反面', required: true },
        { kind: 'qualification_certificate', name: '专利代理师资格证', required: true },
        { kind: 'service_proof', name: '劳动合同或本市社保缴纳记录（覆盖所填服务期间）', required: true },
      ],
      eligibility:
        '持有专利代理师资格证，在本市专利代理机构或企事业单位累计服务满 2 年（含）的人员，可申请一次性奖励 5000 元，每人限一次。',
    },
  ]
}

export const materialName = (kind: keyof typeof MATERIAL_KIND_LABELS) => MATERIAL_KIND_LABELS[kind]
