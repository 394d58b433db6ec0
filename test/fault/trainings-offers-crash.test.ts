import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { Types } from 'mongoose'
import { afterAll, describe, expect, it } from 'vitest'
import { WaitlistSweepTask } from '@zct/api/internal/modules/trainings/trainings.jobs'
import { RegistrationModel, TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { openQueue } from '@zct/api/internal/platform/queues'
import { enqueue } from '@zct/api/internal/platform/tasks'
import { world } from '../support/world.js'
import { expectSeatsConsistent, fastMpUsers } from '../trainings/support.js'

const root = path.resolve(import.meta.dirname, '../..')
const w = world()
const children: ChildProcess[] = []

/** A real worker process, as production runs it (node with tsx's loader, so kill -9 hits the worker itself). */
function startWorkerProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...w.api.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  return child
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

const SEATS = 300
const WAITING = 600
const HOUR = 3_600_000

describe('the waitlist survives a crashed worker', () => {
  it('after kill -9 amid expiring offers and a new worker, every seat is held or offered exactly once, in position order', async () => {
    // A training whose 300 seats are all out as offers that ran out an hour ago, 600 more people waiting.
    const users = await fastMpUsers(w, SEATS + WAITING)
    const start = new Date(Date.now() + 10 * 24 * HOUR)
    const trainingId = new Types.ObjectId()
    const regs = users.map((u, i) => ({
      _id: new Types.ObjectId(),
      trainingId,
      userId: new Types.ObjectId(u.id),
      enterpriseId: null,
      status: i < SEATS ? 'offered' : 'waitlisted',
      position: i + 1,
      offeredAt: i < SEATS ? new Date(Date.now() - 25 * HOUR) : null,
      offerExpiresAt: i < SEATS ? new Date(Date.now() - HOUR) : null,
      person: { nameEnc: 'x', nameMasked: '张*', phoneEnc: 'x', phoneMasked: '139****0000' },
    }))
    await TrainingModel.create({
      _id: trainingId,
      title: '崩溃演练培训',
      sessions: [{ startAt: start, endAt: new Date(start.getTime() + 3 * HOUR), venue: '报告厅', hours: 3 }],
      firstStartAt: start,
      lastEndAt: new Date(start.getTime() + 3 * HOUR),
      capacity: SEATS,
      seatsLeft: 0,
      holders: regs.slice(0, SEATS).map((r) => ({ _id: r._id, at: new Date(Date.now() - 25 * HOUR) })),
      nextPosition: SEATS + WAITING + 1,
      audience: 'both',
      registrationOpensAt: new Date(Date.now() - 48 * HOUR),
      registrationClosesAt: new Date(start.getTime() - 24 * HOUR),
      status: 'published',
    })
    await RegistrationModel.insertMany(regs)
    await expectSeatsConsistent(trainingId.toHexString())

    const queue = openQueue('trainings', w.api.config.redis.url, w.api.config.redis.prefix)
    const expired = () => RegistrationModel.countDocuments({ trainingId, status: 'expired' })
    try {
      // The sweep, as its schedule would run it, on a real worker that is killed amid the expiries.
      const first = startWorkerProcess()
      await enqueue(queue, WaitlistSweepTask, {}, { jobId: `sweep-${trainingId.toHexString()}-1` })
      const deadline = Date.now() + 90_000
      while ((await expired()) < 60) {
        if (Date.now() > deadline) throw new Error(`only ${await expired()} expired before the deadline`)
        await new Promise((r) => setTimeout(r, 10))
      }
      first.kill('SIGKILL')
      await new Promise((r) => first.once('exit', r))
      expect(first.signalCode).toBe('SIGKILL')
      expect(await expired()).toBeLessThan(SEATS)

      // A new worker and the next sweep finish the work.
      startWorkerProcess()
      await enqueue(queue, WaitlistSweepTask, {}, { jobId: `sweep-${trainingId.toHexString()}-2` })
      while (
        (await expired()) < SEATS ||
        (await RegistrationModel.countDocuments({ trainingId, status: 'offered' })) < SEATS
      ) {
        if (Date.now() > deadline + 60_000) throw new Error(`stuck at ${await expired()} expired`)
        await new Promise((r) => setTimeout(r, 100))
      }
      await new Promise((r) => setTimeout(r, 500))
    } finally {
      await queue.close()
    }

    const after = await RegistrationModel.find({ trainingId }, { status: 1, position: 1 }).lean()
    const positions = (status: string) =>
      after
        .filter((r) => r.status === status)
        .map((r) => r.position!)
        .sort((a, b) => a - b)
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i)
    expect(positions('expired')).toEqual(range(1, SEATS))
    // Each seat went to exactly one person, the next 300 in line; nobody skipped, nobody offered twice.
    expect(positions('offered')).toEqual(range(SEATS + 1, SEATS))
    expect(positions('waitlisted')).toEqual(range(2 * SEATS + 1, WAITING - SEATS))
    const { training } = await expectSeatsConsistent(trainingId.toHexString())
    expect(training.seatsLeft).toBe(0)
    expect(training.holders).toHaveLength(SEATS)
  }, 240_000)
})
