import type { Readable } from 'node:stream'
import { Types } from 'mongoose'
import type { Logger } from 'pino'
import type { MpPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { streamWorkbook } from '../../platform/excel.js'
import { beijingDateTime, beijingEndOf, beijingStartOf, iso } from '../../platform/time.js'
import { ProfileModel } from '../interests/interests.model.js'
import { industryLabel } from '../taxonomy/industries.js'
import { regionName } from '../taxonomy/regions.js'
import { creditedHours } from './trainings.attendance.js'
import {
  RegistrationMachine,
  type FeedbackSummaryOutput,
  type TrainingFiguresOutput,
  type TrainingYearStatsOutput,
} from './trainings.contract.js'
import { trainingsErrors } from './trainings.errors.js'
import {
  AttendanceModel,
  FeedbackModel,
  RegistrationModel,
  TrainingModel,
  type AttendanceDoc,
  type FeedbackDoc,
  type RegistrationDoc,
  type TrainingDoc,
} from './trainings.model.js'
import type { Clock } from './trainings.service.js'

const SEATED = ['registered', 'attended']
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places
/** An industry counted at its division (39 计算机…制造业) or its section when that is all there is. */
const industryKey = (code: string) => (/^\d{3,4}$/.test(code) ? code.slice(0, 2) : code)

/** Feedback after the last session; the attendance export; statistics per training and per year. */
export class ReportsService {
  constructor(private readonly d: { clock: Clock; cipher: PersonalDataCipher; log: Logger }) {}

  async feedback(user: MpPrincipal, trainingId: string, input: { rating: number; comment: string }) {
    const t = await this.training(trainingId)
    const r = await RegistrationModel.findOne(
      { trainingId: t._id, userId: new Types.ObjectId(user.id) },
      { status: 1 },
    ).lean<RegistrationDoc>()
    if (r?.status !== 'attended') throw trainingsErrors.feedbackNotOpen('not_attended')
    const last = t.sessions.reduce((a, s) => (s.startAt > a ? s.startAt : a), t.firstStartAt)
    if (this.d.clock.now() < last) throw trainingsErrors.feedbackNotOpen('too_early')
    try {
      const f = await FeedbackModel.create({
        trainingId: t._id,
        userId: new Types.ObjectId(user.id),
        rating: input.rating,
        comment: input.comment,
      })
      return { rating: f.rating, comment: f.comment, createdAt: iso(f.createdAt) }
    } catch (e) {
      if (isDuplicateKey(e)) throw trainingsErrors.feedbackDuplicate()
      throw e
    }
  }

  async feedbackSummary(trainingId: string): Promise<FeedbackSummaryOutput> {
    const t = await this.training(trainingId)
    const all = await FeedbackModel.find({ trainingId: t._id }).sort({ createdAt: -1 }).lean<FeedbackDoc[]>()
    const distribution = [1, 2, 3, 4, 5].map((n) => all.filter((f) => f.rating === n).length)
    return {
      count: all.length,
      average: all.length ? round(all.reduce((s, f) => s + f.rating, 0) / all.length) : null,
      distribution,
      comments: all
        .filter((f) => f.comment)
        .slice(0, 200)
        .map((f) => ({ rating: f.rating, comment: f.comment, createdAt: iso(f.createdAt) })),
    }
  }

  async trainingStats(trainingId: string): Promise<TrainingFiguresOutput> {
    const t = await this.training(trainingId)
    return (await this.figures([t])).total
  }

  /** The trainings whose first session falls in the Beijing year, published or held. */
  async yearStats(year: number): Promise<TrainingYearStatsOutput> {
    const trainings = await TrainingModel.find(
      {
        status: 'published',
        firstStartAt: { $gte: beijingStartOf(`${year}-01-01`), $lte: beijingEndOf(`${year}-12-31`) },
      },
      { holders: 0 },
    )
      .sort({ firstStartAt: 1 })
      .lean<TrainingDoc[]>()
    const { total, per } = await this.figures(trainings)
    return {
      year,
      ...total,
      perTraining: trainings.map((t) => {
        const p = per.get(t._id.toHexString())!
        return {
          id: t._id.toHexString(),
          title: t.title,
          startAt: iso(t.firstStartAt),
          registrations: p.registrations,
          attended: p.attended,
          hoursDelivered: p.hoursDelivered,
          satisfaction: p.satisfaction,
        }
      }),
    }
  }

  private async figures(trainings: TrainingDoc[]) {
    const ids = trainings.map((t) => t._id)
    const [regs, attendance, feedback] = await Promise.all([
      RegistrationModel.find(
        { trainingId: { $in: ids }, status: { $in: SEATED } },
        { trainingId: 1, status: 1, enterpriseId: 1 },
      ).lean<RegistrationDoc[]>(),
      AttendanceModel.find({ trainingId: { $in: ids } }).lean<AttendanceDoc[]>(),
      FeedbackModel.find({ trainingId: { $in: ids } }, { trainingId: 1, rating: 1 }).lean<FeedbackDoc[]>(),
    ])
    const enterpriseIds = [
      ...new Set(regs.flatMap((r) => (r.enterpriseId ? [r.enterpriseId.toHexString()] : []))),
    ]
    const profiles = await ProfileModel.find(
      { enterpriseId: { $in: enterpriseIds.map((id) => new Types.ObjectId(id)) } },
      { enterpriseId: 1, region: 1, industries: 1 },
    ).lean<{ enterpriseId: Types.ObjectId; region: string | null; industries: string[] }[]>()
    const profileOf = new Map(profiles.map((p) => [p.enterpriseId.toHexString(), p]))
    const sessions = new Map(
      trainings.flatMap((t) => t.sessions.map((s) => [s._id.toHexString(), s] as const)),
    )
    const hoursOf = new Map<string, number>()
    for (const a of attendance) {
      const s = sessions.get(a.sessionId.toHexString())
      if (!s) continue
      const key = a.registrationId.toHexString()
      hoursOf.set(key, (hoursOf.get(key) ?? 0) + creditedHours(s, a))
    }

    const district = new Map<string, { label: string; registrations: number; attended: number }>()
    const industry = new Map<string, { label: string; registrations: number; attended: number }>()
    const bump = (m: typeof district, code: string, label: string, attended: boolean) => {
      const row = m.get(code) ?? { label, registrations: 0, attended: 0 }
      row.registrations++
      if (attended) row.attended++
      m.set(code, row)
    }
    const per = new Map<
      string,
      { registrations: number; attended: number; hoursDelivered: number; satisfaction: number | null }
    >()
    for (const t of trainings)
      per.set(t._id.toHexString(), { registrations: 0, attended: 0, hoursDelivered: 0, satisfaction: null })
    for (const r of regs) {
      const attended = r.status === 'attended'
      const p = per.get(r.trainingId.toHexString())!
      p.registrations++
      if (attended) p.attended++
      p.hoursDelivered += hoursOf.get(r._id.toHexString()) ?? 0
      const profile = r.enterpriseId ? profileOf.get(r.enterpriseId.toHexString()) : undefined
      if (!r.enterpriseId) {
        bump(district, 'individual', '个人报名', attended)
        bump(industry, 'individual', '个人报名', attended)
        continue
      }
      const region = profile?.region
      bump(district, region ?? 'unknown', region ? (regionName(region) ?? region) : '未填写', attended)
      const ind = profile?.industries[0]
      bump(
        industry,
        ind ? industryKey(ind) : 'unknown',
        ind ? industryLabel(industryKey(ind)) : '未填写',
        attended,
      )
    }
    for (const t of trainings) {
      const mine = feedback.filter((f) => f.trainingId.equals(t._id))
      per.get(t._id.toHexString())!.satisfaction = mine.length
        ? round(mine.reduce((s, f) => s + f.rating, 0) / mine.length)
        : null
    }
    const registrations = regs.length
    const attended = regs.filter((r) => r.status === 'attended').length
    const rows = (m: typeof district) =>
      [...m.entries()].map(([code, v]) => ({ code, ...v })).sort((a, b) => b.registrations - a.registrations)
    const total: TrainingFiguresOutput = {
      trainings: trainings.length,
      registrations,
      attended,
      attendanceRate: registrations ? round(attended / registrations, 4) : null,
      hoursDelivered: [...per.values()].reduce((s, p) => s + p.hoursDelivered, 0),
      satisfaction: feedback.length
        ? round(feedback.reduce((s, f) => s + f.rating, 0) / feedback.length)
        : null,
      feedbackCount: feedback.length,
      byDistrict: rows(district),
      byIndustry: rows(industry),
    }
    return { total, per }
  }

  /**
   * The sign-in sheet of a training: one row per seated registrant, each session's check-in and check-out
   * in Beijing time and the hours earned. Names in full (it is a sign-in sheet; the route audits the
   * export), phones masked.
   */
  async exportAttendance(trainingId: string): Promise<{ stream: Readable; fileName: string }> {
    const t = await this.training(trainingId)
    const regs = await RegistrationModel.find({ trainingId: t._id, status: { $in: SEATED } })
      .sort({ createdAt: 1 })
      .lean<RegistrationDoc[]>()
    const attendance = await AttendanceModel.find({ trainingId: t._id }).lean<AttendanceDoc[]>()
    const byReg = new Map<string, AttendanceDoc[]>()
    for (const a of attendance) {
      const k = a.registrationId.toHexString()
      byReg.set(k, [...(byReg.get(k) ?? []), a])
    }
    const sessionColumns = t.sessions.flatMap((s, i) => [
      { header: `第${i + 1}场签到（${beijingDateTime(s.startAt).slice(5)}）`, key: `in${i}`, width: 20 },
      ...(s.checkout ? [{ header: `第${i + 1}场签退`, key: `out${i}`, width: 18 }] : []),
    ])
    const stream = streamWorkbook(
      [
        {
          name: '签到表',
          columns: [
            { header: '序号', key: 'n', width: 6 },
            { header: '姓名', key: 'name', width: 12 },
            { header: '手机号', key: 'phone', width: 14 },
            { header: '工作单位', key: 'employer', width: 30 },
            { header: '职务', key: 'jobTitle', width: 14 },
            { header: '报名状态', key: 'status', width: 10 },
            ...sessionColumns,
            { header: '获得学时', key: 'hours', width: 10 },
          ],
          rows: regs,
          row: (r: RegistrationDoc, i: number) => {
            const mine = byReg.get(r._id.toHexString()) ?? []
            const cells: Record<string, unknown> = {
              n: i + 1,
              name: this.d.cipher.decrypt(r.person.nameEnc),
              phone: r.person.phoneMasked,
              employer: r.person.employer,
              jobTitle: r.person.jobTitle,
              status: RegistrationMachine.states[r.status],
            }
            let hours = 0
            t.sessions.forEach((s, k) => {
              const a = mine.find((x) => x.sessionId.equals(s._id))
              cells[`in${k}`] = a?.inAt ? beijingDateTime(a.inAt) : ''
              if (s.checkout) cells[`out${k}`] = a?.outAt ? beijingDateTime(a.outAt) : ''
              hours += creditedHours(s, a)
            })
            cells.hours = hours
            return cells
          },
        },
      ],
      { log: this.d.log, what: 'training attendance' },
    )
    return { stream, fileName: `签到表-${t.title}.xlsx` }
  }

  private async training(id: string) {
    if (!Types.ObjectId.isValid(id)) throw trainingsErrors.notFound()
    const t = await TrainingModel.findById(id, { holders: 0 }).lean<TrainingDoc>()
    if (!t) throw trainingsErrors.notFound()
    return t
  }
}
