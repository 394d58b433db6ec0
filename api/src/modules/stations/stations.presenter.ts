import { iso } from '../../platform/time.js'
import { regionLabel } from '../taxonomy/regions.js'
import {
  BOOKING_STATUS_LABELS,
  STATION_SERVICE_LABELS,
  STATION_TYPE_LABELS,
  type AdminBookingOutput,
  type AdminSlotOutput,
  type BookingOutput,
  type MpBookingOutput,
  type MpStationOutput,
  type SlotOutput,
  type StationOutput,
} from './stations.contract.js'
import type { BookingDoc, SlotDoc, StationDoc } from './stations.model.js'

export type FileBriefs = Map<string, { id: string; name: string; mime: string; size: number }>
const briefs = (files: FileBriefs, ids: { toHexString(): string }[] | undefined) =>
  (ids ?? []).flatMap((id) => {
    const f = files.get(id.toHexString())
    return f ? [f] : []
  })

export function presentStation(s: StationDoc): StationOutput {
  return {
    id: s._id.toHexString(),
    name: s.name,
    type: s.type,
    typeLabel: STATION_TYPE_LABELS[s.type],
    regionCode: s.regionCode,
    regionLabel: regionLabel(s.regionCode),
    address: s.address,
    location: s.location ? { lng: s.location.lng, lat: s.location.lat } : null,
    contact: s.contact ? { name: s.contact.name ?? '', phone: s.contact.phone } : null,
    services: s.services,
    serviceLabels: s.services.map((k) => STATION_SERVICE_LABELS[k]),
    openingHours: s.openingHours ?? '',
    intro: s.intro ?? '',
    requiresConfirmation: s.requiresConfirmation,
    cancelCutoffMinutes: s.cancelCutoffMinutes,
    active: s.active,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  }
}

export function presentMpStation(s: StationDoc, nextAvailableAt: Date | null): MpStationOutput {
  const { active: _a, createdAt: _c, updatedAt: _u, ...rest } = presentStation(s)
  return { ...rest, nextAvailableAt: iso(nextAvailableAt) }
}

export function presentSlot(s: SlotDoc, now: Date): SlotOutput {
  return {
    id: s._id.toHexString(),
    stationId: s.stationId.toHexString(),
    startAt: iso(s.startAt),
    endAt: iso(s.endAt),
    mode: s.mode,
    services: s.services,
    capacity: s.capacity,
    seatsLeft: s.seatsLeft,
    status: s.status,
    bookable: s.status === 'open' && s.startAt > now && s.seatsLeft > 0,
  }
}

export function presentAdminSlot(s: SlotDoc, now: Date, pending = 0): AdminSlotOutput {
  return {
    ...presentSlot(s, now),
    booked: s.capacity - s.seatsLeft,
    pending,
    closeReason: s.closeReason ?? null,
    batchId: s.batchId.toHexString(),
    createdAt: iso(s.createdAt),
  }
}

export interface BookingContext {
  station: Pick<StationDoc, '_id' | 'name' | 'address' | 'contact' | 'cancelCutoffMinutes'>
  files: FileBriefs
  /** the booker's phone in full (the booker, or staff of the booking's station); masked otherwise */
  phone: string | null
}

export function cutoffOf(b: Pick<BookingDoc, 'startAt'>, cancelCutoffMinutes: number) {
  return new Date(b.startAt.getTime() - cancelCutoffMinutes * 60_000)
}

