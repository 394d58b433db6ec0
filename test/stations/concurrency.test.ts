import { describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { BookingModel, BookingQuotaModel } from '@zct/api/internal/modules/stations/stations.model'
import { Types } from 'mongoose'
import { expectOk } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  HOUR,
  book,
  booked,
  buildBureau,
  buildStation,
  expectSeatsConsistent,
  fastMpUsers,
  slotIn,
} from './support.js'

/**
 * Capacity is the database's: each proof fires the requests at once over HTTP against the embedded
 * database and checks the outcome and the slot's seat invariants straight from the collections.
 */
const w = world()

const codesOf = (results: { ok: boolean; body: unknown }[]) =>
  results.map((r) => (r.ok ? 'OK' : (r.body as { error: { code: string } }).error.code))
const tally = (codes: string[]) =>
  codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {})

describe('bookings never overfill a slot', () => {
  it('50 concurrent bookings of a capacity-1 slot: exactly 1 succeeds and 49 answer SLOT_FULL, 20 rounds over', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const users = await fastMpUsers(w, 50)
    for (let round = 0; round < 20; round++) {
      const slot = await slotIn(w, staff, station.id, (5 + round) * HOUR, { capacity: 1 })
      const results = await Promise.all(
        users.map((u) => book(w, u, { slotId: slot.id, topic: 'registration' })),
      )
      expect(tally(codesOf(results)), `round ${round}`).toEqual({ OK: 1, SLOT_FULL: 49 })
      expect(results.filter((r) => r.ok).map((r) => r.status)).toEqual([201])
      const { holding } = await expectSeatsConsistent(slot.id)
      expect(holding).toBe(1)
      // The winner's place among their upcoming bookings goes back, so no one reaches the limit of 3.
      const winner = results.find((r) => r.ok)!
      expectOk(
        await w.api.request(E.cancel, {
          token: staff.token,
          params: { id: (winner.body as { id: string }).id },
          body: { reason: '测试轮次结束' },
        }),
      )
    }
    // Every refused attempt gave its place back: nobody holds an upcoming booking now.
    const quotas = await BookingQuotaModel.find({
      _id: { $in: users.map((u) => new Types.ObjectId(u.id)) },
    }).lean()
    expect(quotas.flatMap((q) => q.upcoming)).toEqual([])
  })

  it.each([2, 5, 10])('3N concurrent bookings of a capacity-N slot (N = %i): exactly N', async (n) => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const slot = await slotIn(w, staff, station.id, 6 * HOUR, { capacity: n })
    const users = await fastMpUsers(w, 3 * n)
    const results = await Promise.all(
      users.map((u) => book(w, u, { slotId: slot.id, topic: 'registration' })),
    )
    expect(tally(codesOf(results))).toEqual({ OK: n, SLOT_FULL: 2 * n })
    const { slot: after, holding } = await expectSeatsConsistent(slot.id)
    expect(holding).toBe(n)
    expect(after.seatsLeft).toBe(0)
  })

  it('concurrent cancellations and bookings on a full slot never hold more seats than the capacity', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau)
    const capacity = 5
    for (let round = 0; round < 5; round++) {
      const slot = await slotIn(w, staff, station.id, (8 + round) * HOUR, { capacity })
      const holders = await fastMpUsers(w, capacity)
      const mine = await Promise.all(
        holders.map((u) => booked(w, u, { slotId: slot.id, topic: 'registration' })),
      )
      const newcomers = await fastMpUsers(w, 20)
      const results = await Promise.all([
        ...holders.map((u, i) =>
          w.api.request(E.cancelMine, { token: u.token, params: { id: mine[i]!.id }, body: {} }),
        ),
        ...newcomers.map((u) => book(w, u, { slotId: slot.id, topic: 'registration' })),
      ])
      const cancels = results.slice(0, capacity)
      const bookings = results.slice(capacity)
      expect(cancels.every((r) => r.ok)).toBe(true)
      const won = bookings.filter((r) => r.ok).length
      expect(won).toBeLessThanOrEqual(capacity)
      expect(
        codesOf(bookings)
          .filter((c) => c !== 'OK')
          .every((c) => c === 'SLOT_FULL'),
      ).toBe(true)
      const { slot: after, holding } = await expectSeatsConsistent(slot.id)
      expect(holding).toBe(won)
      expect(after.seatsLeft).toBe(capacity - won)
    }
  })

  it('two staff confirming pending bookings at once never fill a slot past its capacity', async () => {
    const bureau = await buildBureau(w)
    const { station, staff } = await buildStation(w, bureau, { requiresConfirmation: true })
    const colleague = await buildAdmin(w.api, { roles: ['station_staff'], stationId: station.id })
    const capacity = 4
    const slot = await slotIn(w, staff, station.id, 7 * HOUR, { capacity })
    const users = await fastMpUsers(w, 12)
    const results = await Promise.all(
      users.map((u) => book(w, u, { slotId: slot.id, topic: 'registration' })),
    )
    expect(tally(codesOf(results))).toEqual({ OK: capacity, SLOT_FULL: 8 })
    const pending = results.filter((r) => r.ok).map((r) => r.body as { id: string; status: string })
    expect(pending.every((b) => b.status === 'pending')).toBe(true)
    // Both staff confirm every pending booking at the same moment.
    const confirms = await Promise.all(
      pending.flatMap((b) =>
        [staff, colleague].map((s) => w.api.request(E.confirm, { token: s.token, params: { id: b.id } })),
      ),
    )
    expect(confirms.filter((r) => r.ok)).toHaveLength(capacity)
    expect(tally(codesOf(confirms.filter((r) => !r.ok)))).toEqual({ BOOKING_STATE: capacity })
    const { holding } = await expectSeatsConsistent(slot.id)
    expect(holding).toBe(capacity)
    expect(
      await BookingModel.countDocuments({ slotId: new Types.ObjectId(slot.id), status: 'confirmed' }),
    ).toBe(capacity)
    // A late booking still finds the slot full: confirmation took no further seat.
    const [late] = await fastMpUsers(w, 1)
    const refused = await book(w, late!, { slotId: slot.id, topic: 'registration' })
    expect(refused.ok ? 'OK' : refused.body.error.code).toBe('SLOT_FULL')
  })
})
