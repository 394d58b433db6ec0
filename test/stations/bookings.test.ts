import { Types } from 'mongoose'
import { afterEach, describe, expect, it } from 'vitest'
import { StationsEndpoints as E } from '@zct/api/contracts/stations/stations'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ReminderModel } from '@zct/api/internal/modules/notifications/notifications.model'
import { BookingModel, BookingQuotaModel, SlotModel } from '@zct/api/internal/modules/stations/stations.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildEnterpriseAdmin, uploadMpFile } from '../support/factories.js'
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
  expectSeatsConsistent,
  fastMpUsers,
  slotIn,
  stationsWorker,
} from './support.js'

const w = world()
stationsWorker(w)
afterEach(() => clockOf(w).reset())

const inbox = async (token: string) =>
  (await w.api.call('GET', '/mp/v1/inbox', { token })).body.items as {
    title: string
    summary: string
    content: { kind: string; id: string }
  }[]
const inboxTitles = async (token: string) => (await inbox(token)).map((i) => i.title)
const reminders = (bookingId: string) =>
  ReminderModel.find({
    _id: { $in: [`booking.reminder:${bookingId}:day`, `booking.reminder:${bookingId}:hour`] },
  })
    .sort({ _id: 1 })
    .lean()
const notifications = () => w.api.platform.services.notifications

async function setup(overrides: Parameters<typeof buildStation>[2] = {}) {
  const bureau = await buildBureau(w)
  const { station, staff } = await buildStation(w, bureau, overrides)
  return { bureau, station, staff }
}

