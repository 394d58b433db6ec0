import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { Types } from 'mongoose'
import QRCode from 'qrcode'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { iso } from '../../platform/time.js'
import { transition } from '../../platform/transitions.js'
import {
  RegistrationMachine,
  type AttendanceOutput,
  type CheckModeOutput,
  type CheckinCodeOutput,
  type CheckinOutput,
} from './trainings.contract.js'
import { trainingsErrors } from './trainings.errors.js'
import {
  AttendanceModel,
  RegistrationModel,
  TrainingModel,
  type AttendanceDoc,
  type RegistrationDoc,
  type TrainingDoc,
} from './trainings.model.js'
import type { Clock } from './trainings.service.js'

/** Tokens rotate every 30 seconds; a scan of the code shown just before the rotation still counts. */
export const ROTATE_MS = 30_000
/** Check-in opens 30 minutes before a session and closes at its end; check-out runs until 30 minutes after. */
export const EARLY_MS = 30 * 60_000
export const LATE_MS = 30 * 60_000

type Session = TrainingDoc['sessions'][number]

export function windowOf(s: Pick<Session, 'startAt' | 'endAt'>, mode: CheckModeOutput) {
  return mode === 'in'
    ? { opens: new Date(s.startAt.getTime() - EARLY_MS), closes: s.endAt }
    : { opens: s.startAt, closes: new Date(s.endAt.getTime() + LATE_MS) }
}

/** Hours a registrant earned at a session: checked in, and out where the session requires it. */
export const creditedHours = (
  s: Pick<Session, 'hours' | 'checkout'>,
  a: Pick<AttendanceDoc, 'inAt' | 'outAt'> | undefined,
) => (a?.inAt && (!s.checkout || a.outAt) ? s.hours : 0)

/**
 * Check-in that a forwarded photo cannot fake: the screen shows `<session>.<mode>.<window>.<mac>`, an HMAC
 * (key derived from the JWT secret) over the session, the mode and the 30-second window. A token older than
 * the previous window, for another session's key or altered answers 400 CHECKIN_TOKEN_INVALID.
 */
export class AttendanceService {
  private readonly key: Buffer

  constructor(private readonly d: { clock: Clock; secret: string }) {
    this.key = createHash('sha256').update(`training-checkin:${d.secret}`).digest()
  }

