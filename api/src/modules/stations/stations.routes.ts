import type { Routers, Services } from '../../platform/modules.js'
import { XLSX_MIME } from '../files/files.contract.js'
import { contentDisposition, sendFile } from '../files/files.routes.js'
import { StationsEndpoints as E } from './stations.contract.js'
import { StationLedgerEndpoints as L } from './stations.ledger.contract.js'
import type { StationsServices } from './stations.module.js'

/**
 * Stations, slots, bookings, the ledger. Console routes need `station.manage`; the services scope every
 * read and write to the caller's station when they have one (another station's records answer 404), and
 * leave the bureau's own acts (stations, rules) to the bureau.
 */
export function registerStationsRoutes(
  { mp, admin }: Routers,
  s: StationsServices,
  { audit }: Pick<Services, 'audit'>,
) {
  const { stations, slots, bookings, credit, ledger, clock } = s
  const me = { audience: 'mp' } as const
  // Booking acts in an enterprise's name when the caller has one (it must be verified), or as an individual.
  const booker = { audience: 'mp', enterprise: 'verified-or-individual' } as const

  // ── mini-program ──
  mp.endpoint(E.mpStations, me, (ctx) => stations.mpList(ctx.state.input.query))
  mp.endpoint(E.mpStation, me, (ctx) => stations.mpGet(ctx.state.input.params.id))
  mp.endpoint(E.mpSlots, me, (ctx) => slots.availability(ctx.state.input.params.id, ctx.state.input.query))
  mp.endpoint(E.book, booker, async (ctx) => {
    const b = await bookings.book(ctx.state.user, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'booking.create',
      target: { type: 'booking', id: b._id.toHexString() },
    })
    return (await bookings.presentMine([b]))[0]!
  })
  mp.endpoint(E.mine, me, (ctx) => bookings.mine(ctx.state.user, ctx.state.input.query))
  mp.endpoint(E.mineDetail, me, (ctx) => bookings.mineDetail(ctx.state.user, ctx.state.input.params.id))
  mp.endpoint(E.cancelMine, me, async (ctx) => {
    const b = await bookings.cancelMine(
      ctx.state.user,
      ctx.state.input.params.id,
      ctx.state.input.body.reason,
    )
    await audit.record(ctx, {
      action: 'booking.withdraw',
      target: { type: 'booking', id: b.id },
      fields: ['status'],
    })
    return b
  })
  mp.endpoint(E.moveMine, me, async (ctx) => {
    const b = await bookings.moveMine(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body.slotId)
    await audit.record(ctx, {
      action: 'booking.move',
      target: { type: 'booking', id: b.id },
      fields: ['slotId'],
    })
    return b
  })
  mp.endpoint(E.feedback, me, async (ctx) => {
    const b = await bookings.feedback(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'booking.feedback',
      target: { type: 'booking', id: b.id },
      fields: ['rating'],
    })
    return b
  })
  mp.endpoint(E.appeal, me, async (ctx) => {
    const b = await bookings.appeal(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body.reason)
    await audit.record(ctx, {
      action: 'booking.appeal',
      target: { type: 'booking', id: b.id },
      fields: ['appeal'],
    })
    return b
  })
  mp.endpoint(E.mineFile, me, async (ctx) => {
    const { id, fileId } = ctx.state.input.params
    return sendFile(ctx, await bookings.mineFile(ctx.state.user, id, fileId))
  })
  mp.endpoint(E.credit, me, (ctx) => credit.view(ctx.state.user.id, clock.now()))

  // ── console ──
  const staff = { audience: 'admin', permission: 'station.manage' } as const
  admin.endpoint(E.stations, staff, (ctx) => stations.list(ctx.state.user, ctx.state.input.query))
  admin.endpoint(E.createStation, staff, async (ctx) => {
    const st = await stations.create(ctx.state.user, ctx.state.input.body)
    await audit.record(ctx, { action: 'station.create', target: { type: 'station', id: st.id } })
    return st
  })
  admin.endpoint(E.station, staff, (ctx) => stations.get(ctx.state.user, ctx.state.input.params.id))
  admin.endpoint(E.updateStation, staff, async (ctx) => {
    const st = await stations.update(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'station.update',
      target: { type: 'station', id: st.id },
      fields: Object.keys(ctx.state.input.body),
    })
    return st
  })

  admin.endpoint(E.publishSlots, staff, async (ctx) => {
    const out = await slots.publish(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'station.slots.publish',
      target: { type: 'station', id: ctx.state.input.params.id },
      fields: ['slots'],
    })
    return out
  })
  admin.endpoint(E.previewSlots, staff, (ctx) =>
    slots.preview(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body),
  )
  admin.endpoint(E.slots, staff, (ctx) =>
    slots.calendar(ctx.state.user, ctx.state.input.params.id, ctx.state.input.query),
  )
  admin.endpoint(E.updateSlot, staff, async (ctx) => {
    const slot = await slots.setCapacity(
      ctx.state.user,
      ctx.state.input.params.id,
      ctx.state.input.body.capacity,
    )
    await audit.record(ctx, {
      action: 'station.slot.capacity',
      target: { type: 'station_slot', id: slot.id },
      fields: ['capacity'],
    })
    return slot
  })
  admin.endpoint(E.closeSlot, staff, async (ctx) => {
    const out = await bookings.closeSlot(
      ctx.state.user,
      ctx.state.input.params.id,
      ctx.state.input.body.reason,
    )
    await audit.record(ctx, {
      action: 'station.slot.close',
      target: { type: 'station_slot', id: out.slot.id },
      fields: ['status', 'reason'],
    })
    return out
  })

  admin.endpoint(E.bookings, staff, (ctx) => bookings.list(ctx.state.user, ctx.state.input.query))
  admin.endpoint(E.booking, staff, async (ctx) => {
    const b = await bookings.detail(ctx.state.user, ctx.state.input.params.id, true)
    // The booker's phone is shown in full here only: the view is recorded.
    if (b.contact)
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'booking', id: b.id },
        fields: ['phone'],
      })
    return b
  })
  admin.endpoint(E.confirm, staff, async (ctx) => {
    const b = await bookings.confirm(ctx.state.user, ctx.state.input.params.id)
    await audit.record(ctx, {
      action: 'booking.confirm',
      target: { type: 'booking', id: b.id },
      fields: ['status'],
    })
    return b
  })
  admin.endpoint(E.cancel, staff, async (ctx) => {
    const b = await bookings.cancel(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body.reason)
    await audit.record(ctx, {
      action: 'booking.cancel',
      target: { type: 'booking', id: b.id },
      fields: ['status', 'reason'],
    })
    return b
  })
  admin.endpoint(E.noShow, staff, async (ctx) => {
    const b = await bookings.noShow(ctx.state.user, ctx.state.input.params.id)
    await audit.record(ctx, {
      action: 'booking.no_show',
      target: { type: 'booking', id: b.id },
      fields: ['status'],
    })
    return b
  })
  admin.endpoint(E.complete, staff, async (ctx) => {
    const b = await bookings.complete(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'booking.complete',
      target: { type: 'booking', id: b.id },
      fields: ['status', 'record'],
    })
    return b
  })
  admin.endpoint(E.letter, staff, async (ctx) => {
    const b = await bookings.letter(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'booking.letter',
      target: { type: 'booking', id: b.id },
      fields: ['letter'],
    })
    return b
  })
  admin.endpoint(E.decideAppeal, staff, async (ctx) => {
    const { decision } = ctx.state.input.body
    const b = await bookings.decideAppeal(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    const action = decision === 'reverse' ? 'booking.no_show.reverse' : 'booking.appeal.uphold'
    await audit.record(ctx, {
      action,
      target: { type: 'booking', id: b.id },
      fields: decision === 'reverse' ? ['status', 'appeal'] : ['appeal'],
    })
    return b
  })
  admin.endpoint(E.bookingFile, staff, async (ctx) => {
    const { id, fileId } = ctx.state.input.params
    const download = await bookings.bookingFile(ctx.state.user, id, fileId)
    try {
      await audit.record(ctx, { action: 'file.view', target: { type: 'file', id: fileId } })
    } catch (err) {
      download.stream.destroy()
      throw err
    }
    return sendFile(ctx, download)
  })
  admin.endpoint(E.rules, staff, () => stations.rules())
  admin.endpoint(E.saveRules, staff, async (ctx) => {
    const r = await stations.saveRules(ctx.state.user, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'booking.rules.update',
      target: { type: 'booking_rules', id: 'booking' },
      fields: ['maxUpcoming', 'feedbackDays'],
    })
    return r
  })

  // ── ledger and statistics ──
  admin.endpoint(L.ledger, staff, (ctx) => ledger.ledger(ctx.state.user, ctx.state.input.query))
  admin.endpoint(L.exportLedger, { ...staff, rateLimit: 'expensive' }, async (ctx) => {
    const q = ctx.state.input.query
    const { stream, fileName } = await ledger.exportLedger(ctx.state.user, q)
    // Recorded before a byte leaves: enterprise names and credit codes of the station's period.
    try {
      await audit.record(ctx, {
        action: 'station.ledger.export',
        target: { type: 'station', id: q.stationId },
        fields: ['name'],
      })
    } catch (err) {
      stream.destroy()
      throw err
    }
    ctx.type = XLSX_MIME
    ctx.set({ 'Content-Disposition': contentDisposition(fileName), 'Cache-Control': 'private, no-store' })
    return stream
  })
  admin.endpoint(L.stats, staff, (ctx) => ledger.stats(ctx.state.user, ctx.state.input.query))
  admin.endpoint(L.compare, staff, (ctx) => ledger.compare(ctx.state.user, ctx.state.input.query))
}
