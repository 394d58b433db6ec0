import { Types } from 'mongoose'
import type { Logger } from 'pino'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { findPage } from '../../platform/lists.js'
import { beijingDateTime } from '../../platform/time.js'
import { transition } from '../../platform/transitions.js'
import type { PushableContent } from '../campaigns/campaigns.service.js'
import { sanitizeBody } from '../content/content.sanitize.js'
import { StoredFileModel } from '../files/files.model.js'
import type { NotificationKind } from '../notifications/notifications.contract.js'
import { ReminderModel } from '../notifications/notifications.model.js'
import type { NotificationService } from '../notifications/notifications.service.js'
import { Clock } from '../stations/stations.service.js'
import {
  RegistrationMachine,
  TrainingMachine,
  type MyRegistrationOutput,
  type CancelTrainingInputOutput,
  type RegistrationCreatedOutput,
  type RegistrationInputOutput,
  type RegistrationListQueryInput,
  type RegistrationMoveName,
  type RegistrationStatusOutput,
  type TrainingInputOutput,
  type TrainingListQueryInput,
} from './trainings.contract.js'
import { trainingsErrors } from './trainings.errors.js'
import {
  RegistrationModel,
  TrainingModel,
  TrainingQuotaModel,
  type RegistrationDoc,
  type TrainingDoc,
} from './trainings.model.js'
import {
  closesAtOf,
  emptyCounts,
  presentAdminRegistration,
  presentMine,
  presentMpTraining,
  presentTraining,
  type Counts,
} from './trainings.presenter.js'

export { Clock }

export interface TrainingDeps {
  clock: Clock
  cipher: PersonalDataCipher
  notifications: NotificationService
  log: Logger
}

const HOUR = 3_600_000
/** An offer lasts 24 hours, or half the time left before the first session when that is less. */
export const OFFER_MS = 24 * HOUR
/** A seat held this long by a registration that is not (yet) holding status was left by a crash. */
const STALE_MS = 60_000
/** Reminders before each session. */
export const REMINDERS = [
  { key: 'day', beforeMs: 24 * HOUR, label: '明天' },
  { key: 'hour', beforeMs: HOUR, label: '1 小时后' },
] as const
const HOLDING = ['registered', 'offered', 'attended'] as const
const FINAL = ['cancelled', 'declined', 'expired'] as const

const LOCKED_LABELS = {
  organiser: '主办单位',
  audience: '报名对象',
  registrationOpensAt: '报名开始时间',
  registrationClosesAt: '报名截止时间（只能延后）',
  enterpriseQuota: '每单位限报人数',
  questions: '自定义问题',
  targeting: '推送对象',
  cancelCutoffMinutes: '取消截止时间',
  sessions: '场次的时间、学时或签退要求',
} as const

/** The fields a published training's edit would change that registrations already rely on. */
function lockedChanges(
  t: TrainingDoc,
  input: TrainingInputOutput,
  sessions: { startAt: Date; endAt: Date; hours: number; checkout: boolean }[],
) {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  const changed: (keyof typeof LOCKED_LABELS)[] = []
  if (input.organiser !== t.organiser) changed.push('organiser')
  if (input.audience !== t.audience) changed.push('audience')
  if (Date.parse(input.registrationOpensAt) !== t.registrationOpensAt.getTime())
    changed.push('registrationOpensAt')
  // compared with the effective close (the window's end or the first start, the earlier), which is what
  // the console shows
  if (Date.parse(input.registrationClosesAt) < closesAtOf(t).getTime()) changed.push('registrationClosesAt')
  if (input.enterpriseQuota !== (t.enterpriseQuota ?? null)) changed.push('enterpriseQuota')
  const questions = (qs: { label: string; type: string; options: string[]; required: boolean }[]) =>
    qs.map((q) => [q.label, q.type, [...q.options], !!q.required])
  if (!same(questions(input.questions), questions(t.questions))) changed.push('questions')
  if (input.targeting !== undefined && !same(input.targeting, t.targeting ?? null)) changed.push('targeting')
  if (input.cancelCutoffMinutes !== t.cancelCutoffMinutes) changed.push('cancelCutoffMinutes')
  const timing = (ss: { startAt: Date; endAt: Date; hours: number; checkout?: boolean | null }[]) =>
    ss.map((s) => [s.startAt.getTime(), s.endAt.getTime(), s.hours, !!s.checkout])
  if (!same(timing(sessions), timing(t.sessions))) changed.push('sessions')
  return changed.map((path) => ({ path, label: LOCKED_LABELS[path] }))
}

export const offerExpiry = (now: Date, firstStartAt: Date) =>
  new Date(now.getTime() + Math.min(OFFER_MS, Math.max(0, (firstStartAt.getTime() - now.getTime()) / 2)))

