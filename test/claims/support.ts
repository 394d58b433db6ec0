import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import type { ClaimSubmitInput } from '@zct/api/contracts/claims/claims'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import { ClaimPolicyModel } from '@zct/api/internal/modules/claims/claims.model'
import { beijingYear } from '@zct/api/internal/platform/time'
import { expectOk } from '../support/api.js'
import {
  buildAdmin,
  buildMpUser,
  uploadMpFile,
  type AdminSession,
  type MpSession,
} from '../support/factories.js'
import type { World } from '../support/world.js'

export const YEAR = beijingYear()

/**
 * A worker process's tasks running beside the test's api (notifications, sweeps, imports), started after the
 * world's api: call it after `world()` at the top level of a test file.
 */
export function claimsWorker(w: World) {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined
  beforeAll(async () => {
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  })
  afterAll(async () => {
    await worker?.close()
  })
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** A fresh, valid GB 11643 ID number (韶关市武江区, born 1990–1999). */
export function buildIdNumber(): string {
  const seq = String(randomBytes(2).readUInt16BE() % 1000).padStart(3, '0')
  const day = String(1 + (randomBytes(1)[0]! % 28)).padStart(2, '0')
  const body = `440203199${randomBytes(1)[0]! % 10}05${day}${seq}`
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * ID_WEIGHTS[i]!
  return body + '10X98765432'[sum % 11]
}

/** A bank account number of 19 digits. */
export const buildAccountNo = () =>
  `6222${String(randomBytes(6).readUIntBE(0, 6)).padStart(15, '0').slice(0, 15)}`

/**
 * The seeded Shaoguan policies expired on 2024-12-31; the tests apply in the current year, so they are
 * opened for it (as a bureau does in the console for a successor policy).
 */
export async function openPolicies(opts: { budgetFen?: number } = {}) {
  await ClaimPolicyModel.updateMany(
    {},
    {
      $set: {
        window: { from: `${YEAR - 1}-01-01`, to: `${YEAR}-12-31` },
        validity: { from: '2021-01-01', to: `${YEAR + 1}-12-31` },
        enabled: true,
        ...(opts.budgetFen !== undefined ? { yearlyBudgetFen: opts.budgetFen } : {}),
      },
    },
  )
}

export const claimMaterial = (w: World, user: MpSession, name = '材料.png') =>
  uploadMpFile(w, user.token, { purpose: 'claim-material', name })

export interface Applicant {
  user: MpSession
  name: string
  idNumber: string
  phone: string
  accountNo: string
}

export async function buildApplicant(w: World, name = '张三明'): Promise<Applicant> {
  return {
    user: await buildMpUser(w),
    name,
    idNumber: buildIdNumber(),
    phone: `139${String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, '0')}`,
    accountNo: buildAccountNo(),
  }
}

/** A complete exam_fee claim: three subjects at 150 元 (the seeded fee table), every material uploaded. */
export async function examFeeBody(
  w: World,
  a: Applicant,
  overrides: Partial<Extract<ClaimSubmitInput, { type: 'exam_fee' }>> = {},
): Promise<Extract<ClaimSubmitInput, { type: 'exam_fee' }>> {
  const [id, pass, social, r1, r2, r3] = await Promise.all(
    ['身份证.png', '合格证明.png', '社保.png', '凭证1.png', '凭证2.png', '凭证3.png'].map((n) =>
      claimMaterial(w, a.user, n),
    ),
  )
  return {
    type: 'exam_fee',
    applicant: { name: a.name, idNumber: a.idNumber, phone: a.phone },
    bank: { holderName: a.name, accountNo: a.accountNo, bankName: '中国工商银行韶关分行' },
    districtCode: '440203',
    residency: 'work',
    pledge: true,
    materials: [
      { kind: 'id_card', fileId: id!.id },
      { kind: 'pass_certificate', fileId: pass!.id },
      { kind: 'social_insurance', fileId: social!.id },
    ],
    examYear: YEAR,
    receipts: [
      { subject: 'patent_law', examYear: YEAR - 1, amountFen: 15_000, fileId: r1!.id },
      { subject: 'related_law', examYear: YEAR, amountFen: 15_000, fileId: r2!.id },
      { subject: 'practice', examYear: YEAR, amountFen: 12_000, fileId: r3!.id },
    ],
    ...overrides,
  }
}

/** A complete agent_reward claim: 24 months at one agency. */
export async function agentRewardBody(
  w: World,
  a: Applicant,
  overrides: Partial<Extract<ClaimSubmitInput, { type: 'agent_reward' }>> = {},
): Promise<Extract<ClaimSubmitInput, { type: 'agent_reward' }>> {
  const [id, cert, proof] = await Promise.all(
    ['身份证.png', '资格证.png', '社保记录.png'].map((n) => claimMaterial(w, a.user, n)),
  )
  return {
    type: 'agent_reward',
    applicant: { name: a.name, idNumber: a.idNumber, phone: a.phone },
    bank: { holderName: a.name, accountNo: a.accountNo, bankName: '中国建设银行韶关分行' },
    districtCode: '440203',
    residency: 'work',
    pledge: true,
    materials: [
      { kind: 'id_card', fileId: id!.id },
      { kind: 'qualification_certificate', fileId: cert!.id },
      { kind: 'service_proof', fileId: proof!.id },
    ],
    certificateNo: `GD${randomBytes(3).toString('hex')}`,
    servicePeriods: [{ employer: '韶关市某专利代理事务所', from: `${YEAR - 3}-01`, to: `${YEAR - 2}-12` }],
    ...overrides,
  }
}

export function submitClaim(w: World, a: Applicant, body: ClaimSubmitInput, key = randomUUID()) {
  return w.api.request(E.submit, { token: a.user.token, body, headers: { 'Idempotency-Key': key } })
}

/** Submits and answers the claim, failing the test unless it was made. */
export async function submitted(w: World, a: Applicant, body: ClaimSubmitInput) {
  const res = await submitClaim(w, a, body)
  expectOk(res, 201)
  return res.body
}

/** Two reviewers (four eyes) and a finance user; the reviewers see PII. */
export async function buildStaff(w: World) {
  const [first, second, finance, policy] = await Promise.all([
    buildAdmin(w.api, { permissions: ['claim.review', 'pii.read'] }),
    buildAdmin(w.api, { permissions: ['claim.review', 'pii.read'] }),
    buildAdmin(w.api, { permissions: ['claim.pay', 'pii.read'] }),
    buildAdmin(w.api, { permissions: ['claim.policy', 'claim.review'] }),
  ])
  return { first, second, finance, policy }
}

export function decide(
  w: World,
  who: AdminSession,
  id: string,
  body: {
    decision: 'accept' | 'approve' | 'reject' | 'return'
    reason?: string
    fields?: { path: string; comment: string }[]
    deadlineDays?: number
  },
) {
  return w.api.request(E.decide, { token: who.token, params: { id }, body })
}

/** Accept, 初审 by `first`, 复核 by `second`: the claim ends `approved`. */
export async function approveFully(
  w: World,
  staff: { first: AdminSession; second: AdminSession },
  id: string,
) {
  for (const [who, decision] of [
    [staff.first, 'accept'],
    [staff.first, 'approve'],
    [staff.second, 'approve'],
  ] as const) {
    const res = await decide(w, who, id, { decision })
    expectOk(res)
  }
  const res = await w.api.request(E.detail, { token: staff.first.token, params: { id } })
  expectOk(res)
  return res.body
}
