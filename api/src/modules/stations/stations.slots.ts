import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
// The package's CommonJS build (what Node loads) has no named exports: take them from its default.
import chineseDays from 'chinese-days'
import { Types } from 'mongoose'
import rrule from 'rrule'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { beijingDate } from '../../platform/time.js'
import { isWorkday } from '../../platform/workdays.js'
import type { SlotPublishOutput, SlotRangeQuery, SlotRuleOutput } from './stations.contract.js'
import { stationErrors } from './stations.errors.js'
import { BookingModel, SlotModel, StationModel, type SlotDoc, type StationDoc } from './stations.model.js'
import { presentAdminSlot, presentSlot } from './stations.presenter.js'
import { oid, type StationDeps, type StationsService } from './stations.service.js'

const { RRule } = rrule

/** A publish writes at most this many slots: a bigger rule is refused whole (SLOT_RULE_TOO_LARGE). */
export const MAX_SLOTS_PER_PUBLISH = 500
/** How long a publish may hold its station, and wait for another one to finish. */
const LOCK_MS = 30_000
const LOCK_WAIT_MS = 3_000
const DAY = 86_400_000
/** What a slot list answers without `from`/`to`: from now, 31 days. */
const DEFAULT_RANGE_DAYS = 31

const SLOT_FIELDS = { holders: 0 } as const
/** What the mini-program's availability reads of each slot: a month of a busy station is ~600 of them. */
const AVAILABILITY_FIELDS = {
  startAt: 1,
  endAt: 1,
  mode: 1,
  services: 1,
  capacity: 1,
  seatsLeft: 1,
} as const

export interface PlannedSlot {
  startAt: Date
  endAt: Date
}
export interface Expansion {
  slots: PlannedSlot[]
  skipped: { date: string; reason: string }[]
  /** more than MAX_SLOTS_PER_PUBLISH: `slots` stops at one past it */
  tooMany: boolean
}

