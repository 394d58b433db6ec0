import { FileEndpoints } from '@zct/api/contracts/files/files'
import { describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { StationLedgerEndpoints as L } from '@zct/api/contracts/stations/stations.ledger'
import type { EndpointDef } from '@zct/api/contracts/endpoints'
import { expectOk, expectRefused } from '../support/api.js'
import { uploadMpFile, type AdminSession } from '../support/factories.js'
import { world } from '../support/world.js'
import { DAY, book, booked, buildBureau, buildStation, fastMpUsers, slotIn, stationBody } from './support.js'

/**
 * Station staff (`station.manage` with a station) act on their own station only: every console route of
 * the domain, called with another station's record and a body it would accept, answers 404 and changes
 * nothing; the bureau (`station.manage` without a station) reaches both.
 */
const w = world()

interface Records {
  station: string
  slot: string
  booking: string
  file: string
}

async function stationWithRecords(bureau: AdminSession) {
  const { station, staff } = await buildStation(w, bureau)
  const slot = await slotIn(w, staff, station.id, 3 * DAY, { capacity: 3 })
  const [user] = await fastMpUsers(w, 1)
  const file = await uploadMpFile(w, user!.token, { purpose: 'booking-material' })
  const b = await booked(w, user!, { slotId: slot.id, topic: 'registration', fileIds: [file.id] })
  return { staff, records: { station: station.id, slot: slot.id, booking: b.id, file: file.id } as Records }
}

/** A call each console route would accept, for the records of one station. */
function calls(r: Records): [EndpointDef, Record<string, unknown>][] {
  const start = new Date(Date.now() + 10 * DAY)
  const day = start.toISOString().slice(0, 10)
  return [
    [E.station, { params: { id: r.station } }],
    [E.updateStation, { params: { id: r.station }, body: stationBody() }],
    [
      E.publishSlots,
      {
        params: { id: r.station },
        body: {
          startAt: start.toISOString(),
          endAt: new Date(start.getTime() + 3600_000).toISOString(),
          capacity: 1,
          mode: 'onsite',
          services: ['registration'],
        },
      },
    ],
    [
      E.previewSlots,
      {
        params: { id: r.station },
        body: {
          startAt: start.toISOString(),
          endAt: new Date(start.getTime() + 3600_000).toISOString(),
          capacity: 1,
          mode: 'onsite',
          services: ['registration'],
        },
      },
    ],
    [E.slots, { params: { id: r.station } }],
    [E.updateSlot, { params: { id: r.slot }, body: { capacity: 3 } }],
    [E.closeSlot, { params: { id: r.slot }, body: { reason: '测试' } }],
    [E.bookings, { query: { stationId: r.station } }],
    [E.booking, { params: { id: r.booking } }],
    [E.confirm, { params: { id: r.booking } }],
    [E.cancel, { params: { id: r.booking }, body: { reason: '测试' } }],
    [E.noShow, { params: { id: r.booking } }],
    [
      E.complete,
      { params: { id: r.booking }, body: { topic: 'registration', advice: '测试', durationMinutes: 10 } },
    ],
    [E.letter, { params: { id: r.booking }, body: { title: '测试', body: '测试' } }],
    [E.decideAppeal, { params: { id: r.booking }, body: { decision: 'reverse', note: '测试' } }],
    [E.bookingFile, { params: { id: r.booking, fileId: r.file } }],
    [L.ledger, { query: { stationId: r.station } }],
    [L.exportLedger, { query: { stationId: r.station, from: day, to: day } }],
    [L.stats, { query: { stationId: r.station } }],
  ]
}

describe('station scoping', () => {
  it('answers 404 to another station’s staff on every record route, and lets the bureau reach it', async () => {
    const bureau = await buildBureau(w)
    const a = await stationWithRecords(bureau)
    const b = await stationWithRecords(bureau)

    // Every console route of the domain that names a station's record is in the table above.
    const named = new Set(calls(b.records).map(([e]) => `${e.method} ${e.path}`))
    const scoped = w.api.routes.filter(
      (r) =>
        r.access.audience === 'admin' &&
        r.access.permission === 'station.manage' &&
        (r.path.includes(':id') ||
          (r.endpoint?.query && 'stationId' in ((r.endpoint.query as { shape?: object }).shape ?? {}))),
    )
    expect(scoped.map((r) => `${r.method} ${r.path}`).filter((k) => !named.has(k))).toEqual([])

    const failures: string[] = []
    for (const [e, req] of calls(b.records)) {
      const res = await w.api.request(e, { token: a.staff.token, ...req } as never)
      if (res.status !== 404)
        failures.push(`${e.method.toUpperCase()} ${e.path} as the other station's staff: ${res.status}`)
    }
    expect(failures).toEqual([])
    // Nothing changed: B's booking still confirmed, its slot open, no slot published.
    const still = await w.api.request(E.booking, { token: b.staff.token, params: { id: b.records.booking } })
    expectOk(still)
    expect(still.body.status).toBe('confirmed')
    const cal = await w.api.request(E.slots, { token: b.staff.token, params: { id: b.records.station } })
    expectOk(cal)
    expect(cal.body.items.map((s) => [s.id, s.status])).toEqual([[b.records.slot, 'open']])

    // The generic file route does not bypass the scope: a booking's file is 404 to any station's staff
    // there (their own read it through the booking), and readable by the bureau.
    const generic = (token: string) =>
      w.api.request(FileEndpoints.adminDownload, { token, params: { id: b.records.file } })
    expect((await generic(a.staff.token)).status).toBe(404)
    expect((await generic(b.staff.token)).status).toBe(404)
    expect((await generic(bureau.token)).status).toBe(200)

    // The bureau reaches B's records (refusals it meets are the records' own rules, never 404 or 403).
    for (const [e, req] of calls(b.records)) {
      const res = await w.api.request(e, { token: bureau.token, ...req } as never)
      if (res.status === 404 || res.status === 403)
        failures.push(`${e.method.toUpperCase()} ${e.path} as the bureau: ${res.status}`)
    }
    expect(failures).toEqual([])
  })

  it('keeps lists to the staff’s own station and leaves stations and rules to the bureau', async () => {
    const bureau = await buildBureau(w)
    const a = await stationWithRecords(bureau)
    const b = await stationWithRecords(bureau)
    const stations = await w.api.request(E.stations, { token: a.staff.token, query: {} })
    expectOk(stations)
    expect(stations.body.items.map((s) => s.id)).toEqual([a.records.station])
    const bookings = await w.api.request(E.bookings, { token: a.staff.token, query: {} })
    expectOk(bookings)
    expect(bookings.body.items.map((x) => x.id)).toEqual([a.records.booking])
    const all = await w.api.request(E.bookings, { token: bureau.token, query: {} })
    expectOk(all)
    expect(all.body.items.map((x) => x.id)).toEqual(
      expect.arrayContaining([a.records.booking, b.records.booking]),
    )

    const create = await w.api.request(E.createStation, { token: a.staff.token, body: stationBody() })
    expectRefused(create, 403, 'FORBIDDEN')
    expect(create.body.error.message).toContain('知识产权局')
    expectRefused(
      await w.api.request(E.updateStation, {
        token: a.staff.token,
        params: { id: a.records.station },
        body: stationBody(),
      }),
      403,
      'FORBIDDEN',
    )
    const edited = await w.api.request(E.updateStation, {
      token: bureau.token,
      params: { id: a.records.station },
      body: stationBody({
        name: '韶关市武江区知识产权服务站',
        type: 'service',
        requiresConfirmation: true,
        cancelCutoffMinutes: 60,
      }),
    })
    expectOk(edited)
    expect(edited.body).toMatchObject({
      name: '韶关市武江区知识产权服务站',
      typeLabel: '知识产权服务站',
      cancelCutoffMinutes: 60,
    })
  })
})

describe('stations in the mini-program', () => {
  it('lists active stations by district (a city takes its districts) and service, with the next free seat', async () => {
    const bureau = await buildBureau(w)
    const wujiang = await buildStation(w, bureau, {
      regionCode: '440203',
      services: ['registration', 'geo_indication'],
    })
    const zhenjiang = await buildStation(w, bureau, { regionCode: '440204', services: ['enforcement'] })
    const closed = await buildStation(w, bureau, { regionCode: '440203', active: false })
    const slot = await slotIn(w, wujiang.staff, wujiang.station.id, 2 * DAY, {
      capacity: 1,
      services: ['registration'],
    })
    const [user, other] = await fastMpUsers(w, 2)
    const list = async (query: Record<string, string>) => {
      const res = await w.api.request(E.mpStations, { token: user!.token, query })
      expectOk(res)
      return res.body.items
    }
    const city = (await list({ regionCode: '440200' })).map((s) => s.id)
    expect(city).toEqual(expect.arrayContaining([wujiang.station.id, zhenjiang.station.id]))
    expect(city).not.toContain(closed.station.id)
    expect((await list({ regionCode: '440204' })).map((s) => s.id)).toEqual([zhenjiang.station.id])
    const geo = await list({ service: 'geo_indication' })
    expect(geo.find((s) => s.id === wujiang.station.id)).toMatchObject({
      nextAvailableAt: slot.startAt,
      serviceLabels: ['商标注册', '地理标志'],
    })
    expect(geo.map((s) => s.id)).not.toContain(zhenjiang.station.id)
    // Once the one seat is taken, the next free seat is gone.
    await booked(w, other!, { slotId: slot.id, topic: 'registration' })
    const detail = await w.api.request(E.mpStation, {
      token: user!.token,
      params: { id: wujiang.station.id },
    })
    expectOk(detail)
    expect(detail.body.nextAvailableAt).toBeNull()
    expect(
      (await w.api.request(E.mpStation, { token: user!.token, params: { id: closed.station.id } })).status,
    ).toBe(404)
    // An inactive station takes no bookings.
    const inactiveSlot = await slotIn(w, wujiang.staff, wujiang.station.id, 4 * DAY, {
      capacity: 1,
      services: ['registration'],
    })
    expectOk(
      await w.api.request(E.updateStation, {
        token: bureau.token,
        params: { id: wujiang.station.id },
        body: stationBody({ active: false, services: ['registration', 'geo_indication'] }),
      }),
    )
    expectRefused(
      await book(w, user!, { slotId: inactiveSlot.id, topic: 'registration' }),
      409,
      'SLOT_CLOSED',
    )
  })
})
