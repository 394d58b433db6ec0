import { Types } from 'mongoose'
import { expect } from 'vitest'
import {
  TrainingsEndpoints as E,
  type RegistrationInputInput,
  type TrainingInputInput,
} from '@zct/api/contracts/trainings/trainings'
import { MembershipModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { RegistrationModel, TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk } from '../support/api.js'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import type { World } from '../support/world.js'

import { fastMpUsers } from '../stations/support.js'

export { fastMpUsers, type FastUser } from '../stations/support.js'

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** The trainings clock: what every rule of the domain reads (offers' deadlines, the window). */
export const clockOf = (w: World) => w.api.platform.services.trainings.clock
export const trainingsOf = (w: World) => w.api.platform.services.trainings.trainings

/** An instant `ms` after the domain's now, on a whole minute. */
export function later(w: World, ms: number) {
  const t = clockOf(w).now().getTime() + ms
  return new Date(Math.ceil(t / MINUTE) * MINUTE)
}

export const buildTrainer = (w: World) => buildAdmin(w.api, { roles: ['training_manager'] })

let seq = 0
/** A training whose window is open now and whose first session is `startsIn` away (default 10 days). */
export function trainingBody(
  w: World,
  overrides: Partial<TrainingInputInput> & { startsIn?: number } = {},
): TrainingInputInput {
  const { startsIn = 10 * DAY, ...rest } = overrides
  const start = later(w, startsIn)
  return {
    title: `专利挖掘与布局实务培训 ${++seq}`,
    body: '<p>面向中小企业的知识产权实务培训。</p><script>alert(1)</script>',
    capacity: 2,
    audience: 'both',
    registrationOpensAt: new Date(clockOf(w).now().getTime() - HOUR).toISOString(),
    registrationClosesAt: new Date(start.getTime() - Math.min(DAY, startsIn / 2)).toISOString(),
    sessions: [
      {
        startAt: start.toISOString(),
        endAt: new Date(start.getTime() + 3 * HOUR).toISOString(),
        venue: '韶关市行政服务中心三楼报告厅',
        hours: 3,
      },
    ],
    ...rest,
  }
}

/** Created and published through the console. */
export async function publishedTraining(
  w: World,
  who: AdminSession,
  overrides: Parameters<typeof trainingBody>[1] = {},
) {
  const created = await w.api.request(E.create, { token: who.token, body: trainingBody(w, overrides) })
  expectOk(created, 201)
  const published = await w.api.request(E.publish, {
    token: who.token,
    params: { id: created.body.id },
    body: {},
  })
  expectOk(published)
  return published.body
}

let phoneSeq = 0
export function person(overrides: Partial<RegistrationInputInput> = {}): RegistrationInputInput {
  phoneSeq = (phoneSeq + 1) % 100_000_000
  return {
    name: '张小明',
    phone: `139${String(phoneSeq).padStart(8, '0')}`,
    employer: '韶关市某科技有限公司',
    position: '知识产权专员',
    ...overrides,
  }
}

export const register = (w: World, user: { token: string }, id: string, body = person()) =>
  w.api.request(E.register, { token: user.token, params: { id }, body })

export const mine = async (w: World, user: { token: string }, id: string) => {
  const res = await w.api.request(E.mpGet, { token: user.token, params: { id } })
  expectOk(res)
  return res.body.registration
}

/** Makes fast users active members of an enterprise (the principal is read per request). */
export async function joinEnterprise(users: { id: string }[], enterpriseId: string) {
  await MembershipModel.insertMany(
    users.map((u) => ({
      enterpriseId: new Types.ObjectId(enterpriseId),
      userId: new Types.ObjectId(u.id),
      role: 'member',
      status: 'active',
      live: true,
    })),
  )
}

/**
 * The seat invariants of a training, straight from the database: holders are exactly the registrations
 * that hold a seat (registered, offered, attended), `seatsLeft + holders = capacity`, and a free seat is
 * never left while anyone with a position waits. Positions are 1..n without gaps or repeats.
 */
export async function expectSeatsConsistent(trainingId: string) {
  const t = await TrainingModel.findById(trainingId).lean()
  const regs = await RegistrationModel.find({ trainingId: new Types.ObjectId(trainingId) }).lean()
  const holding = regs
    .filter((r) => ['registered', 'offered', 'attended'].includes(r.status))
    .map((r) => String(r._id))
    .sort()
  expect(t!.seatsLeft).toBeGreaterThanOrEqual(0)
  expect(t!.seatsLeft + t!.holders.length).toBe(t!.capacity)
  expect(t!.holders.map((h) => String(h._id)).sort()).toEqual(holding)
  const waiting = regs.filter((r) => r.status === 'waitlisted')
  if (waiting.length) expect(t!.seatsLeft).toBe(0)
  const positions = regs
    .map((r) => r.position)
    .filter((p): p is number => p != null)
    .sort((a, b) => a - b)
  expect(positions).toEqual(positions.map((_, i) => i + 1))
  return { training: t!, regs }
}

/** Two sessions: 3 hours without check-out, 2 hours that count only with check-out. */
export async function attendedTrainingIn(w: World) {
  const trainer = await buildTrainer(w)
  const start = clockOf(w).now().getTime() + 10 * DAY
  const t = await publishedTraining(w, trainer, {
    title: '商标品牌培育实务培训',
    organiser: '韶关市市场监督管理局（知识产权局）',
    sessions: [
      {
        startAt: new Date(start).toISOString(),
        endAt: new Date(start + 3 * HOUR).toISOString(),
        venue: '报告厅',
        hours: 3,
      },
      {
        startAt: new Date(start + DAY).toISOString(),
        endAt: new Date(start + DAY + 2 * HOUR).toISOString(),
        venue: '报告厅',
        hours: 2,
        checkout: true,
      },
    ],
  })
  const [a, b] = await fastMpUsers(w, 2)
  expectOk(await register(w, a!, t.id, person({ name: '陈思远' })), 201)
  expectOk(await register(w, b!, t.id), 201)
  const scan = async (user: { token: string }, sessionId: string, mode: 'in' | 'out') => {
    const code = await w.api.request(E.checkinCode, {
      token: trainer.token,
      params: { id: t.id, sessionId },
      query: { mode },
    })
    expectOk(code)
    expectOk(await w.api.request(E.checkin, { token: user.token, body: { token: code.body.token } }))
  }
  const [s1, s2] = t.sessions
  clockOf(w).set(new Date(Date.parse(s1!.startAt) + 5 * MINUTE))
  await scan(a!, s1!.id, 'in')
  await scan(b!, s1!.id, 'in')
  clockOf(w).set(new Date(Date.parse(s2!.startAt) + 5 * MINUTE))
  await scan(a!, s2!.id, 'in')
  await scan(b!, s2!.id, 'in') // b never checks out: the session's 2 hours are not b's
  clockOf(w).set(new Date(Date.parse(s2!.endAt) + 5 * MINUTE))
  await scan(a!, s2!.id, 'out')
  return { trainer, t, a: a!, b: b!, s2: s2! }
}
