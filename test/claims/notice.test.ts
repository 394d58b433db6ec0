import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimsEndpoints as E } from '@zct/api/contracts/claims/claims'
import { ClaimPaymentEndpoints as P } from '@zct/api/contracts/claims/claims.payments'
import { ContentEndpoints as C } from '@zct/api/contracts/content/content'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { beijingDate } from '@zct/api/internal/platform/time'
import { workingDaysDeadline } from '@zct/api/internal/platform/workdays'
import { expectOk, expectRefused } from '../support/api.js'
import { buildMpUser } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  agentRewardBody,
  approveFully,
  buildApplicant,
  buildStaff,
  examFeeBody,
  openPolicies,
  submitted,
} from './support.js'

const w = world()
let staff: Awaited<ReturnType<typeof buildStaff>>

beforeAll(async () => {
  await openPolicies()
  staff = await buildStaff(w)
})

/** An applicant's claim, submitted in the mini-program and approved by two reviewers. */
async function approvedClaim(name: string, type: 'exam_fee' | 'agent_reward' = 'exam_fee') {
  const a = await buildApplicant(w, name)
  const claim = await submitted(
    w,
    a,
    type === 'exam_fee' ? await examFeeBody(w, a) : await agentRewardBody(w, a),
  )
  await approveFully(w, staff, claim.id)
  return { a, claim }
}

const publish = (workingDays?: number) =>
  w.api.request(P.noticePublish, { token: staff.first.token, body: workingDays ? { workingDays } : {} })
const statusOf = async (id: string) => {
  const res = await w.api.request(E.detail, { token: staff.first.token, params: { id } })
  expectOk(res)
  return res.body.status
}
const payments = () => w.api.platform.services.claims.payments

