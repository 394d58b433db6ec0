import { Types } from 'mongoose'
import { afterEach, describe, expect, it } from 'vitest'
import { StationsEndpoints as E, type SlotPublishInput } from '@zct/api/contracts/stations/stations'
import { SlotModel, StationModel } from '@zct/api/internal/modules/stations/stations.model'
import { dayKind, expandRule } from '@zct/api/internal/modules/stations/stations.slots'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import {
  DAY,
  HOUR,
  MINUTE,
  book,
  booked,
  buildBureau,
  buildStation,
  clockOf,
  fastMpUsers,
  later,
  publish,
  slotIn,
} from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

const slotsOf = (stationId: string) => SlotModel.countDocuments({ stationId: new Types.ObjectId(stationId) })
const publishRaw = (token: string, id: string, body: SlotPublishInput) =>
  w.api.request(E.publishSlots, { token, params: { id }, body })

/** Tue and Thu, 9:00–11:30 in 30-minute slots, over National Day 2026 (the calendar the package knows). */
const NATIONAL_DAY_RULE = {
  from: '2026-09-21',
  to: '2026-10-16',
  weekdays: [2, 4],
  startTime: '09:00',
  endTime: '11:30',
  slotMinutes: 30,
}

describe('the holiday calendar', () => {
  it('tells working days, plain weekends, public holidays and 调休 working days apart', () => {
    expect(dayKind('2026-09-29')).toBe('workday')
    expect(dayKind('2026-09-19')).toBe('weekend')
    expect(dayKind('2026-10-01')).toBe('holiday')
    expect(dayKind('2026-09-26')).toBe('holiday') // a Saturday inside 中秋's days off
    expect(dayKind('2026-10-10')).toBe('adjusted') // a Saturday worked for National Day
  })

  it('expands a weekly rule on Beijing dates and times, skipping holidays, with 调休 days as the rule says', () => {
    const now = new Date('2026-09-01T00:00:00+08:00')
    const x = expandRule({ ...NATIONAL_DAY_RULE, gapMinutes: 0, adjustedWorkdays: 'skip' }, now)
    const days = [
      ...new Set(x.slots.map((s) => new Date(s.startAt.getTime() + 8 * HOUR).toISOString().slice(0, 10))),
    ]
    expect(days).toEqual(['2026-09-22', '2026-09-24', '2026-09-29', '2026-10-08', '2026-10-13', '2026-10-15'])
    expect(x.slots).toHaveLength(30)
    expect(x.slots[0]).toEqual({
      startAt: new Date('2026-09-22T01:00:00Z'),
      endAt: new Date('2026-09-22T01:30:00Z'),
    })
    expect(x.slots[4]!.endAt).toEqual(new Date('2026-09-22T03:30:00Z'))
    expect(x.skipped).toEqual([
      { date: '2026-10-01', reason: '国庆节（法定节假日）' },
      { date: '2026-10-06', reason: '国庆节（法定节假日）' },
      { date: '2026-10-10', reason: '国庆节调休上班日（规则未选择开放）' },
    ])
    const open = expandRule({ ...NATIONAL_DAY_RULE, gapMinutes: 0, adjustedWorkdays: 'open' }, now)
    expect(open.slots).toHaveLength(35)
    expect(open.slots.some((s) => s.startAt.getTime() === Date.parse('2026-10-10T09:00:00+08:00'))).toBe(true)
    // A pause between slots, and slots already started today left out.
    const gaps = expandRule(
      {
        ...NATIONAL_DAY_RULE,
        from: '2026-09-22',
        to: '2026-09-22',
        gapMinutes: 10,
        adjustedWorkdays: 'skip',
      },
      new Date('2026-09-22T09:45:00+08:00'),
    )
    // 9:00, 9:40, 10:20, 11:00: the first two have started at 9:45.
    expect(gaps.slots.map((s) => s.startAt.toISOString())).toEqual([
      '2026-09-22T02:20:00.000Z',
      '2026-09-22T03:00:00.000Z',
    ])
    expect(gaps.skipped).toEqual([{ date: '2026-09-22', reason: '2 个已开始的时段未发布' }])
  })
})

