import { afterEach, describe, expect, it } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { AttendanceService } from '@zct/api/internal/modules/trainings/trainings.attendance'
import { AttendanceModel, RegistrationModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import {
  HOUR,
  MINUTE,
  buildTrainer,
  clockOf,
  fastMpUsers,
  mine,
  publishedTraining,
  register,
} from './support.js'

const w = world()
afterEach(() => clockOf(w).reset())

async function setup(checkout = true) {
  const trainer = await buildTrainer(w)
  const t = await publishedTraining(w, trainer, {
    capacity: 5,
    sessions: [
      {
        startAt: new Date(clockOf(w).now().getTime() + 10 * 86_400_000).toISOString(),
        endAt: new Date(clockOf(w).now().getTime() + 10 * 86_400_000 + 3 * HOUR).toISOString(),
        venue: '韶关市行政服务中心三楼报告厅',
        hours: 3,
        checkout,
      },
    ],
  })
  const [a, stranger] = await fastMpUsers(w, 2)
  expectOk(await register(w, a!, t.id), 201)
  const session = t.sessions[0]!
  const code = (mode: 'in' | 'out' = 'in') =>
    w.api.request(E.checkinCode, {
      token: trainer.token,
      params: { id: t.id, sessionId: session.id },
      query: { mode },
    })
  const scan = (user: { token: string }, token: string) =>
    w.api.request(E.checkin, { token: user.token, body: { token } })
  const tokenOf = async (mode: 'in' | 'out') => {
    const res = await code(mode)
    expectOk(res)
    return res.body.token
  }
  return { trainer, t, a: a!, stranger: stranger!, session, code, tokenOf, scan }
}

describe('check-in with a rotating signed QR code', () => {
  it('checks a registrant in with a fresh token and out again, counting live; a second scan changes nothing', async () => {
    const { t, a, session, code, scan } = await setup()
    clockOf(w).set(new Date(Date.parse(session.startAt) - 10 * MINUTE))
    const shown = await code('in')
    expectOk(shown)
    expect(shown.body.qrSvg).toContain('<svg')
    expect(shown.body).toMatchObject({ registered: 1, checkedIn: 0 })
    const first = await scan(a, shown.body.token)
    expectOk(first)
    expect(first.body).toMatchObject({ trainingId: t.id, sessionId: session.id, mode: 'in' })
    expectOk(await scan(a, shown.body.token))
    expect((await code('in')).body).toMatchObject({ checkedIn: 1, checkedOut: 0 })
    expect(await mine(w, a, t.id)).toEqual({ status: 'attended' })
    // An attendee can no longer cancel.
    expectRefused(
      await w.api.request(E.cancel, { token: a.token, params: { id: t.id } }),
      409,
      'STATE_CONFLICT',
    )

    clockOf(w).set(new Date(Date.parse(session.endAt) + 5 * MINUTE))
    const out = await code('out')
    expectOk(out)
    expectOk(await scan(a, out.body.token))
    expect((await code('out')).body).toMatchObject({ checkedIn: 1, checkedOut: 1 })
    expect(await AttendanceModel.countDocuments({ sessionId: new Types.ObjectId(session.id) })).toBe(1)
  })

  it('refuses a stale, a foreign and an altered token with 400 CHECKIN_TOKEN_INVALID', async () => {
    const { a, session, code, scan } = await setup()
    clockOf(w).set(new Date(Date.parse(session.startAt)))
    const shown = await code('in')
    expectOk(shown)
    // A forwarded photo: two rotations later the token is refused.
    clockOf(w).advance(61_000)
    expectRefused(await scan(a, shown.body.token), 400, 'CHECKIN_TOKEN_INVALID')
    // Signed with another server's key.
    const foreign = new AttendanceService({
      clock: clockOf(w),
      secret: 'another-server-secret-0123456789abcdef',
    })
    expectRefused(
      await scan(a, foreign.tokenAt(session.id, 'in', clockOf(w).now())),
      400,
      'CHECKIN_TOKEN_INVALID',
    )
    // A fresh token switched to check-out keeps its MAC and so fails.
    const fresh = (await code('in')).body as { token: string }
    expectRefused(await scan(a, fresh.token.replace('.in.', '.out.')), 400, 'CHECKIN_TOKEN_INVALID')
    expectRefused(await scan(a, 'not-a-token'), 400, 'CHECKIN_TOKEN_INVALID')
    expect(await AttendanceModel.countDocuments({ sessionId: new Types.ObjectId(session.id) })).toBe(0)
    // The token shown just before the rotation is still good just after it.
    clockOf(w).advance(30_000)
    expectOk(await scan(a, fresh.token))
  })

  it('refuses a check-in outside the window with 409 CHECKIN_OUTSIDE_WINDOW, writing nothing', async () => {
    const { a, session, tokenOf, scan } = await setup()
    clockOf(w).set(new Date(Date.parse(session.startAt) - 2 * HOUR))
    expectRefused(await scan(a, await tokenOf('in')), 409, 'CHECKIN_OUTSIDE_WINDOW')
    clockOf(w).set(new Date(Date.parse(session.endAt) + MINUTE))
    expectRefused(await scan(a, await tokenOf('in')), 409, 'CHECKIN_OUTSIDE_WINDOW')
    expect(await AttendanceModel.countDocuments({ sessionId: new Types.ObjectId(session.id) })).toBe(0)
  })

  it('refuses someone without a seat with 409 CHECKIN_NOT_REGISTERED, and a check-out before check-in with 409 CHECKOUT_BEFORE_CHECKIN', async () => {
    const { a, stranger, session, tokenOf, scan } = await setup()
    clockOf(w).set(new Date(Date.parse(session.startAt) + 10 * MINUTE))
    expectRefused(await scan(stranger, await tokenOf('in')), 409, 'CHECKIN_NOT_REGISTERED')
    expectRefused(await scan(a, await tokenOf('out')), 409, 'CHECKOUT_BEFORE_CHECKIN')
    expect(await AttendanceModel.countDocuments({ sessionId: new Types.ObjectId(session.id) })).toBe(0)
  })

  it('lets staff check someone in and out by hand, audited', async () => {
    const { trainer, t, a, session } = await setup()
    clockOf(w).set(new Date(Date.parse(session.startAt) + 10 * MINUTE))
    const reg = await RegistrationModel.findOne({ userId: new Types.ObjectId(a.id) }).lean()
    const res = await w.api.request(E.manualCheck, {
      token: trainer.token,
      params: { id: t.id, sessionId: session.id },
      body: { registrationId: String(reg!._id), mode: 'in', reason: '手机没电，现场核验身份证' },
    })
    expectOk(res)
    expect(res.body).toMatchObject({ checkedInBy: trainer.username, checkedOutAt: null })
    expect(
      await AuditModel.countDocuments({ action: 'training.checkin.manual', 'target.id': String(reg!._id) }),
    ).toBe(1)
    expect(await mine(w, a, t.id)).toEqual({ status: 'attended' })
  })
})
