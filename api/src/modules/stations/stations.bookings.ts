import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import { beijingDateTime, beijingYear } from '../../platform/time.js'
import { transition } from '../../platform/transitions.js'
import { EnterpriseModel } from '../enterprises/enterprises.model.js'
import { StoredFileModel, type StoredFileDoc } from '../files/files.model.js'
import type { NotificationKind } from '../notifications/notifications.contract.js'
import { ReminderModel } from '../notifications/notifications.model.js'
import { mask } from '../../platform/crypto.js'
import {
  BOOKING_STATUS_LABELS,
  BookingMachine,
  STATION_SERVICE_LABELS,
  type AdminBookingQuery,
  type AdviceLetterInput,
  type AppealDecision,
  type BookingCreateOutput,
  type BookingMoveName,
  type BookingStatusOutput,
  type MpBookingQuery,
  type ServiceRecordInput,
} from './stations.contract.js'
import type { CreditService } from './stations.credit.js'
import { stationErrors } from './stations.errors.js'
import {
  BookingCounterModel,
  BookingModel,
  BookingQuotaModel,
  SlotModel,
  StationModel,
  type ActorDoc,
  type BookingDoc,
  type SlotDoc,
  type StationDoc,
} from './stations.model.js'
import {
  cutoffOf,
  presentAdminBooking,
  presentAdminSlot,
  presentMpBooking,
  type BookingContext,
  type FileBriefs,
} from './stations.presenter.js'
import {
  oid,
  ownStation,
  sees,
  stationFilter,
  type StationDeps,
  type StationsService,
} from './stations.service.js'
import { seats, type SlotsService } from './stations.slots.js'

export const SYSTEM: ActorDoc = { kind: 'system', id: null, name: '系统' }
const actorOf = (p: AdminPrincipal | MpPrincipal): ActorDoc =>
  p.kind === 'admin'
    ? { kind: 'admin', id: new Types.ObjectId(p.id), name: p.username }
    : { kind: 'mp', id: new Types.ObjectId(p.id), name: '预约人' }

/** Reminders go out the day before and an hour before the start; each is its own reminder subject. */
export const REMINDERS = [
  { key: 'day', beforeMs: 24 * 3600_000, label: '明天' },
  { key: 'hour', beforeMs: 3600_000, label: '1 小时后' },
] as const
const subjectOf = (bookingId: Types.ObjectId | string, key: string) => `${String(bookingId)}:${key}`

const BOOKING_MATERIAL = 'booking-material'
const SERVICE_RECORD = 'service-record'

type Station = Pick<
  StationDoc,
  | '_id'
  | 'name'
  | 'address'
  | 'contact'
  | 'cancelCutoffMinutes'
  | 'requiresConfirmation'
  | 'services'
  | 'active'
>
const STATION_FIELDS = {
  name: 1,
  address: 1,
  contact: 1,
  cancelCutoffMinutes: 1,
  requiresConfirmation: 1,
  services: 1,
  active: 1,
}

/**
 * Booking, its lifecycle and what follows the consultation. Capacity is the database's: a seat is one
 * conditional update of the slot (seats.take), a place among the booker's upcoming bookings one
 * conditional push (quota), one active booking per person and slot a unique index. Each is given back by
 * an update that can only happen once per booking, so a cancellation frees exactly one seat and one place.
 */
export class BookingsService {
  constructor(
    readonly d: StationDeps,
    readonly stations: StationsService,
    readonly slots: SlotsService,
    readonly credit: CreditService,
  ) {}

  // ── places among a person's upcoming bookings ─────────────────────────────────────────────────────

  /**
   * One place for this booking unless the person already holds `max` upcoming ones. Entries of bookings
   * already started leave the set before a refusal is final (pruned only when the set is full, so the
   * common case is one update).
   */
  private async takePlace(
    userId: Types.ObjectId,
    bookingId: Types.ObjectId,
    startAt: Date,
    now: Date,
    max: number,
  ) {
    const push = async () => {
      try {
        return !!(await BookingQuotaModel.findOneAndUpdate(
          { _id: userId, [`upcoming.${max - 1}`]: { $exists: false } },
          { $push: { upcoming: { _id: bookingId, startAt } } },
          { upsert: true, new: true, projection: { _id: 1 } },
        ).lean())
      } catch (e) {
        // The document exists and is full: the upsert's insert collided with it.
        if (isDuplicateKey(e)) return false
        throw e
      }
    }
    if (await push()) return true
    const pruned = await BookingQuotaModel.updateOne(
      { _id: userId },
      { $pull: { upcoming: { startAt: { $lte: now } } } },
    )
    return pruned.modifiedCount > 0 && (await push())
  }

  private releasePlace(userId: Types.ObjectId, bookingId: Types.ObjectId) {
    return BookingQuotaModel.updateOne({ _id: userId }, { $pull: { upcoming: { _id: bookingId } } })
  }

