import ExcelJS from 'exceljs'
import { Types } from 'mongoose'
import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimsEndpoints as C } from '@zct/api/contracts/claims/claims'
import { ClaimInsightEndpoints as E } from '@zct/api/contracts/claims/claims.insights'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ClaimModel } from '@zct/api/internal/modules/claims/claims.model'
import { expectOk } from '../support/api.js'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  agentRewardBody,
  approveFully,
  buildApplicant,
  buildStaff,
  examFeeBody,
  openPolicies,
  submitted,
  YEAR,
} from './support.js'

const w = world()
let staff: Awaited<ReturnType<typeof buildStaff>>
let viewer: AdminSession
const made: { id: string; no: string }[] = []

/**
 * This file's claims: an exam-fee claim (420 元) approved, one (420 元) just submitted in another district,
 * and a reward (5,000 元) submitted; plus one submitted at 00:30 on 1 February Beijing time (still 31
 * January in UTC), put straight into the database as a dated fixture.
 */
beforeAll(async () => {
  await openPolicies()
  staff = await buildStaff(w)
  viewer = await buildAdmin(w.api, { permissions: ['claim.review'] })
  const a = await buildApplicant(w, '张三明')
  const approved = await submitted(w, a, await examFeeBody(w, a))
  await approveFully(w, staff, approved.id)
  const b = await buildApplicant(w, '欧阳明月')
  made.push(approved, await submitted(w, b, await examFeeBody(w, b, { districtCode: '440204' })))
  const c = await buildApplicant(w, '李四')
  made.push(await submitted(w, c, await agentRewardBody(w, c, { districtCode: '440204' })))
  const doc = (await ClaimModel.findById(made[1]!.id).lean())!
  await ClaimModel.collection.insertOne({
    ...doc,
    _id: new Types.ObjectId(),
    no: `ZC${YEAR}999999`,
    dupKey: `fixture:${YEAR}`,
    userId: new Types.ObjectId(),
    idem: { key: null, hash: null },
    districtCode: '440222',
    submittedAt: new Date(`${YEAR}-01-31T16:30:00.000Z`),
  })
})

describe('claim statistics', () => {
  it('counts and sums the year by type, status, Beijing month and district, beside each policy’s budget', async () => {
    const res = await w.api.request(E.statsYear, { token: viewer.token, query: { year: YEAR } })
    expectOk(res)
    const s = res.body
    expect(s.year).toBe(YEAR)
    expect(s.totals).toEqual({ count: 4, amountFen: 42_000 * 3 + 500_000, paidFen: 0 })
    expect(s.byType).toEqual([
      { type: 'exam_fee', label: '专利代理师资格考试报名费资助', count: 3, amountFen: 126_000, paidFen: 0 },
      { type: 'agent_reward', label: '专利代理师服务奖励', count: 1, amountFen: 500_000, paidFen: 0 },
    ])
    const status = Object.fromEntries(s.byStatus.map((r) => [r.status, r.count]))
    expect(status).toMatchObject({ approved: 1, submitted: 3, paid: 0 })
    expect(s.byStatus).toHaveLength(12)
    expect(s.byStatus.find((r) => r.status === 'approved')!.label).toBe('审核通过')

    expect(s.byMonth).toHaveLength(12)
    const thisMonth = new Date(Date.now() + 8 * 3600_000).getUTCMonth() + 1
    expect(s.byMonth[1]!.count).toBe(thisMonth === 2 ? 4 : 1) // the fixture's 00:30 on 1 February, Beijing
    expect(s.byMonth[thisMonth - 1]!.count).toBe(thisMonth === 2 ? 4 : 3)
    expect(s.byMonth.reduce((n, m) => n + m.count, 0)).toBe(4)

    expect(s.byDistrict).toEqual([
      {
        districtCode: '440204',
        label: '广东省韶关市浈江区（440204）',
        count: 2,
        amountFen: 542_000,
        paidFen: 0,
      },
      {
        districtCode: '440203',
        label: '广东省韶关市武江区（440203）',
        count: 1,
        amountFen: 42_000,
        paidFen: 0,
      },
      {
        districtCode: '440222',
        label: '广东省韶关市始兴县（440222）',
        count: 1,
        amountFen: 42_000,
        paidFen: 0,
      },
    ])
    expect(s.budgets.find((b) => b.type === 'exam_fee')).toEqual({
      policyId: expect.any(String),
      title: '专利代理师资格考试报名费资助',
      type: 'exam_fee',
      budgetFen: 10_000_000,
      committedFen: 42_000,
      paidFen: 0,
      remainingFen: 10_000_000 - 42_000,
    })
    expect(s.budgets.find((b) => b.type === 'agent_reward')).toMatchObject({
      committedFen: 0,
      remainingFen: 10_000_000,
    })

    const other = await w.api.request(E.statsYear, { token: viewer.token, query: { year: YEAR - 5 } })
    expectOk(other)
    expect(other.body.totals).toEqual({ count: 0, amountFen: 0, paidFen: 0 })
  })

  it('keeps /admin/v1/claims/stats and /export apart from a claim’s own page', async () => {
    const detail = await w.api.request(C.detail, { token: viewer.token, params: { id: made[0]!.id } })
    expectOk(detail)
    expect(detail.body.no).toBe(made[0]!.no)
    expect((await w.api.call('GET', '/admin/v1/claims/stats', { token: viewer.token })).body.year).toBe(YEAR)
  })
})

