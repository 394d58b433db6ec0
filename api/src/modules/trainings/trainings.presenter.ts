import { iso } from '../../platform/time.js'
import {
  RegistrationMachine,
  TRAINING_AUDIENCE_LABELS,
  TrainingMachine,
  type AdminRegistrationOutput,
  type MpTrainingOutput,
  type MyRegistrationOutput,
  type TrainingOutput,
} from './trainings.contract.js'
import type { RegistrationDoc, TrainingDoc } from './trainings.model.js'

export interface Counts {
  registered: number
  waitlisted: number
  offered: number
  cancelled: number
  attended: number
  seatsLeft: number
}
export const emptyCounts = (seatsLeft: number): Counts => ({
  registered: 0,
  waitlisted: 0,
  offered: 0,
  cancelled: 0,
  attended: 0,
  seatsLeft,
})

/** Registration closes at the window's end or when the first session starts, whichever is first. */
export const closesAtOf = (t: Pick<TrainingDoc, 'registrationClosesAt' | 'firstStartAt'>) =>
  t.registrationClosesAt < t.firstStartAt ? t.registrationClosesAt : t.firstStartAt

function base(t: TrainingDoc) {
  return {
    id: t._id.toHexString(),
    title: t.title,
    body: t.body,
    organiser: t.organiser,
    speakers: t.speakers,
    sessions: t.sessions.map((s) => ({
      id: s._id.toHexString(),
      startAt: iso(s.startAt),
      endAt: iso(s.endAt),
      venue: s.venue,
      onlineUrl: s.onlineUrl ?? null,
      hours: s.hours,
      checkout: s.checkout,
    })),
    capacity: t.capacity,
    audience: t.audience,
    audienceLabel: TRAINING_AUDIENCE_LABELS[t.audience],
    registrationOpensAt: iso(t.registrationOpensAt),
    registrationClosesAt: iso(closesAtOf(t)),
    enterpriseQuota: t.enterpriseQuota ?? null,
    questions: t.questions.map((q) => ({
      id: q._id.toHexString(),
      label: q.label,
      type: q.type,
      options: q.options,
      required: q.required,
    })),
    attachments: t.attachments.map((a) => a.toHexString()),
    cancelCutoffMinutes: t.cancelCutoffMinutes,
    totalHours: t.sessions.reduce((sum, s) => sum + s.hours, 0),
  }
}

/** Typed as the contract's output, so a missing or leaked field fails tsc. */
export function presentTraining(t: TrainingDoc, counts: Counts = emptyCounts(t.seatsLeft)): TrainingOutput {
  return {
    ...base(t),
    status: t.status,
    statusLabel: TrainingMachine.states[t.status],
    campaignId: t.campaignId?.toHexString() ?? null,
    targeting: (t.targeting as TrainingOutput['targeting']) ?? null,
    counts,
    publishedAt: iso(t.publishedAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  }
}

/** The caller's own registration: status, and the position or the offer's deadline where they apply. */
export function presentMine(r: RegistrationDoc): MyRegistrationOutput {
  return {
    status: r.status,
    ...(r.status === 'waitlisted' && r.position != null ? { position: r.position } : {}),
    ...(r.status === 'offered' && r.offerExpiresAt ? { offerExpiresAt: iso(r.offerExpiresAt) } : {}),
  }
}

export function presentMpTraining(t: TrainingDoc, r: RegistrationDoc | null, now: Date): MpTrainingOutput {
  return {
    ...base(t),
    seatsLeft: Math.max(0, t.seatsLeft),
    open: t.status === 'published' && now >= t.registrationOpensAt && now < closesAtOf(t),
    registration: r ? presentMine(r) : null,
  }
}

/** The console's row: name and phone masked (the decrypted values stay in the database). */
export function presentAdminRegistration(r: RegistrationDoc): AdminRegistrationOutput {
  return {
    id: r._id.toHexString(),
    status: r.status,
    statusLabel: RegistrationMachine.states[r.status],
    position: r.position ?? null,
    offerExpiresAt: iso(r.offerExpiresAt),
    name: r.person.nameMasked,
    phone: r.person.phoneMasked,
    employer: r.person.employer,
    jobTitle: r.person.jobTitle,
    enterpriseId: r.enterpriseId?.toHexString() ?? null,
    answers: r.answers,
    admittedBy: r.admittedBy ?? null,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  }
}
