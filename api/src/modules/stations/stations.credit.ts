import type { Types } from 'mongoose'
import { isDuplicateKey } from '../../platform/errors.js'
import { iso } from '../../platform/time.js'
import { CREDIT_EVENT_LABELS, CREDIT_MAX, CREDIT_PENALTIES, type CreditOutput } from './stations.contract.js'
import { BookingCreditModel, type CreditDoc, type CreditEventDoc } from './stations.model.js'
import { oid, type Id } from './stations.service.js'

// ── The score, as arithmetic (Dongguan's graded model) ──────────────────────────────────────────────
// Everyone starts at 10. A late cancellation costs 2, a no-show 5. One point comes back for every full day
// since the score last fell below 10 (or since the last whole day counted), up to 10. At 0 or below,
// booking is suspended until the recovery brings the score back to 1. Nothing runs daily: the score is
// settled from (points, asOf) whenever it is read.

const DAY = 86_400_000

export interface Score {
  points: number
  /** the instant recovery counts from; null at full score */
  asOf: Date | null
}
export const FULL: Score = { points: CREDIT_MAX, asOf: null }

/** The score at `at`: a point back per whole day since `asOf`, up to the maximum. */
export function settle(s: Score, at: Date): Score {
  if (s.asOf === null || s.points >= CREDIT_MAX) return FULL
  const days = Math.max(0, Math.floor((at.getTime() - s.asOf.getTime()) / DAY))
  const points = s.points + days
  return points >= CREDIT_MAX ? FULL : { points, asOf: new Date(s.asOf.getTime() + days * DAY) }
}

/** The score the losses leave, replayed in time order; reversed losses never happened. */
export function replay(events: Pick<CreditEventDoc, 'points' | 'at' | 'reversedAt'>[]): Score {
  let s = FULL
  for (const e of events.filter((e) => !e.reversedAt).sort((a, b) => a.at.getTime() - b.at.getTime())) {
    s = settle(s, e.at)
    s = { points: s.points - e.points, asOf: s.asOf ?? e.at }
  }
  return s
}

export interface Standing {
  points: number
  suspended: boolean
  /** while suspended: when the score is back at 1 */
  bookableFrom: Date | null
}

/** Where a person stands at `now`. */
export function standingOf(s: Score, now: Date): Standing {
  const cur = settle(s, now)
  if (cur.points > 0) return { points: cur.points, suspended: false, bookableFrom: null }
  return {
    points: cur.points,
    suspended: true,
    bookableFrom: new Date(cur.asOf!.getTime() + (1 - cur.points) * DAY),
  }
}

export const CREDIT_RULES = [
  `初始信用分 ${CREDIT_MAX} 分`,
  `开始前取消截止时间后取消预约扣 ${CREDIT_PENALTIES.late_cancel} 分`,
  `预约后未到（爽约）扣 ${CREDIT_PENALTIES.no_show} 分，首次爽约会收到提醒`,
  `每天恢复 1 分，最高 ${CREDIT_MAX} 分`,
  '信用分为 0 分或以下时暂停预约，恢复到 1 分后可再次预约',
  '对爽约记录有异议可在预约详情中申诉，指导站核实后可撤销并退回扣分',
]

/** Stored scores: losses recorded once per booking and kind, written under a revision check. */
export class CreditService {
  private async doc(userId: Id) {
    return BookingCreditModel.findById(oid(userId)).lean<CreditDoc>()
  }

  async standing(userId: Id, now: Date): Promise<Standing> {
    const d = await this.doc(userId)
    return standingOf(d ?? FULL, now)
  }

  /** Many people's standing in one read (console lists). */
  async standings(userIds: Types.ObjectId[], now: Date): Promise<Map<string, Standing>> {
    const docs = await BookingCreditModel.find({ _id: { $in: userIds } }, { points: 1, asOf: 1 }).lean<
      CreditDoc[]
    >()
    const byId = new Map(docs.map((d) => [d._id.toHexString(), standingOf(d, now)]))
    return new Map(
      userIds.map((id) => [id.toHexString(), byId.get(id.toHexString()) ?? standingOf(FULL, now)]),
    )
  }

  /**
   * Records a loss for a booking (once per booking and kind: a repeat changes nothing). Answers the standing
   * after it and whether it was the person's first no-show (they are warned).
   */
  async penalize(userId: Id, bookingId: Types.ObjectId, kind: CreditEventDoc['kind'], at: Date) {
    const d = await this.write(userId, (events) =>
      events.some((e) => e.kind === kind && e.bookingId.equals(bookingId))
        ? null
        : [...events, { kind, points: CREDIT_PENALTIES[kind], at, bookingId, reversedAt: null }],
    )
    return {
      standing: standingOf(d, at),
      firstNoShow: kind === 'no_show' && d.events.filter((e) => e.kind === 'no_show').length === 1,
    }
  }

  /** A loss reversed (a no-show excused on appeal): the score is replayed without it. */
  async reverse(userId: Id, bookingId: Types.ObjectId, kind: CreditEventDoc['kind'], at: Date) {
    const d = await this.write(userId, (events) =>
      events.some((e) => e.kind === kind && e.bookingId.equals(bookingId) && !e.reversedAt)
        ? events.map((e) => (e.kind === kind && e.bookingId.equals(bookingId) ? { ...e, reversedAt: at } : e))
        : null,
    )
    return standingOf(d, at)
  }

  async view(userId: Id, now: Date): Promise<CreditOutput> {
    const d = await this.doc(userId)
    const s = standingOf(d ?? FULL, now)
    return {
      points: s.points,
      max: CREDIT_MAX,
      suspended: s.suspended,
      bookableFrom: iso(s.bookableFrom),
      events: (d?.events ?? [])
        .slice()
        .sort((a, b) => b.at.getTime() - a.at.getTime())
        .map((e) => ({
          kind: e.kind,
          label: CREDIT_EVENT_LABELS[e.kind],
          points: -e.points,
          at: iso(e.at),
          bookingId: e.bookingId.toHexString(),
          reversed: !!e.reversedAt,
        })),
      rules: CREDIT_RULES,
    }
  }

  /** Read, change the events, replay, write back unless someone wrote meanwhile (then again). */
  private async write(
    userId: Id,
    change: (events: CreditEventDoc[]) => CreditEventDoc[] | null,
  ): Promise<CreditDoc> {
    const _id = oid(userId)
    for (let attempt = 0; ; attempt++) {
      const d = await this.doc(_id)
      const events = change(d?.events ?? [])
      if (!events) return d ?? { _id, ...FULL, events: [], rev: 0 }
      const score = replay(events)
      const next = { points: score.points, asOf: score.asOf, events }
      if (!d) {
        try {
          await BookingCreditModel.create({ _id, ...next, rev: 1 })
          return { _id, ...next, rev: 1 }
        } catch (e) {
          if (!isDuplicateKey(e) || attempt > 20) throw e
          continue
        }
      }
      const r = await BookingCreditModel.updateOne({ _id, rev: d.rev }, { $set: next, $inc: { rev: 1 } })
      if (r.modifiedCount === 1) return { _id, ...next, rev: d.rev + 1 }
      if (attempt > 20) throw new Error('credit score kept changing under the write')
    }
  }
}