/** Beijing wall time on a Beijing date, as the instant it is. */
const beijingInstant = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`)
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))
const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
/** 1 = Monday … 7 = Sunday, of a YYYY-MM-DD date. */
const weekdayOf = (date: string) => ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1

/** The festival a date belongs to in the official calendar (国庆节), if any. */
function festivalOf(date: string): string | undefined {
  const name = chineseDays.getDayDetail(date).name
  return name.includes(',') ? name.split(',')[1] : undefined
}

/**
 * What the official calendar makes of a date: a working weekday, a plain weekend day, a public holiday
 * (a weekday off, or a weekend day inside a festival's days off), or an adjusted working day (调休上班:
 * a Saturday or Sunday worked in exchange for a day off). Decided by platform/workdays.ts's isWorkday.
 */
export function dayKind(date: string): 'workday' | 'weekend' | 'holiday' | 'adjusted' {
  const weekend = weekdayOf(date) >= 6
  const work = isWorkday(date)
  if (weekend) return work ? 'adjusted' : festivalOf(date) ? 'holiday' : 'weekend'
  return work ? 'workday' : 'holiday'
}

/**
 * A weekly rule's slots: the rule's weekdays between its dates (rrule, on Beijing dates), public holidays
 * skipped; 调休 working Saturdays and Sundays added with the rule's times when `adjustedWorkdays` is `open`
 * (and reported as skipped otherwise). Slots already started at `now` are left out. Stops one past the
 * maximum, so a rule of a million slots costs no more than one of 501.
 */
export function expandRule(rule: SlotRuleOutput, now: Date, max = MAX_SLOTS_PER_PUBLISH): Expansion {
  const [fy, fm, fd] = rule.from.split('-').map(Number) as [number, number, number]
  const [ty, tm, td] = rule.to.split('-').map(Number) as [number, number, number]
  const dtstart = new Date(Date.UTC(fy, fm - 1, fd))
  const until = new Date(Date.UTC(ty, tm - 1, td, 23, 59, 59))
  const days = new RRule({
    freq: RRule.WEEKLY,
    byweekday: rule.weekdays.map((d) => d - 1),
    dtstart,
    until,
  })
    .all()
    .map((d) => d.toISOString().slice(0, 10))
  const named = new Set(days)
  const dates = new Set<string>()
  const skipped: Expansion['skipped'] = []
  for (const date of days) {
    if (dayKind(date) === 'holiday')
      skipped.push({ date, reason: `${festivalOf(date) ?? '法定节假日'}（法定节假日）` })
    else dates.add(date)
  }
  // 调休 working Saturdays and Sundays the rule does not name anyway.
  for (const d of new RRule({ freq: RRule.DAILY, byweekday: [5, 6], dtstart, until }).all()) {
    const date = d.toISOString().slice(0, 10)
    if (named.has(date) || dayKind(date) !== 'adjusted') continue
    if (rule.adjustedWorkdays === 'open') dates.add(date)
    else skipped.push({ date, reason: `${festivalOf(date) ?? ''}调休上班日（规则未选择开放）` })
  }
  const slots: PlannedSlot[] = []
  const end = minutesOf(rule.endTime)
  for (const date of [...dates].sort()) {
    let pastToday = 0
    for (
      let t = minutesOf(rule.startTime);
      t + rule.slotMinutes <= end;
      t += rule.slotMinutes + rule.gapMinutes
    ) {
      const startAt = beijingInstant(date, clock(t))
      if (startAt <= now) {
        pastToday++
        continue
      }
      slots.push({ startAt, endAt: new Date(startAt.getTime() + rule.slotMinutes * 60_000) })
      if (slots.length > max) return { slots, skipped, tooMany: true }
    }
    if (pastToday) {
      skipped.push({ date, reason: `${pastToday} 个已开始的时段未发布` })
    }
  }
  return { slots, skipped: skipped.sort((a, b) => a.date.localeCompare(b.date)), tooMany: false }
}

/** The first pair of overlapping slots (touching is fine), each list sorted by start. */
function firstOverlap(a: PlannedSlot[], b: PlannedSlot[]): [PlannedSlot, PlannedSlot] | undefined {
  let j = 0
  for (const x of a) {
    while (j < b.length && b[j]!.endAt <= x.startAt) j++
    for (let k = j; k < b.length && b[k]!.startAt < x.endAt; k++)
      if (b[k]!.endAt > x.startAt) return [x, b[k]!]
  }
  return undefined
}

/** Seats: taken and given back only by conditional single-document updates (see SlotSchema). */
export const seats = {
  /**
   * One seat of an open slot that has not started, for this booking: null when none is left (or the slot
   * closed or started). Atomic in the database: of 50 concurrent takes on one seat, one succeeds.
   */
  take: (slotId: Types.ObjectId, bookingId: Types.ObjectId, now: Date) =>
    SlotModel.findOneAndUpdate(
      { _id: slotId, status: 'open', startAt: { $gt: now }, seatsLeft: { $gt: 0 } },
      { $inc: { seatsLeft: -1 }, $push: { holders: bookingId } },
      { new: true, projection: SLOT_FIELDS },
    ).lean<SlotDoc>(),
  /** Gives the booking's seat back, once however often it is called. */
  release: (slotId: Types.ObjectId, bookingId: Types.ObjectId) =>
    SlotModel.updateOne(
      { _id: slotId, holders: bookingId },
      { $inc: { seatsLeft: 1 }, $pull: { holders: bookingId } },
    ),
}

/** Publishing slots (one or a weekly rule), the calendars, capacity. Closing a slot: BookingsService. */
export class SlotsService {
  constructor(
    readonly d: StationDeps,
    readonly stations: StationsService,
  ) {}

  /** What a publish would make, checked exactly as publishing checks it, nothing written. */
  async plan(station: StationDoc, input: SlotPublishOutput) {
    const now = this.d.clock.now()
    const offered = new Set(station.services)
    input.services.forEach((s, i) => {
      if (!offered.has(s)) throw stationErrors.topicNotOffered(s, [], `services.${i}`)
    })
    let planned: PlannedSlot[]
    let skipped: Expansion['skipped'] = []
    if (input.rule) {
      const today = beijingDate(now)
      if (input.rule.from < today) throw stationErrors.ruleFromPast(today)
      const x = expandRule(input.rule, now)
      if (x.tooMany) throw stationErrors.ruleTooLarge(x.slots.length, MAX_SLOTS_PER_PUBLISH)
      if (!x.slots.length) throw stationErrors.ruleEmpty()
      planned = x.slots
      skipped = x.skipped
    } else {
      const startAt = new Date(input.startAt!)
      if (startAt <= now) throw stationErrors.slotInPast(startAt)
      planned = [{ startAt, endAt: new Date(input.endAt!) }]
    }
    planned.sort((a, b) => a.startAt.getTime() - b.startAt.getTime())
    for (let i = 1; i < planned.length; i++)
      if (planned[i]!.startAt < planned[i - 1]!.endAt)
        throw stationErrors.slotOverlap(planned[i]!, planned[i - 1]!, false)
    return { planned, skipped, now }
  }

  /** Open slots of the station overlapping the planned period, as the overlap check reads them. */
  private async assertNoOverlap(stationId: Types.ObjectId, planned: PlannedSlot[]) {
    const existing = await SlotModel.find(
      {
        stationId,
        startAt: {
          $lt: planned[planned.length - 1]!.endAt,
          $gt: new Date(planned[0]!.startAt.getTime() - DAY),
        },
        status: 'open',
      },
      { startAt: 1, endAt: 1 },
    )
      .sort({ startAt: 1 })
      .lean<PlannedSlot[]>()
    const hit = firstOverlap(planned, existing)
    if (hit) throw stationErrors.slotOverlap(hit[0], hit[1], true)
  }

  async preview(viewer: AdminPrincipal, stationId: string, input: SlotPublishOutput) {
    const station = await this.stations.visible(viewer, stationId)
    const { planned, skipped, now } = await this.plan(station, input)
    await this.assertNoOverlap(station._id, planned)
    const batchId = new Types.ObjectId()
    return {
      items: planned.map((p) => presentAdminSlot(this.slotDoc(station._id, p, input, batchId, now), now)),
      skipped,
    }
  }

  /**
   * Writes the planned slots, all or none. Publishes of one station take turns (a lease on the station),
   * so the overlap check and the insert cannot interleave with another publish's; a failed insert removes
   * what it wrote.
   */
  async publish(viewer: AdminPrincipal, stationId: string, input: SlotPublishOutput) {
    const station = await this.stations.visible(viewer, stationId)
    const { planned, skipped, now } = await this.plan(station, input)
    const token = await this.lock(station._id)
    const batchId = new Types.ObjectId()
    try {
      await this.assertNoOverlap(station._id, planned)
      const docs = planned.map((p) => this.slotDoc(station._id, p, input, batchId, now))
      try {
        await SlotModel.insertMany(docs, { ordered: true })
      } catch (e) {
        await SlotModel.deleteMany({ batchId })
        throw e
      }
      return { items: docs.map((s) => presentAdminSlot(s, now)), skipped }
    } finally {
      await StationModel.updateOne(
        { _id: station._id, 'publishLock.token': token },
        { $set: { publishLock: null } },
      )
    }
  }

  private slotDoc(
    stationId: Types.ObjectId,
    p: PlannedSlot,
    input: SlotPublishOutput,
    batchId: Types.ObjectId,
    now: Date,
  ): SlotDoc {
    return {
      _id: new Types.ObjectId(),
      stationId,
      startAt: p.startAt,
      endAt: p.endAt,
      mode: input.mode,
      services: input.services,
      capacity: input.capacity,
      seatsLeft: input.capacity,
      holders: [],
      status: 'open',
      closeReason: null,
      batchId,
      createdAt: now,
      updatedAt: now,
    }
  }

  /** Takes the station's publish lease, waiting a little for another publish to finish (STATION_BUSY). */
  private async lock(stationId: Types.ObjectId) {
    const token = randomUUID()
    for (const until = Date.now() + LOCK_WAIT_MS; ;) {
      const now = new Date()
      const got = await StationModel.updateOne(
        { _id: stationId, $or: [{ publishLock: null }, { 'publishLock.until': { $lt: now } }] },
        { $set: { publishLock: { token, until: new Date(now.getTime() + LOCK_MS) } } },
      )
      if (got.modifiedCount === 1) return token
      if (Date.now() > until) throw stationErrors.stationBusy()
      await sleep(50)
    }
  }

  // ── calendars ──────────────────────────────────────────────────────────────────────────────────

  private range(q: z.output<typeof SlotRangeQuery>, now: Date) {
    const from = q.from ? new Date(q.from) : now
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + DEFAULT_RANGE_DAYS * DAY)
    return { from, to }
  }

  /** The mini-program's availability: an active station's open slots in the period, with seats left. */
  async availability(stationId: string, q: z.output<typeof SlotRangeQuery>) {
    const now = this.d.clock.now()
    const { from, to } = this.range(q, now)
    const id = oid(stationId)
    // The station's check and its slots at once: the answer waits for one round trip, not two.
    const [station, slots] = await Promise.all([
      StationModel.exists({ _id: id, active: true }),
      SlotModel.find({ stationId: id, startAt: { $gte: from, $lt: to }, status: 'open' }, AVAILABILITY_FIELDS)
        .sort({ startAt: 1 })
        // one round trip for a month of a busy station (the driver's first batch is 101 otherwise)
        .batchSize(2000)
        .lean<SlotDoc[]>(),
    ])
    if (!station) throw stationErrors.notFound()
    // The station and the state are what the query asked for: not read back for each of the ~600 slots.
    return { items: slots.map((s) => presentSlot({ ...s, stationId: id, status: 'open' }, now)) }
  }

  /** The console's calendar: every slot of the period, with fill levels and pending bookings. */
  async calendar(viewer: AdminPrincipal, stationId: string, q: z.output<typeof SlotRangeQuery>) {
    const station = await this.stations.visible(viewer, stationId)
    const now = this.d.clock.now()
    const { from, to } = this.range(q, now)
    const slots = await SlotModel.find(
      { stationId: station._id, startAt: { $gte: from, $lt: to } },
      SLOT_FIELDS,
    )
      .sort({ startAt: 1 })
      // one round trip for a month of a busy station (the driver's first batch is 101 otherwise)
      .batchSize(2000)
      .lean<SlotDoc[]>()
    const pending = await this.pendingCounts(slots.map((s) => s._id))
    return { items: slots.map((s) => presentAdminSlot(s, now, pending.get(s._id.toHexString()))) }
  }

  async pendingCounts(slotIds: Types.ObjectId[]) {
    if (!slotIds.length) return new Map<string, number>()
    const rows = await BookingModel.aggregate<{ _id: Types.ObjectId; n: number }>([
      { $match: { slotId: { $in: slotIds }, status: 'pending' } },
      { $group: { _id: '$slotId', n: { $sum: 1 } } },
    ])
    return new Map(rows.map((r) => [r._id.toHexString(), r.n]))
  }

  /** A slot the viewer may act on (404 for another station's). */
  async visibleSlot(viewer: AdminPrincipal, slotId: string) {
    const slot = await SlotModel.findById(slotId, SLOT_FIELDS).lean<SlotDoc>()
    if (!slot || (viewer.stationId && viewer.stationId !== slot.stationId.toHexString()))
      throw stationErrors.slotNotFound()
    return slot
  }

  /**
   * A new capacity, never below the seats held: one conditional update moves capacity and seatsLeft by
   * the same amount, guarded by the capacity read, so a booking made meanwhile is counted.
   */
  async setCapacity(viewer: AdminPrincipal, slotId: string, capacity: number) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const slot = await this.visibleSlot(viewer, slotId)
      if (slot.status !== 'open') throw stationErrors.slotClosedForEdit()
      const delta = capacity - slot.capacity
      const moved = await SlotModel.findOneAndUpdate(
        { _id: slot._id, status: 'open', capacity: slot.capacity, seatsLeft: { $gte: -delta } },
        { $inc: { capacity: delta, seatsLeft: delta } },
        { new: true, projection: SLOT_FIELDS },
      ).lean<SlotDoc>()
      if (moved) {
        const pending = await this.pendingCounts([moved._id])
        return presentAdminSlot(moved, this.d.clock.now(), pending.get(moved._id.toHexString()))
      }
      const now = await SlotModel.findById(slot._id, { capacity: 1, seatsLeft: 1 }).lean<SlotDoc>()
      if (now && now.capacity === slot.capacity) throw stationErrors.belowBooked(now.capacity - now.seatsLeft)
    }
    throw stationErrors.stationBusy()
  }

  slot(id: string | Types.ObjectId) {
    return SlotModel.findById(oid(id), SLOT_FIELDS).lean<SlotDoc>()
  }
}