describe('publishing slots', () => {
  it('publishes a weekly rule over National Day: holidays skipped and reported, times stored in UTC', async () => {
    clockOf(w).set(new Date('2026-09-01T10:00:00+08:00'))
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const res = await publishRaw(staff.token, station.id, {
      rule: NATIONAL_DAY_RULE,
      capacity: 2,
      mode: 'video',
      services: ['registration', 'geo_indication'],
    })
    expectOk(res, 201)
    expect(res.body.items).toHaveLength(30)
    expect(res.body.items[0]).toMatchObject({
      startAt: '2026-09-22T01:00:00.000Z',
      capacity: 2,
      seatsLeft: 2,
      mode: 'video',
      booked: 0,
    })
    expect(new Set(res.body.items.map((s) => s.batchId)).size).toBe(1)
    expect(res.body.skipped.map((s) => s.date)).toEqual(['2026-10-01', '2026-10-06', '2026-10-10'])
    expect(await slotsOf(station.id)).toBe(30)
    // The mini-program reads the availability of the period, remaining seats per slot.
    const [user] = await fastMpUsers(w, 1)
    const avail = await w.api.request(E.mpSlots, {
      token: user!.token,
      params: { id: station.id },
      query: { from: '2026-09-22T00:00:00+08:00', to: '2026-09-23T00:00:00+08:00' },
    })
    expectOk(avail)
    expect(avail.body.items.map((s) => s.startAt)).toEqual([
      '2026-09-22T01:00:00.000Z',
      '2026-09-22T01:30:00.000Z',
      '2026-09-22T02:00:00.000Z',
      '2026-09-22T02:30:00.000Z',
      '2026-09-22T03:00:00.000Z',
    ])
    expect(avail.body.items[0]).toMatchObject({ seatsLeft: 2, bookable: true })
  })

  it('previews what a rule makes without writing it', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const from = later(w, 2 * DAY)
      .toISOString()
      .slice(0, 10)
    const res = await w.api.request(E.previewSlots, {
      token: staff.token,
      params: { id: station.id },
      body: {
        rule: {
          from,
          to: from,
          weekdays: [1, 2, 3, 4, 5, 6, 7],
          startTime: '14:00',
          endTime: '16:00',
          slotMinutes: 60,
        },
        capacity: 1,
        mode: 'phone',
        services: ['registration'],
      },
    })
    expectOk(res)
    expect(res.body.items.length + res.body.skipped.length).toBeGreaterThan(0)
    expect(await slotsOf(station.id)).toBe(0)
  })

  it('refuses a slot in the past (SLOT_IN_PAST), an overlap (SLOT_OVERLAP) and a rule of more than 500 slots (SLOT_RULE_TOO_LARGE): nothing written', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const base = { capacity: 1, mode: 'onsite' as const, services: ['registration' as const] }
    const past = later(w, -HOUR)
    const inPast = await publishRaw(staff.token, station.id, {
      ...base,
      startAt: past.toISOString(),
      endAt: new Date(past.getTime() + 30 * MINUTE).toISOString(),
    })
    expectRefused(inPast, 400, 'SLOT_IN_PAST')
    expect(inPast.body.error.details).toMatchObject({ fields: [{ path: 'startAt' }] })
    const yesterday = new Date(later(w, 0).getTime() - DAY + 8 * HOUR).toISOString().slice(0, 10)
    const ruleFromPast = await publishRaw(staff.token, station.id, {
      ...base,
      rule: { ...NATIONAL_DAY_RULE, from: yesterday, to: yesterday, weekdays: [1, 2, 3, 4, 5, 6, 7] },
    })
    expectRefused(ruleFromPast, 400, 'SLOT_IN_PAST')

    // 10:00–11:00 Beijing, two days on.
    const day = new Date(later(w, 2 * DAY).getTime() + 8 * HOUR).toISOString().slice(0, 10)
    const start = new Date(`${day}T10:00:00+08:00`)
    await publish(w, staff, station.id, {
      ...base,
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + HOUR).toISOString(),
    })
    const overlap = await publishRaw(staff.token, station.id, {
      ...base,
      startAt: new Date(start.getTime() + 30 * MINUTE).toISOString(),
      endAt: new Date(start.getTime() + 90 * MINUTE).toISOString(),
    })
    expectRefused(overlap, 409, 'SLOT_OVERLAP')
    expect(overlap.body.error.message).toContain('重叠')
    // A rule whose slots cross the existing one is refused whole: none of its other slots are written.
    const crossing = await publishRaw(staff.token, station.id, {
      ...base,
      rule: {
        from: day,
        to: new Date(Date.parse(day) + 20 * DAY).toISOString().slice(0, 10),
        weekdays: [1, 2, 3, 4, 5, 6, 7],
        startTime: '09:00',
        endTime: '12:00',
        slotMinutes: 20,
      },
    })
    expectRefused(crossing, 409, 'SLOT_OVERLAP')
    // Touching is not overlapping.
    await publish(w, staff, station.id, {
      ...base,
      startAt: new Date(start.getTime() + HOUR).toISOString(),
      endAt: new Date(start.getTime() + 2 * HOUR).toISOString(),
    })

    const from = later(w, DAY).toISOString().slice(0, 10)
    const huge = await publishRaw(staff.token, station.id, {
      ...base,
      rule: {
        from,
        to: new Date(Date.parse(from) + 200 * DAY).toISOString().slice(0, 10),
        weekdays: [1, 2, 3, 4, 5],
        startTime: '08:00',
        endTime: '18:00',
        slotMinutes: 30,
      },
    })
    expectRefused(huge, 400, 'SLOT_RULE_TOO_LARGE')
    expect(huge.body.error.message).toContain('超过 500')
    expect(await slotsOf(station.id)).toBe(2)
  })

  it('refuses services the station does not offer (TOPIC_NOT_OFFERED) and a body that is both a slot and a rule (VALIDATION_FAILED)', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau, { services: ['registration'] })
    const start = later(w, DAY)
    const body = {
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + HOUR).toISOString(),
      capacity: 1,
      mode: 'onsite' as const,
    }
    const off = await publishRaw(staff.token, station.id, { ...body, services: ['registration', 'patent'] })
    expectRefused(off, 400, 'TOPIC_NOT_OFFERED')
    expect(off.body.error.details).toMatchObject({ fields: [{ path: 'services.1' }] })
    const both = await publishRaw(staff.token, station.id, {
      ...body,
      services: ['registration'],
      rule: NATIONAL_DAY_RULE,
    })
    expectRefused(both, 400, 'VALIDATION_FAILED')
    expect(both.body.error.details).toMatchObject({
      fields: [{ path: 'rule', message: '请在单个时段与重复规则中选择一种' }],
    })
    const backwards = await publishRaw(staff.token, station.id, {
      ...body,
      endAt: body.startAt,
      services: ['registration'],
    })
    expectRefused(backwards, 400, 'VALIDATION_FAILED')
    expect(await slotsOf(station.id)).toBe(0)
  })

  it('takes turns between publishes of one station: another publish holding it answers STATION_BUSY', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    await StationModel.updateOne(
      { _id: new Types.ObjectId(station.id) },
      { $set: { publishLock: { token: 'another-publish', until: new Date(Date.now() + 60_000) } } },
    )
    const start = later(w, DAY)
    const res = await publishRaw(staff.token, station.id, {
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + HOUR).toISOString(),
      capacity: 1,
      mode: 'onsite',
      services: ['registration'],
    })
    expectRefused(res, 409, 'STATION_BUSY')
    expect(await slotsOf(station.id)).toBe(0)
    // A lease outlives a crashed publish by its expiry only.
    await StationModel.updateOne(
      { _id: new Types.ObjectId(station.id) },
      { $set: { 'publishLock.until': new Date(Date.now() - 1) } },
    )
    expect((await slotIn(w, staff, station.id, DAY)).status).toBe('open')
  })
})