describe('booking in the mini-program', () => {
  it('books a verified enterprise’s member at once where no confirmation is needed: confirmed, told, reminded the day and the hour before', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 3 })
    const boss = await buildEnterpriseAdmin(w)
    const b = await booked(w, boss, {
      slotId: slot.id,
      topic: 'geo_indication',
      note: '想为“韶关马坝油粘米”申请地理标志证明商标',
    })
    expect(b).toMatchObject({
      status: 'confirmed',
      bookedAs: 'enterprise',
      enterpriseName: boss.name,
      topic: 'geo_indication',
      topicLabel: '地理标志',
      canCancel: true,
      cancelWouldCost: false,
      canMove: true,
    })
    expect(b.no).toMatch(/^BK\d{10}$/)
    const mine = await w.api.request(E.mine, { token: boss.token, query: { scope: 'upcoming' } })
    expectOk(mine)
    expect(mine.body.items.map((i) => i.id)).toEqual([b.id])
    const start = Date.parse(slot.startAt)
    expect((await reminders(b.id)).map((r) => [r.status, r.at.getTime()])).toEqual([
      ['scheduled', start - DAY],
      ['scheduled', start - HOUR],
    ])
    await expect.poll(() => inboxTitles(boss.token), { timeout: 10_000 }).toContain('预约成功')
    expect(await AuditModel.countDocuments({ action: 'booking.create', 'target.id': b.id })).toBe(1)
    // The console sees it with the enterprise's credit code and the booker's credit.
    const detail = await w.api.request(E.booking, { token: staff.token, params: { id: b.id } })
    expectOk(detail)
    expect(detail.body).toMatchObject({
      creditCode: boss.creditCode,
      credit: { points: 10, suspended: false },
      actions: ['cancel'],
    })
  })

  it('refuses a member of an unverified enterprise (ENTERPRISE_UNVERIFIED), and books an individual with their contact', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 3 * DAY, { capacity: 2 })
    const pending = await buildEnterpriseAdmin(w, undefined, { verified: false })
    expectRefused(
      await book(w, pending, { slotId: slot.id, topic: 'registration' }),
      403,
      'ENTERPRISE_UNVERIFIED',
    )
    const [person] = await fastMpUsers(w, 1)
    const b = await booked(w, person!, {
      slotId: slot.id,
      topic: 'registration',
      contact: { name: '欧阳明', phone: '13912345678' },
    })
    expect(b).toMatchObject({
      bookedAs: 'individual',
      enterpriseName: null,
      contact: { name: '欧阳明', phone: '13912345678' },
    })
    // Staff read the phone masked in the list, in full in the detail (and that view is recorded).
    const list = await w.api.request(E.bookings, { token: staff.token, query: { slotId: slot.id } })
    expectOk(list)
    expect(list.body.items[0]!.contact).toEqual({ name: '欧阳明', phone: '139****5678' })
    const detail = await w.api.request(E.booking, { token: staff.token, params: { id: b.id } })
    expectOk(detail)
    expect(detail.body.contact!.phone).toBe('13912345678')
    expect(await AuditModel.countDocuments({ action: 'pii.view', 'target.id': b.id })).toBe(1)
    // Nothing readable at rest.
    const raw = await BookingModel.collection.findOne({ _id: new Types.ObjectId(b.id) })
    expect(JSON.stringify(raw)).not.toContain('13912345678')
  })

  it('holds a pending booking’s seat until staff confirm it; reminders start with the confirmation', async () => {
    const { station, staff } = await setup({ requiresConfirmation: true })
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 1 })
    const [a, b] = await fastMpUsers(w, 2)
    const mine = await booked(w, a!, { slotId: slot.id, topic: 'registration' })
    expect(mine.status).toBe('pending')
    expect(await reminders(mine.id)).toEqual([])
    expectRefused(await book(w, b!, { slotId: slot.id, topic: 'registration' }), 409, 'SLOT_FULL')
    const confirmed = await w.api.request(E.confirm, { token: staff.token, params: { id: mine.id } })
    expectOk(confirmed)
    expect(confirmed.body.status).toBe('confirmed')
    expect((await reminders(mine.id)).map((r) => r.status)).toEqual(['scheduled', 'scheduled'])
    // Confirming twice is refused with the state it is in.
    const again = await w.api.request(E.confirm, { token: staff.token, params: { id: mine.id } })
    expectRefused(again, 409, 'BOOKING_STATE')
    expect(again.body.error.message).toBe('该预约已确认')
    await expect.poll(() => inboxTitles(a!.token), { timeout: 10_000 }).toContain('预约成功')
  })

  it('refuses a second booking of the same slot (BOOKING_DUPLICATE) and a fourth upcoming one (BOOKING_LIMIT), as the bureau sets it', async () => {
    const { bureau, station, staff } = await setup()
    const slots = await Promise.all(
      [1, 2, 3, 4, 5].map((d) => slotIn(w, staff, station.id, d * DAY, { capacity: 5 })),
    )
    const [user] = await fastMpUsers(w, 1)
    await booked(w, user!, { slotId: slots[0]!.id, topic: 'registration' })
    const dup = await book(w, user!, { slotId: slots[0]!.id, topic: 'enforcement' })
    expectRefused(dup, 409, 'BOOKING_DUPLICATE')
    await booked(w, user!, { slotId: slots[1]!.id, topic: 'registration' })
    await booked(w, user!, { slotId: slots[2]!.id, topic: 'registration' })
    const limit = await book(w, user!, { slotId: slots[3]!.id, topic: 'registration' })
    expectRefused(limit, 409, 'BOOKING_LIMIT')
    expect(limit.body.error.message).toContain('最多 3 个')
    await expectSeatsConsistent(slots[3]!.id)
    expect((await SlotModel.findById(slots[3]!.id).lean())!.seatsLeft).toBe(5)
    // Station staff cannot change the bureau-wide rule; the bureau can.
    expectRefused(
      await w.api.request(E.saveRules, { token: staff.token, body: { maxUpcoming: 4, feedbackDays: 7 } }),
      403,
      'FORBIDDEN',
    )
    expectOk(
      await w.api.request(E.saveRules, { token: bureau.token, body: { maxUpcoming: 4, feedbackDays: 7 } }),
    )
    await booked(w, user!, { slotId: slots[3]!.id, topic: 'registration' })
    expectRefused(await book(w, user!, { slotId: slots[4]!.id, topic: 'registration' }), 409, 'BOOKING_LIMIT')
    expectOk(
      await w.api.request(E.saveRules, { token: bureau.token, body: { maxUpcoming: 3, feedbackDays: 7 } }),
    )
    // Past bookings leave the count by themselves: at the fourth slot's time, the first three are past.
    clockOf(w).set(new Date(Date.parse(slots[2]!.startAt) + MINUTE))
    const q = await BookingQuotaModel.findById(user!.id).lean()
    expect(q!.upcoming).toHaveLength(4)
    await booked(w, user!, { slotId: slots[4]!.id, topic: 'registration' })
    expect((await BookingQuotaModel.findById(user!.id).lean())!.upcoming).toHaveLength(2)
  })

  it('refuses a slot that has started (SLOT_CLOSED) and a topic the station does not offer (TOPIC_NOT_OFFERED), writing nothing', async () => {
    const { station, staff } = await setup({ services: ['registration', 'enforcement'] })
    const slot = await slotIn(w, staff, station.id, 5 * HOUR, { capacity: 2, services: ['registration'] })
    const [user] = await fastMpUsers(w, 1)
    const offStation = await book(w, user!, { slotId: slot.id, topic: 'patent' })
    expectRefused(offStation, 400, 'TOPIC_NOT_OFFERED')
    expect(offStation.body.error.details).toMatchObject({ fields: [{ path: 'topic' }] })
    const offSlot = await book(w, user!, { slotId: slot.id, topic: 'enforcement' })
    expectRefused(offSlot, 400, 'TOPIC_NOT_OFFERED')
    expect(offSlot.body.error.message).toContain('可咨询：商标注册')
    clockOf(w).set(new Date(Date.parse(slot.startAt) + MINUTE))
    const past = await book(w, user!, { slotId: slot.id, topic: 'registration' })
    expectRefused(past, 409, 'SLOT_CLOSED')
    expect(await BookingModel.countDocuments({ slotId: new Types.ObjectId(slot.id) })).toBe(0)
    expect((await BookingQuotaModel.findById(user!.id).lean())?.upcoming ?? []).toEqual([])
    await expectSeatsConsistent(slot.id)
  })

  it('takes the booker’s own booking material only (BOOKING_FILE_INVALID otherwise), and staff read it through the booking', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 2 })
    const boss = await buildEnterpriseAdmin(w)
    const other = await buildEnterpriseAdmin(w)
    const foreign = await uploadMpFile(w, other.token, { purpose: 'booking-material', name: '商标图样.png' })
    const wrongPurpose = await uploadMpFile(w, boss.token, { purpose: 'claim-material' })
    for (const fileId of [foreign.id, wrongPurpose.id]) {
      const res = await book(w, boss, { slotId: slot.id, topic: 'registration', fileIds: [fileId] })
      expectRefused(res, 400, 'BOOKING_FILE_INVALID')
      expect(res.body.error.details).toMatchObject({ fields: [{ path: 'fileIds.0' }] })
    }
    const mark = await uploadMpFile(w, boss.token, { purpose: 'booking-material', name: '商标图样.png' })
    const b = await booked(w, boss, { slotId: slot.id, topic: 'registration', fileIds: [mark.id] })
    expect(b.files).toEqual([expect.objectContaining({ id: mark.id, name: '商标图样.png' })])
    const file = await w.api.request(E.bookingFile, {
      token: staff.token,
      params: { id: b.id, fileId: mark.id },
    })
    expect(file.status).toBe(200)
    expect(await AuditModel.countDocuments({ action: 'file.view', 'target.id': mark.id })).toBe(1)
    const own = await w.api.request(E.mineFile, { token: boss.token, params: { id: b.id, fileId: mark.id } })
    expect(own.status).toBe(200)
    expect(
      (await w.api.request(E.mineFile, { token: other.token, params: { id: b.id, fileId: mark.id } })).status,
    ).toBe(404)
  })
})