  private mac(body: string) {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22)
  }

  tokenAt(sessionId: string, mode: CheckModeOutput, at: Date) {
    const body = `${sessionId}.${mode}.${Math.floor(at.getTime() / ROTATE_MS)}`
    return `${body}.${this.mac(body)}`
  }

  /** The session and mode of a token signed by this server in the current or the previous window. */
  private verify(token: string) {
    const parts = token.split('.')
    if (parts.length !== 4) throw trainingsErrors.tokenInvalid()
    const [sessionId, mode, win, mac] = parts as [string, string, string, string]
    if (!Types.ObjectId.isValid(sessionId) || (mode !== 'in' && mode !== 'out') || !/^\d+$/.test(win))
      throw trainingsErrors.tokenInvalid()
    const expected = Buffer.from(this.mac(`${sessionId}.${mode}.${win}`))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw trainingsErrors.tokenInvalid()
    const now = Math.floor(this.d.clock.now().getTime() / ROTATE_MS)
    const w = Number(win)
    if (w !== now && w !== now - 1) throw trainingsErrors.tokenInvalid()
    return { sessionId, mode: mode as CheckModeOutput }
  }

  async code(trainingId: string, sessionId: string, mode: CheckModeOutput): Promise<CheckinCodeOutput> {
    const { t, s } = await this.session(trainingId, sessionId)
    const now = this.d.clock.now()
    const token = this.tokenAt(sessionId, mode, now)
    const win = windowOf(s, mode)
    const [registered, checkedIn, checkedOut] = await Promise.all([
      RegistrationModel.countDocuments({ trainingId: t._id, status: { $in: ['registered', 'attended'] } }),
      AttendanceModel.countDocuments({ trainingId: t._id, sessionId: s._id, inAt: { $ne: null } }),
      AttendanceModel.countDocuments({ trainingId: t._id, sessionId: s._id, outAt: { $ne: null } }),
    ])
    return {
      mode,
      token,
      qrSvg: await QRCode.toString(token, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      rotatesAt: iso(new Date((Math.floor(now.getTime() / ROTATE_MS) + 1) * ROTATE_MS)),
      windowOpensAt: iso(win.opens),
      windowClosesAt: iso(win.closes),
      registered,
      checkedIn,
      checkedOut,
    }
  }

  /** A registrant scans the screen: within the session's window, with a seat in the training. */
  async scan(user: MpPrincipal, token: string): Promise<CheckinOutput> {
    const { sessionId, mode } = this.verify(token)
    const t = await TrainingModel.findOne(
      { 'sessions._id': new Types.ObjectId(sessionId), status: 'published' },
      {
        title: 1,
        sessions: 1,
      },
    ).lean<TrainingDoc>()
    const s = t?.sessions.find((x) => x._id.toHexString() === sessionId)
    if (!t || !s) throw trainingsErrors.tokenInvalid()
    const now = this.d.clock.now()
    const win = windowOf(s, mode)
    if (now < win.opens || now > win.closes) throw trainingsErrors.outsideWindow(mode, win.opens, win.closes)
    const r = await RegistrationModel.findOne({
      trainingId: t._id,
      userId: new Types.ObjectId(user.id),
      status: { $in: ['registered', 'attended'] },
    }).lean<RegistrationDoc>()
    if (!r) throw trainingsErrors.notRegistered()
    const a = await this.record(t, s, r, mode, 'scan', now)
    return {
      trainingId: t._id.toHexString(),
      title: t.title,
      sessionId,
      mode,
      at: iso((mode === 'in' ? a.inAt : a.outAt) ?? now),
    }
  }

  /** Staff record someone's check-in or check-out by hand (the route audits it). */
  async manual(
    trainingId: string,
    sessionId: string,
    input: { registrationId: string; mode: CheckModeOutput },
    actor: AdminPrincipal,
  ): Promise<AttendanceOutput> {
    const { t, s } = await this.session(trainingId, sessionId)
    const r = await RegistrationModel.findOne({
      _id: new Types.ObjectId(input.registrationId),
      trainingId: t._id,
    }).lean<RegistrationDoc>()
    if (!r) throw trainingsErrors.registrationNotFound()
    if (r.status !== 'registered' && r.status !== 'attended') throw trainingsErrors.notRegistered()
    const a = await this.record(t, s, r, input.mode, actor.username, this.d.clock.now())
    return presentAttendance(a)
  }

  /** Once per registrant, session and mode: a repeated scan answers the first time. */
  private async record(
    t: TrainingDoc,
    s: Session,
    r: RegistrationDoc,
    mode: CheckModeOutput,
    by: string,
    now: Date,
  ) {
    const key = { registrationId: r._id, sessionId: s._id }
    let a: AttendanceDoc | null
    if (mode === 'in') {
      a = await AttendanceModel.findOneAndUpdate(
        key,
        { $setOnInsert: { trainingId: t._id, userId: r.userId, outAt: null, outBy: null } },
        { upsert: true, new: true },
      ).lean<AttendanceDoc>()
      a =
        (await AttendanceModel.findOneAndUpdate(
          { _id: a!._id, inAt: null },
          { $set: { inAt: now, inBy: by } },
          { new: true },
        ).lean<AttendanceDoc>()) ?? a
      // The first check-in makes the registration an attendance: it can no longer be cancelled.
      if (r.status === 'registered')
        await transition(RegistrationModel, RegistrationMachine, 'attend', { _id: r._id }).catch(() => {
          // A concurrent scan (another session, a second device) made the move first.
        })
    } else {
      a = await AttendanceModel.findOneAndUpdate(
        { ...key, inAt: { $ne: null }, outAt: null },
        { $set: { outAt: now, outBy: by } },
        { new: true },
      ).lean<AttendanceDoc>()
      if (!a) {
        a = await AttendanceModel.findOne({ ...key, inAt: { $ne: null } }).lean<AttendanceDoc>()
        if (!a) throw trainingsErrors.checkoutFirst()
      }
    }
    return a!
  }

  private async session(trainingId: string, sessionId: string) {
    if (!Types.ObjectId.isValid(trainingId)) throw trainingsErrors.notFound()
    const t = await TrainingModel.findById(trainingId, { holders: 0 }).lean<TrainingDoc>()
    const s = t?.sessions.find((x) => x._id.toHexString() === sessionId)
    if (!t || !s) throw trainingsErrors.notFound()
    return { t, s }
  }
}

export function presentAttendance(a: AttendanceDoc): AttendanceOutput {
  return {
    registrationId: a.registrationId.toHexString(),
    sessionId: a.sessionId.toHexString(),
    checkedInAt: iso(a.inAt),
    checkedOutAt: iso(a.outAt),
    checkedInBy: a.inBy ?? null,
    checkedOutBy: a.outBy ?? null,
  }
}
