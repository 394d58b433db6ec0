import { afterEach, describe, expect, it } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ReminderModel } from '@zct/api/internal/modules/notifications/notifications.model'
import { RegistrationModel, TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { buildEnterpriseAdmin } from '../support/factories.js'
import { world } from '../support/world.js'
import {
  DAY,
  HOUR,
  buildTrainer,
  clockOf,
  expectSeatsConsistent,
  fastMpUsers,
  joinEnterprise,
  mine,
  person,
  publishedTraining,
  register,
  trainingsOf,
} from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

describe('registration and the self-promoting waitlist', () => {
  it('seats the first, waitlists the rest with visible positions, and offers a freed seat to the first waiting, who accepts', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 2 })
    expect(t.body).not.toContain('<script>')
    const [a, b, c, d] = await fastMpUsers(w, 4)
    const ra = await register(w, a!, t.id)
    expectOk(ra, 201)
    expect(ra.body).toEqual({ status: 'registered' })
    expectOk(await register(w, b!, t.id), 201)
    const rc = await register(w, c!, t.id)
    expectOk(rc, 201)
    expect(rc.body).toEqual({ status: 'waitlisted', position: 1 })
    const rd = await register(w, d!, t.id)
    expect(rd.body).toEqual({ status: 'waitlisted', position: 2 })
    expect(await mine(w, d!, t.id)).toEqual({ status: 'waitlisted', position: 2 })

    // a cancels: the seat goes to c (position 1) as a time-limited offer, never to a newcomer.
    const cancelled = await w.api.request(E.cancel, { token: a!.token, params: { id: t.id } })
    expectOk(cancelled)
    expect(cancelled.body).toEqual({ status: 'cancelled' })
    const offer = await mine(w, c!, t.id)
    expect(offer?.status).toBe('offered')
    const expiresAt = Date.parse(offer!.offerExpiresAt!)
    expect(expiresAt - clockOf(w).now().getTime()).toBeGreaterThan(23.9 * HOUR)
    expect(expiresAt - clockOf(w).now().getTime()).toBeLessThanOrEqual(24 * HOUR)
    const [late] = await fastMpUsers(w, 1)
    expect((await register(w, late!, t.id)).body).toEqual({ status: 'waitlisted', position: 3 })
    await expectSeatsConsistent(t.id)

    const accepted = await w.api.request(E.accept, { token: c!.token, params: { id: t.id } })
    expectOk(accepted)
    expect(accepted.body).toEqual({ status: 'registered' })
    expect(await mine(w, d!, t.id)).toEqual({ status: 'waitlisted', position: 2 })
    await expectSeatsConsistent(t.id)
  })

  it('an expired offer answers 409 OFFER_EXPIRED and passes to the next; a declined one passes on too', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 1, startsIn: 10 * DAY })
    const [a, b, c, d] = await fastMpUsers(w, 4)
    for (const u of [a, b, c, d]) expectOk(await register(w, u!, t.id), 201)
    expectOk(await w.api.request(E.cancel, { token: a!.token, params: { id: t.id } }))
    expect((await mine(w, b!, t.id))?.status).toBe('offered')

    clockOf(w).advance(24 * HOUR + 1000)
    expectRefused(
      await w.api.request(E.accept, { token: b!.token, params: { id: t.id } }),
      409,
      'OFFER_EXPIRED',
    )
    expect(await mine(w, b!, t.id)).toEqual({ status: 'expired' })
    expect((await mine(w, c!, t.id))?.status).toBe('offered')

    const declined = await w.api.request(E.decline, { token: c!.token, params: { id: t.id } })
    expectOk(declined)
    expect(declined.body).toEqual({ status: 'declined' })
    expect((await mine(w, d!, t.id))?.status).toBe('offered')
    // The sweep expires what nobody touched: d's offer runs out and no one is left waiting.
    clockOf(w).advance(24 * HOUR + 1000)
    expect(await trainingsOf(w).sweep()).toMatchObject({ expired: 1, offered: 0 })
    expect(await mine(w, d!, t.id)).toEqual({ status: 'expired' })
    const { training } = await expectSeatsConsistent(t.id)
    expect(training.seatsLeft).toBe(1)
  })

  it('shortens an offer to half the time left before the start when that is under 24 hours', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, {
      capacity: 1,
      startsIn: 20 * HOUR,
      cancelCutoffMinutes: 0,
    })
    const [a, b] = await fastMpUsers(w, 2)
    expectOk(await register(w, a!, t.id), 201)
    expectOk(await register(w, b!, t.id), 201)
    const now = clockOf(w).now().getTime()
    expectOk(await w.api.request(E.cancel, { token: a!.token, params: { id: t.id } }))
    const offer = await mine(w, b!, t.id)
    const left = Date.parse(t.sessions[0]!.startAt) - now
    expect(Math.abs(Date.parse(offer!.offerExpiresAt!) - now - left / 2)).toBeLessThan(5_000)
  })

  it('refuses a second registration with 409 REGISTRATION_DUPLICATE, writing nothing', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer)
    const [a] = await fastMpUsers(w, 1)
    expectOk(await register(w, a!, t.id), 201)
    expectRefused(await register(w, a!, t.id), 409, 'REGISTRATION_DUPLICATE')
    expect(await RegistrationModel.countDocuments({ trainingId: new Types.ObjectId(t.id) })).toBe(1)
    await expectSeatsConsistent(t.id)
  })

  it('refuses with 409 REGISTRATION_CLOSED before the window, after it, and once the first session started', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { startsIn: 3 * DAY })
    const [a] = await fastMpUsers(w, 1)
    clockOf(w).advance(-2 * HOUR)
    expectRefused(await register(w, a!, t.id), 409, 'REGISTRATION_CLOSED')
    clockOf(w).reset()
    clockOf(w).advance(2 * DAY + HOUR) // past the window's end (a day before the start)
    expectRefused(await register(w, a!, t.id), 409, 'REGISTRATION_CLOSED')
    // A window that outlasts the start closes at the first session's start.
    clockOf(w).reset()
    const late = await publishedTraining(w, trainer, {
      startsIn: 3 * DAY,
      registrationClosesAt: new Date(clockOf(w).now().getTime() + 30 * DAY).toISOString(),
    })
    expect(late.registrationClosesAt).toBe(late.sessions[0]!.startAt)
    clockOf(w).advance(3 * DAY + HOUR)
    expectRefused(await register(w, a!, late.id), 409, 'REGISTRATION_CLOSED')
    expect(await RegistrationModel.countDocuments({ userId: new Types.ObjectId(a!.id) })).toBe(0)
  })

  it('enforces the per-enterprise quota with 409 ENTERPRISE_QUOTA_FULL, and a cancellation frees the place', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, {
      capacity: 10,
      enterpriseQuota: 2,
      audience: 'enterprise',
    })
    const ent = await buildEnterpriseAdmin(w)
    const members = await fastMpUsers(w, 3)
    await joinEnterprise(members, ent.enterpriseId)
    const [m1, m2, m3] = members
    expectOk(await register(w, m1!, t.id), 201)
    expectOk(await register(w, m2!, t.id), 201)
    expectRefused(await register(w, m3!, t.id), 409, 'ENTERPRISE_QUOTA_FULL')
    expect(await RegistrationModel.countDocuments({ userId: new Types.ObjectId(m3!.id) })).toBe(0)
    expectOk(await w.api.request(E.cancel, { token: m1!.token, params: { id: t.id } }))
    expectOk(await register(w, m3!, t.id), 201)
    // An individual cannot register for an enterprise-only training.
    const [solo] = await fastMpUsers(w, 1)
    expectRefused(await register(w, solo!, t.id), 403, 'REGISTRATION_AUDIENCE')
  })

  it('checks custom answers with 400 REGISTRATION_ANSWERS_INVALID', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, {
      questions: [{ label: '贵单位是否已有专利', type: 'single', options: ['有', '没有'], required: true }],
    })
    const [a] = await fastMpUsers(w, 1)
    expectRefused(await register(w, a!, t.id), 400, 'REGISTRATION_ANSWERS_INVALID')
    const q = t.questions[0]!.id
    expectRefused(
      await register(w, a!, t.id, person({ answers: [{ questionId: q, value: '也许' }] })),
      400,
      'REGISTRATION_ANSWERS_INVALID',
    )
    expectOk(await register(w, a!, t.id, person({ answers: [{ questionId: q, value: '有' }] })), 201)
  })

  it('refuses a cancellation after the cut-off with 409 CANCEL_CUTOFF_PASSED', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { startsIn: 2 * DAY, cancelCutoffMinutes: 24 * 60 })
    const [a] = await fastMpUsers(w, 1)
    expectOk(await register(w, a!, t.id), 201)
    clockOf(w).advance(DAY + HOUR)
    expectRefused(
      await w.api.request(E.cancel, { token: a!.token, params: { id: t.id } }),
      409,
      'CANCEL_CUTOFF_PASSED',
    )
  })

  it('shows staff the queue masked, lets them admit someone by hand (audited), and no registrant sees another', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 1 })
    const [a, b] = await fastMpUsers(w, 2)
    expectOk(await register(w, a!, t.id, person({ name: '王大锤', phone: '13800138000' })), 201)
    expectOk(await register(w, b!, t.id, person({ name: '李四光', phone: '13900139000' })), 201)
    const queue = await w.api.request(E.registrations, {
      token: trainer.token,
      params: { id: t.id },
      query: { status: 'waitlisted' },
    })
    expectOk(queue)
    expect(queue.body.items).toHaveLength(1)
    expect(queue.body.items[0]).toMatchObject({ name: '李**', phone: '139****9000', position: 1 })
    expect(JSON.stringify(queue.body)).not.toContain('13900139000')

    // Nothing of a's registration is visible to b: b's detail carries b's own status only.
    const seenByB = await w.api.request(E.mpGet, { token: b!.token, params: { id: t.id } })
    expectOk(seenByB)
    expect(JSON.stringify(seenByB.body)).not.toMatch(/王|13800138000|138\*\*\*\*8000/)

    const admitted = await w.api.request(E.admit, {
      token: trainer.token,
      params: { id: t.id, registrationId: queue.body.items[0]!.id },
      body: { reason: '主讲单位推荐' },
    })
    expectOk(admitted)
    expect(admitted.body).toMatchObject({ status: 'registered', admittedBy: trainer.username })
    expect(await mine(w, b!, t.id)).toEqual({ status: 'registered' })
    const audit = await AuditModel.findOne({
      action: 'training.registration.admit',
      'target.id': admitted.body.id,
    }).lean()
    expect(audit).toBeTruthy()
    const detail = await w.api.request(E.get, { token: trainer.token, params: { id: t.id } })
    expectOk(detail)
    expect(detail.body.capacity).toBe(2) // admitted over capacity: the capacity grew by one
    await expectSeatsConsistent(t.id)
  })

  it('schedules reminders 1 day and 1 hour before each session, and never sends them to someone who cancelled', async () => {
    const trainer = await buildTrainer(w)
    const start = new Date(clockOf(w).now().getTime() + 5 * DAY)
    const t = await publishedTraining(w, trainer, {
      startsIn: 5 * DAY,
      sessions: [
        {
          startAt: start.toISOString(),
          endAt: new Date(start.getTime() + 2 * HOUR).toISOString(),
          venue: '第一场',
          hours: 2,
        },
        {
          startAt: new Date(start.getTime() + DAY).toISOString(),
          endAt: new Date(start.getTime() + DAY + 2 * HOUR).toISOString(),
          venue: '第二场',
          hours: 2,
        },
      ],
      registrationClosesAt: new Date(start.getTime() - HOUR).toISOString(),
    })
    const [a] = await fastMpUsers(w, 1)
    expectOk(await register(w, a!, t.id), 201)
    const reg = await RegistrationModel.findOne({ userId: new Types.ObjectId(a!.id) }).lean()
    const reminders = await ReminderModel.find({ subjectId: new RegExp(`^${String(reg!._id)}:`) }).lean()
    expect(reminders.map((r) => r.status)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled'])
    expect(reminders.map((r) => r.at.getTime()).sort()).toEqual(
      [start.getTime() - DAY, start.getTime() - HOUR, start.getTime(), start.getTime() + DAY - HOUR].sort(),
    )
    const subject = reminders[0]!.subjectId
    expect(await trainingsOf(w).stillDue(subject)).toBe(true)

    expectOk(await w.api.request(E.cancel, { token: a!.token, params: { id: t.id } }))
    const after = await ReminderModel.find({ subjectId: new RegExp(`^${String(reg!._id)}:`) }).lean()
    expect(after.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled'])
    // Even a reminder job that escaped removal finds the registration cancelled and sends nothing.
    expect(await trainingsOf(w).stillDue(subject)).toBe(false)
    const fired = await w.api.platform.services.notifications.fireReminder({
      kind: 'training.reminder',
      subjectId: subject,
      at: reminders[0]!.at.getTime(),
    })
    expect(fired.sent).toBe(false)
  })

  it('the sweep re-derives the truth after a crash: a cut-short offer is completed, a lost seat given back and offered', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 2 })
    const [a, b, c, d] = await fastMpUsers(w, 4)
    for (const u of [a, b, c, d]) expectOk(await register(w, u!, t.id), 201)
    const id = new Types.ObjectId(t.id)
    const regOf = async (u: { id: string }) =>
      (await RegistrationModel.findOne({ trainingId: id, userId: new Types.ObjectId(u.id) }).lean())!
    // A cancellation cut short after the state move (seat still held), and an offer cut short after the
    // seat was taken for c but before c was moved: as a kill -9 would leave them.
    const ra = await regOf(a!)
    await RegistrationModel.updateOne({ _id: ra._id }, { $set: { status: 'cancelled' } })
    const rc = await regOf(c!)
    await TrainingModel.updateOne({ _id: id }, { $pull: { holders: { _id: ra._id } } })
    await TrainingModel.updateOne({ _id: id }, { $push: { holders: { _id: rc._id, at: new Date() } } })
    // Now: b registered, c holds a seat but still waits, a's seat went to c. Nothing is offered yet.
    expect(await mine(w, c!, t.id)).toEqual({ status: 'waitlisted', position: 1 })
    const swept = await trainingsOf(w).sweep()
    expect(swept).toMatchObject({ offered: 1 })
    expect((await mine(w, c!, t.id))?.status).toBe('offered')
    expect(await mine(w, d!, t.id)).toEqual({ status: 'waitlisted', position: 2 })
    await expectSeatsConsistent(t.id)

    // b's cancellation dies before its seat went back: the sweep releases it and offers it to d.
    const rb = await regOf(b!)
    await RegistrationModel.updateOne({ _id: rb._id }, { $set: { status: 'cancelled' } })
    expect(await trainingsOf(w).sweep()).toMatchObject({ released: 1, offered: 1 })
    expect((await mine(w, d!, t.id))?.status).toBe('offered')
    const { training } = await expectSeatsConsistent(t.id)
    expect(training.seatsLeft).toBe(0)
  })
})
