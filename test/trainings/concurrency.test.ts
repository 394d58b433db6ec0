import { describe, expect, it } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { RegistrationModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { world } from '../support/world.js'
import { buildTrainer, expectSeatsConsistent, fastMpUsers, publishedTraining, register } from './support.js'

/**
 * Seats and positions are the database's: each proof fires the requests at once over HTTP against the
 * embedded database and checks the outcome straight from the collections.
 */
const w = world()

describe('seats and the waitlist under concurrency', () => {
  it('2,000 concurrent registrations for 200 seats: exactly 200 registered, 1,800 waitlisted at positions 1..1,800', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 200 })
    const users = await fastMpUsers(w, 2000)
    const results = await Promise.all(users.map((u) => register(w, u, t.id)))
    expect(results.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([])
    const bodies = results.map((r) => r.body as { status: string; position?: number })
    expect(bodies.filter((b) => b.status === 'registered')).toHaveLength(200)
    const positions = bodies
      .filter((b) => b.status === 'waitlisted')
      .map((b) => b.position!)
      .sort((a, b) => a - b)
    expect(positions).toEqual(Array.from({ length: 1800 }, (_, i) => i + 1))
    const { training, regs } = await expectSeatsConsistent(t.id)
    expect(training.seatsLeft).toBe(0)
    expect(regs.filter((r) => r.status === 'registered')).toHaveLength(200)
    expect(regs.filter((r) => r.status === 'waitlisted')).toHaveLength(1800)
  }, 120_000)

  it('50 concurrent cancellations: exactly 50 offers, to the first 50 waiting', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer, { capacity: 50 })
    const seated = await fastMpUsers(w, 50)
    for (const u of seated) await register(w, u, t.id)
    const waiting = await fastMpUsers(w, 80)
    for (const u of waiting) await register(w, u, t.id)
    const cancels = await Promise.all(
      seated.map((u) => w.api.request(E.cancel, { token: u.token, params: { id: t.id } })),
    )
    expect(cancels.map((c) => c.status)).toEqual(seated.map(() => 200))
    const offered = await RegistrationModel.find({
      trainingId: new Types.ObjectId(t.id),
      status: 'offered',
    }).lean()
    expect(offered.map((r) => r.position).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    )
    const stillWaiting = await RegistrationModel.find({
      trainingId: new Types.ObjectId(t.id),
      status: 'waitlisted',
    }).lean()
    expect(stillWaiting.map((r) => r.position).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 51),
    )
    const { training } = await expectSeatsConsistent(t.id)
    expect(training.seatsLeft).toBe(0)
  }, 120_000)
})
