import { afterEach, describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { replay, settle, standingOf } from '@zct/api/internal/modules/stations/stations.credit'
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
  slotIn,
} from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

const t0 = new Date('2026-03-02T09:00:00+08:00')
const at = (ms: number) => new Date(t0.getTime() + ms)

describe('the credit score as arithmetic', () => {
  it('recovers a point per whole day up to 10, and keeps part of a day across a new loss', () => {
    expect(settle({ points: 3, asOf: t0 }, at(DAY - 1))).toEqual({ points: 3, asOf: t0 })
    expect(settle({ points: 3, asOf: t0 }, at(2 * DAY + HOUR))).toEqual({ points: 5, asOf: at(2 * DAY) })
    expect(settle({ points: 3, asOf: t0 }, at(30 * DAY))).toEqual({ points: 10, asOf: null })
    // Late cancel at t0 (8), no-show 36 h later: 8 + 1 day back = 9, less 5 = 4, recovering from t0 + 1 day.
    const s = replay([
      { points: 2, at: t0, reversedAt: null },
      { points: 5, at: at(36 * HOUR), reversedAt: null },
    ])
    expect(s).toEqual({ points: 4, asOf: at(DAY) })
    // Reversed losses never happened.
    expect(replay([{ points: 5, at: t0, reversedAt: at(HOUR) }])).toEqual({ points: 10, asOf: null })
  })

  it('suspends at 0 or below until the score is back at 1', () => {
    const s = replay([
      { points: 5, at: t0, reversedAt: null },
      { points: 5, at: at(HOUR), reversedAt: null },
      { points: 2, at: at(2 * HOUR), reversedAt: null },
    ])
    expect(s).toEqual({ points: -2, asOf: t0 })
    expect(standingOf(s, at(3 * HOUR))).toEqual({ points: -2, suspended: true, bookableFrom: at(3 * DAY) })
    expect(standingOf(s, at(3 * DAY - 1))).toMatchObject({ points: 0, suspended: true })
    expect(standingOf(s, at(3 * DAY))).toEqual({ points: 1, suspended: false, bookableFrom: null })
  })
})

describe('the credit score over HTTP, with the domain’s clock', () => {
  it('falls with a late cancellation and two no-shows, suspends booking (403 BOOKING_SUSPENDED saying until when), and recovers by the day', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau, { cancelCutoffMinutes: 120 })
    const [user] = await fastMpUsers(w, 1)
    const credit = async () => {
      const res = await w.api.request(E.credit, { token: user!.token })
      expectOk(res)
      return res.body
    }
    expect(await credit()).toMatchObject({ points: 10, suspended: false, bookableFrom: null, events: [] })

    // A late cancellation: 90 minutes before a start whose cut-off is 120 minutes.
    const soon = await slotIn(w, staff, station.id, 90 * MINUTE)
    const a = await booked(w, user!, { slotId: soon.id, topic: 'registration' })
    expectOk(await w.api.request(E.cancelMine, { token: user!.token, params: { id: a.id }, body: {} }))
    expect((await credit()).points).toBe(8)

    // A no-show: 8 − 5 = 3.
    const b1 = await slotIn(w, staff, station.id, 3 * HOUR)
    const b = await booked(w, user!, { slotId: b1.id, topic: 'registration' })
    clockOf(w).set(new Date(Date.parse(b1.endAt) + MINUTE))
    expectOk(await w.api.request(E.noShow, { token: staff.token, params: { id: b.id } }))
    expect(await credit()).toMatchObject({ points: 3, suspended: false })

    // A second no-show the same day: 3 − 5 = −2, suspended.
    const c1 = await slotIn(w, staff, station.id, 3 * HOUR)
    const c = await booked(w, user!, { slotId: c1.id, topic: 'registration' })
    clockOf(w).set(new Date(Date.parse(c1.endAt) + MINUTE))
    const marked = await w.api.request(E.noShow, { token: staff.token, params: { id: c.id } })
    expectOk(marked)
    expect(marked.body.credit).toEqual({ points: -2, suspended: true })
    const suspended = await credit()
    expect(suspended).toMatchObject({ points: -2, suspended: true })
    const until = Date.parse(suspended.bookableFrom!)

    const d1 = await slotIn(w, staff, station.id, 3 * HOUR)
    const refused = await book(w, user!, { slotId: d1.id, topic: 'registration' })
    expectRefused(refused, 403, 'BOOKING_SUSPENDED')
    expect(refused.body.error.details).toMatchObject({ points: -2, until: new Date(until).toISOString() })
    expect(refused.body.error.message).toMatch(
      /信用分为 -2 分，暂停预约；信用分每天恢复 1 分，\d{4}-\d\d-\d\d \d\d:\d\d 起可再次预约/,
    )

    // Two days on: 0 points, still suspended; the third day brings it to 1.
    clockOf(w).set(new Date(until - MINUTE))
    expect(await credit()).toMatchObject({ points: 0, suspended: true })
    const e1 = await slotIn(w, staff, station.id, 3 * HOUR)
    expectRefused(await book(w, user!, { slotId: e1.id, topic: 'registration' }), 403, 'BOOKING_SUSPENDED')
    clockOf(w).set(new Date(until + MINUTE))
    expect(await credit()).toMatchObject({ points: 1, suspended: false, bookableFrom: null })
    await booked(w, user!, { slotId: e1.id, topic: 'registration' })

    // Nine more days: back to 10, never above.
    clockOf(w).advance(9 * DAY)
    expect((await credit()).points).toBe(10)
    clockOf(w).advance(30 * DAY)
    const full = await credit()
    expect(full.points).toBe(10)
    expect(full.events.map((e) => [e.kind, e.points])).toEqual([
      ['no_show', -5],
      ['no_show', -5],
      ['late_cancel', -2],
    ])
  })
})