describe('cancelling and moving', () => {
  it('cancels before the cut-off at no cost, after it for 2 points, and not once the consultation has started', async () => {
    const { station, staff } = await setup({ cancelCutoffMinutes: 120 })
    const early = await slotIn(w, staff, station.id, 5 * HOUR, { capacity: 1 })
    const soon = await slotIn(w, staff, station.id, 90 * MINUTE, { capacity: 1 })
    const [user] = await fastMpUsers(w, 1)
    const a = await booked(w, user!, { slotId: early.id, topic: 'registration' })
    const b = await booked(w, user!, { slotId: soon.id, topic: 'registration' })
    expect(b.cancelWouldCost).toBe(true)
    const c1 = await w.api.request(E.cancelMine, {
      token: user!.token,
      params: { id: a.id },
      body: { reason: '行程有变' },
    })
    expectOk(c1)
    expect(c1.body.cancellation).toMatchObject({ by: 'booker', reason: '行程有变', late: false })
    // 5 hours ahead: only the hour-before reminder was due to go, and it is cancelled.
    expect((await reminders(a.id)).map((r) => [r._id.split(':').pop(), r.status])).toEqual([
      ['hour', 'cancelled'],
    ])
    const c2 = await w.api.request(E.cancelMine, { token: user!.token, params: { id: b.id }, body: {} })
    expectOk(c2)
    expect(c2.body.cancellation!.late).toBe(true)
    const credit = await w.api.request(E.credit, { token: user!.token })
    expectOk(credit)
    expect(credit.body).toMatchObject({
      points: 8,
      suspended: false,
      events: [{ kind: 'late_cancel', points: -2 }],
    })
    await expectSeatsConsistent(early.id)
    await expectSeatsConsistent(soon.id)
    // Cancelling again changes nothing: BOOKING_STATE, the seat released once.
    expectRefused(
      await w.api.request(E.cancelMine, { token: user!.token, params: { id: a.id }, body: {} }),
      409,
      'BOOKING_STATE',
    )
    expect((await SlotModel.findById(early.id).lean())!.seatsLeft).toBe(1)
    // Started: too late to cancel.
    const later = await slotIn(w, staff, station.id, 6 * HOUR, { capacity: 1 })
    const d = await booked(w, user!, { slotId: later.id, topic: 'registration' })
    clockOf(w).set(new Date(Date.parse(later.startAt) + MINUTE))
    expectRefused(
      await w.api.request(E.cancelMine, { token: user!.token, params: { id: d.id }, body: {} }),
      409,
      'BOOKING_TOO_LATE',
    )
  })

  it('moves a booking to another slot of the station: seats follow, the old reminders are never sent', async () => {
    const { station, staff } = await setup()
    const first = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 1 })
    const second = await slotIn(w, staff, station.id, 3 * DAY, { capacity: 1 })
    const [user] = await fastMpUsers(w, 1)
    const b = await booked(w, user!, { slotId: first.id, topic: 'registration' })
    const old = await reminders(b.id)
    const moved = await w.api.request(E.moveMine, {
      token: user!.token,
      params: { id: b.id },
      body: { slotId: second.id },
    })
    expectOk(moved)
    expect(moved.body.slot.id).toBe(second.id)
    expect((await SlotModel.findById(first.id).lean())!.seatsLeft).toBe(1)
    expect((await SlotModel.findById(second.id).lean())!.seatsLeft).toBe(0)
    await expectSeatsConsistent(first.id)
    await expectSeatsConsistent(second.id)
    const now = await reminders(b.id)
    expect(now.map((r) => r.at.getTime())).toEqual([
      Date.parse(second.startAt) - DAY,
      Date.parse(second.startAt) - HOUR,
    ])
    // The old reminders' jobs fall due: neither sends.
    for (const r of old) {
      const fired = await notifications().fireReminder({
        kind: 'booking.reminder',
        subjectId: r.subjectId,
        at: r.at.getTime(),
      })
      expect(fired).toMatchObject({ sent: false })
    }
    // The current one does.
    const due = await notifications().fireReminder({
      kind: 'booking.reminder',
      subjectId: now[0]!.subjectId,
      at: now[0]!.at.getTime(),
    })
    expect(due).toMatchObject({ sent: true })
    expect((await inbox(user!.token)).filter((i) => i.title.startsWith('预约提醒'))).toHaveLength(1)
    expect(await AuditModel.countDocuments({ action: 'booking.move', 'target.id': b.id })).toBe(1)
  })

  it('refuses to move to another station’s slot (SLOT_OTHER_STATION), into a full slot (SLOT_FULL), or after the cut-off (BOOKING_TOO_LATE)', async () => {
    const { bureau, station, staff } = await setup()
    const other = await buildStation(w, bureau)
    const mineSlot = await slotIn(w, staff, station.id, 3 * HOUR, { capacity: 1 })
    const full = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 1 })
    const elsewhere = await slotIn(w, other.staff, other.station.id, 2 * DAY, { capacity: 1 })
    const [user, rival] = await fastMpUsers(w, 2)
    const b = await booked(w, user!, { slotId: mineSlot.id, topic: 'registration' })
    await booked(w, rival!, { slotId: full.id, topic: 'registration' })
    expectRefused(
      await w.api.request(E.moveMine, {
        token: user!.token,
        params: { id: b.id },
        body: { slotId: elsewhere.id },
      }),
      400,
      'SLOT_OTHER_STATION',
    )
    expectRefused(
      await w.api.request(E.moveMine, {
        token: user!.token,
        params: { id: b.id },
        body: { slotId: full.id },
      }),
      409,
      'SLOT_FULL',
    )
    await expectSeatsConsistent(full.id)
    clockOf(w).advance(90 * MINUTE)
    const late = await w.api.request(E.moveMine, {
      token: user!.token,
      params: { id: b.id },
      body: { slotId: full.id },
    })
    expectRefused(late, 409, 'BOOKING_TOO_LATE')
    expect(late.body.error.message).toContain('120 分钟')
  })

  it('sends no reminder for a booking cancelled or moved while its reminder job stayed queued (re-read when due)', async () => {
    const { station, staff } = await setup()
    const first = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 2 })
    const second = await slotIn(w, staff, station.id, 4 * DAY, { capacity: 2 })
    const [a, b] = await fastMpUsers(w, 2)
    const x = await booked(w, a!, { slotId: first.id, topic: 'registration' })
    const y = await booked(w, b!, { slotId: first.id, topic: 'registration' })
    // Neither the cancellation's nor the move's reminder calls happened (a crash between the two writes).
    await BookingModel.updateOne(
      { _id: new Types.ObjectId(x.id) },
      { $set: { status: 'cancelled', active: false } },
    )
    await BookingModel.updateOne(
      { _id: new Types.ObjectId(y.id) },
      {
        $set: {
          slotId: new Types.ObjectId(second.id),
          startAt: new Date(second.startAt),
          endAt: new Date(second.endAt),
        },
      },
    )
    for (const id of [x.id, y.id])
      for (const r of await reminders(id)) {
        const fired = await notifications().fireReminder({
          kind: 'booking.reminder',
          subjectId: r.subjectId,
          at: r.at.getTime(),
        })
        expect(fired).toMatchObject({ sent: false, reason: 'subject cancelled' })
      }
    expect(await inboxTitles(a!.token)).not.toContain('预约提醒：明天咨询')
    expect((await inbox(b!.token)).filter((i) => i.title.startsWith('预约提醒'))).toEqual([])
  })
})

