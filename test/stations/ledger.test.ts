import ExcelJS from 'exceljs'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { StationLedgerEndpoints as L } from '@zct/api/contracts/stations/stations.ledger'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildEnterpriseAdmin, type AdminSession } from '../support/factories.js'
import { world } from '../support/world.js'
import { HOUR, MINUTE, booked, buildBureau, buildStation, clockOf, fastMpUsers, slotIn } from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

const beijing = (iso: string) => new Date(Date.parse(iso) + 8 * HOUR)
let bureau: AdminSession
let a: Awaited<ReturnType<typeof buildStation>>
let b: Awaited<ReturnType<typeof buildStation>>
let boss: Awaited<ReturnType<typeof buildEnterpriseAdmin>>
let slotStart: string

/**
 * Station A: an enterprise's consultation completed and rated 5, an individual's completed and rated 3, a
 * no-show and a cancellation. Station B: one completed consultation.
 */
beforeAll(async () => {
  bureau = await buildBureau(w)
  a = await buildStation(w, bureau, { services: ['registration', 'geo_indication', 'enforcement'] })
  b = await buildStation(w, bureau, { type: 'service', regionCode: '440204' })
  const slot = await slotIn(w, a.staff, a.station.id, 3 * HOUR, { capacity: 5 })
  const other = await slotIn(w, b.staff, b.station.id, 3 * HOUR, { capacity: 2 })
  slotStart = slot.startAt
  boss = await buildEnterpriseAdmin(w, '韶关市丹霞农产品有限公司')
  const [person, absent, quitter, elsewhere] = await fastMpUsers(w, 4)
  const x = await booked(w, boss, { slotId: slot.id, topic: 'geo_indication' })
  const y = await booked(w, person!, {
    slotId: slot.id,
    topic: 'registration',
    contact: { name: '欧阳明', phone: '13800138000' },
  })
  const z = await booked(w, absent!, { slotId: slot.id, topic: 'registration' })
  const q = await booked(w, quitter!, { slotId: slot.id, topic: 'enforcement' })
  const o = await booked(w, elsewhere!, { slotId: other.id, topic: 'registration' })
  expectOk(await w.api.request(E.cancelMine, { token: quitter!.token, params: { id: q.id }, body: {} }))
  clockOf(w).set(new Date(Date.parse(slot.endAt) + MINUTE))
  const record = (topic: 'geo_indication' | 'registration', advice: string) => ({
    topic,
    advice,
    followUp: '两周后电话回访',
    durationMinutes: 40,
  })
  expectOk(
    await w.api.request(E.complete, {
      token: a.staff.token,
      params: { id: x.id },
      body: record(
        'geo_indication',
        '建议以协会名义申请“丹霞红茶”地理标志证明商标，先完成产地范围划定与管理规则。'.repeat(3),
      ),
    }),
  )
  expectOk(
    await w.api.request(E.complete, {
      token: a.staff.token,
      params: { id: y.id },
      body: record('registration', '建议在第 30 类与第 35 类同时申请'),
    }),
  )
  expectOk(await w.api.request(E.noShow, { token: a.staff.token, params: { id: z.id } }))
  expectOk(
    await w.api.request(E.complete, {
      token: b.staff.token,
      params: { id: o.id },
      body: record('registration', '可以申请'),
    }),
  )
  expectOk(
    await w.api.request(E.letter, {
      token: a.staff.token,
      params: { id: x.id },
      body: { title: '地理标志服务建议书', body: '……' },
    }),
  )
  expectOk(await w.api.request(E.feedback, { token: boss.token, params: { id: x.id }, body: { rating: 5 } }))
  expectOk(
    await w.api.request(E.feedback, {
      token: person!.token,
      params: { id: y.id },
      body: { rating: 3, comment: '还可以' },
    }),
  )
  clockOf(w).reset()
})