describe('the calendar and capacity', () => {
  it('shows fill levels and pending bookings, and never sets capacity below the seats held (SLOT_BELOW_BOOKED)', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau, { requiresConfirmation: true })
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 3 })
    const users = await fastMpUsers(w, 3)
    for (const u of users.slice(0, 2)) await booked(w, u, { slotId: slot.id, topic: 'registration' })
    const cal = await w.api.request(E.slots, { token: staff.token, params: { id: station.id } })
    expectOk(cal)
    expect(cal.body.items).toEqual([
      expect.objectContaining({ id: slot.id, capacity: 3, booked: 2, pending: 2, seatsLeft: 1 }),
    ])
    const below = await w.api.request(E.updateSlot, {
      token: staff.token,
      params: { id: slot.id },
      body: { capacity: 1 },
    })
    expectRefused(below, 409, 'SLOT_BELOW_BOOKED')
    expect(below.body.error.message).toContain('2 人')
    const down = await w.api.request(E.updateSlot, {
      token: staff.token,
      params: { id: slot.id },
      body: { capacity: 2 },
    })
    expectOk(down)
    expect(down.body).toMatchObject({ capacity: 2, seatsLeft: 0, booked: 2 })
    expectRefused(await book(w, users[2]!, { slotId: slot.id, topic: 'registration' }), 409, 'SLOT_FULL')
    const up = await w.api.request(E.updateSlot, {
      token: staff.token,
      params: { id: slot.id },
      body: { capacity: 4 },
    })
    expectOk(up)
    expect(up.body.seatsLeft).toBe(2)
    await booked(w, users[2]!, { slotId: slot.id, topic: 'registration' })
  })
})
