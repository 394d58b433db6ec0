import { afterEach, describe, expect, it } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E, type TrainingInputInput } from '@zct/api/contracts/trainings/trainings'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import {
  DAY,
  buildTrainer,
  clockOf,
  expectSeatsConsistent,
  fastMpUsers,
  mine,
  publishedTraining,
  register,
  trainingBody,
} from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

type Out = Awaited<ReturnType<typeof publishedTraining>>
/** The edit form as the console fills it from the training it shows. */
const formOf = (t: Out): TrainingInputInput => ({
  title: t.title,
  body: t.body,
  organiser: t.organiser,
  speakers: t.speakers,
  sessions: t.sessions.map((s) => ({
    startAt: s.startAt,
    endAt: s.endAt,
    venue: s.venue,
    onlineUrl: s.onlineUrl,
    hours: s.hours,
    checkout: s.checkout,
  })),
  capacity: t.capacity,
  audience: t.audience,
  registrationOpensAt: t.registrationOpensAt,
  registrationClosesAt: t.registrationClosesAt,
  enterpriseQuota: t.enterpriseQuota,
  questions: t.questions.map((q) => ({
    label: q.label,
    type: q.type,
    options: q.options,
    required: q.required,
  })),
  attachments: t.attachments,
  cancelCutoffMinutes: t.cancelCutoffMinutes,
})

describe('editing a training (PUT /admin/v1/trainings/:id)', () => {
  it('edits everything of a draft', async () => {
    const trainer = await buildTrainer(w)
    const created = await w.api.request(E.create, { token: trainer.token, body: trainingBody(w) })
    expectOk(created, 201)
    const body = trainingBody(w, { capacity: 30, audience: 'enterprise', startsIn: 20 * DAY })
    const res = await w.api.request(E.update, { token: trainer.token, params: { id: created.body.id }, body })
    expectOk(res)
    expect(res.body).toMatchObject({
      capacity: 30,
      audience: 'enterprise',
      title: body.title,
      status: 'draft',
    })
    expect(res.body.body).not.toContain('<script')
    expect(res.body.sessions[0]!.startAt).toBe(body.sessions[0]!.startAt)
    expect(await AuditModel.exists({ action: 'training.update', 'target.id': created.body.id })).toBeTruthy()
  })

  it('edits what is safe of a published training, refuses the rest by name, and writes nothing on a refusal', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 2 })
    const form = formOf(t)
    const later = new Date(Date.parse(t.registrationClosesAt) + 3_600_000).toISOString()
    const ok = await w.api.request(E.update, {
      token: trainer.token,
      params: { id: t.id },
      body: {
        ...form,
        title: '专利挖掘实务（更新）',
        speakers: ['王老师'],
        sessions: [
          {
            ...form.sessions[0]!,
            venue: '韶关市行政服务中心五楼',
            onlineUrl: 'https://meeting.example.cn/123',
          },
        ],
        registrationClosesAt: later,
      },
    })
    expectOk(ok)
    expect(ok.body).toMatchObject({
      title: '专利挖掘实务（更新）',
      speakers: ['王老师'],
      registrationClosesAt: later,
    })
    expect(ok.body.sessions[0]).toMatchObject({ id: t.sessions[0]!.id, venue: '韶关市行政服务中心五楼' })

    const before = await TrainingModel.findById(t.id).lean()
    const moved = new Date(Date.parse(form.sessions[0]!.startAt as string) + DAY).toISOString()
    const movedEnd = new Date(Date.parse(form.sessions[0]!.endAt as string) + DAY).toISOString()
    const refused = await w.api.request(E.update, {
      token: trainer.token,
      params: { id: t.id },
      body: {
        ...formOf(ok.body),
        title: '不应写入',
        audience: 'individual',
        sessions: [{ ...form.sessions[0]!, startAt: moved, endAt: movedEnd }],
        registrationClosesAt: t.registrationClosesAt, // earlier than now set
      },
    })
    expectRefused(refused, 409, 'TRAINING_EDIT_LOCKED')
    const paths = (refused.body.error.details as { fields: { path: string }[] }).fields.map((f) => f.path)
    expect(paths.sort()).toEqual(['audience', 'registrationClosesAt', 'sessions'])
    expect(refused.body.error.message).toContain('报名对象')
    const afterRefusal = await TrainingModel.findById(t.id).lean()
    expect(afterRefusal!.title).toBe(before!.title)
    expect(afterRefusal!.updatedAt.getTime()).toBe(before!.updatedAt.getTime())
  })

  it('raises the capacity by offering the new seats to the waitlist, and never lowers it below the seats held', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 1 })
    const [a, b, c] = await fastMpUsers(w, 3)
    for (const u of [a, b, c]) expectOk(await register(w, u!, t.id), 201)
    expect((await mine(w, b!, t.id))?.status).toBe('waitlisted')

    const low = await w.api.request(E.update, {
      token: trainer.token,
      params: { id: t.id },
      body: { ...formOf(t), capacity: 1, title: '不应写入' },
    })
    expectOk(low) // same capacity: fine
    expect(low.body.title).toBe('不应写入')

    const raised = await w.api.request(E.update, {
      token: trainer.token,
      params: { id: t.id },
      body: { ...formOf(low.body), capacity: 2 },
    })
    expectOk(raised)
    expect(raised.body.capacity).toBe(2)
    // The first waiting gets a time-limited offer, exactly as for a freed seat; the second still waits.
    const rb = await mine(w, b!, t.id)
    expect(rb?.status).toBe('offered')
    expect(rb?.offerExpiresAt).toBeTruthy()
    expect((await mine(w, c!, t.id))?.status).toBe('waitlisted')
    await expectSeatsConsistent(t.id)

    const below = await w.api.request(E.update, {
      token: trainer.token,
      params: { id: t.id },
      body: { ...formOf(raised.body), capacity: 1, title: '也不应写入' },
    })
    expectRefused(below, 409, 'CAPACITY_BELOW_SEATS_HELD')
    const stored = await TrainingModel.findById(new Types.ObjectId(t.id)).lean()
    expect(stored).toMatchObject({ capacity: 2, seatsLeft: 0, title: '不应写入' })
  })

  it('refuses to edit a cancelled training', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer)
    expectOk(
      await w.api.request(E.cancelTraining, {
        token: trainer.token,
        params: { id: t.id },
        body: { reason: '改期' },
      }),
    )
    const res = await w.api.request(E.update, { token: trainer.token, params: { id: t.id }, body: formOf(t) })
    expectRefused(res, 409, 'STATE_CONFLICT')
  })
})