describe('服务台账', () => {
  it('lists a station’s completed consultations: enterprise with credit code, individual masked, advice summarised', async () => {
    const res = await w.api.request(L.ledger, { token: a.staff.token, query: {} })
    expectOk(res)
    expect(res.body.total).toBe(2)
    const byClient = Object.fromEntries(res.body.items.map((r) => [r.clientKind, r]))
    expect(byClient.enterprise).toMatchObject({
      client: '韶关市丹霞农产品有限公司',
      creditCode: boss.creditCode,
      topic: 'geo_indication',
      topicLabel: '地理标志',
      stationName: a.station.name,
      followUp: '两周后电话回访',
      durationMinutes: 40,
      rating: 5,
      hasLetter: true,
    })
    expect([...byClient.enterprise!.adviceSummary]).toHaveLength(100)
    expect(byClient.individual).toMatchObject({
      client: '个人：欧*明',
      creditCode: null,
      rating: 3,
      hasLetter: false,
    })
    // Station staff never read another station's ledger; the bureau reads both.
    expectRefused(
      await w.api.request(L.ledger, { token: a.staff.token, query: { stationId: b.station.id } }),
      404,
      'NOT_FOUND',
    )
    const all = await w.api.request(L.ledger, { token: bureau.token, query: {} })
    expectOk(all)
    expect(all.body.total).toBeGreaterThanOrEqual(3)
  })

  it('exports a station’s period to Excel with Chinese headers and Beijing time, audited', async () => {
    const day = beijing(slotStart).toISOString().slice(0, 10)
    const res = await w.api.request(L.exportLedger, {
      token: a.staff.token,
      query: { stationId: a.station.id, from: day, to: day },
    })
    expect(res.status).toBe(200)
    expect(decodeURIComponent(res.headers.get('content-disposition')!)).toContain(
      `服务台账-${a.station.name}`,
    )
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(await (res.body as Blob).arrayBuffer()) as unknown as ArrayBuffer)
    const ws = wb.getWorksheet('服务台账')!
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '序号',
      '预约号',
      '指导站',
      '服务时间',
      '服务对象',
      '统一社会信用代码',
      '服务事项',
      '服务方式',
      '咨询意见摘要',
      '后续跟进',
      '服务时长（分钟）',
      '满意度评分',
      '服务建议书',
    ])
    expect(ws.rowCount).toBe(3)
    const times = [ws.getRow(2).getCell(4).value, ws.getRow(3).getCell(4).value]
    expect(times).toEqual([
      beijing(slotStart).toISOString().slice(0, 16).replace('T', ' '),
      expect.any(String),
    ])
    const clients = [ws.getRow(2).getCell(5).value, ws.getRow(3).getCell(5).value]
    expect(clients).toEqual(expect.arrayContaining(['韶关市丹霞农产品有限公司', '个人：欧*明']))
    expect(
      await AuditModel.countDocuments({ action: 'station.ledger.export', 'target.id': a.station.id }),
    ).toBe(1)
    // Another station's export is 404 for station staff.
    const other = await w.api.request(L.exportLedger, {
      token: a.staff.token,
      query: { stationId: b.station.id, from: day, to: day },
    })
    expect(other.status).toBe(404)
  })

  it('counts bookings, completion, no-show rate and average rating by month and service', async () => {
    const year = beijing(slotStart).getUTCFullYear()
    const month = beijing(slotStart).getUTCMonth() + 1
    const res = await w.api.request(L.stats, { token: a.staff.token, query: { year } })
    expectOk(res)
    expect(res.body.stationId).toBe(a.station.id)
    expect(res.body.totals).toEqual({
      bookings: 4,
      cancelled: 1,
      completed: 2,
      noShows: 1,
      completionRate: 0.6667,
      noShowRate: 0.3333,
      ratings: 2,
      avgRating: 4,
    })
    expect(res.body.byMonth.find((m) => m.month === month)).toMatchObject({ bookings: 4, completed: 2 })
    expect(
      res.body.byMonth
        .filter((m) => m.month !== month)
        .every((m) => m.bookings === 0 && m.completionRate === null),
    ).toBe(true)
    expect(res.body.byService.find((s) => s.service === 'registration')).toMatchObject({
      label: '商标注册',
      bookings: 2,
      completed: 1,
      noShows: 1,
    })
    expect(res.body.slots).toEqual({ published: 1, seats: 5, taken: 3 })
  })

  it('compares stations side by side for the bureau; station staff see their own row only', async () => {
    const year = beijing(slotStart).getUTCFullYear()
    const res = await w.api.request(L.compare, { token: bureau.token, query: { year } })
    expectOk(res)
    const rows = Object.fromEntries(res.body.items.map((r) => [r.stationId, r]))
    expect(rows[a.station.id]).toMatchObject({
      bookings: 4,
      completed: 2,
      noShows: 1,
      avgRating: 4,
      seats: 5,
      fillRate: 0.6,
    })
    expect(rows[b.station.id]).toMatchObject({
      type: 'service',
      bookings: 1,
      completed: 1,
      noShowRate: 0,
      seats: 2,
      fillRate: 0.5,
    })
    const own = await w.api.request(L.compare, { token: a.staff.token, query: { year } })
    expectOk(own)
    expect(own.body.items.map((r) => r.stationId)).toEqual([a.station.id])
  })
})