const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id)
const quotaKey = (trainingId: Types.ObjectId, enterpriseId: Types.ObjectId) =>
  `${trainingId.toHexString()}:${enterpriseId.toHexString()}`
const reminderSubject = (regId: Types.ObjectId | string, sessionId: Types.ObjectId | string, key: string) =>
  `${String(regId)}:${String(sessionId)}:${key}`

/**
 * Trainings and their registrations. Seats are the training document's: a seat is one conditional update
 * (`seatsLeft > 0`, the registration not yet a holder: `$inc -1`, `$push` holder), given back by the one
 * update that can pull that holder. While nobody has ever waited, a registration takes a seat directly;
 * once a waitlist has formed every seat that frees up goes to the waitlist by an offer, in position order
 * (positions from an atomic `$inc` of `nextPosition`). The sweep re-derives the truth after a crash:
 * holders whose registration no longer holds are released, and free seats are offered while anyone waits.
 */
export class TrainingsService {
  constructor(readonly d: TrainingDeps) {}

  // ── console ─────────────────────────────────────────────────────────────────────────────────────────

  async list(q: TrainingListQueryInput & { page: number; pageSize: number }) {
    const filter = q.status ? { status: q.status } : {}
    const { docs, ...page } = await findPage<TrainingDoc>(TrainingModel, filter, q, { createdAt: -1 })
    const counts = await this.countsOf(docs.map((d) => d._id))
    return { ...page, items: docs.map((d) => presentTraining(d, counts.get(d._id.toHexString()))) }
  }

  async create(input: TrainingInputOutput, actor: AdminPrincipal) {
    await this.assertAttachments(input.attachments)
    const sessions = input.sessions
      .map((s) => ({ ...s, startAt: new Date(s.startAt), endAt: new Date(s.endAt) }))
      .sort((a, b) => a.startAt.getTime() - b.startAt.getTime())
    const doc = await TrainingModel.create({
      title: input.title,
      body: sanitizeBody(input.body),
      organiser: input.organiser,
      speakers: input.speakers,
      sessions,
      firstStartAt: sessions[0]!.startAt,
      lastEndAt: new Date(Math.max(...sessions.map((s) => s.endAt.getTime()))),
      capacity: input.capacity,
      seatsLeft: input.capacity,
      audience: input.audience,
      registrationOpensAt: new Date(input.registrationOpensAt),
      registrationClosesAt: new Date(input.registrationClosesAt),
      enterpriseQuota: input.enterpriseQuota,
      questions: input.questions,
      attachments: input.attachments.map(oid),
      targeting: input.targeting ?? null,
      cancelCutoffMinutes: input.cancelCutoffMinutes,
      createdBy: oid(actor.id),
    })
    return presentTraining(doc.toObject() as TrainingDoc, emptyCounts(input.capacity))
  }

