import { describe, expect, it } from 'vitest'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { world } from '../support/world.js'
import { DAY, HOUR, buildTrainer, trainingBody } from './support.js'

const w = world()

/** Each bad training answers a clear 400 naming the field, and nothing is written. */
describe('bad input writes nothing', () => {
  it('refuses a session ending before it starts, capacity 0, a window after the training, a question without options', async () => {
    const trainer = await buildTrainer(w)
    const good = trainingBody(w)
    const start = Date.parse(good.sessions[0]!.startAt)
    const cases: [string, Parameters<typeof trainingBody>[1], string][] = [
      [
        'a session ending before it starts',
        {
          sessions: [
            {
              startAt: new Date(start).toISOString(),
              endAt: new Date(start - HOUR).toISOString(),
              venue: '报告厅',
              hours: 2,
            },
          ],
        },
        'sessions.0.endAt',
      ],
      ['capacity 0', { capacity: 0 }, 'capacity'],
      [
        'a registration window after the training',
        {
          registrationOpensAt: new Date(start + DAY).toISOString(),
          registrationClosesAt: new Date(start + 2 * DAY).toISOString(),
        },
        'registrationOpensAt',
      ],
      [
        'a custom question without options',
        { questions: [{ label: '您的行业', type: 'single', options: [] }] },
        'questions.0.options',
      ],
    ]
    const before = await TrainingModel.countDocuments()
    for (const [what, overrides, path] of cases) {
      const res = await w.api.request(E.create, { token: trainer.token, body: trainingBody(w, overrides) })
      expect(res.status, what).toBe(400)
      if (res.ok) continue
      expect(res.body.error.code, what).toBe('VALIDATION_FAILED')
      const fields = (res.body.error.details as { fields: { path: string; message: string }[] }).fields
      expect(
        fields.map((f) => f.path),
        what,
      ).toContain(path)
      expect(
        fields.every((f) => /[\u4e00-\u9fa5]/.test(f.message)),
        what,
      ).toBe(true)
    }
    expect(await TrainingModel.countDocuments()).toBe(before)
  })
})

describe('attachments', () => {
  it('lets a trainer upload an attachment and attach it; an unknown file is 400 TRAINING_FILE_INVALID, nothing written', async () => {
    const trainer = await buildTrainer(w)
    const form = new FormData()
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
    form.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), '培训日程.pdf')
    const up = await fetch(`${w.api.url}/admin/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${trainer.token}` },
      body: form,
    })
    expect(up.status).toBe(201)
    const file = (await up.json()) as { id: string }
    const ok = await w.api.request(E.create, {
      token: trainer.token,
      body: trainingBody(w, { attachments: [file.id] }),
    })
    expect(ok.status).toBe(201)
    if (ok.ok) expect(ok.body.attachments).toEqual([file.id])

    const before = await TrainingModel.countDocuments()
    const bad = await w.api.request(E.create, {
      token: trainer.token,
      body: trainingBody(w, { attachments: ['0123456789abcdef01234567'] }),
    })
    expect(bad.status).toBe(400)
    if (!bad.ok) expect(bad.body.error.code).toBe('TRAINING_FILE_INVALID')
    expect(await TrainingModel.countDocuments()).toBe(before)
  })
})