export function presentBooking(b: BookingDoc, c: BookingContext): BookingOutput {
  const actorName = (a: { name: string } | null | undefined) => a?.name ?? ''
  return {
    id: b._id.toHexString(),
    no: b.no,
    status: b.status,
    statusLabel: BOOKING_STATUS_LABELS[b.status],
    station: {
      id: c.station._id.toHexString(),
      name: c.station.name,
      address: c.station.address,
      phone: c.station.contact?.phone ?? null,
    },
    slot: { id: b.slotId.toHexString(), startAt: iso(b.startAt), endAt: iso(b.endAt), mode: b.mode },
    topic: b.topic,
    topicLabel: STATION_SERVICE_LABELS[b.topic],
    note: b.note ?? '',
    files: briefs(c.files, b.fileIds),
    bookedAs: b.bookedAs,
    enterpriseName: b.enterprise?.name ?? null,
    contact: b.contact ? { name: b.contact.name, phone: c.phone ?? b.contact.phoneMasked } : null,
    cancelCutoffAt: iso(cutoffOf(b, c.station.cancelCutoffMinutes)),
    cancellation: b.cancellation
      ? {
          at: iso(b.cancellation.at),
          by: b.cancellation.by,
          reason: b.cancellation.reason ?? '',
          late: !!b.cancellation.late,
        }
      : null,
    record: b.record
      ? {
          topic: b.record.topic,
          topicLabel: STATION_SERVICE_LABELS[b.record.topic],
          advice: b.record.advice,
          followUp: b.record.followUp ?? '',
          durationMinutes: b.record.durationMinutes,
          files: briefs(c.files, b.record.fileIds),
          by: actorName(b.record.by),
          at: iso(b.record.at),
        }
      : null,
    letter: b.letter
      ? {
          title: b.letter.title,
          body: b.letter.body,
          files: briefs(c.files, b.letter.fileIds),
          issuedAt: iso(b.letter.issuedAt),
          by: actorName(b.letter.by),
        }
      : null,
    feedback: b.feedback
      ? { rating: b.feedback.rating, comment: b.feedback.comment ?? '', at: iso(b.feedback.at) }
      : null,
    appeal: b.appeal
      ? {
          reason: b.appeal.reason,
          at: iso(b.appeal.at),
          status: b.appeal.status,
          note: b.appeal.note ?? null,
          decidedAt: iso(b.appeal.decidedAt),
        }
      : null,
    createdAt: iso(b.createdAt),
    updatedAt: iso(b.updatedAt),
  }
}

/** The booker's view at `now`: what they may do with it. */
export function presentMpBooking(
  b: BookingDoc,
  c: BookingContext,
  now: Date,
  feedbackDays: number,
): MpBookingOutput {
  const active = b.status === 'pending' || b.status === 'confirmed'
  const started = b.startAt <= now
  const cutoff = cutoffOf(b, c.station.cancelCutoffMinutes)
  const rateUntil = b.completedAt ? new Date(b.completedAt.getTime() + feedbackDays * 86_400_000) : null
  return {
    ...presentBooking(b, c),
    canCancel: active && !started,
    cancelWouldCost: active && !started && now > cutoff,
    canMove: active && now <= cutoff,
    canRate: b.status === 'completed' && !b.feedback && !!rateUntil && now <= rateUntil,
    rateUntil: iso(rateUntil),
    canAppeal: b.status === 'no_show' && !b.appeal,
  }
}

/** What the console offers on a booking now: the machine's moves this viewer holds, and the time's rules. */
export function actionsOf(b: BookingDoc, now: Date, canManage: boolean): AdminBookingOutput['actions'] {
  if (!canManage) return []
  const started = b.startAt <= now
  const out: AdminBookingOutput['actions'] = []
  if (b.status === 'pending') out.push('confirm', 'cancel')
  if (b.status === 'confirmed')
    out.push(...(started ? (['complete', 'noShow', 'cancel'] as const) : (['cancel'] as const)))
  if (b.status === 'completed') out.push('letter')
  if (b.status === 'no_show') out.push(b.appeal?.status === 'pending' ? 'decideAppeal' : 'excuse')
  return out
}

export function presentAdminBooking(
  b: BookingDoc,
  c: BookingContext,
  o: { now: Date; canManage: boolean; credit: { points: number; suspended: boolean } },
): AdminBookingOutput {
  return {
    ...presentBooking(b, c),
    creditCode: b.enterprise?.creditCode ?? null,
    credit: o.credit,
    actions: actionsOf(b, o.now, o.canManage),
  }
}