  /** Everything a booking held (seat, place, reminders), given back; safe to call more than once. */
  private async releaseAll(b: Pick<BookingDoc, '_id' | 'slotId' | 'userId'>) {
    await Promise.all([
      seats.release(b.slotId, b._id),
      this.releasePlace(b.userId, b._id),
      this.cancelReminders(b._id),
    ])
  }

  // ── booking ─────────────────────────────────────────────────────────────────────────────────────

  /** The next booking number of a year: BK2026000123. A failed booking leaves a gap, never a repeat. */
  private async nextNo(now: Date) {
    const year = beijingYear(now)
    const c = await BookingCounterModel.findOneAndUpdate(
      { _id: `bookings:${year}` },
      { $inc: { seq: 1 } },
      { upsert: true, new: true },
    ).lean<{ seq: number }>()
    return `BK${year}${String(c!.seq).padStart(6, '0')}`
  }

  /** Each file the caller's own upload for `purpose`; a foreign or unknown id is the same 400. */
  private async assertFiles(
    owner: { kind: 'mp' | 'admin'; id: string },
    ids: string[],
    purpose: string,
    path: string,
    label: string,
  ) {
    if (!ids.length) return []
    const files = await StoredFileModel.find(
      { _id: { $in: ids.map((i) => oid(i)) } },
      { owner: 1, purpose: 1 },
    ).lean<StoredFileDoc[]>()
    const byId = new Map(files.map((f) => [f._id.toHexString(), f]))
    ids.forEach((id, i) => {
      const f = byId.get(id)
      if (!f || f.owner.kind !== owner.kind || !f.owner.id.equals(owner.id) || f.purpose !== purpose)
        throw stationErrors.fileInvalid(`${path}.${i}`, label)
    })
    return ids.map((i) => oid(i))
  }