describe('the Excel export', () => {
  async function exported(query: Record<string, string>) {
    const res = await fetch(`${w.api.url}/admin/v1/claims/export?${new URLSearchParams(query)}`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('spreadsheetml')
    expect(res.headers.get('content-disposition')).toContain('.xlsx')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never)
    const ws = wb.getWorksheet('资助申请')!
    const rows: unknown[][] = []
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)))
    return rows
  }

  it('streams the filtered claims with Chinese headers, masked ID numbers and Beijing times, and is audited', async () => {
    const rows = await exported({ type: 'exam_fee', sort: 'submittedAt' })
    expect(rows[0]).toEqual([
      '申请编号',
      '类型',
      '状态',
      '申请人',
      '身份证号',
      '所在区县',
      '金额（元）',
      '考试年度',
      '来源',
      '资助政策',
      '提交时间',
      '发放时间',
    ])
    expect(rows).toHaveLength(4)
    // Oldest first: the February fixture, then the two submitted today.
    expect(rows[1]![0]).toBe(`ZC${YEAR}999999`)
    expect(rows[1]![10]).toBe(`${YEAR}-02-01 00:30`)
    const approved = rows.find((r) => r[0] === made[0]!.no)!
    expect(approved.slice(1, 10)).toEqual([
      '专利代理师资格考试报名费资助',
      '审核通过',
      '张三明',
      expect.stringMatching(/^\d{3}\*{11}[\dX]{4}$/),
      '广东省韶关市武江区（440203）',
      420,
      YEAR,
      '个人申请',
      '专利代理师资格考试报名费资助',
    ])
    expect(approved[11]).toBeUndefined() // not paid
    const raw = JSON.stringify(rows)
    const full = await ClaimModel.find({}, { 'applicant.idEnc': 1 }).lean()
    expect(full.length).toBeGreaterThan(0)
    expect(raw).not.toMatch(/\d{17}[\dX]/) // no whole ID number anywhere
    expect(
      await AuditModel.countDocuments({ action: 'claim.export', 'actor.id': new Types.ObjectId(viewer.id) }),
    ).toBe(1)
  })

  it('applies the list’s filters: status, year and district', async () => {
    const rows = await exported({ status: 'submitted', year: String(YEAR), districtCode: '440204' })
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual([made[1]!.no, made[2]!.no].sort())
    expect(await exported({ year: String(YEAR - 5) })).toHaveLength(1) // the header alone
  })
})