  /**
   * Edits a training. A draft: everything (nobody registered yet). A published one: only what leaves
   * every registration as it was: title, body, speakers, attachments, each session's venue and online
   * link, registration closing later, and the capacity (never below the seats held; seats it adds are
   * offered to the waitlist as a freed seat is). Any other change is refused, naming the fields, before
   * anything is written. The capacity and the rest are one update guarded by the capacity and free seats
   * read, so a concurrent registration can never leave the seats inconsistent.
   */
  async update(id: string, input: TrainingInputOutput) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const t = await this.training(id)
      if (t.status === 'cancelled') throw trainingsErrors.notEditable(t.status)
      await this.assertAttachments(input.attachments)
      const sessions = input.sessions
        .map((s) => ({ ...s, startAt: new Date(s.startAt), endAt: new Date(s.endAt) }))
        .sort((a, b) => a.startAt.getTime() - b.startAt.getTime())
      const safe = {
        title: input.title,
        body: sanitizeBody(input.body),
        speakers: input.speakers,
        attachments: input.attachments.map(oid),
      }
      if (t.status === 'draft') {
        const updated = await TrainingModel.findOneAndUpdate(
          { _id: t._id, status: 'draft' },
          {
            $set: {
              ...safe,
              organiser: input.organiser,
              sessions,
              firstStartAt: sessions[0]!.startAt,
              lastEndAt: new Date(Math.max(...sessions.map((s) => s.endAt.getTime()))),
              capacity: input.capacity,
              seatsLeft: input.capacity,
              audience: input.audience,
              registrationOpensAt: new Date(input.registrationOpensAt),
              registrationClosesAt: new Date(input.registrationClosesAt),
              enterpriseQuota: input.enterpriseQuota,
              questions: input.questions,
              targeting: input.targeting ?? null,
              cancelCutoffMinutes: input.cancelCutoffMinutes,
            },
          },
          { new: true, projection: { holders: 0 } },
        ).lean<TrainingDoc>()
        if (updated) return presentTraining(updated, (await this.countsOf([t._id])).get(id))
        continue // published (or cancelled) meanwhile: judged again as it is now
      }
      const locked = lockedChanges(t, input, sessions)
      if (locked.length) throw trainingsErrors.editLocked(locked)
      const held = t.capacity - t.seatsLeft
      if (input.capacity < held) throw trainingsErrors.capacityBelowHeld(held)
      const added = input.capacity - t.capacity
      const updated = await TrainingModel.findOneAndUpdate(
        { _id: t._id, status: 'published', capacity: t.capacity, seatsLeft: { $gte: Math.max(0, -added) } },
        {
          $set: {
            ...safe,
            capacity: input.capacity,
            registrationClosesAt: new Date(
              Math.max(Date.parse(input.registrationClosesAt), t.registrationClosesAt.getTime()),
            ),
            sessions: t.sessions.map((s, i) => ({
              ...s,
              venue: sessions[i]!.venue,
              onlineUrl: sessions[i]!.onlineUrl,
            })),
          },
          $inc: { seatsLeft: added },
        },
        { new: true, projection: { holders: 0 } },
      ).lean<TrainingDoc>()
      if (!updated) continue // a seat or the capacity moved meanwhile: judged again
      // Seats added are offered to the waitlist exactly as a freed seat is.
      if (added > 0) await this.fill(t._id)
      return this.get(id)
    }
    const now = await this.training(id)
    throw trainingsErrors.capacityBelowHeld(now.capacity - now.seatsLeft)
  }

  async get(id: string) {
    const t = await this.training(id)
    return presentTraining(t, (await this.countsOf([t._id])).get(id))
  }

  async publish(id: string) {
    const t = await transition<'draft' | 'published' | 'cancelled', 'publish', TrainingDoc>(
      TrainingModel,
      TrainingMachine,
      'publish',
      { _id: oid(id) },
      { $set: { publishedAt: this.d.clock.now() } },
      { notFound: trainingsErrors.notFound },
    )
    return presentTraining(t, (await this.countsOf([t._id])).get(id))
  }

  /**
   * Calls a training off (the machine's `cancel`): then every live registration (registered, waitlisted,
   * offered) ends cancelled, one guarded update each, its reminders cancelled and its person told by
   * inbox and subscribe message. A registration that moved on meanwhile is left as it is. Nobody can
   * register afterwards (registration needs a published training), and a reminder job that escaped
   * removal finds the training cancelled and sends nothing.
   */
  async cancelTraining(id: string, input: CancelTrainingInputOutput) {
    const now = this.d.clock.now()
    const t = await transition<'draft' | 'published' | 'cancelled', 'cancel', TrainingDoc>(
      TrainingModel,
      TrainingMachine,
      'cancel',
      { _id: oid(id) },
      { $set: { cancelledAt: now, cancelReason: input.reason } },
      { notFound: trainingsErrors.notFound },
    )
    const live = RegistrationMachine.moves.cancel.from as readonly string[]
    const regs = await RegistrationModel.find(
      { trainingId: t._id, status: { $in: [...live] } },
      { _id: 1 },
    ).lean<{ _id: Types.ObjectId }[]>()
    for (const { _id } of regs) {
      const moved = await RegistrationModel.findOneAndUpdate(
        { _id, status: { $in: [...live] } },
        { $set: { status: RegistrationMachine.moves.cancel.to, cancelledAt: now, offerExpiresAt: null } },
        { new: true },
      ).lean<RegistrationDoc>()
      if (!moved) continue
      await this.cancelReminders(moved, t)
      await this.notify('training.cancelled', moved, t, 'training-cancelled', {
        vars: { training: t.title, at: t.firstStartAt.toISOString(), reason: input.reason },
        title: '培训已取消',
        summary: `很抱歉，${t.title}（原定 ${beijingDateTime(t.firstStartAt)} 开课）已取消，您的报名随之取消。原因：${input.reason}`,
      })
    }
    return presentTraining(t, (await this.countsOf([t._id])).get(id))
  }

  /** Records the campaign that invites enterprises to a training. */
  async linkCampaign(id: string, campaignId: string) {
    await TrainingModel.updateOne({ _id: oid(id) }, { $set: { campaignId: oid(campaignId) } })
    return this.get(id)
  }

  /**
   * A training as the content of a push campaign (registered with the campaigns module): published and
   * not yet started; its audience targeting is the campaign's default targeting, its opt-out category
   * that of announcements (an invitation is a notice from the bureau).
   */
  async pushable(id: string): Promise<PushableContent> {
    const t = await this.training(id)
    if (t.status !== 'published' || this.d.clock.now() >= t.firstStartAt) throw trainingsErrors.notPushable()
    const targeting = (t.targeting as PushableContent['tags'] | null) ?? {
      regions: [],
      regionMatch: 'within',
      industries: [],
      ipcs: [],
      enterpriseTypes: [],
      sizes: [],
    }
    return {
      kind: 'training',
      id: t._id.toHexString(),
      title: t.title,
      summary: `${beijingDateTime(t.firstStartAt)} 开课，${t.sessions[0]?.venue ?? ''}，报名截止 ${beijingDateTime(closesAtOf(t))}`,
      category: 'announcement',
      tags: targeting,
    }
  }

  async registrations(id: string, q: RegistrationListQueryInput & { page: number; pageSize: number }) {
    await this.training(id)
    const filter: Record<string, unknown> = { trainingId: oid(id) }
    if (q.status) filter.status = q.status
    const sort: Record<string, 1> = q.status === 'waitlisted' ? { position: 1 } : { createdAt: 1 }
    const { docs, ...page } = await findPage<RegistrationDoc>(RegistrationModel, filter, q, sort)
    return { ...page, items: docs.map(presentAdminRegistration) }
  }

  /**
   * Staff admit someone waiting (or whose offer lapsed) by hand: a free seat if there is one, else one
   * seat over the capacity (the capacity grows by one, so the waitlist's seats are untouched).
   */
  async admit(id: string, registrationId: string, actor: AdminPrincipal, reason: string) {
    const t = await this.training(id)
    const r = await RegistrationModel.findOne({
      _id: oid(registrationId),
      trainingId: t._id,
    }).lean<RegistrationDoc>()
    if (!r) throw trainingsErrors.registrationNotFound()
    if (r.status !== 'offered') {
      const took = await this.takeSeat(t._id, r._id)
      if (!took)
        await TrainingModel.updateOne(
          { _id: t._id, 'holders._id': { $ne: r._id } },
          { $inc: { capacity: 1 }, $push: { holders: { _id: r._id, at: this.d.clock.now() } } },
        )
    }
    const moved = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
      RegistrationModel,
      RegistrationMachine,
      'admit',
      { _id: r._id },
      { $set: { admittedBy: actor.username, admitReason: reason, offerExpiresAt: null } },
      { conflict: trainingsErrors.registrationState, notFound: trainingsErrors.registrationNotFound },
    ).catch(async (e: unknown) => {
      if (r.status !== 'offered') await this.releaseSeat(t._id, r._id)
      throw e
    })
    await this.onRegistered(moved, t)
    return presentAdminRegistration(moved)
  }

  // ── mini-program ────────────────────────────────────────────────────────────────────────────────────

  /** Published trainings still to start, registrable by the caller's kind. */
  async mpList(user: MpPrincipal, q: { page: number; pageSize: number }) {
    const filter = {
      status: 'published',
      firstStartAt: { $gt: this.d.clock.now() },
      audience: { $in: user.enterpriseId ? ['enterprise', 'both'] : ['individual', 'both'] },
    }
    const { docs, ...page } = await findPage<TrainingDoc>(TrainingModel, filter, q, { firstStartAt: 1 })
    const mine = await RegistrationModel.find({
      userId: oid(user.id),
      trainingId: { $in: docs.map((d) => d._id) },
    }).lean<RegistrationDoc[]>()
    const byTraining = new Map(mine.map((r) => [r.trainingId.toHexString(), r]))
    const now = this.d.clock.now()
    return {
      ...page,
      items: docs.map((d) => presentMpTraining(d, byTraining.get(d._id.toHexString()) ?? null, now)),
    }
  }

  async mpGet(user: MpPrincipal, id: string) {
    const t = await this.training(id)
    if (t.status !== 'published') throw trainingsErrors.notFound()
    const r = await RegistrationModel.findOne({
      trainingId: t._id,
      userId: oid(user.id),
    }).lean<RegistrationDoc>()
    return presentMpTraining(t, r, this.d.clock.now())
  }

  async register(
    user: MpPrincipal,
    id: string,
    input: RegistrationInputOutput,
  ): Promise<RegistrationCreatedOutput> {
    const now = this.d.clock.now()
    const t = await this.training(id)
    if (t.status !== 'published') throw trainingsErrors.closed('not_published')
    if (now < t.registrationOpensAt) throw trainingsErrors.closed('not_open', t.registrationOpensAt)
    if (now >= closesAtOf(t)) throw trainingsErrors.closed('closed', closesAtOf(t))
    if (t.audience === 'enterprise' && !user.enterpriseId) throw trainingsErrors.audience('enterprise_only')
    if (user.enterpriseId && !user.enterpriseVerified && t.audience === 'enterprise')
      throw trainingsErrors.audience('unverified')
    const answers = this.checkAnswers(t, input.answers)
    const userId = oid(user.id)
    if (await RegistrationModel.exists({ trainingId: t._id, userId })) throw trainingsErrors.duplicate()

    // A place of the enterprise's quota first, so a full quota writes nothing.
    const enterpriseId = user.enterpriseId ? oid(user.enterpriseId) : null
    const quota = t.enterpriseQuota && enterpriseId ? quotaKey(t._id, enterpriseId) : null
    if (quota && !(await this.takeQuota(quota, t.enterpriseQuota!)))
      throw trainingsErrors.quotaFull(t.enterpriseQuota!)

    let r: RegistrationDoc
    try {
      const created = await RegistrationModel.create({
        trainingId: t._id,
        userId,
        enterpriseId,
        status: 'waitlisted',
        position: null,
        quotaHeld: !!quota,
        person: {
          nameEnc: this.d.cipher.encrypt(input.name),
          nameMasked: mask.name(input.name),
          phoneEnc: this.d.cipher.encrypt(input.phone),
          phoneMasked: mask.phone(input.phone),
          employer: input.employer ?? '',
          jobTitle: input.position ?? '',
        },
        answers,
      })
      r = created.toObject() as RegistrationDoc
    } catch (e) {
      if (quota) await TrainingQuotaModel.updateOne({ _id: quota }, { $inc: { count: -1 } })
      if (isDuplicateKey(e)) throw trainingsErrors.duplicate()
      throw e
    }

    // A seat directly only while nobody has ever waited: afterwards freed seats belong to the waitlist.
    if (t.nextPosition === 1 && (await this.takeSeat(t._id, r._id, { nextPosition: 1 }))) {
      const seated = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
        RegistrationModel,
        RegistrationMachine,
        'seat',
        { _id: r._id },
      )
      await this.onRegistered(seated, t)
      return { status: 'registered' }
    }
    const { position, seatsLeft } = await this.assignPosition(t._id, r._id)
    await this.notify('training.waitlisted', r, t, 'waitlisted', {
      vars: { training: t.title, at: t.firstStartAt.toISOString(), position: String(position) },
      title: '已加入候补',
      summary: `${t.title}：名额已满，您已加入候补，当前排第 ${position} 位；有名额时将通知您确认`,
    })
    // A seat may be free (one freed while nobody waited): the first waiting person is offered it now.
    if (seatsLeft > 0) await this.fill(t._id)
    return { status: 'waitlisted', position }
  }

  async cancel(user: MpPrincipal, id: string): Promise<MyRegistrationOutput> {
    const now = this.d.clock.now()
    const t = await this.training(id)
    const r = await this.mine(user, t._id)
    if (r.status === 'registered') {
      const cutoff = new Date(t.firstStartAt.getTime() - t.cancelCutoffMinutes * 60_000)
      if (now > cutoff) throw trainingsErrors.cancelCutoff(cutoff)
    }
    const moved = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
      RegistrationModel,
      RegistrationMachine,
      'cancel',
      { _id: r._id },
      { $set: { cancelledAt: now } },
      { conflict: trainingsErrors.registrationState },
    )
    await this.cancelReminders(moved, t)
    await this.letGo(t._id, moved)
    return presentMine(moved)
  }

  async accept(user: MpPrincipal, id: string): Promise<MyRegistrationOutput> {
    const now = this.d.clock.now()
    const t = await this.training(id)
    const r = await this.mine(user, t._id)
    let expired = false
    const moved = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
      RegistrationModel,
      RegistrationMachine,
      'accept',
      { _id: r._id },
      { $set: { offerExpiresAt: null } },
      {
        guard: { offerExpiresAt: { $gt: now } },
        conflict: (refusal) => {
          if (refusal.current === 'offered' || refusal.current === 'expired') {
            expired = true
            return trainingsErrors.offerExpired(r.offerExpiresAt ?? now)
          }
          return trainingsErrors.registrationState(refusal)
        },
      },
    ).catch(async (e: unknown) => {
      // The offer ran out before the sweep saw it: it passes on now.
      if (expired) await this.expireOne(r._id, now)
      throw e
    })
    await this.onRegistered(moved, t)
    return presentMine(moved)
  }

  async decline(user: MpPrincipal, id: string): Promise<MyRegistrationOutput> {
    const t = await this.training(id)
    const r = await this.mine(user, t._id)
    const moved = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
      RegistrationModel,
      RegistrationMachine,
      'decline',
      { _id: r._id },
      { $set: { offerExpiresAt: null } },
      { conflict: trainingsErrors.registrationState },
    )
    await this.letGo(t._id, moved)
    return presentMine(moved)
  }

  // ── the waitlist ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Offers free seats to the waitlist, lowest position first, until no seat is free or nobody waits. Each
   * offer is a seat taken for that registration (at most once: it must not yet be a holder) and then the
   * guarded move waitlisted → offered; losing either to a concurrent filler retries with fresh reads, so
   * concurrent fillers never offer a seat twice nor leave one empty. A first-in-line who already holds a
   * seat (an offer cut short by a crash) gets the move without a second seat. Returns the offers made.
   */
  async fill(trainingId: Types.ObjectId): Promise<number> {
    let offers = 0
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const now = this.d.clock.now()
      const t = await TrainingModel.findById(trainingId, {
        seatsLeft: 1,
        holders: 1,
        status: 1,
        title: 1,
        firstStartAt: 1,
        sessions: 1,
      }).lean<TrainingDoc>()
      if (!t || t.status !== 'published' || now >= t.firstStartAt) return offers
      const next = await RegistrationModel.findOne({
        trainingId,
        status: 'waitlisted',
        position: { $ne: null },
      })
        .sort({ position: 1 })
        .lean<RegistrationDoc>()
      if (!next) return offers
      // First in line already holds a seat: an offer cut short (a crash, or a filler running beside this
      // one) between the seat and the move. The move below completes it; no second seat is taken.
      const holds = t.holders.some((h) => h._id.equals(next._id))
      if (!holds) {
        if (t.seatsLeft <= 0) return offers
        if (!(await this.takeSeat(trainingId, next._id))) continue
      }
      const expiresAt = offerExpiry(now, t.firstStartAt)
      let offered: RegistrationDoc
      try {
        offered = await transition<RegistrationStatusOutput, RegistrationMoveName, RegistrationDoc>(
          RegistrationModel,
          RegistrationMachine,
          'offer',
          { _id: next._id },
          { $set: { offeredAt: now, offerExpiresAt: expiresAt } },
          { guard: { position: next.position } },
        )
      } catch {
        // Another filler made this offer, or they cancelled meanwhile: the seat goes back only if they
        // no longer hold one (a cancellation gives it back itself, once).
        const current = await RegistrationModel.findById(next._id, { status: 1 }).lean<RegistrationDoc>()
        if (!current || (FINAL as readonly string[]).includes(current.status))
          await this.releaseSeat(trainingId, next._id)
        continue
      }
      offers++
      await this.notify('training.offer', offered, t, `offer:${now.getTime()}`, {
        vars: { training: t.title, at: t.firstStartAt.toISOString(), place: t.sessions[0]?.venue ?? '' },
        title: '候补名额待确认',
        summary: `${t.title} 有了名额，请在 ${beijingDateTime(expiresAt)} 前确认，逾期将转给下一位候补`,
      })
    }
    return offers
  }

  /** Offers that ran out: each expires once, gives its seat and quota place back, and passes on. */
  async expireOffers(): Promise<number> {
    const now = this.d.clock.now()
    const due = await RegistrationModel.find(
      { status: 'offered', offerExpiresAt: { $lte: now } },
      { _id: 1 },
    ).lean<{ _id: Types.ObjectId }[]>()
    let n = 0
    for (const r of due) if (await this.expireOne(r._id, now)) n++
    return n
  }

  private async expireOne(id: Types.ObjectId, now: Date) {
    const moved = await RegistrationModel.findOneAndUpdate(
      { _id: id, status: 'offered', offerExpiresAt: { $lte: now } },
      { $set: { status: RegistrationMachine.moves.expire.to } },
      { new: true },
    ).lean<RegistrationDoc>()
    if (!moved) return false
    await this.letGo(moved.trainingId, moved)
    return true
  }

  /**
   * The repeatable sweep, which re-derives the truth after a crash: offers past their time expire; seats
   * held by registrations that no longer hold (a cancellation, expiry or offer cut short) are released;
   * registrations left without a position get one; then free seats are offered while anyone waits.
   */
  async sweep() {
    const now = this.d.clock.now()
    const expired = await this.expireOffers()
    const trainings = await TrainingModel.find(
      { status: 'published', firstStartAt: { $gt: now } },
      { holders: 1 },
    ).lean<TrainingDoc[]>()
    let released = 0
    let positioned = 0
    let offered = 0
    for (const t of trainings) {
      const ids = t.holders.map((h) => h._id)
      const regs = await RegistrationModel.find({ _id: { $in: ids } }, { status: 1, position: 1 }).lean<
        RegistrationDoc[]
      >()
      const status = new Map(regs.map((r) => [r._id.toHexString(), r.status]))
      const inLine = new Set(regs.filter((r) => r.position != null).map((r) => r._id.toHexString()))
      for (const h of t.holders) {
        const s = status.get(h._id.toHexString())
        if (s && (HOLDING as readonly string[]).includes(s)) continue
        const final = !s || (FINAL as readonly string[]).includes(s)
        // A waitlisted holder with a position is an offer cut short: fill() below completes it. One
        // without is a direct seat cut short: released, and the registration gets a position below.
        const direct = s === 'waitlisted' && !inLine.has(h._id.toHexString())
        if (final || (direct && now.getTime() - h.at.getTime() > STALE_MS)) {
          if (await this.releaseSeat(t._id, h._id)) released++
        }
      }
      const unplaced = await RegistrationModel.find({
        trainingId: t._id,
        status: 'waitlisted',
        position: null,
        createdAt: { $lt: new Date(now.getTime() - STALE_MS) },
      }).lean<RegistrationDoc[]>()
      for (const r of unplaced) {
        if (await TrainingModel.exists({ _id: t._id, 'holders._id': r._id })) continue
        await this.assignPosition(t._id, r._id)
        positioned++
      }
      offered += await this.fill(t._id)
    }
    return { expired, released, positioned, offered }
  }

  // ── seats, positions, quota places ──────────────────────────────────────────────────────────────────

  private async takeSeat(
    trainingId: Types.ObjectId,
    regId: Types.ObjectId,
    extra: Record<string, unknown> = {},
  ) {
    const res = await TrainingModel.updateOne(
      { _id: trainingId, seatsLeft: { $gt: 0 }, 'holders._id': { $ne: regId }, ...extra },
      { $inc: { seatsLeft: -1 }, $push: { holders: { _id: regId, at: this.d.clock.now() } } },
    )
    return res.modifiedCount === 1
  }

  /** Gives a holder's seat back: at most once, as only one update can pull it. */
  private async releaseSeat(trainingId: Types.ObjectId, regId: Types.ObjectId) {
    const res = await TrainingModel.updateOne(
      { _id: trainingId, 'holders._id': regId },
      { $pull: { holders: { _id: regId } }, $inc: { seatsLeft: 1 } },
    )
    return res.modifiedCount === 1
  }

  /** The next position, from the one atomic counter: no gaps, no repeats. Set only where none is yet. */
  private async assignPosition(trainingId: Types.ObjectId, regId: Types.ObjectId) {
    const before = await TrainingModel.findOneAndUpdate(
      { _id: trainingId },
      { $inc: { nextPosition: 1 } },
      { projection: { nextPosition: 1, seatsLeft: 1 } },
    ).lean<{ nextPosition: number; seatsLeft: number }>()
    const position = before!.nextPosition
    await RegistrationModel.updateOne({ _id: regId, position: null }, { $set: { position } })
    return { position, seatsLeft: before!.seatsLeft }
  }

  private async takeQuota(key: string, quota: number) {
    try {
      const got = await TrainingQuotaModel.findOneAndUpdate(
        { _id: key, count: { $lt: quota } },
        { $inc: { count: 1 } },
        { upsert: true, new: true },
      ).lean()
      return !!got
    } catch (e) {
      // The document exists and is full: the upsert's insert collided with it.
      if (isDuplicateKey(e)) return false
      throw e
    }
  }

  /** A registration left (cancelled, declined, expired): its seat and quota place go back, then the waitlist moves. */
  private async letGo(trainingId: Types.ObjectId, r: RegistrationDoc) {
    await this.releaseSeat(trainingId, r._id)
    if (r.enterpriseId) {
      const cleared = await RegistrationModel.updateOne(
        { _id: r._id, quotaHeld: true },
        { $set: { quotaHeld: false } },
      )
      if (cleared.modifiedCount)
        await TrainingQuotaModel.updateOne(
          { _id: quotaKey(trainingId, r.enterpriseId) },
          { $inc: { count: -1 } },
        )
    }
    await this.fill(trainingId)
  }

  // ── notifications and reminders ─────────────────────────────────────────────────────────────────────

  private async onRegistered(r: RegistrationDoc, t: TrainingDoc) {
    await this.notify('training.registered', r, t, 'registered', {
      vars: { training: t.title, at: t.firstStartAt.toISOString(), place: t.sessions[0]?.venue ?? '' },
      title: '培训报名成功',
      summary: `${t.title}，${beijingDateTime(t.firstStartAt)} 开课，地点：${t.sessions[0]?.venue ?? ''}`,
    })
    await this.scheduleReminders(r, t)
  }

  /** The day-before and hour-before reminders of every session; a time already past is skipped. */
  private async scheduleReminders(r: RegistrationDoc, t: TrainingDoc) {
    const now = this.d.clock.now()
    for (const s of t.sessions)
      for (const k of REMINDERS) {
        const at = new Date(s.startAt.getTime() - k.beforeMs)
        if (at <= now) continue
        await this.d.notifications.scheduleReminder({
          kind: 'training.reminder',
          subjectId: reminderSubject(r._id, s._id, k.key),
          memberId: r.userId.toHexString(),
          at,
          vars: { training: t.title, at: s.startAt.toISOString(), place: s.venue },
          inbox: {
            title: `培训提醒：${k.label}开课`,
            summary: `${t.title} ${beijingDateTime(s.startAt)}，地点：${s.venue}`.slice(0, 200),
            content: { kind: 'training', id: t._id.toHexString() },
          },
        })
      }
  }

  private async cancelReminders(r: RegistrationDoc, t: TrainingDoc) {
    for (const s of t.sessions)
      for (const k of REMINDERS)
        await this.d.notifications.cancelReminder('training.reminder', reminderSubject(r._id, s._id, k.key))
  }

  /**
   * Checked when a reminder falls due, in whichever process runs it: the registration still holds a seat
   * (never a cancelled one), and the session still starts when the reminder was set for.
   */
  async stillDue(subjectId: string): Promise<boolean> {
    const [regId, sessionId, key] = subjectId.split(':')
    const k = REMINDERS.find((x) => x.key === key)
    if (!k || !regId || !sessionId || !Types.ObjectId.isValid(regId) || !Types.ObjectId.isValid(sessionId))
      return false
    const r = await RegistrationModel.findById(regId, { status: 1, trainingId: 1 }).lean<RegistrationDoc>()
    if (!r || (r.status !== 'registered' && r.status !== 'attended')) return false
    const [t, reminder] = await Promise.all([
      TrainingModel.findById(r.trainingId, { sessions: 1, status: 1 }).lean<TrainingDoc>(),
      ReminderModel.findById(`training.reminder:${subjectId}`, { at: 1 }).lean<{ at: Date }>(),
    ])
    const s = t?.sessions.find((x) => x._id.toHexString() === sessionId)
    return (
      t?.status === 'published' &&
      !!s &&
      !!reminder &&
      reminder.at.getTime() === s.startAt.getTime() - k.beforeMs
    )
  }

  private notify(
    kind: NotificationKind,
    r: RegistrationDoc,
    t: Pick<TrainingDoc, '_id'>,
    key: string,
    n: { vars: Record<string, string>; title: string; summary: string },
  ) {
    return this.d.notifications.notify(kind, [
      {
        memberId: r.userId.toHexString(),
        key: `training:${r._id.toHexString()}:${key}`,
        vars: n.vars,
        inbox: {
          title: n.title,
          summary: n.summary.slice(0, 200),
          content: { kind: 'training', id: t._id.toHexString() },
        },
      },
    ])
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────────────────

  private async training(id: string, projection: Record<string, 0> = { holders: 0 }) {
    if (!Types.ObjectId.isValid(id)) throw trainingsErrors.notFound()
    const t = await TrainingModel.findById(id, projection).lean<TrainingDoc>()
    if (!t) throw trainingsErrors.notFound()
    return t
  }

  private async mine(user: MpPrincipal, trainingId: Types.ObjectId) {
    const r = await RegistrationModel.findOne({ trainingId, userId: oid(user.id) }).lean<RegistrationDoc>()
    if (!r) throw trainingsErrors.registrationNotFound()
    return r
  }

  private async countsOf(ids: Types.ObjectId[]) {
    const rows = await RegistrationModel.aggregate<{ _id: { t: Types.ObjectId; s: string }; n: number }>([
      { $match: { trainingId: { $in: ids } } },
      { $group: { _id: { t: '$trainingId', s: '$status' }, n: { $sum: 1 } } },
    ])
    const seats = await TrainingModel.find({ _id: { $in: ids } }, { seatsLeft: 1 }).lean<TrainingDoc[]>()
    const out = new Map<string, Counts>()
    for (const t of seats) out.set(t._id.toHexString(), emptyCounts(t.seatsLeft))
    for (const row of rows) {
      const c = out.get(row._id.t.toHexString())
      if (c && row._id.s in c) c[row._id.s as keyof Counts] += row.n
    }
    return out
  }

  private checkAnswers(t: TrainingDoc, answers: RegistrationInputOutput['answers']) {
    const given = new Map(answers.map((a) => [a.questionId, a.value]))
    for (const id of given.keys())
      if (!t.questions.some((q) => q._id.toHexString() === id))
        throw trainingsErrors.answers('answers', '回答了不存在的问题，请刷新后重试')
    return t.questions.flatMap((q, i) => {
      const path = `answers.${i}`
      const v = given.get(q._id.toHexString())
      const empty = v === undefined || (Array.isArray(v) ? v.length === 0 : v.trim() === '')
      if (empty) {
        if (q.required) throw trainingsErrors.answers(path, `请回答“${q.label}”`)
        return []
      }
      if (q.type === 'text' && typeof v !== 'string')
        throw trainingsErrors.answers(path, `“${q.label}”请填写文字`)
      if (q.type !== 'text') {
        const picked = Array.isArray(v) ? v : [v]
        if (q.type === 'single' && picked.length !== 1)
          throw trainingsErrors.answers(path, `“${q.label}”请选择一项`)
        if (picked.some((p) => !q.options.includes(p)))
          throw trainingsErrors.answers(path, `“${q.label}”的选项不在可选范围内`)
      }
      return [{ questionId: q._id.toHexString(), value: v }]
    })
  }

  private async assertAttachments(ids: string[]) {
    if (!ids.length) return
    const found = await StoredFileModel.countDocuments({ _id: { $in: ids.map(oid) }, purpose: 'attachment' })
    if (found !== new Set(ids).size) throw trainingsErrors.fileInvalid('attachments')
  }
}
