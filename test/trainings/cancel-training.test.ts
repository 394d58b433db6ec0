import { afterEach, describe, expect, it, vi } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { ReminderModel } from '@zct/api/internal/modules/notifications/notifications.model'
import { RegistrationModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import {
  buildTrainer,
  clockOf,
  fastMpUsers,
  mine,
  publishedTraining,
  register,
  trainingsOf,
} from './support.js'

const w = world()
afterEach(() => {
  clockOf(w).reset()
  vi.restoreAllMocks()
})

describe('calling a training off (POST /admin/v1/trainings/:id/cancel)', () => {
  it('cancels every live registration, tells each person, cancels their reminders, and closes registration', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 1 })
    const [a, b, c, late] = await fastMpUsers(w, 4)
    for (const u of [a, b, c]) expectOk(await register(w, u!, t.id), 201)
    // a holds the seat, b and c wait.
    expect((await mine(w, a!, t.id))?.status).toBe('registered')
    expect((await mine(w, b!, t.id))?.status).toBe('waitlisted')
    const regA = await RegistrationModel.findOne({ userId: new Types.ObjectId(a!.id) }).lean()
    const reminders = await ReminderModel.find({ subjectId: new RegExp(`^${String(regA!._id)}:`) }).lean()
    expect(reminders.length).toBeGreaterThan(0)

    // A reason is required: nothing is written without it.
    const noReason = await w.api.request(E.cancelTraining, {
      token: trainer.token,
      params: { id: t.id },
      body: { reason: '' },
    })
    expect(noReason.status).toBe(400)
    expect((await mine(w, a!, t.id))?.status).toBe('registered')

    // The notifications' queue is the shared one: what the training hands it is what each person gets.
    const notify = vi.spyOn(w.api.platform.services.notifications, 'notify')
    const res = await w.api.request(E.cancelTraining, {
      token: trainer.token,
      params: { id: t.id },
      body: { reason: '讲师临时有事，改期另行通知' },
    })
    expectOk(res)
    expect(res.body.status).toBe('cancelled')

    const regs = await RegistrationModel.find({ trainingId: new Types.ObjectId(t.id) }).lean()
    expect(regs.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    const told = notify.mock.calls
      .filter(([kind]) => kind === 'training.cancelled')
      .flatMap(([, items]) => items)
    expect(told.map((i) => i.memberId).sort()).toEqual([a!.id, b!.id, c!.id].sort())
    for (const i of told) {
      expect(i.inbox.title).toBe('培训已取消')
      expect(i.inbox.summary).toContain('讲师临时有事')
      expect(i.vars).toMatchObject({ reason: '讲师临时有事，改期另行通知' })
    }
    const after = await ReminderModel.find({ subjectId: new RegExp(`^${String(regA!._id)}:`) }).lean()
    expect(after.every((r) => r.status === 'cancelled')).toBe(true)
    // Even a reminder job that escaped removal sends nothing.
    expect(await trainingsOf(w).stillDue(reminders[0]!.subjectId)).toBe(false)
    const fired = await w.api.platform.services.notifications.fireReminder({
      kind: 'training.reminder',
      subjectId: reminders[0]!.subjectId,
      at: reminders[0]!.at.getTime(),
    })
    expect(fired.sent).toBe(false)

    const audit = await AuditModel.findOne({ action: 'training.cancel', 'target.id': t.id }).lean()
    expect(audit).toBeTruthy()

    // Nobody can register any more, and a second cancel is refused by the machine.
    expectRefused(await register(w, late!, t.id), 409, 'REGISTRATION_CLOSED')
    const again = await w.api.request(E.cancelTraining, {
      token: trainer.token,
      params: { id: t.id },
      body: { reason: '重复操作' },
    })
    expect(again.status).toBe(409)
  })

  it('needs training.manage', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer)
    const [u] = await fastMpUsers(w, 1)
    const res = await w.api.request(E.cancelTraining, {
      token: u!.token,
      params: { id: t.id },
      body: { reason: '无权操作' },
    })
    expect([401, 403]).toContain(res.status)
  })
})
