import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { FeedbackModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import { HOUR, attendedTrainingIn, clockOf, fastMpUsers } from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

describe('feedback, the attendance export and statistics', () => {
  it('takes one feedback per attendee after the last session, and aggregates it per training', async () => {
    const { trainer, t, a, b, s2 } = await attendedTrainingIn(w)
    const [c] = await fastMpUsers(w, 1)
    // c has no seat at all (registration closed long ago): no feedback.
    expectRefused(
      await w.api.request(E.feedback, { token: c!.token, params: { id: t.id }, body: { rating: 5 } }),
      409,
      'FEEDBACK_NOT_OPEN',
    )
    clockOf(w).set(new Date(Date.parse(s2.startAt) - HOUR))
    expectRefused(
      await w.api.request(E.feedback, { token: a.token, params: { id: t.id }, body: { rating: 5 } }),
      409,
      'FEEDBACK_NOT_OPEN',
    )
    clockOf(w).set(new Date(Date.parse(s2.endAt) + HOUR))
    const first = await w.api.request(E.feedback, {
      token: a.token,
      params: { id: t.id },
      body: { rating: 5, comment: '案例很实用' },
    })
    expectOk(first, 201)
    expectRefused(
      await w.api.request(E.feedback, { token: a.token, params: { id: t.id }, body: { rating: 1 } }),
      409,
      'FEEDBACK_DUPLICATE',
    )
    expectOk(
      await w.api.request(E.feedback, { token: b.token, params: { id: t.id }, body: { rating: 4 } }),
      201,
    )
    const bad = await w.api.request(E.feedback, { token: b.token, params: { id: t.id }, body: { rating: 6 } })
    expect(bad.status).toBe(400)
    expect(await FeedbackModel.countDocuments({ trainingId: t.id })).toBe(2)

    const summary = await w.api.request(E.feedbackSummary, { token: trainer.token, params: { id: t.id } })
    expectOk(summary)
    expect(summary.body).toMatchObject({ count: 2, average: 4.5, distribution: [0, 0, 0, 1, 1] })
    expect(summary.body.comments.map((x) => x.comment)).toEqual(['案例很实用'])

    const stats = await w.api.request(E.stats, { token: trainer.token, params: { id: t.id } })
    expectOk(stats)
    expect(stats.body).toMatchObject({
      trainings: 1,
      registrations: 2,
      attended: 2,
      attendanceRate: 1,
      hoursDelivered: 8, // a: 3 + 2, b: 3 (no check-out at the second session)
      satisfaction: 4.5,
      feedbackCount: 2,
      byDistrict: [{ code: 'individual', label: '个人报名', registrations: 2, attended: 2 }],
    })
    const year = Number(
      new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
        Date.parse(t.sessions[0]!.startAt),
      ),
    )
    const yearly = await w.api.request(E.yearStats, { token: trainer.token, query: { year } })
    expectOk(yearly)
    expect(yearly.body.perTraining.find((p) => p.id === t.id)).toMatchObject({
      registrations: 2,
      attended: 2,
      hoursDelivered: 8,
      satisfaction: 4.5,
    })
    expect(yearly.body.registrations).toBeGreaterThanOrEqual(2)
  })

  it('exports the sign-in sheet as Excel with Chinese headers and Beijing times, audited', async () => {
    const { trainer, t } = await attendedTrainingIn(w)
    const res = await w.api.request(E.exportAttendance, { token: trainer.token, params: { id: t.id } })
    expect(res.status).toBe(200)
    expect(decodeURIComponent(res.headers.get('content-disposition')!)).toContain(`签到表-${t.title}`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(await (res.body as Blob).arrayBuffer()) as unknown as ArrayBuffer)
    const ws = wb.getWorksheet('签到表')!
    const headers = (ws.getRow(1).values as unknown[]).slice(1)
    expect(headers.slice(0, 6)).toEqual(['序号', '姓名', '手机号', '工作单位', '职务', '报名状态'])
    expect(headers.at(-1)).toBe('获得学时')
    expect(headers.filter((h) => String(h).includes('签退'))).toHaveLength(1)
    const first = (ws.getRow(2).values as unknown[]).slice(1)
    expect(first[1]).toBe('陈思远')
    expect(first[2]).toMatch(/^\d{3}\*\*\*\*\d{4}$/)
    expect(first[5]).toBe('已参训')
    // Beijing wall time, as the check-in happened 5 minutes after the first session's start.
    const start = new Date(Date.parse(t.sessions[0]!.startAt) + 5 * 60_000)
    const beijing = new Date(start.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ')
    expect(String(first[6])).toContain(beijing)
    expect(first.at(-1)).toBe(5)
    expect(await AuditModel.countDocuments({ action: 'training.attendance.export', 'target.id': t.id })).toBe(
      1,
    )
  })
})