describe('the consultation and after', () => {
  it('completes with a service record once started, issues an advice letter the booker reads, and takes one rating within 7 days', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 3 * HOUR, {
      capacity: 1,
      services: ['registration', 'well_known'],
    })
    const boss = await buildEnterpriseAdmin(w)
    const b = await booked(w, boss, { slotId: slot.id, topic: 'well_known' })
    const record = {
      topic: 'well_known' as const,
      advice: '建议整理近三年的销售额、广告投入与获奖证据，准备驰名商标认定材料。',
      followUp: '一个月后复核证据目录',
      durationMinutes: 45,
    }
    const early = await w.api.request(E.complete, { token: staff.token, params: { id: b.id }, body: record })
    expectRefused(early, 409, 'BOOKING_NOT_STARTED')
    expectRefused(
      await w.api.request(E.feedback, { token: boss.token, params: { id: b.id }, body: { rating: 5 } }),
      409,
      'FEEDBACK_CLOSED',
    )
    clockOf(w).set(new Date(Date.parse(slot.startAt) + 50 * MINUTE))
    const done = await w.api.request(E.complete, { token: staff.token, params: { id: b.id }, body: record })
    expectOk(done)
    expect(done.body).toMatchObject({
      status: 'completed',
      record: { topic: 'well_known', durationMinutes: 45 },
      actions: ['letter'],
    })
    expect((await BookingQuotaModel.findById(boss.id).lean())!.upcoming).toEqual([])
    const letter = await w.api.request(E.letter, {
      token: staff.token,
      params: { id: b.id },
      body: { title: '驰名商标保护服务建议书', body: '一、证据准备……\n二、认定途径……' },
    })
    expectOk(letter)
    const mine = await w.api.request(E.mineDetail, { token: boss.token, params: { id: b.id } })
    expectOk(mine)
    expect(mine.body).toMatchObject({
      letter: { title: '驰名商标保护服务建议书', body: '一、证据准备……\n二、认定途径……' },
      record: { advice: record.advice },
      canRate: true,
    })
    await expect.poll(() => inboxTitles(boss.token), { timeout: 10_000 }).toContain('服务建议书')
    const rated = await w.api.request(E.feedback, {
      token: boss.token,
      params: { id: b.id },
      body: { rating: 4, comment: '很专业' },
    })
    expectOk(rated)
    expect(rated.body).toMatchObject({ feedback: { rating: 4, comment: '很专业' }, canRate: false })
    expectRefused(
      await w.api.request(E.feedback, { token: boss.token, params: { id: b.id }, body: { rating: 1 } }),
      409,
      'FEEDBACK_EXISTS',
    )
  })

  it('closes the rating window 7 days after completion (FEEDBACK_CLOSED), and refuses a letter before completion (BOOKING_STATE)', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 3 * HOUR, { capacity: 1 })
    const [user] = await fastMpUsers(w, 1)
    const b = await booked(w, user!, { slotId: slot.id, topic: 'registration' })
    const letter = await w.api.request(E.letter, {
      token: staff.token,
      params: { id: b.id },
      body: { title: '建议书', body: '内容' },
    })
    expectRefused(letter, 409, 'BOOKING_STATE')
    clockOf(w).set(new Date(Date.parse(slot.startAt) + 30 * MINUTE))
    expectOk(
      await w.api.request(E.complete, {
        token: staff.token,
        params: { id: b.id },
        body: { topic: 'registration', advice: '可以申请', durationMinutes: 30 },
      }),
    )
    clockOf(w).advance(7 * DAY + MINUTE)
    const late = await w.api.request(E.feedback, {
      token: user!.token,
      params: { id: b.id },
      body: { rating: 5 },
    })
    expectRefused(late, 409, 'FEEDBACK_CLOSED')
    expect(late.body.error.message).toContain('7 天')
  })

  it('records a no-show (5 points, a warning the first time), takes one appeal, and staff reverse it: points back, audited', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 3 * HOUR, { capacity: 1 })
    const [user] = await fastMpUsers(w, 1)
    const b = await booked(w, user!, { slotId: slot.id, topic: 'registration' })
    expectRefused(
      await w.api.request(E.noShow, { token: staff.token, params: { id: b.id } }),
      409,
      'BOOKING_NOT_STARTED',
    )
    expectRefused(
      await w.api.request(E.appeal, {
        token: user!.token,
        params: { id: b.id },
        body: { reason: '我没有爽约' },
      }),
      409,
      'APPEAL_STATE',
    )
    clockOf(w).set(new Date(Date.parse(slot.endAt) + MINUTE))
    const marked = await w.api.request(E.noShow, { token: staff.token, params: { id: b.id } })
    expectOk(marked)
    expect(marked.body).toMatchObject({ status: 'no_show', credit: { points: 5 }, actions: ['excuse'] })
    await expect.poll(() => inboxTitles(user!.token), { timeout: 10_000 }).toContain('爽约提醒')
    expect((await inbox(user!.token)).find((i) => i.title === '爽约提醒')!.summary).toContain('第一次爽约')
    const appealed = await w.api.request(E.appeal, {
      token: user!.token,
      params: { id: b.id },
      body: { reason: '当天暴雨停课，已电话告知' },
    })
    expectOk(appealed)
    expect(appealed.body.appeal).toMatchObject({ status: 'pending', reason: '当天暴雨停课，已电话告知' })
    expectRefused(
      await w.api.request(E.appeal, {
        token: user!.token,
        params: { id: b.id },
        body: { reason: '再次申诉' },
      }),
      409,
      'APPEAL_STATE',
    )
    const reversed = await w.api.request(E.decideAppeal, {
      token: staff.token,
      params: { id: b.id },
      body: { decision: 'reverse', note: '经核实已提前电话告知' },
    })
    expectOk(reversed)
    expect(reversed.body).toMatchObject({
      status: 'cancelled',
      appeal: { status: 'reversed' },
      credit: { points: 10 },
    })
    expect(await AuditModel.countDocuments({ action: 'booking.no_show.reverse', 'target.id': b.id })).toBe(1)
    const credit = await w.api.request(E.credit, { token: user!.token })
    expectOk(credit)
    expect(credit.body.events).toMatchObject([{ kind: 'no_show', reversed: true }])
    await expectSeatsConsistent(slot.id)
    // Nothing left to decide.
    expectRefused(
      await w.api.request(E.decideAppeal, {
        token: staff.token,
        params: { id: b.id },
        body: { decision: 'uphold', note: '维持' },
      }),
      409,
      'APPEAL_STATE',
    )
  })

  it('lets staff cancel (no points lost) and close a slot: its bookings cancelled with the reason, bookers told, no seat taken after', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 3 })
    const [a, b, c] = await fastMpUsers(w, 3)
    const x = await booked(w, a!, { slotId: slot.id, topic: 'registration' })
    await booked(w, b!, { slotId: slot.id, topic: 'registration' })
    const cancelled = await w.api.request(E.cancel, {
      token: staff.token,
      params: { id: x.id },
      body: { reason: '咨询师临时外出' },
    })
    expectOk(cancelled)
    expect(cancelled.body.credit.points).toBe(10)
    const closed = await w.api.request(E.closeSlot, {
      token: staff.token,
      params: { id: slot.id },
      body: { reason: '指导站搬迁，暂停服务' },
    })
    expectOk(closed)
    expect(closed.body).toMatchObject({
      cancelled: 1,
      slot: { status: 'closed', closeReason: '指导站搬迁，暂停服务', booked: 0 },
    })
    await expect.poll(() => inboxTitles(b!.token), { timeout: 10_000 }).toContain('预约已取消')
    expect((await inbox(b!.token)).find((i) => i.title === '预约已取消')!.summary).toContain('指导站搬迁')
    expectRefused(await book(w, c!, { slotId: slot.id, topic: 'registration' }), 409, 'SLOT_CLOSED')
    expectRefused(
      await w.api.request(E.closeSlot, {
        token: staff.token,
        params: { id: slot.id },
        body: { reason: '再次关闭' },
      }),
      409,
      'SLOT_CLOSED',
    )
    await expectSeatsConsistent(slot.id)
  })

  it('cancels pending bookings nobody confirmed before the start (the sweep), at no cost', async () => {
    const { station, staff } = await setup({ requiresConfirmation: true })
    const slot = await slotIn(w, staff, station.id, 3 * HOUR, { capacity: 2 })
    const [user] = await fastMpUsers(w, 1)
    const b = await booked(w, user!, { slotId: slot.id, topic: 'registration' })
    const lapsed = await w.api.platform.services.stations.bookings.lapsePending(
      new Date(Date.parse(slot.startAt) + MINUTE),
    )
    expect(lapsed).toBeGreaterThanOrEqual(1)
    const after = await w.api.request(E.mineDetail, { token: user!.token, params: { id: b.id } })
    expectOk(after)
    expect(after.body).toMatchObject({ status: 'cancelled', cancellation: { by: 'system', late: false } })
    await expectSeatsConsistent(slot.id)
  })

  it('gives back seats a crash left held (no booking written, a cancellation or a move cut short), never one a booking holds', async () => {
    const { station, staff } = await setup()
    const slot = await slotIn(w, staff, station.id, 2 * DAY, { capacity: 4 })
    const other = await slotIn(w, staff, station.id, 3 * DAY, { capacity: 4 })
    const [keeper, quitter, mover] = await fastMpUsers(w, 3)
    await booked(w, keeper!, { slotId: slot.id, topic: 'registration' })
    const q = await booked(w, quitter!, { slotId: slot.id, topic: 'registration' })
    const m = await booked(w, mover!, { slotId: slot.id, topic: 'registration' })
    // The crashes: a seat taken for a booking never written; a cancellation whose release never ran; a move
    // that took its new seat and pointed the booking at it, but never gave the old one back.
    const ghost = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 600)
    await SlotModel.updateOne(
      { _id: new Types.ObjectId(slot.id) },
      { $inc: { seatsLeft: -1 }, $push: { holders: ghost } },
    )
    await BookingModel.updateOne(
      { _id: new Types.ObjectId(q.id) },
      { $set: { status: 'cancelled', active: false } },
    )
    await SlotModel.updateOne(
      { _id: new Types.ObjectId(other.id) },
      { $inc: { seatsLeft: -1 }, $push: { holders: new Types.ObjectId(m.id) } },
    )
    await BookingModel.updateOne(
      { _id: new Types.ObjectId(m.id) },
      { $set: { slotId: new Types.ObjectId(other.id) } },
    )
    const sweep = w.api.platform.services.stations.bookings
    // Right away, the moved booking's old seat is left alone: a move might be under way on this slot.
    await sweep.reconcileSeats()
    const held = async (id: string) => (await SlotModel.findById(id).lean())!.holders.map(String).sort()
    expect(await held(slot.id)).toEqual(
      [
        (await BookingModel.findOne({ userId: new Types.ObjectId(keeper!.id) }).lean())!._id.toHexString(),
        m.id,
      ].sort(),
    )
    await sweep.reconcileSeats(new Date(Date.now() + 2 * MINUTE))
    for (const id of [slot.id, other.id]) await expectSeatsConsistent(id)
    expect((await SlotModel.findById(slot.id).lean())!.seatsLeft).toBe(3)
    expect((await SlotModel.findById(other.id).lean())!.seatsLeft).toBe(3)
  })
})