  /**
   * A booking, in this order: the rules that read (station, topic, files, credit, an existing booking),
   * then a place among the booker's upcoming bookings, then a seat, then the booking itself. A step that
   * fails gives back what the earlier ones took, so nothing is held by a refused booking.
   */
  async book(user: MpPrincipal, input: BookingCreateOutput) {
    const now = this.d.clock.now()
    const slot = await this.slots.slot(input.slotId)
    if (!slot) throw stationErrors.slotNotFound()
    const userId = new Types.ObjectId(user.id)
    // The reads the rules need, at once: they change nothing, so their order does not matter.
    const [station, standing, existing, rules, enterprise] = await Promise.all([
      this.stationOf(slot.stationId),
      this.credit.standing(user.id, now),
      BookingModel.exists({ slotId: slot._id, userId, active: true }),
      this.stations.rules(),
      user.enterpriseId
        ? EnterpriseModel.findById(user.enterpriseId, { name: 1, creditCode: 1 }).lean<{
            _id: Types.ObjectId
            name: string
            creditCode: string
          }>()
        : null,
    ])
    if (!station) throw stationErrors.slotNotFound()
    if (!station.active) throw stationErrors.slotClosed('inactive')
    if (!station.services.includes(input.topic))
      throw stationErrors.topicNotOffered(input.topic, station.services)
    if (!slot.services.includes(input.topic)) throw stationErrors.topicNotOffered(input.topic, slot.services)
    const fileIds = await this.assertFiles(user, input.fileIds ?? [], BOOKING_MATERIAL, 'fileIds', '预约材料')
    if (slot.status !== 'open') throw stationErrors.slotClosed('closed')
    if (slot.startAt <= now) throw stationErrors.slotClosed('past')
    if (standing.suspended) throw stationErrors.suspended(standing.points, standing.bookableFrom!)
    if (existing) throw stationErrors.duplicate()
    // Full when read: answered at once. A free seat read here proves nothing; the take below decides.
    if (slot.seatsLeft <= 0) throw stationErrors.slotFull()

    const bookingId = new Types.ObjectId()
    if (!(await this.takePlace(userId, bookingId, slot.startAt, now, rules.maxUpcoming)))
      throw stationErrors.limit(rules.maxUpcoming)
    const taken = await seats.take(slot._id, bookingId, now)
    if (!taken) {
      await this.releasePlace(userId, bookingId)
      const after = await SlotModel.findById(slot._id, { status: 1, startAt: 1 }).lean<SlotDoc>()
      if (after?.status !== 'open') throw stationErrors.slotClosed('closed')
      if (after.startAt <= this.d.clock.now()) throw stationErrors.slotClosed('past')
      throw stationErrors.slotFull()
    }
    const status: BookingStatusOutput = station.requiresConfirmation ? 'pending' : 'confirmed'
    let booking: BookingDoc
    try {
      booking = (
        await BookingModel.create({
          _id: bookingId,
          no: await this.nextNo(now),
          userId,
          stationId: station._id,
          slotId: slot._id,
          startAt: slot.startAt,
          endAt: slot.endAt,
          mode: slot.mode,
          status,
          active: true,
          topic: input.topic,
          note: input.note ?? '',
          fileIds,
          bookedAs: enterprise ? 'enterprise' : 'individual',
          enterprise: enterprise
            ? { id: enterprise._id, name: enterprise.name, creditCode: enterprise.creditCode }
            : null,
          contact: input.contact
            ? {
                name: input.contact.name,
                phoneEnc: this.d.cipher.encrypt(input.contact.phone),
                phoneMasked: mask.phone(input.contact.phone),
              }
            : null,
          confirmedAt: status === 'confirmed' ? now : null,
        })
      ).toObject<BookingDoc>()
    } catch (e) {
      await Promise.all([seats.release(slot._id, bookingId), this.releasePlace(userId, bookingId)])
      throw e
    }
    // A close that ran between the seat and the insert did not see this booking: it is cancelled here.
    if (await SlotModel.exists({ _id: slot._id, status: 'closed' })) {
      await this.closeOne(booking, '时段已关闭').catch(() => undefined)
      throw stationErrors.slotClosed('closed')
    }
    if (status === 'confirmed') await this.onConfirmed(booking, station)
    return booking
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────────────

  private stationOf(id: Types.ObjectId) {
    return StationModel.findById(id, STATION_FIELDS).lean<Station>()
  }

  private async context(
    bookings: BookingDoc[],
  ): Promise<{ stations: Map<string, Station>; files: FileBriefs }> {
    const stationIds = [...new Set(bookings.map((b) => b.stationId.toHexString()))].map((s) => oid(s))
    const fileIds = bookings.flatMap((b) => [
      ...(b.fileIds ?? []),
      ...(b.record?.fileIds ?? []),
      ...(b.letter?.fileIds ?? []),
    ])
    const [stations, files] = await Promise.all([
      StationModel.find({ _id: { $in: stationIds } }, STATION_FIELDS).lean<Station[]>(),
      fileIds.length
        ? StoredFileModel.find({ _id: { $in: fileIds } }, { originalName: 1, mime: 1, size: 1 }).lean<
            StoredFileDoc[]
          >()
        : Promise.resolve([]),
    ])
    return {
      stations: new Map(stations.map((s) => [s._id.toHexString(), s])),
      files: new Map(
        files.map((f) => [
          f._id.toHexString(),
          { id: f._id.toHexString(), name: f.originalName, mime: f.mime, size: f.size },
        ]),
      ),
    }
  }

  private ctxOf(
    b: BookingDoc,
    c: { stations: Map<string, Station>; files: FileBriefs },
    revealPhone: boolean,
  ): BookingContext {
    const station = c.stations.get(b.stationId.toHexString()) ?? {
      _id: b.stationId,
      name: '',
      address: '',
      contact: null,
      cancelCutoffMinutes: 0,
    }
    return {
      station,
      files: c.files,
      phone: revealPhone && b.contact?.phoneEnc ? this.d.cipher.decrypt(b.contact.phoneEnc) : null,
    }
  }

  async presentMine(bookings: BookingDoc[]) {
    const c = await this.context(bookings)
    const now = this.d.clock.now()
    const { feedbackDays } = await this.stations.rules()
    return bookings.map((b) => presentMpBooking(b, this.ctxOf(b, c, true), now, feedbackDays))
  }

  private async own(user: MpPrincipal, id: string) {
    const b = await BookingModel.findOne({ _id: id, userId: new Types.ObjectId(user.id) }).lean<BookingDoc>()
    if (!b) throw stationErrors.bookingNotFound()
    return b
  }

  async mine(user: MpPrincipal, q: z.output<typeof MpBookingQuery>) {
    const now = this.d.clock.now()
    const filter: Record<string, unknown> = { userId: new Types.ObjectId(user.id) }
    if (q.scope === 'upcoming')
      Object.assign(filter, { status: { $in: ['pending', 'confirmed'] }, endAt: { $gt: now } })
    if (q.scope === 'past')
      filter.$or = [{ status: { $nin: ['pending', 'confirmed'] } }, { endAt: { $lte: now } }]
    const docs = await BookingModel.find(filter)
      .sort({ startAt: q.scope === 'upcoming' ? 1 : -1 })
      .limit(200)
      .lean<BookingDoc[]>()
    return { items: await this.presentMine(docs) }
  }

  async mineDetail(user: MpPrincipal, id: string) {
    return (await this.presentMine([await this.own(user, id)]))[0]!
  }

  /** A file of the booker's booking: their own material, the record's or the letter's attachments. */
  async mineFile(user: MpPrincipal, id: string, fileId: string) {
    const b = await this.own(user, id)
    if (!this.filesOf(b).some((f) => f.toHexString() === fileId)) throw stationErrors.fileNotFound()
    return this.d.files.openChecked(fileId)
  }

  private filesOf(b: BookingDoc) {
    return [...(b.fileIds ?? []), ...(b.record?.fileIds ?? []), ...(b.letter?.fileIds ?? [])]
  }

  // ── the booker's moves ──────────────────────────────────────────────────────────────────────────

  /**
   * The booker cancels before the start. After the station's cut-off it costs 2 points (a late
   * cancellation); the seat and the place go back either way, once.
   */
  async cancelMine(user: MpPrincipal, id: string, reason?: string) {
    const before = await this.own(user, id)
    const now = this.d.clock.now()
    if (before.status !== 'pending' && before.status !== 'confirmed')
      throw stationErrors.state('withdraw', before.status)
    if (before.startAt <= now) throw stationErrors.tooLate('cancel')
    const station = await this.stationOf(before.stationId)
    const late = now > cutoffOf(before, station?.cancelCutoffMinutes ?? 0)
    const moved = await this.move(before, 'withdraw', {
      guard: { startAt: { $gt: now } },
      $set: {
        active: false,
        cancellation: { at: now, by: 'booker', actor: actorOf(user), reason: reason || '预约人取消', late },
      },
    })
    await this.releaseAll(moved)
    if (late) await this.credit.penalize(moved.userId, moved._id, 'late_cancel', now)
    return this.mineDetail(user, id)
  }

  /**
   * The booker moves to another slot of the same station, before the cut-off: the new seat is taken first,
   * then the booking points at it (guarded by the slot it had), then the old seat goes back. The reminders
   * move with it, so the old ones are never sent.
   */
  async moveMine(user: MpPrincipal, id: string, slotId: string) {
    const before = await this.own(user, id)
    const now = this.d.clock.now()
    if (before.status !== 'pending' && before.status !== 'confirmed')
      throw stationErrors.state('withdraw', before.status)
    const station = await this.stationOf(before.stationId)
    if (!station) throw stationErrors.notFound()
    if (now > cutoffOf(before, station.cancelCutoffMinutes))
      throw stationErrors.tooLate('move', station.cancelCutoffMinutes)
    if (before.slotId.toHexString() === slotId) throw stationErrors.sameSlot()
    const slot = await this.slots.slot(slotId)
    if (!slot) throw stationErrors.slotNotFound()
    if (!slot.stationId.equals(before.stationId)) throw stationErrors.otherStation()
    if (!slot.services.includes(before.topic))
      throw stationErrors.topicNotOffered(before.topic, slot.services, 'slotId')
    if (slot.status !== 'open') throw stationErrors.slotClosed('closed')
    if (slot.startAt <= now) throw stationErrors.slotClosed('past')
    if (!(await seats.take(slot._id, before._id, now))) {
      const after = await SlotModel.findById(slot._id, { status: 1 }).lean<SlotDoc>()
      throw after?.status !== 'open' ? stationErrors.slotClosed('closed') : stationErrors.slotFull()
    }
    let moved: BookingDoc | null
    try {
      moved = await BookingModel.findOneAndUpdate(
        { _id: before._id, slotId: before.slotId, status: { $in: ['pending', 'confirmed'] } },
        { $set: { slotId: slot._id, startAt: slot.startAt, endAt: slot.endAt, mode: slot.mode } },
        { new: true },
      ).lean<BookingDoc>()
    } catch (e) {
      await seats.release(slot._id, before._id)
      throw isDuplicateKey(e) ? stationErrors.duplicate() : e
    }
    if (!moved) {
      await seats.release(slot._id, before._id)
      const now2 = await BookingModel.findById(before._id, { status: 1 }).lean<BookingDoc>()
      throw stationErrors.refused({
        current: now2?.status ?? before.status,
        allowedFrom: ['pending', 'confirmed'],
        move: 'withdraw',
        stateAllowed: true,
      })
    }
    await seats.release(before.slotId, before._id)
    await BookingQuotaModel.updateOne(
      { _id: moved.userId, 'upcoming._id': moved._id },
      { $set: { 'upcoming.$.startAt': moved.startAt } },
    )
    if (await SlotModel.exists({ _id: slot._id, status: 'closed' }))
      await this.closeOne(moved, '时段已关闭').catch(() => undefined)
    else if (moved.status === 'confirmed') await this.scheduleReminders(moved, station)
    return this.mineDetail(user, id)
  }

  /** A rating of a completed consultation, within the rating window, once (one conditional update). */
  async feedback(user: MpPrincipal, id: string, input: { rating: number; comment?: string | undefined }) {
    const before = await this.own(user, id)
    const now = this.d.clock.now()
    const { feedbackDays } = await this.stations.rules()
    const since = new Date(now.getTime() - feedbackDays * 86_400_000)
    const rated = await BookingModel.findOneAndUpdate(
      {
        _id: before._id,
        userId: before.userId,
        status: 'completed',
        feedback: null,
        completedAt: { $gte: since },
      },
      { $set: { feedback: { rating: input.rating, comment: input.comment ?? '', at: now } } },
      { new: true },
    ).lean<BookingDoc>()
    if (!rated) {
      const b = await this.own(user, id)
      if (b.feedback) throw stationErrors.feedbackExists()
      throw stationErrors.feedbackClosed(b.status === 'completed' ? 'expired' : 'not_completed', feedbackDays)
    }
    return this.mineDetail(user, id)
  }

  /** The booker disputes a no-show, once; staff decide (decideAppeal). */
  async appeal(user: MpPrincipal, id: string, reason: string) {
    const before = await this.own(user, id)
    if (before.status !== 'no_show') throw stationErrors.appealState('not_no_show')
    const now = this.d.clock.now()
    const got = await BookingModel.findOneAndUpdate(
      { _id: before._id, status: 'no_show', appeal: null },
      { $set: { appeal: { reason, at: now, status: 'pending', note: null, by: null, decidedAt: null } } },
      { new: true },
    ).lean<BookingDoc>()
    if (!got) throw stationErrors.appealState('exists')
    return this.mineDetail(user, id)
  }

  // ── the console ─────────────────────────────────────────────────────────────────────────────────

  /** A booking the viewer may act on: 404 for another station's, as for a missing one. */
  private async visible(viewer: AdminPrincipal, id: string) {
    const b = await BookingModel.findById(id).lean<BookingDoc>()
    if (!b || !sees(viewer, b.stationId)) throw stationErrors.bookingNotFound()
    return b
  }

  /** `revealPhone`: the detail, whose route records the view; lists and moves answer the phone masked. */
  async adminView(viewer: AdminPrincipal, bookings: BookingDoc[], revealPhone = false) {
    const now = this.d.clock.now()
    const [c, standings] = await Promise.all([
      this.context(bookings),
      this.credit.standings(
        [...new Set(bookings.map((b) => b.userId.toHexString()))].map((u) => oid(u)),
        now,
      ),
    ])
    const canManage = viewer.permissions.has('station.manage')
    return bookings.map((b) => {
      const s = standings.get(b.userId.toHexString())!
      // Staff reach the booker on the phone they gave for this consultation: their own station's, in full.
      return presentAdminBooking(b, this.ctxOf(b, c, revealPhone), {
        now,
        canManage,
        credit: { points: s.points, suspended: s.suspended },
      })
    })
  }

  async detail(viewer: AdminPrincipal, id: string, revealPhone = false) {
    return (await this.adminView(viewer, [await this.visible(viewer, id)], revealPhone))[0]!
  }

  async list(viewer: AdminPrincipal, q: z.output<typeof AdminBookingQuery>) {
    const filter: Record<string, unknown> = {}
    const station = stationFilter(viewer, q.stationId)
    if (station) filter.stationId = station
    if (q.slotId) filter.slotId = oid(q.slotId)
    if (q.from || q.to)
      filter.startAt = {
        ...(q.from ? { $gte: new Date(q.from) } : {}),
        ...(q.to ? { $lt: new Date(q.to) } : {}),
      }
    if (q.appeal) filter['appeal.status'] = q.appeal
    if (q.q) {
      const rx = { $regex: `^${escapeRegex(q.q)}` }
      filter.$or = [{ no: rx }, { 'enterprise.name': rx }, { 'contact.name': rx }]
    }
    const [page, counts] = await Promise.all([
      findPage<BookingDoc>(BookingModel, q.status ? { ...filter, status: q.status } : filter, q, {
        startAt: -1,
        _id: -1,
      }),
      BookingModel.aggregate<{ _id: BookingStatusOutput; n: number }>([
        { $match: filter },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ]),
    ])
    const { docs, ...rest } = page
    return {
      ...rest,
      items: await this.adminView(viewer, docs),
      counts: Object.fromEntries(counts.map((c) => [c._id, c.n])),
    }
  }

  async confirm(viewer: AdminPrincipal, id: string) {
    const before = await this.visible(viewer, id)
    const now = this.d.clock.now()
    const moved = await this.move(before, 'confirm', { $set: { confirmedAt: now } })
    const station = await this.stationOf(moved.stationId)
    if (station) await this.onConfirmed(moved, station)
    return this.detail(viewer, id)
  }

  /** Staff cancel (the consultant is away…): no points lost; the booker is told why. */
  async cancel(viewer: AdminPrincipal, id: string, reason: string) {
    const before = await this.visible(viewer, id)
    const now = this.d.clock.now()
    const moved = await this.move(before, 'cancel', {
      $set: {
        active: false,
        cancellation: { at: now, by: 'station', actor: actorOf(viewer), reason, late: false },
      },
    })
    await this.releaseAll(moved)
    await this.notifyCancelled(moved, reason)
    return this.detail(viewer, id)
  }

  /** Once the slot has started: a no-show costs 5 points; the first one also warns the booker. */
  async noShow(viewer: AdminPrincipal, id: string) {
    const before = await this.visible(viewer, id)
    const now = this.d.clock.now()
    if (before.status === 'confirmed' && before.startAt > now) throw stationErrors.notStarted(before.startAt)
    const moved = await this.move(before, 'noShow', { $set: { active: false, noShowAt: now } })
    await Promise.all([this.releasePlace(moved.userId, moved._id), this.cancelReminders(moved._id)])
    const { standing, firstNoShow } = await this.credit.penalize(moved.userId, moved._id, 'no_show', now)
    const station = await this.stationOf(moved.stationId)
    const warn = firstNoShow
      ? `这是您第一次爽约，已扣 5 分（当前 ${standing.points} 分）。再次爽约将继续扣分，信用分为 0 时将暂停预约；如有异议可在预约详情中申诉`
      : `已扣 5 分，当前信用分 ${standing.points} 分${standing.suspended ? `，暂停预约至 ${beijingDateTime(standing.bookableFrom!)}` : ''}；如有异议可申诉`
    await this.notify('booking.no_show', moved, 'no_show', {
      vars: {
        person: this.personOf(moved),
        at: moved.startAt.toISOString(),
        station: station?.name ?? '',
        note: `当前信用分 ${standing.points} 分`,
      },
      title: firstNoShow ? '爽约提醒' : '爽约记录',
      summary: warn,
    })
    return this.detail(viewer, id)
  }

  /** Once the slot has started: the service record is written with the move (the ledger's row). */
  async complete(viewer: AdminPrincipal, id: string, input: z.output<typeof ServiceRecordInput>) {
    const before = await this.visible(viewer, id)
    const now = this.d.clock.now()
    if (before.status === 'confirmed' && before.startAt > now) throw stationErrors.notStarted(before.startAt)
    const fileIds = await this.assertFiles(viewer, input.fileIds ?? [], SERVICE_RECORD, 'fileIds', '服务记录')
    const moved = await this.move(before, 'complete', {
      $set: {
        active: false,
        completedAt: now,
        record: {
          topic: input.topic,
          advice: input.advice,
          followUp: input.followUp ?? '',
          durationMinutes: input.durationMinutes,
          fileIds,
          by: actorOf(viewer),
          at: now,
        },
      },
    })
    await Promise.all([this.releasePlace(moved.userId, moved._id), this.cancelReminders(moved._id)])
    return this.detail(viewer, id)
  }

  /** The written advice (服务建议书) of a completed consultation; issuing again replaces it. */
  async letter(viewer: AdminPrincipal, id: string, input: z.output<typeof AdviceLetterInput>) {
    const before = await this.visible(viewer, id)
    if (before.status !== 'completed') throw stationErrors.letterState(before.status)
    const fileIds = await this.assertFiles(viewer, input.fileIds ?? [], SERVICE_RECORD, 'fileIds', '服务记录')
    const now = this.d.clock.now()
    const issued = await BookingModel.findOneAndUpdate(
      { _id: before._id, status: 'completed' },
      {
        $set: {
          letter: { title: input.title, body: input.body, fileIds, by: actorOf(viewer), issuedAt: now },
        },
      },
      { new: true },
    ).lean<BookingDoc>()
    if (!issued) throw stationErrors.bookingNotFound()
    const station = await this.stationOf(issued.stationId)
    await this.notify('booking.advice', issued, `letter:${now.getTime()}`, {
      vars: { station: station?.name ?? '', title: input.title, at: now.toISOString() },
      title: '服务建议书',
      summary: `${station?.name ?? '指导站'}出具了“${input.title}”，请查看`,
    })
    return this.detail(viewer, id)
  }

  /**
   * A no-show disputed (or found wrong by staff): `reverse` excuses it (the booking counts as cancelled and
   * the 5 points return), `uphold` keeps it, and either answers a pending appeal.
   */
  async decideAppeal(viewer: AdminPrincipal, id: string, input: z.output<typeof AppealDecision>) {
    const before = await this.visible(viewer, id)
    const now = this.d.clock.now()
    const decided = { by: actorOf(viewer), note: input.note, decidedAt: now }
    if (input.decision === 'uphold') {
      if (before.appeal?.status !== 'pending') throw stationErrors.appealState('none')
      const got = await BookingModel.findOneAndUpdate(
        { _id: before._id, status: 'no_show', 'appeal.status': 'pending' },
        {
          $set: {
            'appeal.status': 'upheld',
            'appeal.note': input.note,
            'appeal.by': decided.by,
            'appeal.decidedAt': now,
          },
        },
        { new: true },
      ).lean<BookingDoc>()
      if (!got) throw stationErrors.appealState('none')
    } else {
      const moved = await this.move(before, 'excuse', {
        $set: {
          ...(before.appeal
            ? {
                'appeal.status': 'reversed',
                'appeal.note': input.note,
                'appeal.by': decided.by,
                'appeal.decidedAt': now,
              }
            : {}),
          cancellation: {
            at: now,
            by: 'station',
            actor: decided.by,
            reason: `撤销爽约：${input.note}`,
            late: false,
          },
        },
      })
      await seats.release(moved.slotId, moved._id)
      await this.credit.reverse(moved.userId, moved._id, 'no_show', now)
    }
    const after = await BookingModel.findById(before._id).lean<BookingDoc>()
    const station = await this.stationOf(before.stationId)
    await this.notify('booking.appeal', after!, `appeal:${input.decision}`, {
      vars: {
        station: station?.name ?? '',
        result: input.decision === 'reverse' ? '已撤销' : '维持',
        at: now.toISOString(),
        note: input.note,
      },
      title: input.decision === 'reverse' ? '爽约申诉：已撤销爽约记录' : '爽约申诉：维持爽约记录',
      summary: input.note,
    })
    return this.detail(viewer, id)
  }

  /** A material, record or letter attachment of a booking of the viewer's station. */
  async bookingFile(viewer: AdminPrincipal, id: string, fileId: string) {
    const b = await this.visible(viewer, id)
    if (!this.filesOf(b).some((f) => f.toHexString() === fileId)) throw stationErrors.fileNotFound()
    return this.d.files.openChecked(fileId)
  }

  // ── closing a slot ──────────────────────────────────────────────────────────────────────────────

  /**
   * Closes a slot: no seat can be taken from then on (the take needs `open`), and each of its active
   * bookings is cancelled with the reason and its booker told. A booking whose seat was taken just
   * before the close finds the slot closed right after its insert and cancels itself (book()).
   */
  async closeSlot(viewer: AdminPrincipal, slotId: string, reason: string) {
    const slot = await this.slots.visibleSlot(viewer, slotId)
    const closed = await SlotModel.findOneAndUpdate(
      { _id: slot._id, status: 'open' },
      { $set: { status: 'closed', closeReason: reason } },
      { new: true, projection: { holders: 0 } },
    ).lean<SlotDoc>()
    if (!closed) throw stationErrors.slotClosedForEdit()
    const active = await BookingModel.find({
      slotId: slot._id,
      status: { $in: ['pending', 'confirmed'] },
    }).lean<BookingDoc[]>()
    let cancelled = 0
    for (const b of active) if (await this.closeOne(b, reason).catch(() => null)) cancelled++
    const after = (await this.slots.slot(slot._id))!
    return { slot: presentAdminSlot(after, this.d.clock.now(), 0), cancelled }
  }

  private async closeOne(b: BookingDoc, reason: string) {
    const now = this.d.clock.now()
    const moved = await this.move(b, 'close', {
      $set: { active: false, cancellation: { at: now, by: 'station', actor: SYSTEM, reason, late: false } },
    })
    await this.releaseAll(moved)
    await this.notifyCancelled(moved, reason)
    return moved
  }

  // ── sweeps ──────────────────────────────────────────────────────────────────────────────────────

  /** Pending bookings nobody confirmed before the start are cancelled (no points lost), their bookers told. */
  async lapsePending(now = this.d.clock.now()) {
    let lapsed = 0
    for (;;) {
      const due = await BookingModel.find({ status: 'pending', startAt: { $lte: now } })
        .limit(200)
        .lean<BookingDoc[]>()
      for (const b of due) {
        const moved = await this.move(b, 'lapse', {
          guard: { startAt: { $lte: now } },
          $set: {
            active: false,
            cancellation: {
              at: now,
              by: 'system',
              actor: SYSTEM,
              reason: '指导站未在开始前确认，预约已自动取消',
              late: false,
            },
          },
        }).catch(() => null)
        if (!moved) continue
        lapsed++
        await this.releaseAll(moved)
        await this.notifyCancelled(moved, '指导站未在开始前确认，预约已自动取消')
      }
      if (due.length < 200) return lapsed
    }
  }

  /**
   * Seats a crash left taken, given back by the same once-only update a cancellation uses:
   * - a holder with no booking, taken over a minute ago (the booking's insert never happened);
   * - a holder whose booking was cancelled (the cancellation's release never happened);
   * - a holder whose booking now points at another slot (a move's release of its old seat never
   *   happened), only on a slot no seat moved on for a minute, so a move under way is never undone.
   * It never takes a seat, so it cannot overfill a slot.
   */
  async reconcileSeats(now = new Date()) {
    const minuteAgo = new Date(now.getTime() - 60_000)
    let released = 0
    const slots = await SlotModel.find(
      { 'holders.0': { $exists: true }, endAt: { $gt: new Date(now.getTime() - 7 * 86_400_000) } },
      { holders: 1, updatedAt: 1 },
    )
      .limit(5000)
      .lean<Pick<SlotDoc, '_id' | 'holders' | 'updatedAt'>[]>()
    for (const s of slots) {
      const bookings = await BookingModel.find({ _id: { $in: s.holders } }, { status: 1, slotId: 1 }).lean<
        Pick<BookingDoc, '_id' | 'status' | 'slotId'>[]
      >()
      const byId = new Map(bookings.map((b) => [b._id.toHexString(), b]))
      const quiet = s.updatedAt < minuteAgo
      for (const h of s.holders) {
        const b = byId.get(h.toHexString())
        const orphan = b
          ? b.status === 'cancelled' || (quiet && !b.slotId.equals(s._id))
          : h.getTimestamp() < minuteAgo
        if (orphan) released += (await seats.release(s._id, h)).modifiedCount
      }
    }
    return released
  }

  // ── moving, reminders, notifications ────────────────────────────────────────────────────────────

  /** One guarded move of one booking (transition()); a refused move is BOOKING_STATE with the current state. */
  private move(
    b: Pick<BookingDoc, '_id'>,
    m: BookingMoveName,
    opts: { $set?: Record<string, unknown>; guard?: Record<string, unknown> } = {},
  ): Promise<BookingDoc> {
    return transition<BookingStatusOutput, BookingMoveName, BookingDoc>(
      BookingModel,
      BookingMachine,
      m,
      { _id: b._id },
      { $set: opts.$set ?? {} },
      { guard: opts.guard, conflict: stationErrors.refused, notFound: stationErrors.bookingNotFound },
    )
  }

  private personOf(b: BookingDoc) {
    return b.contact?.name || b.enterprise?.name || '预约人'
  }

  private async onConfirmed(b: BookingDoc, station: Pick<StationDoc, 'name'>) {
    await this.notify('booking.confirmed', b, 'confirmed', {
      vars: { person: this.personOf(b), at: b.startAt.toISOString(), station: station.name, code: b.no },
      title: '预约成功',
      summary: `${station.name} ${beijingDateTime(b.startAt)}，${STATION_SERVICE_LABELS[b.topic]}`,
    })
    await this.scheduleReminders(b, station)
  }

  /**
   * The day-before and hour-before reminders at the booking's current start; a time already past is
   * dropped. Scheduling again (a move) replaces the earlier ones: their jobs find the reminder moved.
   */
  private async scheduleReminders(b: BookingDoc, station: Pick<StationDoc, 'name'>) {
    const now = this.d.clock.now()
    for (const r of REMINDERS) {
      const at = new Date(b.startAt.getTime() - r.beforeMs)
      const subjectId = subjectOf(b._id, r.key)
      if (at <= now) {
        await this.d.notifications.cancelReminder('booking.reminder', subjectId)
        continue
      }
      await this.d.notifications.scheduleReminder({
        kind: 'booking.reminder',
        subjectId,
        memberId: b.userId.toHexString(),
        at,
        vars: { person: this.personOf(b), at: b.startAt.toISOString(), station: station.name, code: b.no },
        inbox: {
          title: `预约提醒：${r.label}咨询`,
          summary: `${station.name} ${beijingDateTime(b.startAt)}（${BOOKING_STATUS_LABELS[b.status]}）`,
          content: { kind: 'booking', id: b._id.toHexString() },
        },
      })
    }
  }

  private async cancelReminders(bookingId: Types.ObjectId) {
    for (const r of REMINDERS)
      await this.d.notifications.cancelReminder('booking.reminder', subjectOf(bookingId, r.key))
  }

  /**
   * Checked when a reminder falls due (registered with the notifications service in every process): the
   * booking is still confirmed, and the reminder's time is still the one its start asks for. A booking
   * cancelled or moved while the reminder's job stayed queued sends nothing.
   */
  async stillDue(subjectId: string): Promise<boolean> {
    const [id, key] = subjectId.split(':')
    const r = REMINDERS.find((x) => x.key === key)
    if (!r || !id || !Types.ObjectId.isValid(id)) return false
    const [b, reminder] = await Promise.all([
      BookingModel.findById(id, { status: 1, startAt: 1 }).lean<BookingDoc>(),
      ReminderModel.findById(`booking.reminder:${subjectId}`, { at: 1 }).lean<{ at: Date }>(),
    ])
    return (
      b?.status === 'confirmed' && !!reminder && reminder.at.getTime() === b.startAt.getTime() - r.beforeMs
    )
  }

  private async notifyCancelled(b: BookingDoc, reason: string) {
    const station = await this.stationOf(b.stationId)
    await this.notify('booking.cancelled', b, 'cancelled', {
      vars: { person: this.personOf(b), at: b.startAt.toISOString(), station: station?.name ?? '', reason },
      title: '预约已取消',
      summary: `${station?.name ?? ''} ${beijingDateTime(b.startAt)} 的预约已取消：${reason}`,
    })
  }

  /** One notification about a booking (subscribe message when granted, inbox always), once per key. */
  private notify(
    kind: NotificationKind,
    b: BookingDoc,
    key: string,
    n: { vars: Record<string, string>; title: string; summary: string },
  ) {
    return this.d.notifications.notify(kind, [
      {
        memberId: b.userId.toHexString(),
        key: `booking:${b._id.toHexString()}:${key}`,
        vars: n.vars,
        inbox: {
          title: n.title,
          summary: n.summary.slice(0, 200),
          content: { kind: 'booking', id: b._id.toHexString() },
        },
      },
    ])
  }

  /** For the scoped console lists of other parts (ledger): the station filter of a viewer. */
  scopeOf(viewer: AdminPrincipal) {
    return ownStation(viewer)
  }
}