describe('公示 (public notice)', () => {
  it('refuses a notice with nothing approved with 409 NOTICE_EMPTY, and publishes nothing', async () => {
    const res = await publish()
    expectRefused(res, 409, 'NOTICE_EMPTY')
    expect(res.body.error.message).toBe('目前没有审核通过、待公示的申请，无需发布公示')
    const list = await w.api.request(P.noticeList, { token: staff.first.token })
    expectOk(list)
    expect(list.body.total).toBe(0)
  })

  it('publishes every approved claim as an announcement the mini-program shows, names masked, for 5 working days', async () => {
    const one = await approvedClaim('张三明')
    const two = await approvedClaim('欧阳小明', 'agent_reward')
    const res = await publish()
    expectOk(res, 201)
    const notice = res.body
    expect(notice).toMatchObject({
      status: 'open',
      workingDays: 5,
      claimCount: 2,
      amountFen: one.claim.amountFen + two.claim.amountFen,
      onNoticeCount: 2,
      objectionCount: 0,
    })
    expect(notice.no).toMatch(/^GS\d{4}-001$/)
    // the period ends with the fifth working day after today, on the official calendar
    expect(notice.periodEnd).toBe(workingDaysDeadline(5, new Date(notice.periodStart)).toISOString())
    expect(new Date(notice.periodEnd).getTime() - new Date(notice.periodStart).getTime()).toBeGreaterThan(
      5 * 86_400_000,
    )
    expect(notice.claims.map((c) => [c.no, c.maskedName, c.status])).toEqual([
      [one.claim.no, '张*明', 'on_notice'],
      [two.claim.no, '欧**明', 'on_notice'],
    ])
    for (const { claim } of [one, two]) expect(await statusOf(claim.id)).toBe('on_notice')
    // the applicant sees it too
    const mine = await w.api.request(E.mineDetail, { token: one.a.user.token, params: { id: one.claim.id } })
    expectOk(mine)
    expect(mine.body.status).toBe('on_notice')
    expect(mine.body.history.at(-1)).toMatchObject({ action: 'publish', to: 'on_notice' })

    // Anyone in the mini-program reads it among the announcements: a table, names masked, never in full.
    const reader = await buildMpUser(w)
    const feed = await w.api.request(C.feedAnnouncements, { token: reader.token })
    expectOk(feed)
    const item = feed.body.items.find((i) => i.id === notice.announcementId)
    expect(item?.title).toBe(notice.title)
    const opened = await w.api.request(C.feedAnnouncement, {
      token: reader.token,
      params: { id: notice.announcementId },
    })
    expectOk(opened)
    const body = opened.body.body
    expect(body).toContain('<table>')
    expect(body).toContain('<td>张*明</td>')
    expect(body).toContain('<td>欧**明</td>')
    expect(body).toContain(`<td>${one.claim.no}</td>`)
    expect(body).toContain('<td>420.00</td>')
    expect(body).toContain(`${beijingDate(new Date(notice.periodEnd))}（5 个工作日）`)
    expect(body).not.toContain('张三明')
    expect(body).not.toContain('欧阳小明')

    expect(await AuditModel.countDocuments({ action: 'claim.notice.publish', 'target.id': notice.id })).toBe(
      1,
    )
    const detail = await w.api.request(P.noticeDetail, {
      token: staff.second.token,
      params: { id: notice.id },
    })
    expectOk(detail)
    expect(detail.body).toEqual(notice)
  })

  it('takes a claim with an objection off the notice and back to review, and clears the rest when the period ends', async () => {
    const kept = await approvedClaim('王五')
    const objected = await approvedClaim('赵六一')
    const res = await publish(3)
    expectOk(res, 201)
    const notice = res.body
    expect(notice.claims.map((c) => c.no)).toEqual([kept.claim.no, objected.claim.no])

    const objection = await w.api.request(E.object, {
      token: staff.second.token,
      params: { id: objected.claim.id },
      body: { reason: '群众来信反映其并非在本市工作' },
    })
    expectOk(objection)
    expect(objection.body.status).toBe('in_review')

    const during = await w.api.request(P.noticeDetail, {
      token: staff.first.token,
      params: { id: notice.id },
    })
    expectOk(during)
    expect(during.body).toMatchObject({ onNoticeCount: 1, objectionCount: 1, clearedCount: 0 })
    expect(during.body.claims.find((c) => c.id === objected.claim.id)).toMatchObject({
      status: 'in_review',
      objection: {
        reason: '公示期间收到异议，重新审核：群众来信反映其并非在本市工作',
        by: staff.second.username,
      },
    })
    expect(during.body.claims.find((c) => c.id === kept.claim.id)).toMatchObject({
      status: 'on_notice',
      objection: null,
    })

    // Before the period ends the sweep leaves it alone; after it, the claims still on notice are cleared.
    expect(await payments().closeDueNotices(new Date(notice.periodEnd))).toEqual({ notices: 0, cleared: 0 })
    const after = new Date(new Date(notice.periodEnd).getTime() + 1)
    expect(await payments().closeDueNotices(after)).toEqual({ notices: 1, cleared: 1 })
    expect(await payments().closeDueNotices(after)).toEqual({ notices: 0, cleared: 0 })
    expect(await statusOf(kept.claim.id)).toBe('cleared')
    expect(await statusOf(objected.claim.id)).toBe('in_review')
    const closed = await w.api.request(P.noticeDetail, {
      token: staff.first.token,
      params: { id: notice.id },
    })
    expectOk(closed)
    expect(closed.body).toMatchObject({
      status: 'closed',
      onNoticeCount: 0,
      clearedCount: 1,
      objectionCount: 1,
    })
    expect(closed.body.closedAt).toBe(after.toISOString())
    const list = await w.api.request(P.noticeList, { token: staff.first.token, query: { status: 'closed' } })
    expectOk(list)
    expect(list.body.items.map((n) => n.id)).toContain(notice.id)

    // An objection after the period is refused with the period's end, not taken.
    const late = await w.api.request(E.object, {
      token: staff.second.token,
      params: { id: kept.claim.id },
      body: { reason: '公示期后才收到的来信' },
    })
    expectRefused(late, 409, 'NOTICE_CLOSED')
    expect(late.body.error.message).toContain('公示期已于')
    expect(await statusOf(kept.claim.id)).toBe('cleared')
  })

  it('lists each approved claim in one notice only when two reviewers publish at once', async () => {
    const claims = await Promise.all(['孙七', '周八', '吴九'].map((n) => approvedClaim(n)))
    const [a, b] = await Promise.all([
      w.api.request(P.noticePublish, { token: staff.first.token, body: {} }),
      w.api.request(P.noticePublish, { token: staff.second.token, body: {} }),
    ])
    const [winner, loser] = a.ok ? [a, b] : [b, a]
    expectRefused(loser, 409, 'NOTICE_EMPTY')
    expectOk(winner, 201)
    expect(winner.body.claims.map((c) => c.id).sort()).toEqual(claims.map((c) => c.claim.id).sort())
  })
})
